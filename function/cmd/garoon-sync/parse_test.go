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

// sharedExamples is shared/garoon/examples beside the repository (main/ and
// shared/ side by side, here and in CI).
const sharedExamples = "../../../../shared/garoon/examples"

func parseCmd(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = cmdParse(args, &o, &e)
	return o.String(), e.String(), code
}

func TestCmdParseSharedExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedExamples, "EXPECTED.json"))
	if os.IsNotExist(err) {
		t.Skip("shared/garoon/examples is not beside the repository")
	}
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
		files[i] = filepath.Join(sharedExamples, name)
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
		if len(got) != 11 {
			t.Errorf("%s: %d keys, want the 11 of FORMAT.md §5: %s", name, len(got), lines[i])
		}
		keys := []string{"action", "kind"}
		if want["action"] != "ignore" {
			keys = []string{"action", "kind", "title", "menu", "start", "end", "all_day", "recurrence", "attendees", "facilities", "memo"}
		}
		for _, k := range keys {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("%s: %s = %v, want %v", name, k, got[k], want[k])
			}
		}
	}
}

func TestCmdParseBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(sharedExamples, "01-add-basic.eml")
	if _, err := os.Stat(good); err != nil {
		good = "../../internal/garoon/testdata/mail/01-add-sjis-base64.eml"
	}
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
	for i, want := range []string{"truncated.eml: garoon: truncated mail", "missing.eml", "impossible.eml: garoon: 日時"} {
		if !strings.Contains(errLines[i], want) {
			t.Errorf("stderr line %d %q does not say %q", i, errLines[i], want)
		}
	}
}

func TestCmdParseSenderAndUsage(t *testing.T) {
	mail := "../../internal/garoon/testdata/mail/01-add-sjis-base64.eml"
	out, _, code := parseCmd("--sender", "garoon@corp.example.jp", mail)
	if code != exitOK || !strings.HasPrefix(out, `{"action":"ignore","kind":"other",`) {
		t.Errorf("--sender of another address: exit %d %s", code, out)
	}
	if _, errOut, code := parseCmd("--help"); code != exitOK || !strings.Contains(errOut, "Examples:") || !strings.Contains(errOut, "-sender") {
		t.Errorf("--help: exit %d\n%s", code, errOut)
	}
	if _, _, code := parseCmd(); code != exitUsage {
		t.Errorf("no files: exit %d", code)
	}
	if _, _, code := parseCmd("--bogus", mail); code != exitUsage {
		t.Errorf("bad flag: exit %d", code)
	}
}
