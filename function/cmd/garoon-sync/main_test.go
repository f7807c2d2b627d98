package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/fake/fakeimap"
	"garoon-calendar-sync/function/internal/fake/fakesecrets"
	"garoon-calendar-sync/shared/contract"
)

func run(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = dispatch(args, &o, &e)
	return o.String(), e.String(), code
}

func TestParseCommand(t *testing.T) {
	examples, _ := filepath.Glob("../../internal/garoon/testdata/examples/0[1-5]-*.eml")
	out, errOut, code := run(append([]string{"parse"}, examples...)...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(examples) {
		t.Fatalf("%d lines for %d files", len(lines), len(examples))
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec["title"] != "商品企画 定例" || len(rec) != 17 {
		t.Fatalf("first line %s: %v", lines[0], err)
	}
	bad := filepath.Join(t.TempDir(), "bad.eml")
	os.WriteFile(bad, []byte("From: no-reply@cybozu.com\r\nSubject: [登録] x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nx\r\n"), 0o644)
	out, errOut, code = run("parse", examples[0], bad, "/nonexistent.eml")
	if code != exitFail || strings.Count(out, "\n") != 1 || strings.Count(errOut, "\n") != 2 ||
		!strings.Contains(errOut, "bad.eml: garoon: body: unknown charset") || !strings.Contains(errOut, "/nonexistent.eml") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if _, _, code := run("parse"); code != exitUsage {
		t.Errorf("parse without files: exit %d", code)
	}
}

func TestUsage(t *testing.T) {
	if out, _, code := run("--help"); code != exitOK || !strings.Contains(out, "demo") {
		t.Errorf("--help: %d %s", code, out)
	}
	if _, errOut, code := run("nope"); code != exitUsage || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown: %d %s", code, errOut)
	}
	if _, errOut, code := run("docter"); code != exitUsage || errOut != "garoon-sync: unknown command \"docter\" (did you mean doctor?); see garoon-sync --help\n" {
		t.Errorf("typo: %d %q", code, errOut)
	}
	for _, c := range commands() {
		// Asked for: stdout, exit 0, so that `garoon-sync run --help | less` works.
		out, errOut, code := run(c.name, "--help")
		if code != exitOK || errOut != "" || !strings.HasPrefix(out, "Usage: garoon-sync "+c.name) || !strings.Contains(out, "\nFlags:\n  -") {
			t.Errorf("%s --help: exit %d\nstdout %s\nstderr %s", c.name, code, out, errOut)
		}
		// After a bad flag: the error first, then the usage, on stderr, exit 2.
		bad := []string{c.name, "--no-such-flag"}
		if c.name == "secret" {
			bad = []string{"secret", "check", "--no-such-flag"}
		}
		out, errOut, code = run(bad...)
		if code != exitUsage || out != "" || !strings.HasPrefix(errOut, "garoon-sync "+c.name) ||
			!strings.Contains(errOut, "flag provided but not defined: -no-such-flag\n") || !strings.Contains(errOut, "\nUsage: garoon-sync "+c.name) ||
			strings.Contains(errOut, "Did you mean") {
			t.Errorf("%s --no-such-flag: exit %d\nstdout %s\nstderr %s", c.name, code, out, errOut)
		}
	}
	// A close flag gets a suggestion.
	for args, want := range map[string]string{
		"run --envv prod":           "garoon-sync run: flag provided but not defined: -envv\nDid you mean --env?\n\nUsage: garoon-sync run",
		"run --dryrun":              "garoon-sync run: flag provided but not defined: -dryrun\nDid you mean --dry-run?\n\nUsage:",
		"doctor --secret-fil x":     "garoon-sync doctor: flag provided but not defined: -secret-fil\nDid you mean --secret-file?\n",
		"secret check --secretfile": "garoon-sync secret check: flag provided but not defined: -secretfile\nDid you mean --secret-file?\n",
		"authorize --no-browse":     "garoon-sync authorize: flag provided but not defined: -no-browse\nDid you mean --no-browser?\n",
	} {
		if _, errOut, code := run(strings.Fields(args)...); code != exitUsage || !strings.HasPrefix(errOut, want) {
			t.Errorf("%s: exit %d\n%s\nwant the start %q", args, code, errOut, want)
		}
	}
	// secret without a verb: its usage; with --help on stdout.
	if out, errOut, code := run("secret", "--help"); code != exitOK || errOut != "" || !strings.HasPrefix(out, "Usage: garoon-sync secret put") {
		t.Errorf("secret --help: %d\n%s%s", code, out, errOut)
	}
	// A mistyped verb: one line, with the verb it was close to.
	if out, errOut, code := run("secret", "list"); code != exitUsage || out != "" || errOut != "garoon-sync secret: want put or check, not \"list\"; see garoon-sync secret --help\n" {
		t.Errorf("secret list: %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := run("secret", "chek"); code != exitUsage || errOut != "garoon-sync secret: want put or check, not \"chek\" (did you mean check?); see garoon-sync secret --help\n" {
		t.Errorf("secret chek: %d\n%s", code, errOut)
	}
	// `help run` is `run --help`.
	want, _, _ := run("run", "--help")
	if out, errOut, code := run("help", "run"); code != exitOK || errOut != "" || out != want || !strings.HasPrefix(out, "Usage: garoon-sync run") {
		t.Errorf("help run: %d\n%s%s", code, out, errOut)
	}
}

func TestRunHelpShowsNoSentinel(t *testing.T) {
	out, _, _ := run("run", "--help")
	want := "  -max-deletes N\n    \toverride the mass-delete guard for this run: at most N deletes, -1 for no limit\n    \t(unset: GAROON_SYNC_MAX_DELETES, else 10)\n"
	if !strings.Contains(out, want) || strings.Contains(out, "-2") {
		t.Errorf("run --help:\n%s\nwant %q", out, want)
	}
	if _, errOut, code := run("run", "--max-deletes", "-3"); code != exitUsage ||
		!strings.HasPrefix(errOut, "garoon-sync run: invalid value \"-3\" for flag -max-deletes: want a number of deletes, or -1 for no limit\n") {
		t.Errorf("--max-deletes -3: %d %s", code, errOut)
	}
}

func TestClosest(t *testing.T) {
	names := []string{"env", "secret-file", "secret-id", "dry-run", "json"}
	for in, want := range map[string]string{
		"envv": "env", "ebv": "env", "dryrun": "dry-run", "secret-fle": "secret-file", "secret": "", "jsn": "json",
		"dry": "dry-run", "x": "", "verbose": "",
	} {
		if got := closest(in, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRunDryRunAgainstTheFakes(t *testing.T) {
	imap, err := fakeimap.Start("you@example.com", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer imap.Close()
	cal, err := fakecal.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer cal.Close()
	dir := t.TempDir()
	ca, _ := imap.WriteCAFile(dir)
	secretFile := filepath.Join(dir, "secret.json")
	os.WriteFile(secretFile, fmt.Appendf(nil, `{"gmail_address":"you@example.com","gmail_password":"pw","garoon_sender":"no-reply@cybozu.com",
		"google_refresh_token":%q,"google_client_id":%q,"google_client_secret":%q}`, fakecal.RefreshToken, fakecal.ClientID, fakecal.ClientSecret), 0o600)
	t.Setenv(contract.EnvIMAPAddr, imap.Addr)
	t.Setenv(contract.EnvIMAPCAFile, ca)
	t.Setenv(contract.EnvCalendarEndpoint, cal.Endpoint)
	t.Setenv(contract.EnvTokenURL, cal.TokenURL)
	body := "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\r\n予定　　：会議:定例\r\nメモ　　：\r\n"
	imap.Append([]byte("From: no-reply@cybozu.com\r\nDate: Mon, 08 Jan 2024 10:00:00 +0900\r\nSubject: =?UTF-8?B?"+
		base64.StdEncoding.EncodeToString([]byte("[登録] 会議：定例"))+"?=\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"+body), time.Now())

	out, errOut, code := run("run", "--dry-run", "--secret-file", secretFile)
	if code != exitOK || !strings.Contains(out, "create") || !strings.Contains(out, "定例") || !strings.Contains(out, "dry run: nothing was changed") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if cal.Count(fakecal.KindInsert) != 0 || imap.Commands()["STORE"] != 0 {
		t.Fatalf("dry run wrote: %d inserts, %d stores", cal.Count(fakecal.KindInsert), imap.Commands()["STORE"])
	}
	out, _, code = run("run", "--json", "--secret-file", secretFile)
	var rep struct{ Created, Marked int }
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil || rep.Created != 1 || rep.Marked != 1 {
		t.Fatalf("run --json: exit %d %s", code, out)
	}
	if strings.Contains(out+errOut, fakecal.ClientSecret) {
		t.Error("output contains the client secret")
	}

	// The calendar keeps failing: the run fails with one line that says
	// why, not a WARN line per retry before it (-v shows those).
	imap.Append([]byte("From: no-reply@cybozu.com\r\nDate: Mon, 08 Jan 2024 10:00:00 +0900\r\nSubject: =?UTF-8?B?"+
		base64.StdEncoding.EncodeToString([]byte("[登録] 会議:別件"))+"?=\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"+strings.Replace(body, "定例", "別件", 1)), time.Now())
	cal.FailAlways(http.StatusServiceUnavailable)
	out, errOut, code = run("run", "--secret-file", secretFile)
	if code == exitOK || strings.Contains(errOut, "level=WARN") || !strings.Contains(errOut, "503") {
		t.Errorf("failed run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if _, errOut, _ = run("run", "-v", "--secret-file", secretFile); !strings.Contains(errOut, "level=WARN") {
		t.Errorf("failed run with -v shows no retries:\n%s", errOut)
	}
}

func TestDemo(t *testing.T) {
	out, errOut, code := run("demo")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Run 1", "Run 2", "Run 3", "cancel-occurrence", "update", "Google Calendar now", "朝会", "開発部 定例",
		"4 mails: 3 created, 0 updated, 0 deleted, 0 unchanged, 1 ignored", "4 mails: 0 created, 1 updated, 2 deleted, 0 unchanged, 1 ignored",
		"0 mails: 0 created", "(1 cancelled: 2026-12-08 09:00)",
		// The forged mail's reason, wrapped rather than cut.
		`sender "no-reply@cybozu.com.attacker.example" is not the` + "\n" + strings.Repeat(" ", 82) + `Garoon sender "no-reply@cybozu.com"` + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

func TestOccurrenceText(t *testing.T) {
	for id, want := range map[string]string{
		"20261208T000000Z": "2026-12-08 09:00", // instance ids are UTC; the table is Tokyo time
		"20261207T160000Z": "2026-12-08 01:00",
		"20261208":         "2026-12-08",
		"garbage":          "garbage",
	} {
		if got := occurrenceText(id); got != want {
			t.Errorf("occurrenceText(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestVersion(t *testing.T) {
	if out, _, code := run("version"); code != exitOK || !strings.HasPrefix(out, "garoon-sync ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

func TestSecretPutAndCheck(t *testing.T) {
	sm, err := fakesecrets.Start(map[string]string{
		"garoon-calendar-sync/dev": `{"gmail_address":"you@gmail.com","gmail_password":"abcdefghijklmnop"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sm.URL)
	t.Setenv("AWS_REGION", "ap-northeast-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	out, _, code := run("secret", "check", "--env", "dev")
	if code != exitFail || !strings.Contains(out, "garoon_sender         MISSING") {
		t.Fatalf("check incomplete: exit %d\n%s", code, out)
	}
	token := filepath.Join(t.TempDir(), "token.json")
	os.WriteFile(token, []byte(`{"garoon_sender":"no-reply@cybozu.com","google_refresh_token":"rt-secret-value",
		"google_client_id":"x.apps.googleusercontent.com","google_client_secret":"cs-secret-value"}`), 0o600)
	out, errOut, code := run("secret", "put", "--env", "dev", "--from-file", token)
	if want := "updated garoon-calendar-sync/dev: changed garoon_sender, google_client_id, google_client_secret, google_refresh_token; kept gmail_address, gmail_password\n"; code != exitOK || out != want {
		t.Fatalf("put: exit %d\n%s%s\nwant %s", code, out, errOut, want)
	}
	for _, v := range []string{"rt-secret-value", "cs-secret-value", "abcdefghijklmnop"} {
		if strings.Contains(out+errOut, v) {
			t.Errorf("put printed a value")
		}
	}
	stored, _ := sm.Get("garoon-calendar-sync/dev")
	var m map[string]string
	json.Unmarshal([]byte(stored), &m)
	if m["gmail_password"] != "abcdefghijklmnop" || m["google_refresh_token"] != "rt-secret-value" {
		t.Fatalf("not merged: %v", m)
	}
	if out, _, code := run("secret", "check", "--env", "dev"); code != exitOK || strings.Contains(out, "MISSING") {
		t.Fatalf("check complete: exit %d\n%s", code, out)
	}
	// A bad value writes nothing.
	os.WriteFile(token, []byte(`{"garoon_sender":"not an address"}`), 0o600)
	if _, errOut, code := run("secret", "put", "--env", "dev", "--from-file", token); code != exitFail || !strings.Contains(errOut, "garoon_sender is not an e-mail address") {
		t.Fatalf("invalid put: exit %d %s", code, errOut)
	}
	if after, _ := sm.Get("garoon-calendar-sync/dev"); after != stored {
		t.Fatal("an invalid put wrote")
	}
	if _, errOut, code := run("secret", "put", "--env", "nope", "--from-file", token); code != exitFail || !strings.Contains(errOut, "deploy the environment first") {
		t.Fatalf("missing secret: %d %s", code, errOut)
	}
}

// TestSecretCheckGmailAuth: gmail_password is MISSING only for app-password
// login; an OAuth secret (explicit, or implied by no password) passes, the
// implied one with a warning; a wrong gmail_auth fails.
func TestSecretCheckGmailAuth(t *testing.T) {
	const base = `"gmail_address":"you@gmail.com","garoon_sender":"no-reply@cybozu.com","google_refresh_token":"rt","google_client_id":"x.apps.googleusercontent.com","google_client_secret":"cs"`
	for _, tt := range []struct {
		name, json string
		code       int
		lines      []string // rows of the table, spaces collapsed
	}{
		{"oauth", `{` + base + `,"gmail_auth":"oauth"}`, exitOK,
			[]string{"gmail_password OK not used: Gmail login uses the Google token (OAuth)", "gmail_auth OK"}},
		{"oauth and a password", `{` + base + `,"gmail_auth":"oauth","gmail_password":"abcdefghijklmnop"}`, exitOK,
			[]string{"gmail_password OK not used: Gmail login uses the Google token (OAuth)"}},
		{"no password, no gmail_auth", `{` + base + `}`, exitOK,
			[]string{"gmail_password OK not used", "gmail_auth WARN gmail_auth is not set and there is no gmail_password"}},
		{"password login without a password", `{` + base + `,"gmail_auth":"password"}`, exitFail,
			[]string{"gmail_password MISSING add \"gmail_password\" to "}},
		{"the old six keys", `{` + base + `,"gmail_password":"abcdefghijklmnop"}`, exitOK,
			[]string{"gmail_password OK", "gmail_auth OK default: password"}},
		{"unknown gmail_auth", `{` + base + `,"gmail_auth":"xoauth2"}`, exitFail,
			[]string{`gmail_auth WARN gmail_auth is "xoauth2": want password or oauth`}},
		// The optional keys, judged as the function judges them (secret.Parse).
		{"zone and series_delete set", `{` + base + `,"gmail_auth":"oauth","garoon_time_zone":"America/Los_Angeles","series_delete":"all"}`, exitOK,
			[]string{"garoon_time_zone OK", "series_delete OK"}},
		{"unknown zone", `{` + base + `,"gmail_auth":"oauth","garoon_time_zone":"Mars/Olympus"}`, exitFail,
			[]string{`garoon_time_zone WARN garoon_time_zone "Mars/Olympus" is not an IANA time zone name (e.g. Asia/Tokyo)`, "series_delete OK default: flag"}},
		{"unknown series_delete", `{` + base + `,"gmail_auth":"oauth","series_delete":"some"}`, exitFail,
			[]string{`series_delete WARN series_delete "some" is neither "flag" nor "all"`, "garoon_time_zone OK default: Asia/Tokyo"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "secret.json")
			os.WriteFile(f, []byte(tt.json), 0o600)
			out, errOut, code := run("secret", "check", "--secret-file", f)
			flat := strings.Join(strings.Fields(out), " ")
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, l := range tt.lines {
				if !strings.Contains(flat, l) {
					t.Errorf("no %q in\n%s", l, out)
				}
			}
		})
	}
}
