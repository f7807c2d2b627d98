package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/shared/contract"
)

// functionTimeout is the deployed function's timeout (cdk.json).
const functionTimeout = 120 * time.Second

// TestStory is the demo's add/edit/delete story over two scheduled runs.
func TestStory(t *testing.T) {
	w := newWorld(t, functionTimeout)
	mails := demoMails(t)
	for _, m := range mails[:4] { // three adds, an RSVP
		w.dove.deliver(m)
	}
	r := w.invoke()
	if r.err() != "" || r.n("created") != 3 || r.n("ignored") != 1 || r.n("failed") != 0 {
		t.Fatalf("run 1: %v\n%s", r, w.logs())
	}
	for _, m := range mails[4:] { // an edit, a deleted occurrence, a forgery, a delete
		w.dove.deliver(m)
	}
	r = w.invoke()
	if r.err() != "" || r.n("updated") != 1 || r.n("deleted") != 2 || r.n("ignored") != 1 {
		t.Fatalf("run 2: %v\n%s", r, w.logs())
	}
	evs := w.cal.Events()
	if len(evs) != 2 || evs[0].Summary != "朝会" || len(evs[0].CancelledOccurrences) != 1 ||
		evs[1].Summary != "開発部 定例" || !strings.HasPrefix(evs[1].Start, "2026-12-09T15:00:00") || evs[1].Location != "第2会議室" {
		t.Fatalf("calendar: %+v", evs)
	}
	w.wantMarked(8)
	w.wantQuiet()
	if r = w.invoke(); r.n("seen") != 0 {
		t.Errorf("run 3 saw mails again: %v", r)
	}
}

// TestSchedulerRetry delivers the same invocation twice, as Scheduler does
// when it retries: the second finds nothing to do.
func TestSchedulerRetry(t *testing.T) {
	w := newWorld(t, functionTimeout)
	var titles []string
	for i := range len(charsets) { // one mail in each charset and transfer encoding
		titles = append(titles, fmt.Sprintf("会議%d", i))
		w.notice(i, "登録", titles[i], day(i))
	}
	first, second := w.invoke(), w.invoke()
	if first.n("created") != len(charsets) || second.n("seen") != 0 || second.err() != "" {
		t.Fatalf("first %v, second %v", first, second)
	}
	w.wantEvents(titles...)
	w.wantMarked(len(charsets))
}

