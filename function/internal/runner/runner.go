package runner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// Runner is one deployment's sync, built once and run many times: by the
// Lambda on every invocation while the function stays warm, by the CLI
// (run, demo) once or a few times. It keeps what is worth keeping between
// runs: the secret, and the Calendar client with its access token.
type Runner struct {
	settings Settings
	secrets  secret.Source
	opt      Options

	mu      sync.Mutex
	cal     Google
	calFrom secret.Credentials // the credentials cal was built with
}

// Options are the caller's choices for every run of a Runner.
type Options struct {
	DryRun bool
	// MaxDeletes overrides Settings.MaxDeletes when set (the CLI's --max-deletes).
	MaxDeletes *int
	// Logger gets the run's step lines; nil: none.
	Logger *slog.Logger
	// SummaryLog gets the summary line of each run (Summary.Log), and
	// Metrics its CloudWatch embedded-metric line (WriteMetrics), as the
	// Lambda writes them to CloudWatch Logs; nil: none (the CLI prints its
	// own report instead).
	SummaryLog *slog.Logger
	Metrics    io.Writer
	Now        func() time.Time
}

// secretTTL is how long a warm function reuses the secret it loaded: a
// value put with `garoon-sync secret put` is read within five minutes,
// and Secrets Manager sees one request per five minutes at most.
const secretTTL = 5 * time.Minute

// New returns the Runner of the settings, reading the credentials from src.
func New(s Settings, src secret.Source, opt Options) *Runner {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{settings: s, secrets: secret.Cached(src, secretTTL), opt: opt}
}

// Run is one sync run: load the secret, fetch the unprocessed notices,
// apply them to the calendar oldest first, mark the applied mails, then
// write the metrics line and log the summary line (where Options say). It
// returns the summary, the report of what the run did with each mail (nil
// when it did not start) and the run's error.
//
// A secret without a value (the stack creates it empty) is a setup step
// still to do: the summary says so (NotRun, with the command that fills
// it, logged at warn level) and the error is secret.ErrNoValue, which
// Handle does not count as a failure.
func (r *Runner) Run(ctx context.Context) (Summary, *syncer.Report, error) {
	rep, err := r.sync(ctx)
	if errors.Is(err, secret.ErrNoValue) {
		sum := NewSkippedSummary(err.Error(), contract.FixFillSecret(r.settings.Env))
		r.logSummary(ctx, sum)
		return sum, nil, err
	}
	if r.opt.Metrics != nil {
		if merr := WriteMetrics(r.opt.Metrics, r.settings.Env, err, r.now()); merr != nil {
			r.opt.Logger.ErrorContext(ctx, "write metrics", "error", merr)
		}
	}
	sum := NewSummary(r.settings.Env, rep, err)
	r.logSummary(ctx, sum)
	return sum, rep, err
}

// Handle is the Lambda handler: one Run. The event (Scheduler's payload)
// carries nothing the run needs; the response is the run's summary, which
// the log line repeats. The invocation fails when the run failed, so
// Lambda's Errors metric, the alarms and the retries see it, except when
// the run did not start for a setup step: a fresh deploy with an empty
// secret does not page every few minutes (doctor reports the same step).
func (r *Runner) Handle(ctx context.Context) (Summary, error) {
	sum, _, err := r.Run(ctx)
	if sum.NotRun != "" {
		return sum, nil
	}
	return sum, err
}

func (r *Runner) sync(ctx context.Context) (*syncer.Report, error) {
	creds, err := r.secrets.Load(ctx)
	if err != nil {
		return nil, secretError{err}
	}
	cal, err := r.calendar(creds)
	if err != nil {
		return nil, err
	}
	rep, err := runEngine(ctx, r.settings, creds, cal, r.opt)
	if err != nil && creds.GmailOAuth() {
		err = gmailOAuthError{err}
	}
	return rep, err
}

// calendar reuses the Calendar client (and its access token, which Gmail's
// OAuth login shares) across runs until the credentials change.
func (r *Runner) calendar(creds secret.Credentials) (Google, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cal != nil && r.calFrom == creds {
		return r.cal, nil
	}
	cal, err := NewCalendar(r.settings, creds, r.opt.Logger)
	if err != nil {
		return nil, err
	}
	r.cal, r.calFrom = cal, creds
	return cal, nil
}

func (r *Runner) logSummary(ctx context.Context, sum Summary) {
	if r.opt.SummaryLog != nil {
		sum.Log(ctx, r.opt.SummaryLog)
	}
}

func (r *Runner) now() time.Time {
	if r.opt.Now != nil {
		return r.opt.Now()
	}
	return time.Now()
}

// ErrSecret marks the error of a run that did not start because the
// secret could not be loaded (secret.ErrNoValue among others); the error's
// message is the source's own. The CLI tells by it which next step to
// name: one for the secret, or one for the run.
var ErrSecret = errors.New("the secret could not be loaded")

type secretError struct{ error }

func (e secretError) Is(target error) bool { return target == ErrSecret }
func (e secretError) Unwrap() error        { return e.error }
