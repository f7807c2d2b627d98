package garoon

import (
	"strings"
	"testing"
)

func TestSenderOf(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
		ok        bool
	}{
		{"From: Garoon <No-Reply@Cybozu.com>\r\nSubject: x\r\n\r\nbody\r\n", "no-reply@cybozu.com", true},
		// Folded, with an encoded display name.
		{"Subject: x\r\nfrom: =?UTF-8?B?6YCa55+l?=\r\n\t<通知@Garoon.example.jp>\r\n\r\n", "通知@garoon.example.jp", true},
		// Several From fields: the first, as Parse reads it.
		{"From: a@b\nFrom: c@d\n\n", "a@b", true},
		{"Subject: x\r\n\r\n", "", true},
		// A header that never ends cannot be read.
		{"From: a@b", "", false},
		{"From: a@b\r\nnot a header line\r\n\r\n", "", false},
	} {
		got, ok := SenderOf([]byte(tc.raw))
		if got != tc.want || ok != tc.ok {
			t.Errorf("SenderOf(%q) = %q, %v; want %q, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s     string
		limit int
		want  string
	}{
		{"abc", 3, "abc"},
		{"abcdef", 5, "ab…"},
		// "会議" is 6 bytes: the cut never splits a character.
		{"会議室", 8, "会…"},
		{"会議室", 9, "会議室"},
		{"abcdef", 2, "…"},
		{strings.Repeat("x", 200), 120, strings.Repeat("x", 117) + "…"},
	} {
		got := Clip(tc.s, tc.limit)
		if got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.s, tc.limit, got, tc.want)
		}
		if len(tc.s) > tc.limit && tc.limit >= len("…") && len(got) > tc.limit {
			t.Errorf("Clip(%q, %d) is %d bytes", tc.s, tc.limit, len(got))
		}
	}
}
