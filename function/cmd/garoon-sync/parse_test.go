package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// examples are the parser's v2 example mails, kept in the repository.
const examples = "../../internal/garoon/testdata/examples"

func parseCmd(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = cmdParse(args, &o, &e)
	return o.String(), e.String(), code
}

// recordKeys are the keys of every line parse prints: docs/garoon-mails.md
// §5 and "file"; "reason" is added for ignored mails.
var recordKeys = []string{"file", "action", "kind", "language", "title", "menu", "start", "end", "all_day", "recurrence",
	"period_start", "period_end", "candidates", "attendees", "facilities", "memo", "attachments"}

func TestCmdParseExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(examples, "EXPECTED.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]map[string]any
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(expected))
	for name := range expected {
		names = append(names, name)
	}
	slices.Sort(names)
	files := make([]string, len(names))
	for i, name := range names {
		files[i] = filepath.Join(examples, name)
	}

	out, errOut, code := parseCmd(files...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, `\u`) {
		t.Errorf("output escapes non-ASCII: %s", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(names) {
		t.Fatalf("%d lines for %d files:\n%s", len(lines), len(names), out)
	}
	for i, name := range names {
		var got map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("%s: line %q: %v", name, lines[i], err)
		}
		want := expected[name]
		keys := slices.Clone(recordKeys)
		if want["action"] == "ignore" {
			keys = append(keys, "reason")
			if r, _ := got["reason"].(string); !strings.Contains(r, "attendance reply") {
				t.Errorf("%s: reason %q", name, r)
			}
		}
		gotKeys := make([]string, 0, len(got))
		for k := range got {
			gotKeys = append(gotKeys, k)
		}
		slices.Sort(gotKeys)
		slices.Sort(keys)
		if !slices.Equal(gotKeys, keys) {
			t.Errorf("%s: keys %v, want %v", name, gotKeys, keys)
		}
		if got["file"] != files[i] {
			t.Errorf("%s: file %v", name, got["file"])
		}
		for k, w := range want {
			if k == "category" || k == "args" || want["action"] == "ignore" && k != "action" && k != "kind" {
				continue
			}
			if !reflect.DeepEqual(got[k], w) {
				t.Errorf("%s: %s = %v, want %v", name, k, got[k], w)
			}
		}
	}
}

func TestCmdParseBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(examples, "01-ja-sjis-timed.eml")
	truncated := filepath.Join(dir, "truncated.eml")
	if err := os.WriteFile(truncated, []byte("From: no-reply@cybozu.com\r\nSubject: [登録] 会議"), 0o644); err != nil {
		t.Fatal(err)
	}
	impossible := filepath.Join(dir, "impossible.eml")
	if err := os.WriteFile(impossible, []byte("From: no-reply@cybozu.com\r\nSubject: [登録] 会議\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"+
		"日時　　：2024年02月30日（金） 10:00\r\n予定　　：会議:定例\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.eml")

	out, errOut, code := parseCmd(truncated, good, missing, impossible)
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, `"action":"upsert"`) {
		t.Errorf("stdout should hold the one good file:\n%s", out)
	}
	errLines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if len(errLines) != 3 {
		t.Fatalf("want one stderr line per bad file, got:\n%s", errOut)
	}
	for i, want := range []string{"truncated.eml: garoon: truncated mail", "missing.eml",
		`impossible.eml: garoon: line 1 "日時　　：2024年02月30日（金） 10:00": no such day: 2024-02-30`} {
		if !strings.Contains(errLines[i], want) {
			t.Errorf("stderr line %d %q does not say %q", i, errLines[i], want)
		}
	}
}

func TestCmdParseSenderAndUsage(t *testing.T) {
	mail := filepath.Join(examples, "01-ja-sjis-timed.eml")
	out, _, code := parseCmd("--sender", "garoon@corp.example.jp", mail)
	if code != exitOK || !strings.Contains(out, `"action":"ignore","kind":"other","reason":"sender \"no-reply@cybozu.com\" is not the Garoon sender \"garoon@corp.example.jp\""`) {
		t.Errorf("--sender of another address: exit %d %s", code, out)
	}
	// Asked for, the usage goes to stdout (`parse --help | less`); after a
	// mistake, to stderr, as for every command.
	if out, errOut, code := parseCmd("--help"); code != exitOK || errOut != "" || !strings.Contains(out, "Examples:") ||
		!strings.Contains(out, "-sender") || !strings.Contains(out, "-time-zone") || !strings.Contains(out, "docs/garoon-mails.md") {
		t.Errorf("--help: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if out, errOut, code := parseCmd(); code != exitUsage || out != "" ||
		!strings.HasPrefix(errOut, "garoon-sync parse: no mail files given\n\nUsage: garoon-sync parse") || !strings.Contains(errOut, "\n  -time-zone") {
		t.Errorf("no files: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if out, errOut, code := parseCmd("--sendr", "x", mail); code != exitUsage || out != "" ||
		!strings.HasPrefix(errOut, "garoon-sync parse: flag provided but not defined: -sendr\nDid you mean --sender?\n\nUsage: garoon-sync parse") {
		t.Errorf("bad flag: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if _, errOut, code := parseCmd("--time-zone", "Mars/Olympus", mail); code != exitUsage ||
		errOut != "garoon-sync parse: --time-zone \"Mars/Olympus\" is not an IANA time zone name (e.g. Asia/Tokyo, America/Los_Angeles)\n" {
		t.Errorf("bad zone: exit %d %q", code, errOut)
	}
}

// TestCmdParseTimeZone: times are read in the given zone; the repeat
// period is not shifted.
func TestCmdParseTimeZone(t *testing.T) {
	mail := filepath.Join(examples, "04-ja-repeat-period.eml")
	out, errOut, code := parseCmd("--time-zone", "America/Los_Angeles", mail)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`"start":"2027-05-11T09:00:00-07:00"`, `"end":"2027-05-11T09:15:00-07:00"`,
		`"period_start":"2027-05-06","period_end":"2027-07-27"`, `UNTIL=20270728T065959Z`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestCmdParseExplain(t *testing.T) {
	mail := filepath.Join(examples, "05-ja-this-only-edit.eml")
	rsvp := filepath.Join(examples, "16-ignore-rsvp-reply.eml")
	out, errOut, code := parseCmd("--explain", mail, rsvp)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		mail + "\n",
		"  => upsert (edit notice, language ja, from the subject tag and the labels)\n",
		"  line 1   日時　　：毎週火曜日 16:00 ～ 16:15\n           -> date line\n",
		"  line 2   期間　　：2027年06月08日（火）～2027年06月08日（火）\n           -> period of the repeat (the appointment's own days, never shifted to your zone)\n",
		"-> appointment: menu and title, split at the first ':'",
		"-> memo\n",
		"  when      2027-06-08T16:00:00+09:00 to 2027-06-08T16:15:00+09:00\n",
		"  repeats   RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270608T145959Z (period 2027-06-08 to 2027-06-08, as written; the start is the first occurrence in it)\n",
		rsvp + "\n",
		"  => ignored: attendance reply [欠席]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explanation lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "{") {
		t.Errorf("--explain printed JSON:\n%s", out)
	}
}
