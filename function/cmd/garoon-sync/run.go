package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"time"

	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

const runUsage = `Usage: garoon-sync run [flags]

Runs one sync, exactly as the Lambda function does: fetches the unprocessed
Garoon notices from Gmail, applies them to Google Calendar oldest first, and
marks the applied mails processed. With --dry-run it prints the plan and
changes nothing: no calendar writes, no IMAP flags.

The secret comes from --secret-file (or GAROON_SYNC_SECRET_FILE), else from
the Secrets Manager secret of --env NAME (or SECRET_ID / SECRET_NAME), read
with the usual AWS credentials.

Examples:
  garoon-sync run --dry-run --secret-file secret.json
  garoon-sync run --dry-run --env prod
  garoon-sync run --secret-file secret.json --max-deletes 40   # after reviewing a large cancellation

Flags:
`

// optionalInt is an int flag that records whether it was given, so "unset"
// needs no sentinel value: --max-deletes has no default of its own (the
// environment's or the engine's applies; runner.Options.MaxDeletes nil),
// and every number it takes, -1 included, means what it says.
type optionalInt struct {
	n   int
	set bool
}

func (o *optionalInt) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.Itoa(o.n)
}

func (o *optionalInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < -1 {
		return errors.New("want a number of deletes, or -1 for no limit")
	}
	o.n, o.set = n, true
	return nil
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run")
	dryRun := fs.Bool("dry-run", false, "print the plan; change nothing")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	env := fs.String("env", "", "deployed environment: use its secret "+contract.SecretName("NAME"))
	secretFile := fs.String("secret-file", "", "read the secret JSON from this file (overrides --env and "+contract.EnvSecretFile+")")
	var maxDeletes optionalInt
	fs.Var(&maxDeletes, "max-deletes", "override the mass-delete guard for this run: at most `N` deletes, -1 for no limit\n(unset: "+
		contract.EnvMaxDeletes+", else "+strconv.Itoa(contract.DefaultMaxDeletes)+")")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	verbose := fs.Bool("v", false, "log each step and retry to stderr (titles included)")
	if code, ok := parseFlags(fs, runUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "garoon-sync run: unexpected argument %q (see garoon-sync run --help)\n", fs.Arg(0))
		return exitUsage
	}
	getenv := overlayEnv(os.Getenv, secretFlags(*env, *secretFile))
	opt := runner.Options{DryRun: *dryRun, Logger: cliLogger(stderr, *verbose)}
	if maxDeletes.set {
		opt.MaxDeletes = &maxDeletes.n
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	rep, fix, err := runOnce(ctx, getenv, opt)
	if err != nil {
		// The failure first; the report only if the run got as far as
		// mails, and then without the zeros.
		fmt.Fprintf(stderr, "garoon-sync run: %v\n", err)
		if fix != "" {
			fmt.Fprintf(stderr, "fix: %s\n", fix)
		}
		if rep == nil || (rep.Seen == 0 && len(rep.Steps) == 0) {
			return exitFail
		}
	}
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			fmt.Fprintf(stderr, "garoon-sync run: %v\n", err)
			return exitFail
		}
	} else {
		writeSteps(stdout, rep)
		if err != nil {
			fmt.Fprintf(stdout, "before it failed: %s\n", rep.Brief())
		} else {
			fmt.Fprintln(stdout, summary(rep))
		}
	}
	if err != nil {
		return exitFail
	}
	return exitOK
}

// secretFlags is the environment --env and --secret-file stand for. A flag
// given beats the variables of the shell: --env clears
// GAROON_SYNC_SECRET_FILE, --secret-file beats --env.
func secretFlags(env, secretFile string) map[string]string {
	over := map[string]string{}
	if env != "" {
		over[contract.EnvSecretID] = contract.SecretName(env)
		over[contract.EnvSecretName] = ""
		over[contract.EnvEnvironment] = env
		over[contract.EnvSecretFile] = ""
	}
	if secretFile != "" {
		over[contract.EnvSecretFile] = secretFile
	}
	return over
}

// runOnce runs one sync with the Lambda's wiring (runner.Runner), settings
// and secret read from getenv. fix is the next step when it failed: for the
// secret when it could not be loaded, else for the run.
func runOnce(ctx context.Context, getenv func(string) string, opt runner.Options) (rep *syncer.Report, fix string, err error) {
	s, err := runner.SettingsFromEnv(getenv)
	if err != nil {
		return nil, "", err
	}
	src, place, err := secretSource(ctx, getenv)
	if err != nil {
		return nil, place.fixLoad(err), err
	}
	_, rep, err = runner.New(s, src, opt).Run(ctx)
	if errors.Is(err, runner.ErrSecret) {
		return nil, place.fixLoad(err), err
	}
	return rep, place.fixRun(err, runner.GmailOverOAuth(err)), err
}

func overlayEnv(base func(string) string, over map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := over[k]; ok {
			return v
		}
		return base(k)
	}
}

// cliLogger: without -v only errors; the table and the summary line say
// what happened, and retries of a call that finally failed (WARN) would
// only bury the one line that says why. -v shows every step and retry.
func cliLogger(w io.Writer, verbose bool) *slog.Logger {
	if !verbose {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
