package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

const doctorUsage = `Usage: garoon-sync doctor [--secret-file FILE] [--json]

Checks, one line each, what a sync run needs: the settings, the secret, the
Gmail login and mailbox (and how many Garoon notices wait there, read
without marking anything), and Google: the token refresh and the calendar.
Each FAIL says how to fix it. The exit status is 1 when anything failed.

Credentials come from --secret-file (or GAROON_SYNC_SECRET_FILE), else from
Secrets Manager (SECRET_ID or SECRET_NAME).

Examples:
  garoon-sync doctor --secret-file secret.json
  SECRET_ID=garoon-calendar-sync/prod garoon-sync doctor

Flags:
`

type check struct {
	Name   string `json:"name"`
	Status string `json:"status"` // OK, FAIL, SKIP
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

func cmdDoctor(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, doctorUsage); fs.PrintDefaults() }
	secretFile := fs.String("secret-file", "", "read the secret JSON from this file (overrides "+contract.EnvSecretFile+")")
	asJSON := fs.Bool("json", false, "print the checks as JSON")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	getenv := os.Getenv
	if *secretFile != "" {
		getenv = overlayEnv(os.Getenv, map[string]string{contract.EnvSecretFile: *secretFile})
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	checks := diagnose(ctx, getenv)
	failed := false
	for _, c := range checks {
		failed = failed || c.Status == "FAIL"
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(checks)
	} else {
		t := &table{header: []string{"CHECK", "STATUS", "DETAIL"}}
		for _, c := range checks {
			detail := c.Detail
			if c.Fix != "" {
				detail += " → " + c.Fix
			}
			t.add(c.Name, c.Status, detail)
		}
		t.write(stdout)
	}
	if failed {
		return exitFail
	}
	return exitOK
}

func diagnose(ctx context.Context, getenv func(string) string) []check {
	var out []check
	add := func(name, status, detail, fix string) { out = append(out, check{name, status, detail, fix}) }
	skipRest := func(names ...string) {
		for _, n := range names {
			add(n, "SKIP", "needs the checks above", "")
		}
	}

	s, err := runner.SettingsFromEnv(getenv)
	if err != nil {
		add("settings", "FAIL", err.Error(), "fix the environment variable named")
		skipRest("secret", "gmail", "google")
		return out
	}
	add("settings", "OK", "IMAP "+s.IMAPAddr+fmt.Sprintf(", lookback %d days", int(s.Lookback.Hours()/24)), "")

	src, err := secret.FromEnv(ctx, getenv)
	var creds secret.Credentials
	if err == nil {
		creds, err = src.Load(ctx)
	}
	if err != nil {
		add("secret", "FAIL", err.Error(), "fill it with `garoon-sync secret put --env <env>` or check "+contract.EnvSecretFile)
		skipRest("gmail", "google")
		return out
	}
	add("secret", "OK", fmt.Sprintf("complete: %s, sender %s, calendar %s, mailbox %s", creds.GmailAddress, creds.GaroonSender, creds.CalendarID, creds.IMAPMailbox), "")

	if mb, err := runner.NewMailbox(s, creds, nil); err != nil {
		add("gmail", "FAIL", err.Error(), "")
	} else {
		mails, err := mb.Fetch(ctx, creds.GaroonSender, time.Now().Add(-s.Lookback))
		mb.Close()
		switch {
		case errors.Is(err, imapmail.ErrAuth):
			add("gmail", "FAIL", "login refused", "create a Gmail app password (2-Step Verification on) and store it: `garoon-sync secret put --env <env> --ask gmail_password`")
		case err != nil:
			add("gmail", "FAIL", err.Error(), "check the network, "+contract.EnvIMAPAddr+" and imap_mailbox")
		default:
			add("gmail", "OK", fmt.Sprintf("login and mailbox %s work; %d unprocessed mails from %s in the window", creds.IMAPMailbox, len(mails), creds.GaroonSender), "")
		}
	}

	cal, err := runner.NewCalendar(s, creds, nil)
	if err == nil {
		_, err = cal.FindByKey(ctx, syncer.TitleKey("garoon-sync doctor"))
	}
	switch {
	case errors.Is(err, syncer.ErrInvalidGrant):
		add("google", "FAIL", "Google refused the refresh token (invalid_grant)", "run `garoon-sync authorize`, then `garoon-sync secret put --env <env>`")
	case err != nil:
		add("google", "FAIL", err.Error(), "check google_client_id/google_client_secret and calendar_id")
	default:
		add("google", "OK", "token refresh works; calendar "+creds.CalendarID+" is readable (write access shows in the first run)", "")
	}
	return out
}
