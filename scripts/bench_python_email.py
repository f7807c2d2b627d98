#!/usr/bin/env python3
"""The baseline for the Go parser's benchmarks: Python's standard email
package doing the decode step alone on the same mails (header parsing, the
RFC 2047 subject, and the text body's transfer encoding and charset, with
email.policy.default). Prints ns/mail.

Usage: python3 scripts/bench_python_email.py [DIR...]

BenchmarkParse and BenchmarkDecode read the example mails and the mails the
parser's tests build; `make bench` writes those to a temporary directory
(GAROON_CORPUS_DIR=DIR go test ./function/internal/garoon -run
'^TestWriteCorpus$') and passes it here, so both sides time the same mails.
Without arguments it reads only function/internal/garoon/testdata/examples.
Compare with

  go test ./function/internal/garoon -run '^$' -bench 'Parse|Decode' -benchmem
"""
import email
import email.policy
import glob
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIRS = [os.path.join(ROOT, "function", "internal", "garoon", "testdata", "examples")]


def decode(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(msg["subject"])
    part = msg.get_body(("plain",))
    body = part.get_content() if part is not None else ""
    return subject, body


def main(dirs):
    files = []
    for d in dirs:
        files += sorted(glob.glob(os.path.join(d, "*.eml")))
    if not files:
        print("no .eml files in " + ", ".join(dirs), file=sys.stderr)
        return 2
    mails = [open(f, "rb").read() for f in files]
    for m in mails:  # warm up, and prove every mail decodes
        decode(m)
    rounds = 0
    start = time.perf_counter_ns()
    while time.perf_counter_ns() - start < 2_000_000_000:
        for m in mails:
            decode(m)
        rounds += 1
    elapsed = time.perf_counter_ns() - start
    print("python email decode: %d mails x %d rounds, %.0f ns/mail"
          % (len(mails), rounds, elapsed / (rounds * len(mails))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [d for d in DEFAULT_DIRS if os.path.isdir(d)]))
