package main

import (
	"slices"
	"strings"
	"testing"
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
