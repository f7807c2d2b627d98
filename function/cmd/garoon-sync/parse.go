package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"garoon-calendar-sync/function/internal/garoon"
)

const parseUsage = `Usage: garoon-sync parse [--sender ADDR] FILE.eml...

Parses Garoon schedule-notification mails and prints one JSON object per file,
one per line, in the schema of shared/garoon/FORMAT.md. A file that cannot be
read or decoded gets a one-line error on stderr; the exit status is then 1.

Without --sender, a mail counts as Garoon's when it comes from
no-reply@cybozu.com or carries Garoon's X-Mailer. With --sender, only mails
from that address are acted on (the others print action "ignore").

Examples:
  garoon-sync parse notice.eml
  garoon-sync parse --sender garoon@corp.example.jp mails/*.eml | jq .title

Flags:
`

func cmdParse(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, parseUsage); fs.PrintDefaults() }
	sender := fs.String("sender", "", "the Garoon sender address (default: cybozu.com's or Garoon's X-Mailer)")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	code := exitOK
	for _, name := range fs.Args() {
		raw, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "garoon-sync parse: %v\n", err)
			code = exitFail
			continue
		}
		n, err := garoon.Parse(raw, garoon.Options{Sender: *sender})
		if err != nil {
			fmt.Fprintf(stderr, "garoon-sync parse: %s: %v\n", name, err)
			code = exitFail
			continue
		}
		if err := enc.Encode(n.Record()); err != nil {
			fmt.Fprintf(stderr, "garoon-sync parse: %s: %v\n", name, err)
			code = exitFail
		}
	}
	return code
}
