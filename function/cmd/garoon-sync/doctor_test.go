package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/fake/fakelogs"
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
	if got := strings.Join(names, ","); got != "settings,secret,gmail,google,calendar,attention,last run" {
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
	// The notice that arrived after the last run waits.
	if code != exitOK || !strings.Contains(checks["last run"].Detail, "no new mails") ||
		!strings.Contains(checks["gmail"].Detail, "; 1 Garoon notice from no-reply@cybozu.com waits in the last 14 days") || !strings.Contains(checks["calendar"].Detail, "owner") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if out, errOut, code := run("secret", "check", "--env", "demo"); code != exitOK || strings.Contains(out, "WARN") {
		t.Errorf("secret check: exit %d\n%s%s", code, out, errOut)
	}
	// A real plan: the waiting notice would be created.
	for _, args := range [][]string{{"run", "--dry-run"}, {"run", "--dry-run", "--env", "demo"}} {
		out, errOut, code := run(args...)
		if code != exitOK || !strings.Contains(out, "create  add   2026-12-09 14:00–15:30  顧客訪問（東和商事）") ||
			!strings.Contains(out, "1 mails: 1 created, 0 updated, 0 deleted, 0 unchanged, 0 ignored, 0 deferred, 0 failed (dry run: nothing was changed)") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}

	// A second demo --serve is refused while this one runs, and says which.
	b, _ := os.ReadFile(envFile)
	addr := readEnvFile(t, envFile)[contract.EnvIMAPAddr]
	want := fmt.Sprintf("another demo --serve (pid %d, its fakes on %s) is running and uses %s: "+
		"stop it with Ctrl-C in its terminal, or give this one a file of its own: --env-file FILE", os.Getpid(), addr, envFile)
	if err := envFileFree(envFile); err == nil || err.Error() != want {
		t.Errorf("second demo: %v\nwant %s", err, want)
	}
	if _, errOut, code := run("demo", "--serve", "--env-file", envFile); code != exitFail || errOut != "garoon-sync demo: "+want+"\n" {
		t.Errorf("second demo: exit %d %q", code, errOut)
	}
	if after, _ := os.ReadFile(envFile); string(after) != string(b) {
		t.Error("the refused demo touched the env file")
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Errorf("env file left behind: %v", err)
	}
	if !strings.Contains(demoOut.String(), "source "+envFile+"\n") || !strings.Contains(demoOut.String(), "go run ./function/cmd/garoon-sync doctor --env demo\n") ||
		!strings.Contains(demoOut.String(), "1 new notice waits") {
		t.Errorf("demo --serve does not say what to do:\n%s", demoOut.String())
	}
}

// An env file left by a demo that was killed (its fakes are gone) is
// free; one another demo rewrote is not removed by this one.
func TestDemoEnvFileOwnership(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.env")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	must(t, os.WriteFile(path, []byte("# pid 1\nexport "+contract.EnvIMAPAddr+"='"+addr+"'\n"), 0o600))
	if err := envFileFree(path); err != nil {
		t.Errorf("stale file: %v", err)
	}
	if err := envFileFree(filepath.Join(t.TempDir(), "none.env")); err != nil {
		t.Errorf("no file: %v", err)
	}
	removeEnvFile(path, []byte("what another demo wrote"))
	if _, err := os.Stat(path); err != nil {
		t.Errorf("removed a file it did not write: %v", err)
	}
	b, _ := os.ReadFile(path)
	removeEnvFile(path, b)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("kept its own file: %v", err)
	}
}

// Ctrl-C ends demo --serve with exit status 0, as make needs to stay
// quiet; built as a binary, run as `make demo-serve` runs it.
func TestDemoServeInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "garoon-sync")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	envFile := filepath.Join(dir, "demo.env")
	cmd := exec.Command(bin, "demo", "--serve", "--env-file", envFile)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(envFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no env file after 60 s:\n%s", out.String())
		}
	}
	must(t, cmd.Process.Signal(os.Interrupt))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, out.String())
	}
	if !strings.HasSuffix(out.String(), "run --dry-run --env demo\nstopped.\n") || !strings.Contains(out.String(), bin+" doctor --env demo\n") {
		t.Errorf("output:\n%s", out.String())
	}
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Errorf("env file left: %v", err)
	}
}