// TestKilledMidRun kills the runtime process (SIGKILL, as Lambda does on a
// timeout or an out-of-memory) at random points of a run, several times,
// then lets a run finish: nothing is duplicated, nothing lost.
func TestKilledMidRun(t *testing.T) {
	w := newWorld(t, functionTimeout)
	const n = 40
	var titles []string
	for i := range n {
		titles = append(titles, fmt.Sprintf("打合せ%02d", i))
		w.notice(i, "登録", titles[i], day(i))
	}
	for i := range 5 { // later edits of the first five, moved by 40 slots
		w.notice(i, "変更", titles[i], day(i+40))
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	w.cal.Delay(15 * time.Millisecond)
	updated := func() int {
		c := 0
		for _, r := range w.cal.Requests() {
			if (r.Kind == fakecal.KindUpdate || r.Kind == fakecal.KindPatch) && r.Status == 200 {
				c++
			}
		}
		return c
	}
	// Kill points: three while creating, one while editing.
	points := []struct {
		what     string
		progress func() int
		at       int
	}{
		{"events", func() int { return len(w.cal.Events()) }, 1 + rng.IntN(13)},
		{"events", func() int { return len(w.cal.Events()) }, 14 + rng.IntN(13)},
		{"events", func() int { return len(w.cal.Events()) }, 27 + rng.IntN(13)},
		{"edits", updated, 1 + rng.IntN(3)}, // of 5: the run is still going when it dies
	}
	for _, p := range points {
		go w.fn.post(w.fn.nextRequestID()) // its answer is lost with the runtime
		deadline := time.Now().Add(30 * time.Second)
		for p.progress() < p.at {
			if time.Now().After(deadline) {
				t.Fatalf("no progress to %d %s (seed %d)\n%s", p.at, p.what, seed, w.logs())
			}
			time.Sleep(time.Millisecond)
		}
		pid := w.fn.bootstrapPID()
		if pid == 0 {
			t.Fatalf("bootstrap process not found (seed %d)", seed)
		}
		must(t, syscall.Kill(pid, syscall.SIGKILL))
		t.Logf("killed the runtime after %d %s (%d events, %d edits)", p.at, p.what, len(w.cal.Events()), updated())
		w.wantMarked(0) // a run marks its mails only at its end
		w.fn.restart()
	}
	w.cal.Delay(0)
	r := w.invoke()
	if r.err() != "" || r.n("failed") != 0 || r.n("seen") != n+5 {
		t.Fatalf("the run after the kills (seed %d): %v\n%s", seed, r, w.logs())
	}
	evs := w.wantEvents(titles...)
	for i := range 5 {
		if want := slotStart(i + 40); !strings.HasPrefix(evs[titles[i]].Start, want) {
			t.Errorf("edit of %s not applied: starts %s, want %s (seed %d)", titles[i], evs[titles[i]].Start, want, seed)
		}
	}
	w.wantMarked(n + 5)
	w.wantQuiet()
}

// TestDovecotRestarted: the IMAP server dies and comes back between a run's
// FETCH and its STORE; it restarts cleanly during a run; it is down when a
// run starts.
func TestDovecotRestarted(t *testing.T) {
	w := newWorld(t, functionTimeout)
	var titles []string
	add := func(k int) {
		for range k {
			i := len(titles)
			titles = append(titles, fmt.Sprintf("定例%02d", i))
			w.notice(i, "登録", titles[i], day(i))
		}
	}
	// midRun restarts the server while the run writes to the calendar, and
	// returns how many times the run logged in (Dovecot's log says; it is
	// written asynchronously, so up to 5 s are given for want lines).
	midRun := func(what string, want int, restart func()) int {
		w.cal.Delay(40 * time.Millisecond)
		defer w.cal.Delay(0)
		before, logins := len(w.cal.Events()), w.dove.logins()
		wait := w.invokeAsync()
		for len(w.cal.Events()) < before+3 { // the FETCH is done, the writes go on
			time.Sleep(2 * time.Millisecond)
		}
		restart()
		r := wait()
		t.Logf("the run across the %s: %v", what, r)
		if r.err() != "" || r.n("created") != 10 {
			t.Errorf("the run across the %s: %v", what, r)
		}
		for deadline := time.Now().Add(5 * time.Second); w.dove.logins()-logins < want && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		return w.dove.logins() - logins
	}

	// Killed: the connection drops; the adapter logs in again for the STORE.
	add(10)
	if n := midRun("crash", 2, func() { w.dove.crash(); w.dove.start() }); n != 2 {
		t.Errorf("the run logged in %d times across the crash, want 2 (FETCH, then STORE)", n)
	}
	w.wantMarked(10)

	// A clean restart: Dovecot's master waits for the session to end.
	add(10)
	midRun("clean restart", 1, func() { w.dove.stop(); w.dove.start() })
	w.wantMarked(20)

	// Down when the run starts: the run fails before any calendar write.
	add(5)
	w.dove.stop()
	writes := w.cal.Count(fakecal.KindInsert)
	r := w.invoke()
	if !strings.Contains(r.err(), "IMAP") || w.cal.Count(fakecal.KindInsert) != writes {
		t.Fatalf("a run with the server down: %v", r)
	}
	w.dove.start()
	if r = w.invoke(); r.err() != "" || r.n("created") != 5 {
		t.Fatalf("the run once the server is back: %v", r)
	}
	if r = w.invoke(); r.n("seen") != 0 {
		t.Errorf("mails left unmarked: %v", r)
	}
	w.wantEvents(titles...)
	w.wantMarked(25)
}

// TestCalendarErrors: 429 and 500 answers. Short bursts are retried within
// the run; a lasting outage fails the run and leaves the mails for the next.
func TestCalendarErrors(t *testing.T) {
	w := newWorld(t, functionTimeout)
	var titles []string
	add := func(k int) {
		for range k {
			i := len(titles)
			titles = append(titles, fmt.Sprintf("面談%d", i))
			w.notice(i, "登録", titles[i], day(i))
		}
	}
	add(3)
	w.cal.FailNext(2, 429)
	w.cal.ResetRequests()
	if r := w.invoke(); r.err() != "" || r.n("created") != 3 {
		t.Fatalf("429 twice: %v\n%s", r, w.logs())
	}
	if got := statuses(w.cal, 429); got != 2 {
		t.Errorf("the fake answered 429 %d times, want 2", got)
	}
	w.wantMarked(3)

	add(1)
	w.cal.FailNext(1, 500)
	if r := w.invoke(); r.err() != "" || r.n("created") != 1 {
		t.Fatalf("one 500: %v", r)
	}
	w.wantMarked(4)

	add(2)
	w.cal.FailAlways(503)
	w.cal.ResetRequests()
	r := w.invoke()
	if !strings.Contains(r.err(), "503") || r.n("created") != 0 {
		t.Fatalf("a lasting 503: %v", r)
	}
	if got := len(w.cal.Requests()); got > 12 {
		t.Errorf("%d requests during an outage: the retries are not bounded", got)
	}
	w.wantMarked(4)
	w.cal.FailAlways(0)
	if r = w.invoke(); r.err() != "" || r.n("created") != 2 {
		t.Fatalf("after the outage: %v", r)
	}
	w.wantEvents(titles...)
	w.wantMarked(6)
}

func statuses(cal *fakecal.Server, status int) int {
	n := 0
	for _, r := range cal.Requests() {
		if r.Status == status {
			n++
		}
	}
	return n
}

// TestCalendarSlow: slow answers make a run stop taking notices before its
// deadline; an answer that never comes runs into the deadline. The next
// runs continue without loss.
func TestCalendarSlow(t *testing.T) {
	// The engine keeps 10 s (contract.DeadlineReserve) for marking: a 14 s
	// function has 4 s of work, calendar calls included.
	w := newWorld(t, 14*time.Second)
	var titles []string
	for i := range 6 {
		titles = append(titles, fmt.Sprintf("研修%d", i))
		w.notice(i, "登録", titles[i], day(i))
	}
	w.cal.Delay(time.Second)
	r := w.invoke()
	if r.err() != "" || r.n("deferred") == 0 || r.n("created") == 0 {
		t.Fatalf("slow calendar: %v", r)
	}
	t.Logf("1 s per request: %v", r)
	w.wantMarked(r.n("created"))

	w.cal.Delay(time.Hour)
	start := time.Now()
	hung, id := w.invokeRaw()
	t.Logf("a calendar that does not answer: %v after %v", hung.resp, time.Since(start).Round(time.Millisecond))
	if hung.err() == "" || time.Since(start) > 20*time.Second {
		t.Fatalf("a hung calendar: %v", hung.resp)
	}
	switch n := len(w.summaries(id)); {
	case n > 1:
		t.Errorf("%d summary lines for one run", n)
	case n == 0:
		// Calendar calls end before the engine's reserve, so even a
		// calendar that never answers leaves time to mark and report.
		t.Errorf("the hung run was stopped at the timeout before its summary line and metrics")
	}
	w.cal.Delay(0)
	for range 3 { // the emulator starts a new runtime if it had to stop one
		if r = w.invoke(); r.n("seen") == 0 {
			break
		}
	}
	w.wantEvents(titles...)
	w.wantMarked(6)
}

// TestInvalidGrant: a revoked refresh token fails the run, with the remedy
// in the summary line's fix (the error says only what happened), its own
// metric, and nothing marked; once the grant is valid again, the warm
// function recovers.
func TestInvalidGrant(t *testing.T) {
	w := newWorld(t, functionTimeout)
	w.notice(0, "登録", "定例", day(0))
	w.cal.InvalidGrant(true)
	r := w.invoke()
	if msg := r.err(); !strings.Contains(msg, "invalid_grant") {
		t.Fatalf("invalid_grant: %v", r)
	}
	if fix := contract.FixInvalidGrant("e2e"); r.summary["fix"] != fix || r.resp["fix"] != nil && r.resp["fix"] != fix {
		t.Errorf("summary line fix %q, want %q (the alarm's and doctor's command)", r.summary["fix"], fix)
	}
	if r.summary["invalid_grant"] != true || !strings.Contains(w.logs(), `"InvalidGrant":1`) {
		t.Errorf("no invalid_grant in the summary line or the metric:\n%s", w.logs())
	}
	if w.cal.Count(fakecal.KindInsert) != 0 {
		t.Errorf("a calendar write without a token")
	}
	w.wantMarked(0)
	w.cal.InvalidGrant(false)
	if r = w.invoke(); r.err() != "" || r.n("created") != 1 {
		t.Fatalf("after a new grant: %v", r)
	}
	w.wantMarked(1)
}

// TestEmptySecret: right after the first deploy the secret has no value
// (the stack creates it empty). The run is skipped, not failed: no error
// for the alarm, no metric, one warning line with the command that fills
// the secret. Once it is filled, the next run syncs (a failed load is not
// cached).
func TestEmptySecret(t *testing.T) {
	w := newWorld(t, functionTimeout)
	w.notice(0, "登録", "定例", day(0))
	filled, _ := w.sm.Get(secretName)
	w.sm.CreateEmpty(secretName)
	for range 2 {
		r := w.invoke()
		if r.err() != "" || r.summary["message"] != "sync run skipped" || r.summary["level"] != "WARN" ||
			r.summary["fix"] != contract.FixFillSecret("e2e") || !strings.Contains(fmt.Sprint(r.summary["not_run"]), "has no value yet") {
			t.Fatalf("empty secret: response %v, summary line %v", r.resp, r.summary)
		}
	}
	if strings.Contains(w.logs(), `"_aws"`) || strings.Contains(w.logs(), `"level":"ERROR"`) {
		t.Errorf("an empty secret logged an error or a metric:\n%s", w.logs())
	}
	w.wantMarked(0)
	w.sm.Set(secretName, filled)
	if r := w.invoke(); r.err() != "" || r.n("created") != 1 {
		t.Fatalf("after secret put: %v", r)
	}
	w.wantMarked(1)
}

// TestMalformedSecret: a secret missing a key, with an empty key, or not
// JSON fails the run with an error naming the problem, never a crash, and
// never logs the values.
func TestMalformedSecret(t *testing.T) {
	w := newWorld(t, functionTimeout)
	w.notice(0, "登録", "定例", day(0))
	for _, c := range []struct{ secret, want string }{
		{`{"gmail_address":"` + imapUser + `","gmail_password":"` + imapPass + `"}`, "garoon_sender"},
		{`{"gmail_address":"` + imapUser + `","gmail_password":"` + imapPass + `","garoon_sender":"` + garoon +
			`","google_refresh_token":"","google_client_id":"` + fakecal.ClientID + `","google_client_secret":"` + fakecal.ClientSecret + `"}`, "google_refresh_token"},
		{`{"gmail_password":"` + imapPass + `",`, "JSON"},
	} {
		w.sm.Set(secretName, c.secret)
		w.fn.restart() // a warm function caches the secret for minutes
		r := w.invoke()
		if !strings.Contains(r.err(), c.want) {
			t.Errorf("secret %.30q…: %v, want an error naming %s", c.secret, r, c.want)
		}
	}
	if strings.Contains(w.logs(), "panic") {
		t.Errorf("a panic:\n%s", w.logs())
	}
	w.wantMarked(0)
	if len(w.cal.Events()) != 0 {
		t.Errorf("events written with a broken secret")
	}
}

// TestForgedSender: Garoon-looking mails from other senders never change
// the calendar, however close their From comes.
func TestForgedSender(t *testing.T) {
	w := newWorld(t, functionTimeout)
	w.notice(0, "登録", "役員会", day(0))
	if r := w.invoke(); r.n("created") != 1 {
		t.Fatalf("setup: %v", r)
	}
	for i, from := range []string{
		"no-reply@cybozu.com.example.net",              // a lookalike domain
		`"no-reply@cybozu.com" <attacker@example.net>`, // the sender as display name
		"xno-reply@cybozu.com",                         // a longer local part
		"attacker@example.net",                         // plainly someone else
	} {
		w.dove.deliver(notice(t, i, from, "削除", "役員会", day(0)))
		w.dove.deliver(notice(t, i, from, "変更", "役員会", day(9)))
	}
	// Dovecot's own SEARCH FROM is a substring match: it returns the first
	// three senders' mails, which the parser must refuse.
	fetched := w.dove.search(&imap.SearchCriteria{
		Header:  []imap.SearchCriteriaHeaderField{{Key: "From", Value: garoon}},
		NotFlag: []imap.Flag{processed},
	})
	r := w.invoke()
	if r.err() != "" || r.n("seen") != len(fetched) || r.n("ignored") != len(fetched) || r.n("deleted")+r.n("updated")+r.n("created") != 0 {
		t.Fatalf("forged mails: %v (the server's search finds %d)", r, len(fetched))
	}
	evs := w.wantEvents("役員会")
	if !strings.HasPrefix(evs["役員会"].Start, slotStart(0)) {
		t.Errorf("the event moved: %+v", evs["役員会"])
	}
	w.wantMarked(1 + len(fetched))
}
