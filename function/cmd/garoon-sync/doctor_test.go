package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake"
	"garoon-calendar-sync/shared/contract"
)

// useEnv points the process at the demo's fakes, as sourcing its env file
// does, and clears what would point elsewhere.
func useEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range []string{contract.EnvSecretFile, contract.EnvSecretName, "AWS_PROFILE", "AWS_SESSION_TOKEN"} {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// readEnvFile reads the export lines demo --serve writes, as a shell would.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = strings.Trim(v, "'")
	}
	return env
}

func doctor(t *testing.T, args ...string) (map[string]check, string, int) {
	t.Helper()
	out, errOut, code := run(append([]string{"doctor", "--json"}, args...)...)
	var checks []check
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, out, errOut)
	}
	byName := map[string]check{}
	var names []string
	for _, c := range checks {
		byName[c.Name] = c
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "settings,secret,gmail,google,calendar,last run" {
		t.Errorf("checks %s", got)
	}
	return byName, out, code
}

// The README's path: `make demo-serve`, source the file it names, and
// doctor passes against the fakes, as do secret check and a dry run.
func TestDemoServeThenDoctor(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "demo.env")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var demoOut strings.Builder
	go func() { done <- demo(ctx, &demoOut, io.Discard, false, envFile) }() // demoOut is read after done
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(envFile); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo ended before serving: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no env file after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fi, err := os.Stat(envFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("env file mode %v, %v", fi.Mode(), err)
	}
	useEnv(t, readEnvFile(t, envFile))

	checks, out, code := doctor(t, "--env", "demo")
	for name, c := range checks {
		if c.Status != statusOK {
			t.Errorf("%s: %s %s", name, c.Status, c.Detail)
		}
	}
	if code != exitOK || !strings.Contains(checks["last run"].Detail, "no new mails") ||
		!strings.Contains(checks["gmail"].Detail, "0 Garoon notices") || !strings.Contains(checks["calendar"].Detail, "owner") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if out, errOut, code := run("secret", "check", "--env", "demo"); code != exitOK || strings.Contains(out, "WARN") {
		t.Errorf("secret check: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := run("run", "--dry-run"); code != exitOK || !strings.Contains(out, "0 mails") {
		t.Errorf("run --dry-run: exit %d\n%s%s", code, out, errOut)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Errorf("env file left behind: %v", err)
	}
	if !strings.Contains(demoOut.String(), "source ") || !strings.Contains(demoOut.String(), "doctor --env demo") {
		t.Errorf("demo --serve does not say what to do:\n%s", demoOut.String())
	}
}