func TestDoctorFindsWhatIsWrong(t *testing.T) {
	w, err := startDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	useEnv(t, w.env)
	doctorBeforeAnyRun(t, w)
	doctorAfterFailures(t, w)
	doctorCalendarAndSecret(t, w)
}

// doctorBeforeAnyRun: nothing ran yet, notices wait, an event waits for a
// person's look; doctor reads the mailbox without marking anything.
func doctorBeforeAnyRun(t *testing.T, w *demoWorld) {
	// Nothing ran yet; two notices and one other mail wait.
	for _, name := range []string{"demo/01-add-teirei.eml", "demo/05-edit-teirei.eml"} {
		raw, _ := demoMails.ReadFile(name)
		must(t, w.imap.Append(raw, time.Now()))
	}
	must(t, w.imap.Append([]byte("From: no-reply@cybozu.com\r\nSubject: weekly digest\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), time.Now()))
	checks, out, code := doctor(t, "--env", "demo")
	if code != exitOK || checks["last run"].Status != statusWarn || !strings.Contains(checks["last run"].Fix, "aws scheduler get-schedule --group-name garoon-calendar-sync-demo --name garoon-calendar-sync-demo") {
		t.Errorf("no run yet: exit %d\n%s", code, out)
	}
	if d := checks["gmail"].Detail; !strings.Contains(d, "2 Garoon notices") || !strings.Contains(d, "(1 other mail from the sender will be ignored") {
		t.Errorf("gmail: %s", d)
	}
	if a := checks["attention"]; a.Status != statusOK {
		t.Errorf("attention with nothing marked: %+v", a)
	}

	// A repeating appointment kept and marked after an unscoped delete:
	// WARN naming it, until a person removes the marker from the title.
	must(t, w.cal.Seed("primary", `{"id":"marked1","summary":"[要確認] 定例",
		"start":{"dateTime":"2027-06-01T10:00:00+09:00","timeZone":"Asia/Tokyo"},"end":{"dateTime":"2027-06-01T11:00:00+09:00","timeZone":"Asia/Tokyo"},
		"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=TU"],
		"extendedProperties":{"private":{"garoonSync":"1","garoonSyncAttention":"ambiguous-delete"}}}`))
	checks, out, code = doctor(t, "--env", "demo")
	if a := checks["attention"]; code != exitOK || a.Status != statusWarn || !strings.Contains(a.Detail, `1 repeating appointments`) ||
		!strings.Contains(a.Detail, `"定例" (from 2027-06-01)`) || !strings.Contains(a.Fix, "remove [要確認] from the title") {
		t.Errorf("marked event: exit %d\n%s", code, out)
	}
	// The date is the user's: in garoon_time_zone, not Tokyo's.
	value, _ := w.sm.Get(contract.SecretName(demoEnv))
	setSecretKey(t, w, contract.KeyTimeZone, "America/Los_Angeles")
	if checks, out, _ = doctor(t, "--env", "demo"); !strings.Contains(checks["attention"].Detail, `"定例" (from 2027-05-31)`) {
		t.Errorf("marked event in the user's zone:\n%s", out)
	}
	w.sm.Set(contract.SecretName(demoEnv), value)
	must(t, w.cal.PatchAsPerson("primary", "marked1", `{"summary":"定例"}`))
	if checks, out, _ = doctor(t, "--env", "demo"); checks["attention"].Status != statusOK {
		t.Errorf("resolved mark still listed:\n%s", out)
	}

	msgs, err := w.imap.Messages()
	must(t, err)
	for _, m := range msgs {
		if len(m.Flags) > 0 {
			t.Errorf("doctor flagged mail %d: %v", m.UID, m.Flags)
		}
	}
}

// doctorAfterFailures: the last run failed; Gmail and Google refuse the
// credentials.
func doctorAfterFailures(t *testing.T, w *demoWorld) {
	var (
		checks map[string]check
		out    string
		code   int
	)
	group := contract.LogGroupName(demoEnv)
	// The last run failed on invalid_grant; older successful runs do not hide it.
	w.logs.Put(group, fakelogs.Event{Stream: "a", Time: time.Now().Add(-40 * time.Minute), Message: `{"message":"sync run","seen":1,"created":1}`})
	w.logs.Put(group, fakelogs.Event{Stream: "b", Time: time.Now().Add(-10 * time.Minute),
		Message: `{"level":"ERROR","message":"sync run failed","seen":0,"invalid_grant":true,"error":"google refused the refresh token (invalid_grant)","fix":"` + contract.FixInvalidGrant("demo") + `"}`})
	w.logs.Put(group, fakelogs.Event{Stream: "b", Time: time.Now().Add(-5 * time.Minute), Message: `{"message":"calendar: retrying"}`})
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
	for _, s := range []string{fakecal.ClientSecret, fakecal.RefreshToken, "abcdefghijklmnop"} {
		if strings.Contains(out, s) {
			t.Errorf("doctor printed a secret value")
		}
	}
	w.imap.FailLogin(false)
	w.cal.InvalidGrant(false)
}

// doctorCalendarAndSecret: a calendar this account may not write, logs or
// a secret it may not read, the empty secret of a first deploy, a file.
func doctorCalendarAndSecret(t *testing.T, w *demoWorld) {
	group := contract.LogGroupName(demoEnv)
	// A calendar shared read-only, then one that does not exist.
	w.cal.SetAccessRole("primary", "reader")
	checks, out, code := doctor(t, "--env", "demo")
	if c := checks["calendar"]; code != exitFail || c.Status != statusFail || !strings.Contains(c.Detail, "reader") || !strings.Contains(c.Fix, "Make changes to events") {
		t.Errorf("read-only calendar: exit %d\n%s", code, out)
	}
	setSecretKey(t, w, contract.KeyCalendarID, "nobody@example.com")
	b, _ := w.sm.Get(contract.SecretName(demoEnv))
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

	// Right after the first deploy: the stack created the secret without a
	// value, and the function logs skipped runs. Doctor names the next step.
	w.logs.Deny(false)
	w.sm.CreateEmpty(contract.SecretName(demoEnv))
	w.logs.Put(group, fakelogs.Event{Stream: "c", Time: time.Now().Add(-2 * time.Minute),
		Message: `{"level":"WARN","message":"sync run skipped","not_run":"secret garoon-calendar-sync/demo has no value yet (the stack creates it empty)","fix":"` + contract.FixFillSecret("demo") + `"}`})
	checks, out, code = doctor(t, "--env", "demo")
	if s := checks["secret"]; code != exitFail || s.Status != statusFail || !strings.Contains(s.Detail, "has no value yet") ||
		s.Fix != "next step: `garoon-sync secret put --env demo`, then `garoon-sync secret check --env demo`" ||
		checks["gmail"].Status != statusSkip {
		t.Errorf("empty secret: exit %d\n%s", code, out)
	}
	if lr := checks["last run"]; lr.Status != statusWarn || !strings.Contains(lr.Detail, "skipped: secret garoon-calendar-sync/demo has no value yet") ||
		lr.Fix != "`garoon-sync secret put --env demo`" {
		t.Errorf("skipped last run:\n%s", out)
	}
	w.sm.Set(contract.SecretName(demoEnv), b)

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
	var sec map[string]string
	must(t, json.Unmarshal([]byte(b), &sec))
	sec[contract.KeyCalendarID] = "primary"
	js, _ := json.Marshal(sec)
	must(t, os.WriteFile(file, js, 0o600))
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
	if len(lines) != 8 || !strings.HasPrefix(lines[0], "CHECK") || !strings.Contains(out, "FAIL") || !strings.Contains(out, "→ ") {
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

// TestDoctorGmailOverOAuth: with gmail_auth "oauth" doctor says so, logs in
// over XOAUTH2 with the token the google check also uses (one refresh),
// and fails with `authorize --gmail` when the consent lacks Gmail or
// Google refuses the refresh token.
func TestDoctorGmailOverOAuth(t *testing.T) {
	w, err := startDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	useEnv(t, w.env)
	v, _ := w.sm.Get(contract.SecretName(demoEnv))
	var sec map[string]string
	must(t, json.Unmarshal([]byte(v), &sec))
	delete(sec, contract.KeyGmailPassword)
	sec[contract.KeyGmailAuth] = contract.GmailAuthOAuth
	file := filepath.Join(t.TempDir(), "secret.json")
	b, _ := json.Marshal(sec)
	must(t, os.WriteFile(file, b, 0o600))
	raw, _ := demoMails.ReadFile("demo/01-add-teirei.eml")
	must(t, w.imap.Append(raw, time.Now()))

	w.imap.ResetCommands()
	w.cal.ResetRequests()
	checks, out, _ := doctor(t, "--env", "demo", "--secret-file", file)
	if g := checks["gmail"]; g.Status != statusOK || !strings.Contains(g.Detail, "login by OAuth (XOAUTH2") || !strings.Contains(g.Detail, "; 1 Garoon notice from") {
		t.Errorf("gmail over OAuth:\n%s", out)
	}
	if g := checks["google"]; g.Status != statusOK || !strings.Contains(g.Detail, contract.GmailScope) || !strings.Contains(g.Detail, contract.CalendarScope) {
		t.Errorf("google scopes:\n%s", out)
	}
	if cmds := w.imap.Commands(); cmds["AUTHENTICATE"] != 1 || cmds["LOGIN"] != 0 || w.cal.Count(fakecal.KindToken) != 1 {
		t.Errorf("IMAP %v, %d token requests: want one XOAUTH2 login and one refresh", cmds, w.cal.Count(fakecal.KindToken))
	}

	// The password secret: doctor names the method, and notes the token
	// could serve Gmail.
	checks, out, _ = doctor(t, "--env", "demo")
	if !strings.Contains(checks["gmail"].Detail, "login by app password") || !strings.Contains(checks["google"].Detail, "set gmail_auth to oauth") {
		t.Errorf("password secret:\n%s", out)
	}

	// A consent without Gmail.
	w.cal.GrantScopes(fakecal.CalendarScope)
	checks, out, code := doctor(t, "--env", "demo", "--secret-file", file)
	// --secret-file beats --env: the fix writes the file.
	gmailFix := "`garoon-sync authorize --gmail --client-secret credentials.json --out " + file + "`"
	if code != exitFail || checks["gmail"].Status != statusFail || checks["gmail"].Fix != gmailFix ||
		checks["google"].Status != statusFail || !strings.Contains(checks["google"].Detail, "lacks "+contract.GmailScope) ||
		!strings.HasPrefix(checks["google"].Fix, gmailFix) || checks["calendar"].Status != statusOK {
		t.Errorf("consent without Gmail: exit %d\n%s", code, out)
	}

	// Google refuses the refresh token: both checks name authorize --gmail.
	w.cal.GrantScopes(fakecal.CalendarScope, fakecal.GmailScope)
	w.cal.InvalidGrant(true)
	checks, out, code = doctor(t, "--env", "demo", "--secret-file", file)
	if code != exitFail || checks["gmail"].Fix != gmailFix || checks["google"].Fix != gmailFix || !strings.Contains(checks["gmail"].Detail, "invalid_grant") {
		t.Errorf("invalid_grant: exit %d\n%s", code, out)
	}
	for _, s := range []string{fakecal.ClientSecret, fakecal.RefreshToken, "at-1", "at-2"} {
		if strings.Contains(out, s) {
			t.Errorf("doctor printed %q", s)
		}
	}
}

// setSecretKey changes one key of the demo environment's secret.
func setSecretKey(t *testing.T, w *demoWorld, key, value string) {
	t.Helper()
	v, _ := w.sm.Get(contract.SecretName(demoEnv))
	var sec map[string]string
	must(t, json.Unmarshal([]byte(v), &sec))
	sec[key] = value
	b, _ := json.Marshal(sec)
	w.sm.Set(contract.SecretName(demoEnv), string(b))
}
