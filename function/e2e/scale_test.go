package e2e

import (
	"fmt"
	"testing"
	"time"
)

// memoryLimit is the deployed function's memory (infra: 128 MB).
const memoryLimit = 128 << 20

// TestLargeMailbox: 5,000 mails from other people (some Garoon-looking),
// 300 notices and a forgery, in one mailbox. The run finishes within the
// function's timeout and memory, or continues next run without loss.
func TestLargeMailbox(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 5,300 mails")
	}
	w := newWorld(t, functionTimeout)
	for i := range 5000 {
		w.dove.deliver(unrelated(i))
	}
	var titles []string
	for i := range 300 {
		titles = append(titles, fmt.Sprintf("予定%03d", i))
		w.notice(i, "登録", titles[i], day(i))
	}
	w.dove.deliver(notice(t, 0, "no-reply@cybozu.com.example.net", "削除", titles[0], day(0)))
	start := time.Now()
	r := w.invoke()
	took := time.Since(start)
	peak := w.fn.peakRSS()
	t.Logf("5,000 unrelated + 300 notices + 1 forgery: %v in %v, bootstrap peak RSS (VmHWM) %s", r, took.Round(time.Millisecond), mb(peak))
	runs := 1
	for r.n("deferred") > 0 && runs < 5 {
		r = w.invoke()
		runs++
	}
	if r.err() != "" || runs > 1 && took < functionTimeout/2 {
		t.Errorf("after %d runs: %v", runs, r)
	}
	if took > functionTimeout {
		t.Errorf("the run took %v, over the function's %v", took, functionTimeout)
	}
	if peak == 0 || peak > memoryLimit {
		t.Errorf("peak RSS %s: want under %s", mb(peak), mb(memoryLimit))
	}
	w.wantEvents(titles...)
	w.wantMarked(301) // the notices and the forgery (ignored); no unrelated mail
}

// TestThousandNotices: 1,000 notices, more than one run takes (the adapter
// fetches at most 500): two runs, no loss, bounded memory.
func TestThousandNotices(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 1,000 notices")
	}
	w := newWorld(t, functionTimeout)
	var titles []string
	for i := range 1000 {
		titles = append(titles, fmt.Sprintf("会議%04d", i))
		w.notice(i, "登録", titles[i], day(i))
	}
	first, second := w.invoke(), w.invoke()
	peak := w.fn.peakRSS()
	t.Logf("1,000 notices: %v, then %v; bootstrap peak RSS %s", first, second, mb(peak))
	if first.n("created") != 500 || second.n("created") != 500 || first.err()+second.err() != "" {
		t.Fatalf("created %v + %v", first, second)
	}
	w.wantEvents(titles...)
	w.wantMarked(1000)
	if peak == 0 || peak > 64<<20 {
		t.Errorf("peak RSS %s, want under 64 MB (GOMEMLIMIT)", mb(peak))
	}
}
