package syncer

import "testing"

func TestCountsBrief(t *testing.T) {
	for _, tc := range []struct {
		c    Counts
		want string
	}{
		{Counts{}, "no new mails"},
		{Counts{Failed: 1}, "0 mails: 1 failed"}, // a run that failed before it saw a mail
		{Counts{Seen: 4, Created: 1, Deleted: 2, Failed: 1}, "4 mails: 1 created, 2 deleted, 1 failed"},
		{Counts{Seen: 7, Created: 1, Updated: 1, Deleted: 1, Skipped: 1, Ignored: 1, Deferred: 1, Failed: 1},
			"7 mails: 1 created, 1 updated, 1 deleted, 1 unchanged, 1 ignored, 1 deferred, 1 failed"},
	} {
		if got := tc.c.Brief(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}
