package main

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/fake/fakeimap"
	"garoon-calendar-sync/function/internal/fake/fakelogs"
	"garoon-calendar-sync/function/internal/fake/fakesecrets"
	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/shared/contract"
)

//go:embed demo/*.eml demo/serve/*.eml
var demoMails embed.FS

const demoUsage = `Usage: garoon-sync demo [--serve [--env-file FILE]] [-v]

Runs the real sync engine with the real IMAP, Google Calendar and Secrets
Manager adapters against in-process fakes: an IMAP server (TLS on 127.0.0.1)
seeded with sample Garoon mails, a fake of the Calendar API and its OAuth
token endpoint, a fake Secrets Manager holding the environment "demo"'s
secret, and a fake CloudWatch Logs that receives each run's summary line as
the Lambda would log it. No account, no network. It shows three runs:

  1. the first day's mails: two adds, a repeating appointment, an RSVP (ignored)
  2. the next day's: an edit that moves a meeting, a delete of one occurrence,
     a forged mail from a look-alike sender (ignored), a delete
  3. a run with nothing new: nothing changes

With --serve the fakes keep running afterwards, until Ctrl-C (exit status
0), with one more notice waiting in the mailbox, and FILE gets the
environment that points the CLI at them: in another terminal, "source FILE",
then try doctor, secret check or run --dry-run as against a real deployment
of the environment "demo". One demo --serve at a time owns FILE: a second one
started while the first runs is refused (give it another --env-file).

Examples:
  garoon-sync demo
  make demo
  garoon-sync demo --serve        # then, elsewhere: source the file it names; garoon-sync doctor --env demo

Flags:
`

// demoSender is the Garoon sender the sample mails come from; demoEnv is
// the environment name the fakes stand for.
const (
	demoSender = "no-reply@cybozu.com"
	demoEnv    = "demo"
)

// demoZone is the demo secret's Garoon zone: it sets no garoon_time_zone,
// so the default. The calendar table shows times in it, as the run tables
// do. (time/tzdata, imported in main.go, makes loading it infallible.)
var demoZone = func() *time.Location {
	z, err := time.LoadLocation(contract.DefaultTimeZone)
	if err != nil {
		panic(err)
	}
	return z
}()

func defaultDemoEnvFile() string { return filepath.Join(os.TempDir(), "garoon-sync-demo.env") }

func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo")
	verbose := fs.Bool("v", false, "log each step to stderr")
	serve := fs.Bool("serve", false, "keep the fakes running after the demo, until Ctrl-C")
	envFile := fs.String("env-file", defaultDemoEnvFile(), "with --serve: write the environment pointing at the fakes here")
	if code, ok := parseFlags(fs, demoUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "garoon-sync demo: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !*serve {
		*envFile = ""
	} else if err := envFileFree(*envFile); err != nil {
		fmt.Fprintf(stderr, "garoon-sync demo: %v\n", err)
		return exitFail
	}
	err := demo(ctx, stdout, stderr, *verbose, *envFile)
	if ctx.Err() != nil {
		// Ctrl-C is how the demo ends: success, whatever it was doing.
		fmt.Fprintln(stdout, "stopped.")
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "garoon-sync demo: %v\n", err)
		return exitFail
	}
	return exitOK
}

// demoWorld is the fakes the demo runs against and the environment that
// points the real code at them (the endpoint overrides of shared/contract).
type demoWorld struct {
	imap *fakeimap.Server
	cal  *fakecal.Server
	sm   *fakesecrets.Server
	logs *fakelogs.Server
	dir  string
	env  map[string]string
	// received is when the last mail delivered arrived.
	received time.Time
}

func startDemoWorld() (w *demoWorld, err error) {
	w = &demoWorld{received: time.Now().Add(-2 * time.Hour)}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	const user, pass = "you@example.com", "abcdefghijklmnop" // the form of a Gmail app password
	if w.imap, err = fakeimap.Start(user, pass); err != nil {
		return nil, err
	}
	if w.cal, err = fakecal.Start(); err != nil {
		return nil, err
	}
	// The demo's consent covers Gmail too, so a secret with gmail_auth
	// "oauth" reads the fake Gmail over XOAUTH2 with the fake's tokens.
	w.cal.GrantScopes(fakecal.CalendarScope, fakecal.GmailScope)
	w.imap.AcceptTokensOf(w.cal)
	secretJSON, err := json.Marshal(map[string]string{
		contract.KeyGmailAddress: user, contract.KeyGmailPassword: pass, contract.KeyGaroonSender: demoSender,
		contract.KeyGoogleRefreshToken: fakecal.RefreshToken, contract.KeyGoogleClientID: fakecal.ClientID,
		contract.KeyGoogleClientSecret: fakecal.ClientSecret,
	})
	if err != nil {
		return nil, err
	}
	if w.sm, err = fakesecrets.Start(map[string]string{contract.SecretName(demoEnv): string(secretJSON)}); err != nil {
		return nil, err
	}
	if w.logs, err = fakelogs.Start(contract.LogGroupName(demoEnv)); err != nil {
		return nil, err
	}
	if w.dir, err = os.MkdirTemp("", "garoon-sync-demo-"); err != nil {
		return nil, err
	}
	caFile, err := w.imap.WriteCAFile(w.dir)
	if err != nil {
		return nil, err
	}
	w.env = map[string]string{
		contract.EnvIMAPAddr:          w.imap.Addr,
		contract.EnvIMAPCAFile:        caFile,
		contract.EnvCalendarEndpoint:  w.cal.Endpoint,
		contract.EnvTokenURL:          w.cal.TokenURL,
		contract.EnvEnvironment:       demoEnv,
		contract.EnvSecretID:          contract.SecretName(demoEnv),
		contract.EnvSecretsManagerURL: w.sm.URL,
		contract.EnvLogsURL:           w.logs.URL,
		// The fakes want SigV4-signed requests and check no signature.
		"AWS_REGION":            fakesecrets.Region,
		"AWS_ACCESS_KEY_ID":     "AKIDDEMO",
		"AWS_SECRET_ACCESS_KEY": "demo-not-a-secret",
	}
	return w, nil
}

