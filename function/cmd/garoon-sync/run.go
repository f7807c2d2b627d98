package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

const runUsage = `Usage: garoon-sync run [flags]

Runs one sync, exactly as the Lambda function does: fetches the unprocessed
Garoon notices from Gmail, applies them to Google Calendar oldest first, and
marks the applied mails processed. With --dry-run it prints the plan and
changes nothing: no calendar writes, no IMAP flags.

Credentials come from --secret-file (or GAROON_SYNC_SECRET_FILE), else from
Secrets Manager (SECRET_ID or SECRET_NAME, with the usual AWS credentials).

Examples:
  garoon-sync run --dry-run --secret-file secret.json
  SECRET_ID=garoon-calendar-sync/prod garoon-sync run --json
  garoon-sync run --secret-file secret.json --max-deletes 40   # after reviewing a large cancellation

Flags:
`

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, runUsage); fs.PrintDefaults() }
	dryRun := fs.Bool("dry-run", false, "print the plan; change nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	secretFile := fs.String("secret-file", "", "read the secret JSON from this file (overrides "+contract.EnvSecretFile+")")
	maxDeletes := fs.Int("max-deletes", -2, "override the mass-delete guard (-1: no limit; default "+contract.EnvMaxDeletes+" or 10)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	verbose := fs.Bool("v", false, "log each step to stderr (titles included)")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "garoon-sync run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	getenv := os.Getenv
	if *secretFile != "" {
		getenv = overlayEnv(os.Getenv, map[string]string{contract.EnvSecretFile: *secretFile})
	}
	opt := runner.Options{DryRun: *dryRun, Logger: cliLogger(stderr, *verbose)}
	if *maxDeletes != -2 {
		opt.MaxDeletes = maxDeletes
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	rep, err := runOnce(ctx, getenv, opt)
	if rep != nil {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				fmt.Fprintf(stderr, "garoon-sync run: %v\n", err)
				return exitFail
			}
		} else {
			writeSteps(stdout, rep)
			fmt.Fprintln(stdout, summary(rep))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "garoon-sync run: %v\n", err)
		return exitFail
	}
	return exitOK
}

// runOnce loads settings and credentials the way the Lambda does and runs.
func runOnce(ctx context.Context, getenv func(string) string, opt runner.Options) (*syncer.Report, error) {
	s, err := runner.SettingsFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	src, err := secret.FromEnv(ctx, getenv)
	if err != nil {
		return nil, err
	}
	creds, err := src.Load(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := runner.NewCalendar(s, creds, opt.Logger)
	if err != nil {
		return nil, err
	}
	return runner.Run(ctx, s, creds, cal, opt)
}

func overlayEnv(base func(string) string, over map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := over[k]; ok {
			return v
		}
		return base(k)
	}
}

func cliLogger(w io.Writer, verbose bool) *slog.Logger {
	if !verbose {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// flagExit maps a flag parsing error: --help is success, the rest is usage.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
