package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"garoon-calendar-sync/function/internal/fake"
	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/secret"
)

//go:embed demo/*.eml
var demoMails embed.FS

const demoUsage = `Usage: garoon-sync demo

Runs the real sync engine with the real IMAP and Google Calendar adapters
against in-process fakes: an IMAP server (TLS on 127.0.0.1) seeded with sample
Garoon mails, and a fake of the Calendar API and its OAuth token endpoint. No
account, no network. It shows three runs, as the Lambda would do them:

  1. the first day's mails: two adds, a repeating appointment, an RSVP (ignored)
  2. the next day's: an edit that moves a meeting, a delete of one occurrence,
     a forged mail from a look-alike sender (ignored), a delete
  3. a run with nothing new: nothing changes

Examples:
  garoon-sync demo
  make demo
`

// demoSender is the Garoon sender the sample mails come from.
const demoSender = "no-reply@cybozu.com"

func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, demoUsage); fs.PrintDefaults() }
	verbose := fs.Bool("v", false, "log each step to stderr")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if err := demo(stdout, stderr, *verbose); err != nil {
		fmt.Fprintf(stderr, "garoon-sync demo: %v\n", err)
		return exitFail
	}
	return exitOK
}

func demo(stdout, stderr io.Writer, verbose bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const user, pass = "you@example.com", "demo-app-password"
	imap, err := fake.StartIMAP(user, pass)
	if err != nil {
		return err
	}
	defer imap.Close()
	cal, err := fake.StartCalendar()
	if err != nil {
		return err
	}
	defer cal.Close()
	dir, err := os.MkdirTemp("", "garoon-sync-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	caFile, err := imap.WriteCAFile(dir)
	if err != nil {
		return err
	}

	// The same wiring the Lambda uses, pointed at the fakes through the
	// environment overrides of DESIGN.md.
	settings, err := runner.SettingsFromEnv(overlayEnv(func(string) string { return "" }, map[string]string{
		"GAROON_SYNC_IMAP_ADDR":         imap.Addr,
		"GAROON_SYNC_IMAP_CA_FILE":      caFile,
		"GAROON_SYNC_CALENDAR_ENDPOINT": cal.Endpoint,
		"GAROON_SYNC_TOKEN_URL":         cal.TokenURL,
		"GAROON_SYNC_ENV":               "demo",
	}))
	if err != nil {
		return err
	}
	creds, err := secret.Parse(fmt.Appendf(nil, `{"gmail_address":%q,"gmail_password":%q,"garoon_sender":%q,
		"google_refresh_token":%q,"google_client_id":%q,"google_client_secret":%q}`,
		user, pass, demoSender, fake.CalendarRefreshToken, fake.CalendarClientID, fake.CalendarClientSecret))
	if err != nil {
		return err
	}
	log := cliLogger(stderr, verbose)
	gcal, err := runner.NewCalendar(settings, creds, log)
	if err != nil {
		return err
	}

	names, err := fs.Glob(demoMails, "demo/*.eml")
	if err != nil {
		return err
	}
	slices.Sort(names)
	batches := [][]string{names[:4], names[4:], nil}
	titles := []string{
		"Run 1: the first day's notices arrive",
		"Run 2: the next day's notices arrive",
		"Run 3: nothing new; running again changes nothing",
	}
	received := time.Now().Add(-2 * time.Hour)
	for i, batch := range batches {
		fmt.Fprintf(stdout, "\n== %s ==\n", titles[i])
		for _, name := range batch {
			raw, err := demoMails.ReadFile(name)
			if err != nil {
				return err
			}
			received = received.Add(time.Minute)
			if err := imap.Append(raw, received); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "  mail %s\n", strings.TrimSuffix(path.Base(name), ".eml"))
		}
		fmt.Fprintln(stdout)
		rep, err := runner.Run(ctx, settings, creds, gcal, runner.Options{Logger: log})
		if rep != nil {
			if len(rep.Steps) > 0 {
				writeSteps(stdout, rep)
			}
			fmt.Fprintln(stdout, summary(rep))
		}
		if err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "\n== Google Calendar now ==\n")
	t := &table{header: []string{"WHEN (JST)", "TITLE", "REPEATS", "LOCATION", "ATTENDEES INVITED"}}
	for _, ev := range cal.Events() {
		t.add(eventWhen(ev), ev.Summary, repeatText(ev), ev.Location, invited(ev))
	}
	t.write(stdout)
	fmt.Fprintf(stdout, "\nCalendar API requests: %d list, %d get, %d insert, %d update, %d delete; OAuth token requests: %d.\n",
		cal.Count(fake.CalendarKindList), cal.Count(fake.CalendarKindGet), cal.Count(fake.CalendarKindInsert),
		cal.Count(fake.CalendarKindUpdate), cal.Count(fake.CalendarKindDelete), cal.Count(fake.CalendarKindToken))
	fmt.Fprintln(stdout, "Every write used sendUpdates=none: nobody was e-mailed. Mails are marked with the IMAP keyword GaroonSynced, not \\Seen.")
	return nil
}

func eventWhen(ev fake.CalendarEvent) string {
	if ev.AllDay {
		s, err1 := time.ParseInLocation("2006-01-02", ev.Start, jst)
		e, err2 := time.ParseInLocation("2006-01-02", ev.End, jst)
		if err1 != nil || err2 != nil {
			return ev.Start + " – " + ev.End
		}
		return when(s, e, true)
	}
	s, err1 := time.Parse(time.RFC3339, ev.Start)
	e, err2 := time.Parse(time.RFC3339, ev.End)
	if err1 != nil || err2 != nil {
		return ev.Start + " – " + ev.End
	}
	return when(s, e, false)
}

func repeatText(ev fake.CalendarEvent) string {
	if len(ev.Recurrence) == 0 {
		return ""
	}
	s := strings.TrimPrefix(strings.Join(ev.Recurrence, ","), "RRULE:")
	if n := len(ev.CancelledOccurrences); n > 0 {
		s += fmt.Sprintf(" (%d cancelled: %s)", n, strings.Join(ev.CancelledOccurrences, ","))
	}
	return s
}

func invited(ev fake.CalendarEvent) string {
	if len(ev.Attendees) == 0 || string(ev.Attendees) == "null" || string(ev.Attendees) == "[]" {
		return "none"
	}
	return string(ev.Attendees)
}
