// Command bootstrap is the Lambda function. EventBridge Scheduler invokes it
// every few minutes; each invocation is one sync run (runner.Runner.Handle):
//
//  1. load the credentials from Secrets Manager (cached while the function
//     stays warm),
//  2. fetch the unprocessed Garoon notices from Gmail over IMAP,
//  3. apply them to Google Calendar oldest first (internal/syncer),
//  4. mark the applied mails processed with an IMAP keyword,
//  5. write the metrics line (only when Google refused the token) and log
//     one summary line, which `garoon-sync doctor` reads.
//
// The invocation fails when anything failed, so Lambda's Errors metric, the
// alarms and the retries see it; a secret the stack created and nobody
// filled yet is a setup step, not a failure (a "sync run skipped" line
// names the command that fills it). Everything a run does is safe to
// repeat.
//
// Everything here is read once per cold start, from the environment the
// stack sets (names in shared/contract): the settings, the log level, where
// the secret lives.
package main

import (
	"context"
	"os"
	"runtime/debug"
	// The secret's garoon_time_zone is loaded with time.LoadLocation, which
	// reads the system's zoneinfo files (/usr/share/zoneinfo) and fails where
	// the image has none; time/tzdata embeds the database as the fallback
	// (https://pkg.go.dev/time/tzdata, https://pkg.go.dev/time#LoadLocation),
	// so the function does not depend on what the provided.al2023 image ships.
	_ "time/tzdata"

	"github.com/aws/aws-lambda-go/lambda"

	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/secret"
)

func main() {
	// The function has 128 MB: make the garbage collector keep the heap well
	// under it, rather than grow until Lambda kills the process.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
	r, err := newRunner(context.Background(), os.Getenv)
	if err != nil {
		// A configuration error: every invocation would fail the same way.
		// Report it on each invocation rather than crash-looping the runtime.
		lambda.Start(func(context.Context) error { return err })
		return
	}
	lambda.Start(r.Handle)
}

// newRunner builds the function's Runner: the settings, the logger at their
// level (lines go to stdout, which Lambda ships to CloudWatch Logs), and
// the Secrets Manager secret the stack names. The summary line and the
// metrics line go to the same place as the rest of the log.
func newRunner(ctx context.Context, getenv func(string) string) (*runner.Runner, error) {
	s, err := runner.SettingsFromEnv(getenv)
	log := runner.LambdaLogger(s.LogLevel) // info when the level itself is malformed
	if err != nil {
		log.Error("configuration", "error", err)
		return nil, err
	}
	src, err := secret.FromEnv(ctx, getenv)
	if err != nil {
		log.Error("configuration", "error", err)
		return nil, err
	}
	return runner.New(s, src, runner.Options{Logger: log, SummaryLog: log, Metrics: os.Stdout}), nil
}