func (w *demoWorld) close() {
	if w.imap != nil {
		_ = w.imap.Close()
	}
	if w.cal != nil {
		_ = w.cal.Close()
	}
	if w.sm != nil {
		_ = w.sm.Close()
	}
	if w.logs != nil {
		_ = w.logs.Close()
	}
	if w.dir != "" {
		_ = os.RemoveAll(w.dir)
	}
}

// getenv is the demo's environment: nothing from the process, so a real
// SECRET_ID or AWS profile cannot leak in.
func (w *demoWorld) getenv(k string) string { return w.env[k] }

// envFileFree refuses an env file that another demo --serve still uses:
// its IMAP fake still answers. One left by a demo that was killed is
// free.
func envFileFree(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var addr, pid string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "export "+contract.EnvIMAPAddr+"="); ok {
			addr = strings.Trim(v, "'")
		}
		if v, ok := strings.CutPrefix(line, "# pid "); ok {
			pid = v
		}
	}
	if addr == "" {
		return nil
	}
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil
	}
	conn.Close()
	return fmt.Errorf("another demo --serve (pid %s, its fakes on %s) is running and uses %s: "+
		"stop it with Ctrl-C in its terminal, or give this one a file of its own: --env-file FILE", cmp.Or(pid, "?"), addr, path)
}

// writeEnvFile writes the environment as shell exports, and unsets what
// would point the CLI elsewhere. It returns what it wrote.
func (w *demoWorld) writeEnvFile(path string) ([]byte, error) {
	var b strings.Builder
	b.WriteString("# garoon-sync demo --serve: points garoon-sync at the demo's fakes while they run.\n")
	fmt.Fprintf(&b, "# pid %d\n", os.Getpid())
	b.WriteString("# Use it in a shell of its own: it replaces AWS credentials with dummies.\n")
	for _, k := range slices.Sorted(maps.Keys(w.env)) {
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(w.env[k]))
	}
	fmt.Fprintf(&b, "unset AWS_PROFILE AWS_SESSION_TOKEN %s %s\n", contract.EnvSecretFile, contract.EnvSecretName)
	return []byte(b.String()), writeFileAtomic(path, []byte(b.String()))
}

// removeEnvFile removes path if it still holds what this demo wrote.
func removeEnvFile(path string, wrote []byte) {
	if b, err := os.ReadFile(path); err == nil && bytes.Equal(b, wrote) {
		_ = os.Remove(path)
	}
}

// cliCommand is how the person ran this binary, for the commands the demo
// suggests: the path they typed, or `go run` for a binary go run built.
func cliCommand() string {
	if strings.Contains(os.Args[0], "go-build") || filepath.Base(os.Args[0]) != "garoon-sync" {
		return "go run ./function/cmd/garoon-sync"
	}
	return os.Args[0]
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func demo(ctx context.Context, stdout, stderr io.Writer, verbose bool, serveEnvFile string) error {
	w, err := startDemoWorld()
	if err != nil {
		return err
	}
	defer w.close()
	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r, err := w.runner(runCtx, cliLogger(stderr, verbose))
	if err != nil {
		return err
	}
	if err := demoRuns(runCtx, stdout, w, r); err != nil {
		return err
	}
	writeCalendar(stdout, w.cal)
	if serveEnvFile == "" {
		return nil
	}
	return serveDemo(ctx, stdout, w, serveEnvFile)
}

// runner is the Lambda's wiring pointed at the fakes: settings and secret
// read from the demo's environment, and each run's summary line and
// metrics line written to the fake CloudWatch Logs in Lambda's JSON log
// format, as the function writes them (where doctor finds the last run).
func (w *demoWorld) runner(ctx context.Context, log *slog.Logger) (*runner.Runner, error) {
	settings, err := runner.SettingsFromEnv(w.getenv)
	if err != nil {
		return nil, err
	}
	src, err := secret.FromEnv(ctx, w.getenv)
	if err != nil {
		return nil, err
	}
	logs := w.logs.Writer(contract.LogGroupName(demoEnv), "demo")
	lambdaLog := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr}))
	return runner.New(settings, src, runner.Options{Logger: log, SummaryLog: lambdaLog, Metrics: logs}), nil
}

