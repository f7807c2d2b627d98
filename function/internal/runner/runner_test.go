package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// lambdaRun is what a Runner wired as the Lambda wires it wrote: the
// summary lines (JSON) and the metrics lines.
type lambdaRun struct {
	summary, metrics bytes.Buffer
}

func (l *lambdaRun) options() Options {
	return Options{SummaryLog: slog.New(slog.NewJSONHandler(&l.summary, nil)), Metrics: &l.metrics}
}

// summaryLines are the summary lines written, each as its JSON object.
func (l *lambdaRun) summaryLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.summary.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// emptySecret is a secret the stack created and nobody filled: what
// secret.SecretsManager returns for it.
type emptySecret struct{}

func (emptySecret) Load(context.Context) (secret.Credentials, error) {
	return secret.Credentials{}, fmt.Errorf("secret garoon-calendar-sync/prod has no value yet: %w", secret.ErrNoValue)
}

func TestRunnerEmptySecretIsASetupStep(t *testing.T) {
	var out lambdaRun
	r := New(Settings{Env: "prod"}, emptySecret{}, out.options())
	sum, rep, err := r.Run(context.Background())
	if !errors.Is(err, secret.ErrNoValue) || !errors.Is(err, ErrSecret) || rep != nil {
		t.Fatalf("Run: %v, %v", rep, err)
	}
	if sum.NotRun != err.Error() || sum.Fix != contract.FixFillSecret("prod") || sum.Error != "" {
		t.Errorf("summary %+v", sum)
	}
	lines := out.summaryLines(t)
	if len(lines) != 1 || lines[0]["msg"] != SummarySkippedMessage || lines[0]["level"] != "WARN" || lines[0]["fix"] != contract.FixFillSecret("prod") {
		t.Errorf("summary lines %v", lines)
	}
	if out.metrics.Len() != 0 {
		t.Errorf("metrics for a run that did not start: %s", out.metrics.String())
	}
	// The Lambda: the invocation succeeds, with the same summary.
	out = lambdaRun{}
	r = New(Settings{Env: "prod"}, emptySecret{}, out.options())
	if got, err := r.Handle(context.Background()); err != nil || got != sum {
		t.Errorf("Handle: %+v, %v", got, err)
	}
}

// TestRunnerWritesWhatTheLambdaWrites: a run logs its summary line, and the
// metrics line only when Google refused the token; Handle fails when the
// run failed.
func TestRunnerWritesWhatTheLambdaWrites(t *testing.T) {
	for _, invalidGrant := range []bool{false, true} {
		rg := newRig(t)
		rg.s.Env = "prod"
		rg.deliver("登録", "定例", jan15)
		rg.cal.InvalidGrant(invalidGrant)
		var out lambdaRun
		sum, err := New(rg.s, fixedSecret(rg.c), out.options()).Handle(context.Background())
		lines := out.summaryLines(t)
		if len(lines) != 1 {
			t.Fatalf("invalid_grant %v: summary lines %v", invalidGrant, lines)
		}
		if !invalidGrant {
			if err != nil || sum.Created != 1 || lines[0]["msg"] != SummaryMessage || lines[0]["created"] != 1.0 || out.metrics.Len() != 0 {
				t.Errorf("ok run: %+v %v, line %v, metrics %q", sum, err, lines[0], out.metrics.String())
			}
			continue
		}
		names, _ := emfMetrics(t, out.metrics.String())
		if !errors.Is(err, syncer.ErrInvalidGrant) || !sum.InvalidGrant || lines[0]["msg"] != SummaryFailedMessage ||
			lines[0]["invalid_grant"] != true || lines[0]["fix"] != contract.FixInvalidGrant("prod") ||
			fmt.Sprint(names) != "["+contract.MetricInvalidGrant+"]" {
			t.Errorf("invalid_grant run: %+v %v, line %v, metrics %v", sum, err, lines[0], names)
		}
	}
}

// TestRunnerKeepsTheCalendar: warm runs reuse the Calendar client and its
// access token; other credentials get a client of their own.
func TestRunnerKeepsTheCalendar(t *testing.T) {
	rg := newRig(t)
	r := New(rg.s, fixedSecret(rg.c), Options{})
	ctx := context.Background()
	for _, when := range []string{jan15, jan22} {
		rg.deliver("登録", "定例", when)
		if _, _, err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := rg.cal.Count(fakecal.KindToken); n != 1 {
		t.Errorf("%d token requests in two runs, want 1", n)
	}
	a, err := r.calendar(rg.c)
	if err != nil {
		t.Fatal(err)
	}
	other := rg.c
	other.CalendarID = "team@group.calendar.google.com"
	b, err := r.calendar(other)
	if err != nil || a == b {
		t.Errorf("other credentials, same client (%v)", err)
	}
}

// TestLogLevel: GAROON_SYNC_LOG_LEVEL sets the level of the function's
// logger; lambdacontext's own default (info, AWS_LAMBDA_LOG_LEVEL unset
// here) does not hold debug lines back.
func TestLogLevel(t *testing.T) {
	if os.Getenv("AWS_LAMBDA_LOG_LEVEL") != "" {
		t.Skip("AWS_LAMBDA_LOG_LEVEL is set")
	}
	for _, tc := range []struct {
		level       string
		debug, info bool
	}{
		{"debug", true, true},
		{"", false, true},
		{"info", false, true},
		{"warn", false, false},
	} {
		rg := newRig(t)
		s, err := SettingsFromEnv(func(k string) string {
			return map[string]string{contract.EnvIMAPAddr: rg.s.IMAPAddr, contract.EnvIMAPCAFile: rg.s.IMAPCAFile,
				contract.EnvCalendarEndpoint: rg.s.CalendarEndpoint, contract.EnvTokenURL: rg.s.TokenURL, contract.EnvLogLevel: tc.level}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		rg.deliver("登録", "定例", jan15)
		out := captureStdout(t, func() {
			log := LambdaLogger(s.LogLevel)
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
			if _, _, err := New(s, fixedSecret(rg.c), Options{Logger: log}).Run(ctx); err != nil {
				t.Error(err)
			}
		})
		if got := strings.Contains(out, "level=DEBUG"); got != tc.debug {
			t.Errorf("level %q: debug lines %v, want %v:\n%s", tc.level, got, tc.debug, out)
		}
		if got := strings.Contains(out, "level=INFO"); got != tc.info {
			t.Errorf("level %q: info lines %v, want %v:\n%s", tc.level, got, tc.info, out)
		}
		if tc.info && !strings.Contains(out, "requestId=req-1") {
			t.Errorf("level %q: lines without the request id:\n%s", tc.level, out)
		}
	}
}

// captureStdout is what f wrote to os.Stdout (where lambdacontext's handler
// writes).
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	tmp, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Close()
	saved := os.Stdout
	os.Stdout = tmp
	defer func() { os.Stdout = saved }()
	f()
	b, err := os.ReadFile(tmp.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
