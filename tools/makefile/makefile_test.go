// Package makefile checks what the Makefile and .ci/run do, without
// running them (make -n): the bootstrap's mode, CI's steps each run once
// from one place, help texts that say what a target runs.
package makefile

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestBuildPinsTheToolchain: the bootstrap is built with exactly the Go
// release go.work's toolchain line names, whatever Go is installed, so the
// same commit gives the same asset hash on every machine.
func TestBuildPinsTheToolchain(t *testing.T) {
	work, err := os.ReadFile("../../go.work")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^toolchain (go1\.\d+\.\d+)$`).FindSubmatch(work)
	if m == nil {
		t.Fatalf("go.work has no exact toolchain line:\n%s", work)
	}
	out, err := exec.Command("make", "-C", "../..", "-n", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^GOTOOLCHAIN=` + regexp.QuoteMeta(string(m[1])) + ` .*go build .*-o dist/function/bootstrap`).Match(out) {
		t.Errorf("make build does not build with GOTOOLCHAIN=%s:\n%s", m[1], out)
	}
}

// TestBuildModeIsExecutable: Lambda runs the bootstrap as a user other
// than the file's owner, so it must be world-executable; go build leaves
// the mode to the umask (0700 under umask 077). make build sets it.
func TestBuildModeIsExecutable(t *testing.T) {
	out, err := exec.Command("make", "-C", "../..", "-n", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	build, chmod := -1, -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if strings.Contains(l, "go build") && strings.Contains(l, "-o dist/function/bootstrap") {
			build = i
		}
		if l == "chmod 0755 dist/function/bootstrap" {
			chmod = i
		}
	}
	if build < 0 || chmod < build {
		t.Errorf("make build does not chmod 0755 the bootstrap after building it:\n%s", out)
	}
}

// makeN is what `make -n args…` would run, one command a line, with the
// sub-makes' own lines (make -n runs $(MAKE) lines, passing -n on).
func makeN(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("make", append([]string{"-C", "../..", "--no-print-directory", "-n"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("make -n %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// count is how many lines contain s.
func count(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// ciMakeLines are the make commands .ci/run runs, in order: CI's steps.
func ciMakeLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") && makeRE.MatchString(l) {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestCIRunsEachStepOnce: what .ci/run's make commands run (the project's
// CI and the pull-request workflow run .ci/run and nothing else): every
// check once, and one synth of all environments (no -c env) with
// -c alarmEmail=none, so that prod, shipped without an address,
// synthesizes offline.
func TestCIRunsEachStepOnce(t *testing.T) {
	var ci []string
	for _, l := range ciMakeLines(t) {
		ci = append(ci, makeN(t, strings.Fields(l)[1:]...)...)
	}
	for _, step := range []string{"gofmt -l", "go vet work", "go tool staticcheck", "go tool actionlint", "go test ", "cdk synth "} {
		if n := count(ci, step); n != 1 {
			t.Errorf("CI runs %q %d times, want once:\n%s", step, n, strings.Join(ci, "\n"))
		}
	}
	for _, l := range ci {
		if strings.Contains(l, "cdk synth ") && (strings.Contains(l, "-c env=") || !strings.Contains(l, "-c alarmEmail=none")) {
			t.Errorf("CI synthesizes %q; want every environment (no -c env) with -c alarmEmail=none", l)
		}
	}
}

// TestAlarmEmailOverrideNeverDeploys: ALARM_EMAIL reaches the synths only;
// a deploy of an environment without alarmEmail must fail and say where
// the address goes.
func TestAlarmEmailOverrideNeverDeploys(t *testing.T) {
	for _, target := range []string{"synth", "synth-all"} {
		if n := count(makeN(t, target, "ALARM_EMAIL=none"), "-c alarmEmail=none"); n != 1 {
			t.Errorf("make %s ALARM_EMAIL=none: %d lines pass -c alarmEmail=none, want 1", target, n)
		}
		if n := count(makeN(t, target), "alarmEmail"); n != 0 {
			t.Errorf("make %s without ALARM_EMAIL passes alarmEmail", target)
		}
	}
	for _, target := range []string{"deploy", "diff", "cdk-bootstrap"} {
		if n := count(makeN(t, target, "ENV=prod", "ALARM_EMAIL=none"), "alarmEmail"); n != 0 {
			t.Errorf("make %s ENV=prod ALARM_EMAIL=none passes alarmEmail on", target)
		}
	}
}

// TestTestHelpSaysWhatItRuns: `make help`'s line for test names each step
// `make test` runs, and nothing it does not run.
func TestTestHelpSaysWhatItRuns(t *testing.T) {
	var help string
	for _, l := range makeHelp(t) {
		if rest, ok := strings.CutPrefix(l, "test "); ok {
			help = strings.TrimSpace(rest)
		}
	}
	if help == "" {
		t.Fatal("make help has no line for test")
	}
	run := makeN(t, "test")
	// The help's words for each command.
	for word, command := range map[string]string{
		"gofmt":       "gofmt -l",
		"go vet":      "go vet work",
		"staticcheck": "go tool staticcheck",
		"actionlint":  "go tool actionlint",
		"go test":     "go test ",
		"synth":       "cdk synth",
		"fuzz":        "-fuzz",
	} {
		said, ran := strings.Contains(help, word), count(run, command) > 0
		if said != ran {
			t.Errorf("make help says %q; %q in it: %v, make test runs %q: %v", help, word, said, command, ran)
		}
	}
	if strings.Contains(help, "everything CI runs") {
		t.Errorf("make help: %q, but CI also synthesizes (.ci/run)", help)
	}
}

func makeHelp(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("make", "-C", "../..", "--no-print-directory", "help").CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, out)
	}
	return strings.Split(string(out), "\n")
}

// TestCIScriptRunsMakeTargets: .ci/run installs what make cannot, then
// runs the README's test command and the synth of every environment; it
// names no environment (the app reads them from cdk.json) and runs no
// check of its own.
func TestCIScriptRunsMakeTargets(t *testing.T) {
	b, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	envs := environments(t)
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, w := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '=' || r == '"' || r == ';' }) {
			if slices.Contains(envs, w) {
				t.Errorf(".ci/run names the environment %q: %s", w, l)
			}
		}
		for _, own := range []string{"go test", "go vet", "actionlint", "staticcheck", "cdk "} {
			if strings.Contains(l, own) {
				t.Errorf(".ci/run runs %q itself: %s", own, l)
			}
		}
	}
	if got, want := ciMakeLines(t), []string{"make test", "make synth-all ALARM_EMAIL=none"}; !slices.Equal(got, want) {
		t.Errorf(".ci/run runs %q, want %q", got, want)
	}
}

var makeRE = regexp.MustCompile(`\bmake\b`)

// environments are the names cdk.json defines.
func environments(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Context struct {
			Environments map[string]json.RawMessage `json:"environments"`
		} `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Context.Environments) < 2 {
		t.Fatalf("cdk.json defines %d environments", len(f.Context.Environments))
	}
	return slices.Collect(maps.Keys(f.Context.Environments))
}
