package e2e

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"garoon-calendar-sync/shared/contract"
)

const processed = imap.Flag(contract.ProcessedKeyword)

func num(t *testing.T, res map[string]any, key string) int {
	t.Helper()
	v, ok := res[key].(float64)
	if !ok {
		t.Fatalf("response has no %q: %v", key, res)
	}
	return int(v)
}

// wantMarked checks every mail is (or is not) marked processed and none is
// \Seen: the user still reads the mails.
func (w *world) wantMarked(want int) {
	w.t.Helper()
	marked := 0
	for uid, flags := range w.dove.mailState() {
		if slices.Contains(flags, imap.FlagSeen) {
			w.t.Errorf("mail %d is \\Seen", uid)
		}
		if slices.Contains(flags, processed) {
			marked++
		}
	}
	if marked != want {
		w.t.Errorf("%d mails marked %s, want %d", marked, processed, want)
	}
}

// wantNoDuplicates checks that no two live events share a title and start.
func (w *world) wantNoDuplicates(n int) {
	w.t.Helper()
	seen := map[string]bool{}
	evs := w.cal.Events()
	for _, ev := range evs {
		k := ev.Summary + "|" + ev.Start
		if seen[k] {
			w.t.Errorf("duplicate event %s", k)
		}
		seen[k] = true
	}
	if len(evs) != n {
		w.t.Errorf("%d events, want %d", len(evs), n)
	}
}

func (w *world) wantCleanLogs() {
	w.t.Helper()
	logs := w.fn.out.String()
	for _, s := range w.secretValues() {
		if strings.Contains(logs, s) {
			w.t.Errorf("logs contain a secret value %q", s[:3]+"…")
		}
	}
}

func TestStory(t *testing.T) {
	w := newWorld(t, 60*time.Second)
	mails := demoMails(t)
	for _, m := range mails[:4] {
		w.dove.deliver(m)
	}
	res := w.fn.invoke()
	if num(t, res, "created") != 3 || num(t, res, "ignored") != 1 || num(t, res, "failed") != 0 {
		t.Fatalf("run 1: %v\n%s", res, w.fn.out)
	}
	for _, m := range mails[4:] {
		w.dove.deliver(m)
	}
	res = w.fn.invoke()
	if num(t, res, "updated") != 1 || num(t, res, "deleted") != 2 || num(t, res, "ignored") != 1 {
		t.Fatalf("run 2: %v\n%s", res, w.fn.out)
	}
	evs := w.cal.Events()
	if len(evs) != 2 || evs[0].Summary != "朝会" || len(evs[0].CancelledOccurrences) != 1 ||
		evs[1].Summary != "開発部 定例" || !strings.HasPrefix(evs[1].Start, "2026-12-09T15:00:00") || evs[1].Location != "第2会議室" {
		t.Fatalf("calendar: %+v", evs)
	}
	w.wantMarked(8)
	for _, r := range w.cal.Requests() {
		if r.Method != "GET" && r.Kind != "token" && r.Query.Get("sendUpdates") != "none" {
			t.Errorf("%s %s without sendUpdates=none", r.Method, r.Path)
		}
		if strings.Contains(string(r.Body), `"attendees"`) {
			t.Errorf("a write carries attendees: %s", r.Body)
		}
	}
	logs := w.fn.out.String()
	if strings.Count(logs, `"sync run"`) != 2 || !strings.Contains(logs, `"_aws"`) || !strings.Contains(logs, `"CloudWatchMetrics"`) {
		t.Errorf("want one summary line and one EMF record per run:\n%s", logs)
	}
	w.wantCleanLogs()
}

func TestSchedulerRetryDeliversTheSameInvocationTwice(t *testing.T) {
	w := newWorld(t, 60*time.Second)
	for i := range 7 { // one of each charset
		w.dove.deliver(notice(t, i, garoon, "登録", fmt.Sprintf("会議%d", i), day(i)))
	}
	first := w.fn.invoke()
	second := w.fn.invoke()
	if num(t, first, "created") != 7 || num(t, second, "seen") != 0 {
		t.Fatalf("first %v second %v", first, second)
	}
	w.wantNoDuplicates(7)
	w.wantMarked(7)
}

