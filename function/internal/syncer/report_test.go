package syncer

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

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

// Each count's key is its JSON key, in the order Counts declares them, and
// List carries every field: the summary line's keys and the JSON's are one.
func TestCountsListKeysAreTheJSONKeys(t *testing.T) {
	c := Counts{Seen: 1, Created: 2, Updated: 3, Deleted: 4, Skipped: 5, Ignored: 6, Deferred: 7, Failed: 8, Attention: 9}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	want.WriteByte('{')
	for i, n := range c.List() {
		if i > 0 {
			want.WriteByte(',')
		}
		fmt.Fprintf(&want, "%q:%d", n.Key, n.N)
	}
	want.WriteByte('}')
	if string(b) != want.String() {
		t.Errorf("JSON %s\nList  %s", b, want.String())
	}
	if n := reflect.TypeFor[Counts]().NumField(); len(c.List()) != n {
		t.Errorf("List has %d counts, Counts %d fields", len(c.List()), n)
	}
}
