// Command bootstrap is the Lambda function. EventBridge Scheduler invokes it
// every few minutes; each invocation is one sync run:
//
//  1. load the credentials from Secrets Manager (cached while the function
//     stays warm),
//  2. fetch the unprocessed Garoon notices from Gmail over IMAP,
//  3. apply them to Google Calendar oldest first (internal/syncer),
//  4. mark the applied mails processed with an IMAP keyword,
//  5. log one summary line and write CloudWatch metrics.
//
// The invocation fails when anything failed, so Lambda's error metric, the
// alarms and the retries see it. Everything it does is safe to repeat.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"time"
	// The secret's garoon_time_zone is loaded with time.LoadLocation, which
	// reads the system's zoneinfo files (/usr/share/zoneinfo) and fails where
	// the image has none; time/tzdata embeds the database as the fallback
	// (https://pkg.go.dev/time/tzdata, https://pkg.go.dev/time#LoadLocation),
	// so the function does not depend on what the provided.al2023 image ships.
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

func main() {
	// The function has 128 MB: make the garbage collector keep the heap well
	// under it, rather than grow until Lambda kills the process.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
	log := lambdacontext.NewLogger()
	h, err := newHandler(context.Background(), os.Getenv, log)
	if err != nil {
		// A configuration error: every invocation would fail the same way.
		// Report it on each invocation rather than crash-looping the runtime.
		log.Error("configuration", "error", err)
		lambda.Start(func(context.Context) error { return err })
		return
	}
	lambda.Start(h.handle)
}

// handler holds what is built once per cold start.
type handler struct {
	settings runner.Settings
	secrets  secret.Source
	log      *slog.Logger

	mu      sync.Mutex
	cal     runner.Google
	calFrom secret.Credentials // the credentials cal was built with
}

func newHandler(ctx context.Context, getenv func(string) string, log *slog.Logger) (*handler, error) {
	s, err := runner.SettingsFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	src, err := secret.FromEnv(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return &handler{settings: s, secrets: secret.Cached(src, 5*time.Minute), log: log}, nil
}

// handle is one sync run. The event (Scheduler's payload) carries nothing the
// run needs; the response is the run's summary, which the log line repeats.
//
// A secret without a value (the stack creates it empty) is a setup step
// still to do, not a failure: the run logs one warning line with the
// command that fills it and succeeds, so a fresh deploy does not page every
// few minutes. Doctor reports the same step.
func (h *handler) handle(ctx context.Context) (runner.Summary, error) {
	rep, err := h.run(ctx)
	if errors.Is(err, secret.ErrNoValue) {
		sum := runner.NewSkippedSummary(err.Error(), contract.FixFillSecret(h.settings.Env))
		sum.Log(ctx, h.log)
		return sum, nil
	}
	if rep == nil {
		rep = &syncer.Report{}
	}
	if merr := runner.WriteMetrics(os.Stdout, h.settings.Env, err, time.Now()); merr != nil {
		h.log.ErrorContext(ctx, "write metrics", "error", merr)
	}
	sum := runner.NewSummary(h.settings.Env, rep, err)
	sum.Log(ctx, h.log)
	return sum, err
}

func (h *handler) run(ctx context.Context) (*syncer.Report, error) {
	creds, err := h.secrets.Load(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := h.calendar(creds)
	if err != nil {
		return nil, err
	}
	return runner.Run(ctx, h.settings, creds, cal, runner.Options{Logger: h.log})
}

// calendar reuses the Calendar client (and its access token, which Gmail's
// OAuth login shares) across warm invocations until the credentials change.
func (h *handler) calendar(creds secret.Credentials) (runner.Google, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cal != nil && h.calFrom == creds {
		return h.cal, nil
	}
	cal, err := runner.NewCalendar(h.settings, creds, h.log)
	if err != nil {
		return nil, err
	}
	h.cal, h.calFrom = cal, creds
	return cal, nil
}