func TestKilledMidRunThenRerun(t *testing.T) {
	w := newWorld(t, 60*time.Second)
	const n = 30
	for i := range n {
		w.dove.deliver(notice(t, i, garoon, "登録", fmt.Sprintf("打合せ%02d", i), day(i)))
	}
	for i := range 5 { // edits of some, in the same batch
		w.dove.deliver(notice(t, i, garoon, "変更", fmt.Sprintf("打合せ%02d", i), day(i+40)))
	}
	w.cal.Delay(30 * time.Millisecond)
	go w.fn.post() // its answer is lost with the runtime
	time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
	pid := w.fn.bootstrapPID()
	if pid == 0 {
		t.Fatal("bootstrap process not found")
	}
	must(t, syscall.Kill(pid, syscall.SIGKILL))
	inserted := w.cal.Count("insert")
	w.fn.stop()
	t.Logf("killed after %d inserts", inserted)
	w.cal.Delay(0)
	w.fn.start()
	res := w.fn.invoke()
	if num(t, res, "failed") != 0 {
		t.Fatalf("rerun: %v\n%s", res, w.fn.out)
	}
	w.wantNoDuplicates(n)
	w.wantMarked(n + 5)
	for _, ev := range w.cal.Events() {
		if ev.Summary == "打合せ00" && !strings.HasPrefix(ev.Start, "2026-12-13T10:00") {
			t.Errorf("edit of 打合せ00 not applied: %s", ev.Start)
		}
	}
}

func TestDovecotRestartedMidRun(t *testing.T) {
	w := newWorld(t, 60*time.Second)
	for i := range 10 {
		w.dove.deliver(notice(t, i, garoon, "登録", fmt.Sprintf("定例%d", i), day(i)))
	}
	w.cal.Delay(100 * time.Millisecond)
	done := make(chan map[string]any, 1)
	go func() { done <- w.fn.invoke() }()
	time.Sleep(500 * time.Millisecond) // the fetch is done, the calendar writes go on
	w.dove.stop()
	w.dove.start()
	res := <-done
	t.Logf("run during the restart: %v", res)
	w.cal.Delay(0)
	res = w.fn.invoke()
	if _, failed := res["errorMessage"]; failed {
		t.Fatalf("run after the restart: %v", res)
	}
	w.wantNoDuplicates(10)
	w.wantMarked(10)
}

func TestCalendarFaults(t *testing.T) {
	w := newWorld(t, 15*time.Second)
	for i := range 3 {
		w.dove.deliver(notice(t, i, garoon, "登録", fmt.Sprintf("面談%d", i), day(i)))
	}
	// 429 twice, then success: retried within the run.
	w.cal.FailNext(2, 429)
	res := w.fn.invoke()
	if num(t, res, "created") != 3 {
		t.Fatalf("429: %v\n%s", res, w.fn.out)
	}
	w.wantMarked(3)

	// 500 forever: the run fails, the mail stays unprocessed; the next run applies it.
	w.dove.deliver(notice(t, 3, garoon, "登録", "面談3", day(3)))
	w.cal.FailAlways(500)
	res = w.fn.invoke()
	if msg, _ := res["errorMessage"].(string); !strings.Contains(msg, "500") {
		t.Fatalf("500: %v", res)
	}
	w.wantMarked(3)
	w.cal.FailAlways(0)
	if res = w.fn.invoke(); num(t, res, "created") != 1 {
		t.Fatalf("after 500: %v", res)
	}
	w.wantMarked(4)

	// Slow answers: the run stops taking notices before the deadline and
	// the next run continues without loss.
	for i := 4; i < 8; i++ {
		w.dove.deliver(notice(t, i, garoon, "登録", fmt.Sprintf("面談%d", i), day(i)))
	}
	w.cal.Delay(2 * time.Second)
	res = w.fn.invoke()
	t.Logf("slow run: %v", res)
	if num(t, res, "deferred") == 0 {
		t.Fatalf("slow run deferred nothing: %v", res)
	}
	w.cal.Delay(0)
	w.fn.invoke()
	w.wantNoDuplicates(8)
	w.wantMarked(8)
	w.wantCleanLogs()
}

func TestInvalidGrant(t *testing.T) {
	w := newWorld(t, 30*time.Second)
	w.dove.deliver(notice(t, 0, garoon, "登録", "定例", day(0)))
	w.cal.InvalidGrant(true)
	res := w.fn.invoke()
	msg, _ := res["errorMessage"].(string)
	if !strings.Contains(msg, "invalid_grant") || !strings.Contains(msg, "garoon-sync authorize") {
		t.Fatalf("invalid_grant: %v", res)
	}
	if !strings.Contains(w.fn.out.String(), `"InvalidGrant":1`) {
		t.Errorf("no InvalidGrant metric:\n%s", w.fn.out)
	}
	w.wantMarked(0)
	w.wantCleanLogs()
}

