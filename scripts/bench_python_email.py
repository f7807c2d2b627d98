#!/usr/bin/env python3
"""The baseline for BenchmarkParse: Python's standard email package doing the
decode step alone (headers, RFC 2047 subject, transfer encoding and charset of
the text body) on the same mails. Prints ns/mail.

Usage: python3 scripts/bench_python_email.py DIR [DIR...]
"""
import email, email.policy, glob, os, sys, time

files = []
for d in sys.argv[1:] or ["function/internal/garoon/testdata/mail"]:
    files += sorted(glob.glob(os.path.join(d, "*.eml")))
mails = [open(f, "rb").read() for f in files]


def decode(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(msg["subject"])
    part = msg.get_body(("plain",))
    body = part.get_content() if part is not None else ""
    return subject, body


for m in mails:  # warm up, and prove every mail decodes
    decode(m)
rounds, n = 0, 0
start = time.perf_counter_ns()
while time.perf_counter_ns() - start < 2_000_000_000:
    for m in mails:
        decode(m)
    rounds += 1
elapsed = time.perf_counter_ns() - start
print("python email decode: %d mails x %d rounds, %.0f ns/mail" % (len(mails), rounds, elapsed / (rounds * len(mails))))