func TestDoctorFindsWhatIsWrong(t *testing.T) {
	w, err := startDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	useEnv(t, w.env)
	group := contract.LogGroupName(demoEnv)

	// Nothing ran yet; two notices and one other mail wait.
	for _, name := range []string{"demo/01-add-teirei.eml", "demo/05-edit-teirei.eml"} {
		raw, _ := demoMails.ReadFile(name)
		must(t, w.imap.Append(raw, time.Now()))
	}
	must(t, w.imap.Append([]byte("From: no-reply@cybozu.com\r\nSubject: weekly digest\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), time.Now()))
	checks, out, code := doctor(t, "--env", "demo")
	if code != exitOK || checks["last run"].Status != statusWarn || !strings.Contains(checks["last run"].Fix, "aws scheduler get-schedule --name garoon-calendar-sync-demo") {
		t.Errorf("no run yet: exit %d\n%s", code, out)
	}
	if d := checks["gmail"].Detail; !strings.Contains(d, "2 Garoon notices") || !strings.Contains(d, "1 other mails from the sender will be ignored") {
		t.Errorf("gmail: %s", d)
	}
	msgs, err := w.imap.Messages()
	must(t, err)
	for _, m := range msgs {
		if len(m.Flags) > 0 {
			t.Errorf("doctor flagged mail %d: %v", m.UID, m.Flags)
		}
	}

	// The last run failed on invalid_grant; older successful runs do not hide it.
	w.logs.Put(group, fake.LogEvent{Stream: "a", Time: time.Now().Add(-40 * time.Minute), Message: `{"message":"sync run","seen":1,"created":1}`})
	w.logs.Put(group, fake.LogEvent{Stream: "b", Time: time.Now().Add(-10 * time.Minute),
		Message: `{"level":"ERROR","message":"sync run failed","seen":0,"invalid_grant":true,"error":"google refused the refresh token (invalid_grant)","fix":"` + contract.FixInvalidGrant("demo") + `"}`})
	w.logs.Put(group, fake.LogEvent{Stream: "b", Time: time.Now().Add(-5 * time.Minute), Message: `{"message":"calendar: retrying"}`})
	checks, out, code = doctor(t, "--env", "demo")
	if lr := checks["last run"]; code != exitFail || lr.Status != statusFail || !strings.Contains(lr.Detail, "10 min ago") ||
		!strings.Contains(lr.Detail, "invalid_grant") || lr.Fix != "`"+contract.FixInvalidGrant("demo")+"`" {
		t.Errorf("failed last run: exit %d\n%s", code, out)
	}

	// Gmail refuses the password and Google the token.
	w.imap.FailLogin(true)
	w.cal.InvalidGrant(true)
	checks, out, code = doctor(t, "--env", "demo")
	if code != exitFail || checks["gmail"].Status != statusFail || !strings.Contains(checks["gmail"].Fix, "app password") ||
		checks["google"].Status != statusFail || !strings.Contains(checks["google"].Fix, "garoon-sync authorize") ||
		!strings.Contains(checks["google"].Fix, "secret put --env demo ") ||
		checks["calendar"].Status != statusSkip {
		t.Errorf("refused credentials: exit %d\n%s", code, out)
	}
	for _, s := range []string{fake.CalendarClientSecret, fake.CalendarRefreshToken, "abcdefghijklmnop"} {
		if strings.Contains(out, s) {
			t.Errorf("doctor printed a secret value")
		}
	}
	w.imap.FailLogin(false)
	w.cal.InvalidGrant(false)

	// A calendar shared read-only, then one that does not exist.
	w.cal.SetAccessRole("primary", "reader")
	checks, out, _ = doctor(t, "--env", "demo")
	if c := checks["calendar"]; c.Status != statusFail || !strings.Contains(c.Detail, "reader") || !strings.Contains(c.Fix, "Make changes to events") {
		t.Errorf("read-only calendar:\n%s", out)
	}
	v, _ := w.sm.Get(contract.SecretName(demoEnv))
	var sec map[string]string
	must(t, json.Unmarshal([]byte(v), &sec))
	sec[contract.KeyCalendarID] = "nobody@example.com"
	b, _ := json.Marshal(sec)
	w.sm.Set(contract.SecretName(demoEnv), string(b))
	checks, out, _ = doctor(t, "--env", "demo")
	if c := checks["calendar"]; c.Status != statusFail || !strings.Contains(c.Detail, `"nobody@example.com" not found`) {
		t.Errorf("unknown calendar:\n%s", out)
	}

	// Logs not readable: skipped, not failed. Without --env: skipped.
	w.logs.Deny(true)
	if checks, out, _ = doctor(t, "--env", "demo"); checks["last run"].Status != statusSkip || !strings.Contains(checks["last run"].Detail, "AccessDenied") {
		t.Errorf("denied logs:\n%s", out)
	}
	if checks, out, _ = doctor(t); checks["last run"].Status != statusSkip || !strings.Contains(checks["last run"].Detail, "--env") {
		t.Errorf("no --env:\n%s", out)
	}

	// The secret not readable: the checks that need it are skipped.
	w.sm.Deny(true)
	checks, out, code = doctor(t, "--env", "demo")
	if code != exitFail || checks["secret"].Status != statusFail || !strings.Contains(checks["secret"].Detail, "access denied: the caller needs secretsmanager:GetSecretValue") ||
		checks["secret"].Fix != "" ||
		checks["gmail"].Status != statusSkip || checks["calendar"].Status != statusSkip {
		t.Errorf("denied secret: exit %d\n%s", code, out)
	}

	// A secret file wins over --env's secret.
	file := filepath.Join(t.TempDir(), "secret.json")
	sec[contract.KeyCalendarID] = "primary"
	b, _ = json.Marshal(sec)
	must(t, os.WriteFile(file, b, 0o600))
	if checks, out, _ = doctor(t, "--env", "demo", "--secret-file", file); checks["secret"].Status != statusOK || checks["calendar"].Status != statusFail {
		t.Errorf("secret file (calendar still read-only):\n%s", out)
	}
}

func TestDoctorTable(t *testing.T) {
	out, _, code := run("doctor", "--secret-file", filepath.Join(t.TempDir(), "missing.json"))
	if code != exitFail {
		t.Errorf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "CHECK") || !strings.Contains(out, "FAIL") || !strings.Contains(out, "→ ") {
		t.Errorf("table:\n%s", out)
	}
	if _, errOut, code := run("doctor", "extra"); code != exitUsage || !strings.Contains(errOut, "unexpected argument") {
		t.Errorf("extra argument: exit %d %s", code, errOut)
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Second: "just now", 12 * time.Minute: "12 min ago", 3 * time.Hour: "3 h ago", 3*time.Hour + 5*time.Minute: "3 h 5 min ago",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