func TestMalformedSecret(t *testing.T) {
	w := newWorld(t, 30*time.Second)
	w.sm.Set(secretName, `{"gmail_address":"`+imapUser+`","gmail_password":"`+imapPass+`"}`)
	res := w.fn.invoke()
	if msg, _ := res["errorMessage"].(string); !strings.Contains(msg, "garoon_sender") {
		t.Fatalf("malformed secret: %v", res)
	}
	w.sm.Set(secretName, `{not json`)
	w.fn.stop() // the secret is cached for minutes in a warm function
	w.fn.start()
	if res = w.fn.invoke(); res["errorMessage"] == nil {
		t.Fatalf("bad JSON: %v", res)
	}
	w.wantCleanLogs()
}

func TestLargeMailbox(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	w := newWorld(t, 120*time.Second)
	for i := range 5000 {
		w.dove.deliver(unrelated(i))
	}
	for i := range 300 {
		w.dove.deliver(notice(t, i, garoon, "登録", fmt.Sprintf("予定%03d", i), day(i)))
	}
	w.dove.deliver(notice(t, 0, "no-reply@cybozu.com.example.net", "削除", "予定000", day(0))) // forged
	start := time.Now()
	res := w.fn.invoke()
	took := time.Since(start)
	t.Logf("5,000 unrelated + 300 notices + 1 forged: %v in %v, bootstrap peak RSS %.1f MB", res, took, float64(w.fn.peakRSS())/(1<<20))
	for res["deferred"] != nil && num(t, res, "deferred") > 0 {
		res = w.fn.invoke()
	}
	w.wantNoDuplicates(300)
	if rss := w.fn.peakRSS(); rss > 128<<20 {
		t.Errorf("peak RSS %d MB exceeds the 128 MB function", rss>>20)
	}
}

func TestHostileMails(t *testing.T) {
	w := newWorld(t, 60*time.Second)
	w.dove.deliver(notice(t, 0, garoon, "登録", "正常な予定", day(0)))
	w.dove.deliver(notice(t, 1, garoon, "登録", "巨大メモ", day(1), "メモ　　：\r\n"+strings.Repeat("長いメモ。", 700_000)))
	nested := "From: " + garoon + "\r\nSubject: [登録] x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
	for i := 1; i < 50; i++ {
		nested += fmt.Sprintf("--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	w.dove.deliver([]byte(nested))
	w.dove.deliver([]byte("From: " + garoon + "\r\nSubject: [登録] x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla'\r\n"))
	w.dove.deliver([]byte("From: " + garoon + "\r\nSubject: [登録] x\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"))
	w.dove.deliver(append([]byte("From: "+garoon+"\r\nSubject: [登録] big\r\n\r\n"), []byte(strings.Repeat("x", 15<<20))...))
	res := w.fn.invoke()
	t.Logf("hostile: %v, bootstrap peak RSS %.1f MB", res, float64(w.fn.peakRSS())/(1<<20))
	// The run reports the four unreadable mails (and so fails, for the
	// alarm), applies the good one, and marks all five so they are reported
	// once. The 15 MB mail is over the fetch limit: never downloaded.
	if msg, _ := res["errorMessage"].(string); !strings.HasPrefix(msg, "4 of 5 mails failed") {
		t.Fatalf("hostile: %v\n%s", res, w.fn.out)
	}
	if evs := w.cal.Events(); len(evs) != 1 || evs[0].Summary != "正常な予定" {
		t.Fatalf("calendar: %+v", evs)
	}
	w.wantMarked(5)
	if rss := w.fn.peakRSS(); rss > 128<<20 {
		t.Errorf("peak RSS %d MB exceeds the 128 MB function", rss>>20)
	}
}

// TestThousandNotices measures the shipped binary's peak memory over 1,000
// notices (two runs: one run takes at most 500 mails).
func TestThousandNotices(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	w := newWorld(t, 120*time.Second)
	for i := range 1000 {
		w.dove.deliver(notice(t, i, garoon, "登録", fmt.Sprintf("会議%04d", i), day(i)))
	}
	first := w.fn.invoke()
	second := w.fn.invoke()
	t.Logf("1,000 notices: %v then %v, bootstrap peak RSS %.1f MB", first, second, float64(w.fn.peakRSS())/(1<<20))
	if num(t, first, "created")+num(t, second, "created") != 1000 {
		t.Fatalf("created %v + %v", first, second)
	}
	w.wantNoDuplicates(1000)
	if rss := w.fn.peakRSS(); rss > 64<<20 {
		t.Errorf("peak RSS %d MB, want under 64 MB", rss>>20)
	}
}
