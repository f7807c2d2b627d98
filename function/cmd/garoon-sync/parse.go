package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"garoon-calendar-sync/function/internal/garoon"
	"garoon-calendar-sync/shared/contract"
)

const parseUsage = `Usage: garoon-sync parse [--sender ADDR] [--time-zone IANA] [--explain] FILE.eml...

Parses Garoon schedule-notification mails and prints one JSON object per file,
one per line, in the schema of docs/garoon-mails.md §9, with the file name in
"file" and, for a mail the sync would ignore, why in "reason". A file that
cannot be read or decoded gets a one-line error on stderr naming the file and
the body line; the exit status is then 1.

Without --sender, a mail counts as Garoon's when it comes from
no-reply@cybozu.com or no-reply@cybozu.cn or carries Garoon's X-Mailer. With
--sender, only mails from that address are acted on (the others print action
"ignore").

Garoon writes times in the recipient's Garoon time zone without saying which:
give yours with --time-zone (the secret's garoon_time_zone; default
Asia/Tokyo). Repeat periods (period_start, period_end) are never shifted.

--explain prints, instead of JSON, every line of the mail body and what the
parser took from it, in plain words: the tool to use when an event did not
appear as expected.

Examples:
  garoon-sync parse notice.eml
  garoon-sync parse --time-zone America/Los_Angeles notice.eml
  garoon-sync parse --explain notice.eml
  garoon-sync parse --sender garoon@corp.example.jp mails/*.eml | jq .title

Flags:
`

func cmdParse(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("parse")
	sender := fs.String("sender", "", "the Garoon sender address (default: cybozu.com's or Garoon's X-Mailer)")
	zoneName := fs.String("time-zone", contract.DefaultTimeZone, "your Garoon time zone, an IANA name (the secret's "+contract.KeyTimeZone+")")
	explain := fs.Bool("explain", false, "print which body line gave which field, in plain words, instead of JSON")
	if code, ok := parseFlags(fs, parseUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "garoon-sync parse: no mail files given\n\n")
		printUsage(stderr, fs, parseUsage)
		return exitUsage
	}
	zone, err := time.LoadLocation(*zoneName)
	if err != nil || *zoneName == "" {
		fmt.Fprintf(stderr, "garoon-sync parse: --time-zone %q is not an IANA time zone name (e.g. Asia/Tokyo, America/Los_Angeles)\n", *zoneName)
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
		n, err := garoon.Parse(raw, garoon.Options{Sender: *sender, Zone: zone, Explain: *explain})
		if err != nil {
			fmt.Fprintf(stderr, "garoon-sync parse: %s: %v\n", name, err)
			code = exitFail
			continue
		}
		rec := n.Record()
		rec.File = name
		if *explain {
			explainNotice(stdout, name, n, rec)
			continue
		}
		if err := enc.Encode(rec); err != nil {
			fmt.Fprintf(stderr, "garoon-sync parse: %s: %v\n", name, err)
			code = exitFail
		}
	}
	return code
}

// explainNotice prints a notice in plain words: where it came from, what
// the subject says, each body line and its meaning, and the result.
func explainNotice(w io.Writer, name string, n *garoon.Notice, rec garoon.Record) {
	fmt.Fprintf(w, "%s\n", name)
	fmt.Fprintf(w, "  from      %s\n", n.From)
	fmt.Fprintf(w, "  subject   %s\n", n.Subject)
	if !n.Date.IsZero() {
		fmt.Fprintf(w, "  sent      %s (the Date header, in your zone: year-less dates take the nearest year)\n", n.Date.Format("2006-01-02 15:04 MST"))
	}
	if rec.Action == garoon.ActionIgnore {
		fmt.Fprintf(w, "  => ignored: %s\n", rec.Reason)
	} else {
		fmt.Fprintf(w, "  => %s (%s notice, language %s, from the subject tag and the labels)\n", rec.Action, rec.Kind, rec.Language)
	}
	for _, e := range n.Explain {
		fmt.Fprintf(w, "  line %-3d %s\n           -> %s\n", e.Line, e.Text, e.Meaning)
	}
	if rec.Action == garoon.ActionIgnore {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "  menu      %q\n  title     %q\n", rec.Menu, rec.Title)
	when := rec.Start + " to " + rec.End
	if rec.AllDay {
		when += " (all day; the end day is exclusive)"
	}
	fmt.Fprintf(w, "  when      %s\n", when)
	if len(rec.Recurrence) > 0 {
		fmt.Fprintf(w, "  repeats   %s (period %s to %s, as written; the start is the first occurrence in it)\n",
			strings.Join(rec.Recurrence, " "), rec.PeriodStart, rec.PeriodEnd)
	}
	for i, c := range rec.Candidates {
		fac := ""
		if c.Facility != "" {
			fac = " at " + c.Facility
		}
		fmt.Fprintf(w, "  candidate %d: %s to %s%s\n", i+1, c.Start, c.End, fac)
	}
	fmt.Fprintf(w, "  attendees %s\n", strings.Join(rec.Attendees, ", "))
	if len(rec.Facilities) > 0 {
		fmt.Fprintf(w, "  facilities %s\n", strings.Join(rec.Facilities, ", "))
	}
	if len(rec.Attachments) > 0 {
		fmt.Fprintf(w, "  attachments %s\n", strings.Join(rec.Attachments, ", "))
	}
	fmt.Fprintln(w)
}
