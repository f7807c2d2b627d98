package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/syncer"
)

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want []string
	}{
		{"", 10, []string{""}},
		{"same title", 10, []string{"same title"}},
		{"same title and time", 10, []string{"same title", "and time"}},
		{"a verylongwordindeed b", 8, []string{"a", "verylong", "wordinde", "ed b"}},
		{"件名に[登録]がない", 8, []string{"件名に[", "登録]が", "ない"}}, // two cells a character
	} {
		if got := wrap(c.in, c.n); !slices.Equal(got, c.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// The WHY column wraps under itself instead of being cut.
func TestTableWrapsTheLastColumn(t *testing.T) {
	tb := &table{header: []string{"UID", "WHY"}, wrapLast: 20}
	tb.add("7", `sender "x@attacker.example" is not the Garoon sender`)
	tb.add("5", "same title")
	var b strings.Builder
	tb.write(&b)
	want := "UID  WHY\n" +
		`7    sender` + "\n" +
		`     "x@attacker.example"` + "\n" +
		`     is not the Garoon` + "\n" +
		`     sender` + "\n" +
		"5    same title\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestStepsShowTheirZone: a run's steps show their times in the zone the
// parser read them in (the secret's garoon_time_zone), and the header
// names it.
func TestStepsShowTheirZone(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, la)
	var out strings.Builder
	writeSteps(&out, &syncer.Report{Steps: []syncer.Step{
		{UID: 1, Op: syncer.OpIgnore},
		{UID: 2, Op: syncer.OpCreate, Start: start, End: start.Add(time.Hour), Title: "定例"},
	}})
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[0], " WHEN (America/Los_Angeles) ") || !strings.Contains(lines[2], " 2026-12-07 10:00–11:00 ") {
		t.Errorf("steps in Los Angeles:\n%s", out.String())
	}
	out.Reset()
	writeSteps(&out, &syncer.Report{Steps: []syncer.Step{{UID: 1, Op: syncer.OpIgnore}}})
	if h, _, _ := strings.Cut(out.String(), "\n"); strings.Fields(h)[3] != "WHEN" {
		t.Errorf("no times, header %q", h)
	}
}
