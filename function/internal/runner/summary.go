package runner

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// The one line each Lambda run logs at its end. `garoon-sync doctor` finds
// the last one in CloudWatch Logs by these messages, so they are part of the
// contract between the function and the CLI.
const (
	SummaryMessage       = "sync run"
	SummaryFailedMessage = "sync run failed"
	// SummarySkippedMessage: the run did not start for a reason that is a
	// setup step, not a failure (the secret has no value yet). Logged at
	// warn level, and the invocation succeeds: no error alarm.
	SummarySkippedMessage = "sync run skipped"
)

// Summary is a run's outcome: the fields of its summary line, and the Lambda
// invocation's response.
type Summary struct {
	syncer.Counts
	DurationMS   int64  `json:"duration_ms"`
	InvalidGrant bool   `json:"invalid_grant,omitempty"`
	Error        string `json:"error,omitempty"`
	Fix          string `json:"fix,omitempty"`     // the command that fixes Error (see Fix), or the NotRun step
	NotRun       string `json:"not_run,omitempty"` // why the run did not start (SummarySkippedMessage)
}

// NewSkippedSummary is a run that did not start because a setup step is
// missing: reason says which, fix is the command that does it.
func NewSkippedSummary(reason, fix string) Summary {
	return Summary{NotRun: reason, Fix: fix}
}

// NewSummary sums up a run of the environment env; rep may be nil when the
// run did not start.
func NewSummary(env string, rep *syncer.Report, runErr error) Summary {
	if rep == nil {
		rep = &syncer.Report{}
	}
	s := Summary{Counts: rep.Counts, DurationMS: rep.Duration.Milliseconds()}
	if runErr != nil {
		s.Error = runErr.Error()
		s.InvalidGrant = errors.Is(runErr, syncer.ErrInvalidGrant)
		s.Fix = Fix(runErr, env)
	}
	return s
}

// Fix is the command a person runs when a run of env failed with err:
// replace the Google token (with the Gmail scope again when Gmail uses it),
// replace the Gmail app password, look at the deletes the mass-delete guard
// held back, or let doctor find the problem.
func Fix(err error, env string) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syncer.ErrInvalidGrant) && GmailOverOAuth(err),
		errors.Is(err, imapmail.ErrTokenRefused):
		return contract.FixInvalidGrantGmail(env)
	case errors.Is(err, syncer.ErrInvalidGrant):
		return contract.FixInvalidGrant(env)
	case errors.Is(err, imapmail.ErrAuth):
		return contract.FixGmailLogin(env)
	case errors.Is(err, syncer.ErrTooManyDeletes):
		return contract.FixTooManyDeletes(env)
	}
	return contract.FixDiagnose(env)
}

// Log writes the summary line: SummaryMessage at info level,
// SummaryFailedMessage at error level when the run failed, or
// SummarySkippedMessage at warn level when it did not start.
func (s Summary) Log(ctx context.Context, log *slog.Logger) {
	if s.NotRun != "" {
		log.WarnContext(ctx, SummarySkippedMessage, "not_run", s.NotRun, "fix", s.Fix)
		return
	}
	var attrs []any
	for _, c := range s.List() {
		attrs = append(attrs, c.Key, c.N)
	}
	attrs = append(attrs, "duration_ms", s.DurationMS)
	if s.Error == "" {
		log.InfoContext(ctx, SummaryMessage, attrs...)
		return
	}
	if s.InvalidGrant {
		attrs = append(attrs, "invalid_grant", true)
	}
	log.ErrorContext(ctx, SummaryFailedMessage, append(attrs, "error", s.Error, "fix", s.Fix)...)
}

// LoggedRun is a summary line read back from the logs.
type LoggedRun struct {
	Time time.Time
	OK   bool
	Summary
}

// ParseSummaryLine reads a summary line as the Lambda logs it (JSON, the
// message under "message" as in Lambda's JSON log format, or "msg" as slog
// writes it). ok is false for any other line.
func ParseSummaryLine(line []byte) (run LoggedRun, ok bool) {
	var rec struct {
		Message   *string   `json:"message"`
		Msg       *string   `json:"msg"`
		Timestamp time.Time `json:"timestamp"`
		Time      time.Time `json:"time"`
		Summary
	}
	if json.Unmarshal(line, &rec) != nil {
		return LoggedRun{}, false
	}
	msg := rec.Message
	if msg == nil {
		msg = rec.Msg
	}
	if msg == nil || *msg != SummaryMessage && *msg != SummaryFailedMessage && *msg != SummarySkippedMessage {
		return LoggedRun{}, false
	}
	t := rec.Timestamp
	if t.IsZero() {
		t = rec.Time
	}
	return LoggedRun{Time: t, OK: *msg == SummaryMessage, Summary: rec.Summary}, true
}
