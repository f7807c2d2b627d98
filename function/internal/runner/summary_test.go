package runner_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// The line the Lambda logs (Lambda's JSON format: "timestamp", "message")
// and the line slog writes by default ("time", "msg") both read back.
func TestSummaryLineRoundTrip(t *testing.T) {
	rep := &syncer.Report{Counts: syncer.Counts{Seen: 5, Created: 2, Updated: 1, Ignored: 1, Failed: 1}, Duration: 1500 * time.Millisecond}
	for name, opts := range map[string]*slog.HandlerOptions{
		"lambda": {ReplaceAttr: lambdacontext.ReplaceAttr},
		"slog":   nil,
	} {
		for _, runErr := range []error{nil, fmt.Errorf("calendar: insert: %w", syncer.ErrInvalidGrant)} {
			var buf bytes.Buffer
			before := time.Now().Add(-time.Second)
			want := runner.NewSummary("prod", rep, runErr)
			want.Log(context.Background(), slog.New(slog.NewJSONHandler(&buf, opts)))
			got, ok := runner.ParseSummaryLine(bytes.TrimSpace(buf.Bytes()))
			if !ok {
				t.Fatalf("%s: not read back: %s", name, buf.Bytes())
			}
			if got.Summary != want || got.OK != (runErr == nil) || got.Time.Before(before) {
				t.Errorf("%s: read back %+v from %s, want %+v", name, got, buf.Bytes(), want)
			}
			if runErr != nil && (!got.InvalidGrant || got.Error != runErr.Error() || got.Fix != contract.FixInvalidGrant("prod")) {
				t.Errorf("%s: failed run read back as %+v", name, got)
			}
		}
	}
}

func TestParseSummaryLineOthers(t *testing.T) {
	for _, line := range []string{
		``, `START RequestId: 1`, `{"message":"sync run started"}`, `{"msg":"calendar: retrying"}`, `{"seen":3}`, `[1,2]`,
	} {
		if run, ok := runner.ParseSummaryLine([]byte(line)); ok {
			t.Errorf("%q read as a summary: %+v", line, run)
		}
	}
}

func TestNewSummaryWithoutReport(t *testing.T) {
	if s := runner.NewSummary("dev", nil, errors.New("x")); s.Error != "x" || s.InvalidGrant || s.Fix != "garoon-sync doctor --env dev" {
		t.Errorf("nil report: %+v", s)
	}
}

func TestFix(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("calendar: get: %w", syncer.ErrInvalidGrant), "garoon-sync authorize --client-secret credentials.json --out token.json && garoon-sync secret put --env prod --from-file token.json && rm token.json"},
		{fmt.Errorf("imap: %w", imapmail.ErrAuth), "garoon-sync secret put --env prod --ask gmail_password"},
		{fmt.Errorf("imap: %w", imapmail.ErrTokenRefused), "garoon-sync authorize --gmail --client-secret credentials.json --out token.json && garoon-sync secret put --env prod --from-file token.json && rm token.json"},
		{fmt.Errorf("%w: 11 delete notices, the limit is 10; nothing was changed", syncer.ErrTooManyDeletes), "garoon-sync run --env prod --dry-run --max-deletes -1"},
		{errors.New("connect: i/o timeout"), "garoon-sync doctor --env prod"},
	} {
		if got := runner.Fix(tc.err, "prod"); got != tc.want {
			t.Errorf("Fix(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// A run skipped for a setup step: a warning with the step's command, read
// back as not OK and not failed.
func TestSkippedSummaryLine(t *testing.T) {
	var buf bytes.Buffer
	want := runner.NewSkippedSummary("secret garoon-calendar-sync/dev has no value yet", contract.FixFillSecret("dev"))
	want.Log(context.Background(), slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: lambdacontext.ReplaceAttr})))
	if !bytes.Contains(buf.Bytes(), []byte(`"level":"WARN"`)) || bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Errorf("want one line at warn level: %s", buf.Bytes())
	}
	got, ok := runner.ParseSummaryLine(bytes.TrimSpace(buf.Bytes()))
	if !ok || got.OK || got.Error != "" || got.NotRun != want.NotRun || got.Fix != "garoon-sync secret put --env dev" {
		t.Errorf("read back %+v, ok %v, from %s", got, ok, buf.Bytes())
	}
}