// demoRuns delivers the sample mails in three batches, a run after each,
// and prints what each run did.
func demoRuns(ctx context.Context, stdout io.Writer, w *demoWorld, r *runner.Runner) error {
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
	for i, batch := range batches {
		fmt.Fprintf(stdout, "\n== %s ==\n", titles[i])
		if err := w.deliver(batch); err != nil {
			return err
		}
		for _, name := range batch {
			fmt.Fprintf(stdout, "  mail %s\n", strings.TrimSuffix(path.Base(name), ".eml"))
		}
		fmt.Fprintln(stdout)
		_, rep, err := r.Run(ctx)
		if rep != nil {
			writeSteps(stdout, rep)
			fmt.Fprintln(stdout, summary(rep))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deliver appends the embedded mails named to the fake mailbox, received a
// minute apart after the last ones.
func (w *demoWorld) deliver(names []string) error {
	for _, name := range names {
		raw, err := demoMails.ReadFile(name)
		if err != nil {
			return err
		}
		w.received = w.received.Add(time.Minute)
		if err := w.imap.Append(raw, w.received); err != nil {
			return err
		}
	}
	return nil
}

// writeCalendar prints the fake calendar's events and the requests it got.
func writeCalendar(stdout io.Writer, cal *fakecal.Server) {
	fmt.Fprintf(stdout, "\n== Google Calendar now ==\n")
	t := &table{header: []string{whenHeader(demoZone), "TITLE", "REPEATS", "LOCATION", "ATTENDEES INVITED"}}
	for _, ev := range cal.Events() {
		t.add(eventWhen(ev), ev.Summary, repeatText(ev), ev.Location, invited(ev))
	}
	t.write(stdout)
	fmt.Fprintf(stdout, "\nCalendar API requests: %d list, %d get, %d insert, %d update, %d delete; OAuth token requests: %d.\n",
		cal.Count(fakecal.KindList), cal.Count(fakecal.KindGet), cal.Count(fakecal.KindInsert),
		cal.Count(fakecal.KindUpdate), cal.Count(fakecal.KindDelete), cal.Count(fakecal.KindToken))
	fmt.Fprintln(stdout, "Every write used sendUpdates=none: nobody was e-mailed. Mails are marked with the IMAP keyword GaroonSynced, not \\Seen.")
}

// serveDemo delivers one more notice, writes the env file that points the
// CLI at the fakes, and keeps them running until ctx ends (Ctrl-C).
func serveDemo(ctx context.Context, stdout io.Writer, w *demoWorld, envFile string) error {
	// One more notice arrives after the last run, so that doctor counts
	// it and run --dry-run has a plan to show.
	later, err := fs.Glob(demoMails, "demo/serve/*.eml")
	if err != nil {
		return err
	}
	if err := w.deliver(later); err != nil {
		return err
	}
	wrote, err := w.writeEnvFile(envFile)
	if err != nil {
		return err
	}
	defer removeEnvFile(envFile, wrote)
	fmt.Fprintf(stdout, `
== The fakes keep running until Ctrl-C ==
%[4]d new notice waits in the fake mailbox. In another terminal, from the
repository, point the CLI at the fakes and use it as against a deployed
environment named %[2]q:

  source %[1]s
  %[3]s doctor --env %[2]s
  %[3]s secret check --env %[2]s
  %[3]s run --dry-run --env %[2]s
`, shellWord(envFile), demoEnv, cliCommand(), len(later))
	<-ctx.Done()
	return nil
}

func eventWhen(ev fakecal.Event) string {
	if ev.AllDay {
		s, err1 := time.ParseInLocation("2006-01-02", ev.Start, demoZone)
		e, err2 := time.ParseInLocation("2006-01-02", ev.End, demoZone)
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
	return when(s.In(demoZone), e, false)
}

func repeatText(ev fakecal.Event) string {
	if len(ev.Recurrence) == 0 {
		return ""
	}
	s := strings.TrimPrefix(strings.Join(ev.Recurrence, ","), "RRULE:")
	if n := len(ev.CancelledOccurrences); n > 0 {
		when := make([]string, n)
		for i, id := range ev.CancelledOccurrences {
			when[i] = occurrenceText(id)
		}
		s += fmt.Sprintf(" (%d cancelled: %s)", n, strings.Join(when, ", "))
	}
	return s
}

// occurrenceText shows an instance id suffix (20261208T000000Z, or 20261208
// for all-day series) as the table shows times: in demoZone.
func occurrenceText(id string) string {
	if t, err := time.Parse("20060102T150405Z", id); err == nil {
		return t.In(demoZone).Format("2006-01-02 15:04")
	}
	if t, err := time.Parse("20060102", id); err == nil {
		return t.Format("2006-01-02")
	}
	return id
}

func invited(ev fakecal.Event) string {
	if len(ev.Attendees) == 0 || string(ev.Attendees) == "null" || string(ev.Attendees) == "[]" {
		return "none"
	}
	return string(ev.Attendees)
}
