package syncer_test

// Engine tests through the real Google Calendar adapter (internal/gcal)
// against the fake Google Calendar (internal/fake), which expands repeating
// events into instances the way Google does. Each row of the table in docs/garoon-mails.md §6 has a test;
// after each step the calendar is read back as a person sees it
// (events.list singleEvents=true) and counted week by week, so an
// occurrence lost or doubled shows up as a 0 or a 2.
//
// The mails are Garoon's own (docs/garoon-mails.md §2, §3, §4.3): bare From, no
// Message-ID, lower-case mime-version, UTF-8 base64 body, subject in
// encoded words of at most 25 bytes, ja labels padded with U+3000.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/gcal"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/function/internal/testmail"
)

var jst = time.FixedZone("JST", 9*3600)

// mailbox is an in-memory syncer.Mailbox.
type mailbox struct {
	mu    sync.Mutex
	mails []syncer.Mail
	done  map[uint32]bool
}

func (m *mailbox) Fetch(context.Context, string, time.Time) ([]syncer.Mail, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []syncer.Mail
	for _, ml := range m.mails {
		if !m.done[ml.UID] {
			out = append(out, ml)
		}
	}
	return out, nil
}

func (m *mailbox) MarkProcessed(_ context.Context, uids []uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range uids {
		m.done[u] = true
	}
	return nil
}

type world struct {
	t    *testing.T
	zone *time.Location // the user's Garoon time zone; nil: Asia/Tokyo
	srv  *fakecal.Server
	box  *mailbox
	sent time.Time // the Date of the next mail
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv, err := fakecal.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &world{t: t, srv: srv, box: &mailbox{done: map[uint32]bool{}}, sent: time.Date(2027, 5, 20, 9, 0, 0, 0, jst)}
}

func (w *world) zoneName() string {
	if w.zone == nil {
		return ""
	}
	return w.zone.String()
}

// calendar is the adapter over the fake; rt, when set, wraps its transport.
func (w *world) calendar(rt http.RoundTripper) *gcal.Calendar {
	w.t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	if rt != nil {
		hc.Transport = rt
	}
	cal, err := gcal.New(context.Background(), gcal.Config{
		ClientID: fakecal.ClientID, ClientSecret: fakecal.ClientSecret, RefreshToken: fakecal.RefreshToken,
		TokenURL: w.srv.TokenURL, Endpoint: w.srv.Endpoint, HTTPClient: hc, TimeZone: w.zoneName(),
		Retry: gcal.Retry{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return cal
}

// mail delivers a Garoon notice. tag is the subject tag (登録, 変更, 削除,
// 確定), lines the body lines up to 予定 (日時, 期間 or 日時候補).
func (w *world) mail(tag, title string, lines ...string) {
	w.t.Helper()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("予定　　：会議:" + title + "\r\n")
	b.WriteString("参加者　：渡辺 四郎,山本 五月\r\n")
	b.WriteString("施設　　：会議室A\r\n")
	b.WriteString("メモ　　：\r\n")
	b.WriteString("定例の打合せです\r\n")
	w.sent = w.sent.Add(time.Minute)
	raw := testmail.Mail{Date: w.sent.Format(time.RFC1123Z), Subject: "[" + tag + "] 会議:" + title, Body: b.String(), Version: "5.15.0"}.Bytes()
	w.box.mu.Lock()
	defer w.box.mu.Unlock()
	w.box.mails = append(w.box.mails, syncer.Mail{UID: uint32(len(w.box.mails) + 1), Raw: raw, Received: w.sent})
}

func (w *world) run(mod ...func(*syncer.Config)) *syncer.Report {
	w.t.Helper()
	rep, err := w.runWith(nil, mod...)
	if err != nil {
		w.t.Fatalf("run: %v; steps %+v", err, rep.Steps)
	}
	return rep
}

func (w *world) runWith(rt http.RoundTripper, mod ...func(*syncer.Config)) (*syncer.Report, error) {
	cfg := syncer.Config{Lookback: 1000 * 24 * time.Hour, MaxDeletes: 10, Zone: w.zone, Now: func() time.Time { return w.sent.Add(time.Hour) }}
	for _, m := range mod {
		m(&cfg)
	}
	return syncer.New(w.box, w.calendar(rt), cfg).Run(context.Background())
}

// writes is the number of calendar writes received so far.
func (w *world) writes() int {
	n := 0
	for _, r := range w.srv.Requests() {
		switch r.Kind {
		case fakecal.KindInsert, fakecal.KindUpdate, fakecal.KindPatch, fakecal.KindDelete:
			n++
		}
	}
	return n
}

// The appointment of most tests: a weekly meeting on Tuesdays 10:00-11:00
// from 2027-06-01 to 2027-07-27 (nine occurrences).
const (
	weekly     = "日時　　：毎週火曜日 10:00 ～ 11:00"
	fullPeriod = "期間　　：2027年06月01日（火）～2027年07月27日（火）"
	firstWeek  = "2027-05-31" // the Monday of the first occurrence's week
	nineWeeks  = "1 1 1 1 1 1 1 1 1"
)

// weeks counts the occurrences (all titles) a person sees in each of n
// weeks from the Monday from.
func (w *world) weeks(from string, n int) string {
	w.t.Helper()
	start, err := time.ParseInLocation(time.DateOnly, from, jst)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for i := range n {
		ws := start.AddDate(0, 0, 7*i)
		out = append(out, fmt.Sprint(len(w.srv.Occurrences("primary", ws, ws.AddDate(0, 0, 7)))))
	}
	return strings.Join(out, " ")
}

// seen is what a person sees from..to as "MM-DD HH:MM-HH:MM title" lines
// ("MM-DD title" for all-day), tentative ones marked "?".
func (w *world) seen(from, to string) []string {
	w.t.Helper()
	a, _ := time.ParseInLocation(time.DateOnly, from, jst)
	b, _ := time.ParseInLocation(time.DateOnly, to, jst)
	var out []string
	for _, ev := range w.srv.Occurrences("primary", a, b) {
		line := ""
		if ev.AllDay {
			line = ev.Start[5:] + " " + ev.Summary
		} else {
			s, _ := time.Parse(time.RFC3339, ev.Start)
			e, _ := time.Parse(time.RFC3339, ev.End)
			line = s.In(jst).Format("01-02 15:04") + "-" + e.In(jst).Format("15:04") + " " + ev.Summary
		}
		if ev.Status == "tentative" {
			line += " ?"
		}
		out = append(out, line)
	}
	return out
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func wantWeeks(t *testing.T, w *world, from string, want string) {
	t.Helper()
	n := len(strings.Fields(want))
	if got := w.weeks(from, n); got != want {
		t.Errorf("occurrences per week from %s:\n got  %s\n want %s", from, got, want)
	}
}

func stepOps(rep *syncer.Report) string {
	var ops []string
	for _, st := range rep.Steps {
		ops = append(ops, string(st.Op))
	}
	return strings.Join(ops, " ")
}

func wantOps(t *testing.T, rep *syncer.Report, want string) {
	t.Helper()
	if got := stepOps(rep); got != want {
		t.Errorf("ops %q, want %q; steps %+v", got, want, rep.Steps)
	}
}

// series sets up the weekly meeting and returns its event.
func (w *world) series() fakecal.Event {
	w.t.Helper()
	w.mail("登録", "定例", weekly, fullPeriod)
	wantOps(w.t, w.run(), "create")
	evs := w.srv.Events()
	if len(evs) != 1 || len(evs[0].Recurrence) != 1 {
		w.t.Fatalf("series: %+v", evs)
	}
	return evs[0]
}

// rerunChangesNothing delivers the last mail again (unmarked, as after a
// crash before the IMAP STORE) and checks that nothing is written.
func (w *world) rerunChangesNothing() {
	w.t.Helper()
	w.box.mu.Lock()
	last := w.box.mails[len(w.box.mails)-1]
	delete(w.box.done, last.UID)
	w.box.mu.Unlock()
	before := w.writes()
	rep := w.run()
	if w.writes() != before || rep.Created+rep.Updated+rep.Deleted+rep.Attention != 0 {
		w.t.Errorf("re-applying the same mail wrote %d times: %+v", w.writes()-before, rep.Steps)
	}
}

// docs/garoon-mails.md §6: [登録] rule + 期間 S～E → create the series.
func TestGoogleAddSeries(t *testing.T) {
	w := newWorld(t)
	ev := w.series()
	if want := "RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270727T145959Z"; ev.Recurrence[0] != want {
		t.Errorf("recurrence %q, want %q", ev.Recurrence[0], want)
	}
	wantWeeks(t, w, "2027-05-24", "0 "+nineWeeks+" 0")
	w.rerunChangesNothing()
}

// docs/garoon-mails.md §6: [登録] rule + 期間 D～D → one event on D.
func TestGoogleAddOneOccurrence(t *testing.T) {
	w := newWorld(t)
	w.mail("登録", "定例", weekly, "期間　　：2027年06月15日（火）～2027年06月15日（火）")
	wantOps(t, w.run(), "create")
	wantLines(t, "calendar", w.seen("2027-05-01", "2027-09-01"), "06-15 10:00-11:00 定例")
	if evs := w.srv.Events(); len(evs) != 1 || len(evs[0].Recurrence) != 0 {
		t.Errorf("want one non-repeating event: %+v", evs)
	}
	// Removed from that occurrence again: [削除] rule + D～D.
	w.mail("削除", "定例", weekly, "期間　　：2027年06月15日（火）～2027年06月15日（火）")
	wantOps(t, w.run(), "delete")
	wantLines(t, "calendar", w.seen("2027-05-01", "2027-09-01"))
}

// docs/garoon-mails.md §6: [変更] rule + the whole period → update the series. What
// the person set in Google (colour, reminders, own property) survives.
func TestGoogleEditAll(t *testing.T) {
	w := newWorld(t)
	ev := w.series()
	if err := w.srv.PatchAsPerson("primary", ev.ID, `{"colorId":"9","reminders":{"useDefault":false,"overrides":[{"method":"popup","minutes":15}]},
		"extendedProperties":{"private":{"myNote":"bring laptop"}}}`); err != nil {
		t.Fatal(err)
	}
	w.mail("変更", "定例", "日時　　：毎週火曜日 13:00 ～ 14:00", fullPeriod)
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	got := w.seen("2027-06-01", "2027-06-16")
	wantLines(t, "first weeks", got, "06-01 13:00-14:00 定例", "06-08 13:00-14:00 定例", "06-15 13:00-14:00 定例")
	after, _ := w.srv.Event("primary", ev.ID)
	if after.ColorID != "9" || !strings.Contains(string(after.Reminders), `"minutes":15`) || after.Private["myNote"] != "bring laptop" {
		t.Errorf("what the person set was lost: colour %q reminders %s private %v", after.ColorID, after.Reminders, after.Private)
	}
	if w.srv.Count(fakecal.KindUpdate) != 0 {
		t.Error("an edit used events.update (a full replace)")
	}
	w.rerunChangesNothing()
}

// docs/garoon-mails.md §6: [変更] rule + 期間 D～D inside the series → override that
// one occurrence.
func TestGoogleEditThisOnly(t *testing.T) {
	w := newWorld(t)
	ev := w.series()
	w.mail("変更", "定例", "日時　　：毎週火曜日 16:00 ～ 16:15", "期間　　：2027年06月15日（火）～2027年06月15日（火）")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "weeks 2-4", w.seen("2027-06-07", "2027-06-28"),
		"06-08 10:00-11:00 定例", "06-15 16:00-16:15 定例", "06-22 10:00-11:00 定例")
	after, _ := w.srv.Event("primary", ev.ID)
	if !slices.Equal(after.Recurrence, ev.Recurrence) || after.Start != ev.Start {
		t.Errorf("the series changed: %+v", after)
	}
	inst, ok := w.srv.Event("primary", ev.ID+"_20270615T010000Z")
	if !ok || inst.RecurringEventID != ev.ID {
		t.Errorf("no exception for the occurrence: %+v", inst)
	}
	w.rerunChangesNothing()

	// Garoon detached it into a normal appointment: a later normal edit of
	// it (same title, that day) changes the exception again, not the series.
	w.mail("変更", "定例", "日時　　：2027年06月15日（火） 17:00 ～ 2027年06月15日（火） 17:30")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "week 3", w.seen("2027-06-14", "2027-06-21"), "06-15 17:00-17:30 定例")
	// And a normal delete of it cancels that occurrence only.
	w.mail("削除", "定例", "日時　　：2027年06月15日（火） 17:00 ～ 2027年06月15日（火） 17:30")
	wantOps(t, w.run(), "delete")
	wantWeeks(t, w, firstWeek, "1 1 0 1 1 1 1 1 1")
}

// docs/garoon-mails.md §6, "this only" with the title changed: the series is found by
// its rule and the occurrence on that day.
func TestGoogleEditThisOnlyNewTitle(t *testing.T) {
	w := newWorld(t)
	ev := w.series()
	w.mail("変更", "定例（拡大版）", "日時　　：毎週火曜日 10:00 ～ 12:00", "期間　　：2027年06月22日（火）～2027年06月22日（火）")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "week 4", w.seen("2027-06-21", "2027-06-28"), "06-22 10:00-12:00 定例（拡大版）")
	if after, _ := w.srv.Event("primary", ev.ID); after.Summary != "定例" {
		t.Errorf("series renamed: %q", after.Summary)
	}
	w.rerunChangesNothing()
}

// docs/garoon-mails.md §6: [変更] rule + 期間 D～end → the old series ends before D,
// a new series from D.
func TestGoogleEditFollowing(t *testing.T) {
	w := newWorld(t)
	ev := w.series()
	w.mail("変更", "定例", "日時　　：毎週火曜日 15:00 ～ 16:00", "期間　　：2027年06月29日（火）～2027年07月27日（火）")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, "2027-05-24", "0 "+nineWeeks+" 0")
	wantLines(t, "around the split", w.seen("2027-06-21", "2027-07-07"),
		"06-22 10:00-11:00 定例", "06-29 15:00-16:00 定例", "07-06 15:00-16:00 定例")
	old, _ := w.srv.Event("primary", ev.ID)
	if want := "RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270628T145959Z"; len(old.Recurrence) != 1 || old.Recurrence[0] != want {
		t.Errorf("old series recurrence %q, want %q", old.Recurrence, want)
	}
	w.rerunChangesNothing()

	// Then "all" of the new series (its whole period) changes only it.
	w.mail("変更", "定例", "日時　　：毎週火曜日 15:30 ～ 16:30", "期間　　：2027年06月29日（火）～2027年07月27日（火）")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, "2027-05-24", "0 "+nineWeeks+" 0")
	wantLines(t, "around the split", w.seen("2027-06-21", "2027-07-07"),
		"06-22 10:00-11:00 定例", "06-29 15:30-16:30 定例", "07-06 15:30-16:30 定例")
}

// docs/garoon-mails.md §6: [変更] with a normal date, same title as a series with an
// occurrence that day (drag and drop) → override that day's occurrence.
func TestGoogleDragAndDrop(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("変更", "定例", "日時　　：2027年07月06日（火） 14:00 ～ 2027年07月06日（火） 15:00")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "week 6", w.seen("2027-07-05", "2027-07-12"), "07-06 14:00-15:00 定例")
	w.rerunChangesNothing()

	// Moved again (Garoon: the detached appointment is a normal one now):
	// the nearest event with the title, the exception, moves.
	w.mail("変更", "定例", "日時　　：2027年07月08日（木） 14:00 ～ 2027年07月08日（木） 15:00")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "week 6", w.seen("2027-07-05", "2027-07-12"), "07-08 14:00-15:00 定例")

	// Only the series has the title and it has no occurrence that day: the
	// mail cannot say which occurrence moved, so the event is added on its
	// own and the series is left alone.
	w2 := newWorld(t)
	w2.series()
	w2.mail("変更", "定例", "日時　　：2027年07月08日（木） 14:00 ～ 2027年07月08日（木） 15:00")
	wantOps(t, w2.run(), "create")
	wantWeeks(t, w2, firstWeek, "1 1 1 1 1 2 1 1 1")
}

// docs/garoon-mails.md §6: [削除] rule + 期間 D～D → cancel that occurrence.
func TestGoogleDeleteOneOccurrence(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月08日（火）～2027年06月08日（火）")
	wantOps(t, w.run(), "cancel-occurrence")
	wantWeeks(t, w, firstWeek, "1 0 1 1 1 1 1 1 1")
	w.rerunChangesNothing()
}

// docs/garoon-mails.md §6: [削除] rule + 期間 D～end → end the series before D.
func TestGoogleDeleteFollowing(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("削除", "定例", weekly, "期間　　：2027年07月13日（火）～2027年07月27日（火）")
	wantOps(t, w.run(), "delete")
	wantWeeks(t, w, firstWeek, "1 1 1 1 1 1 0 0 0")
	w.rerunChangesNothing()
}

// docs/garoon-mails.md §6: [削除] rule + the whole period → ambiguous: kept, marked,
// reported; series_delete: all deletes it.
func TestGoogleDeleteWholePeriodIsAmbiguous(t *testing.T) {
	w := newWorld(t)
	ev := w.series()
	w.mail("削除", "定例", weekly, fullPeriod)
	rep := w.run()
	wantOps(t, rep, "attention")
	if rep.Attention != 1 || rep.Deleted != 0 {
		t.Errorf("counts %+v", rep.Counts)
	}
	wantWeeks(t, w, firstWeek, nineWeeks)
	after, _ := w.srv.Event("primary", ev.ID)
	first, _, _ := strings.Cut(after.Description, "\n")
	if after.Summary != "[要確認] 定例" || after.Private["garoonSyncAttention"] != "ambiguous-delete" ||
		!strings.HasPrefix(first, "[要確認] Garoon から繰り返し予定の削除通知（期間 2027-06-01～2027-07-27）") {
		t.Errorf("mark: summary %q, property %q, first line %q", after.Summary, after.Private["garoonSyncAttention"], first)
	}
	marked, err := w.calendar(nil).FindAttention(context.Background())
	if err != nil || len(marked) != 1 || marked[0].ID != ev.ID {
		t.Errorf("FindAttention: %v %v", marked, err)
	}
	w.rerunChangesNothing()

	// An "all" edit afterwards keeps the mark: it does not say what the
	// delete meant.
	w.mail("変更", "定例", "日時　　：毎週火曜日 11:00 ～ 12:00", fullPeriod)
	wantOps(t, w.run(), "update")
	after, _ = w.srv.Event("primary", ev.ID)
	if after.Summary != "[要確認] 定例" || after.Private["garoonSyncAttention"] != "ambiguous-delete" || !strings.HasPrefix(after.Description, "[要確認]") {
		t.Errorf("mark lost on edit: %q %v", after.Summary, after.Private)
	}

	t.Run("series_delete all", func(t *testing.T) {
		w := newWorld(t)
		w.series()
		w.mail("削除", "定例", weekly, fullPeriod)
		wantOps(t, w.run(func(c *syncer.Config) { c.SeriesDeleteAll = true }), "delete")
		wantWeeks(t, w, firstWeek, "0 0 0 0 0 0 0 0 0")
	})
}

// A calendar connection that dies: after ok writes, the next write reaches
// the calendar but its answer is lost (the Lambda was killed mid-request),
// and nothing after it gets through.
type dying struct {
	mu     sync.Mutex
	ok     int
	writes int
	dead   bool
}

var errKilled = errors.New("killed")

func (d *dying) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	if d.dead {
		d.mu.Unlock()
		return nil, errKilled
	}
	write := r.Method != http.MethodGet && !strings.HasSuffix(r.URL.Path, "/token")
	if write {
		d.writes++
		if d.writes > d.ok {
			d.dead = true
		}
	}
	dead := d.dead
	d.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if dead {
		if err == nil {
			resp.Body.Close()
		}
		return nil, errKilled
	}
	return resp, err
}

// Crash and rerun after each write of a split, of an instance override and
// of a confirm: the rerun completes the change and the calendar ends up
// exactly as without the crash.
func TestGoogleCrashAfterEachWrite(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(w *world)
		lines []string
		tag   string
		weeks string
		seen  []string
	}{
		{"this and following", func(w *world) { w.series() },
			[]string{"日時　　：毎週火曜日 15:00 ～ 16:00", "期間　　：2027年06月29日（火）～2027年07月27日（火）"}, "変更",
			nineWeeks, []string{"06-22 10:00-11:00 定例", "06-29 15:00-16:00 定例"}},
		{"this only", func(w *world) { w.series() },
			[]string{"日時　　：毎週火曜日 16:00 ～ 16:15", "期間　　：2027年06月22日（火）～2027年06月22日（火）"}, "変更",
			nineWeeks, []string{"06-22 16:00-16:15 定例", "06-29 10:00-11:00 定例"}},
		{"delete following", func(w *world) { w.series() },
			[]string{weekly, "期間　　：2027年06月29日（火）～2027年07月27日（火）"}, "削除",
			"1 1 1 1 0 0 0 0 0", []string{"06-22 10:00-11:00 定例"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Without a crash: how many writes the change takes.
			ref := newWorld(t)
			tt.setup(ref)
			before := ref.writes()
			ref.mail(tt.tag, "定例", tt.lines...)
			ref.run()
			n := ref.writes() - before
			t.Logf("%s takes %d writes", tt.name, n)
			if n == 0 {
				t.Fatal("the change wrote nothing")
			}
			for ok := range n {
				w := newWorld(t)
				tt.setup(w)
				w.mail(tt.tag, "定例", tt.lines...)
				if _, err := w.runWith(&dying{ok: ok}); err == nil {
					t.Errorf("crash after %d of %d writes: the run did not fail", ok, n)
				}
				w.run() // the rerun
				if got := w.weeks(firstWeek, 9); got != tt.weeks {
					t.Errorf("crash after %d of %d writes, then a rerun: weeks %s, want %s", ok, n, got, tt.weeks)
				}
				wantLines(t, fmt.Sprintf("crash after %d writes", ok), w.seen("2027-06-21", "2027-07-01"), tt.seen...)
				wantLines(t, "same as without a crash", w.seen("2027-05-01", "2027-09-01"), ref.seen("2027-05-01", "2027-09-01")...)
				w.rerunChangesNothing()
			}
		})
	}
}

// TestWritesNeverInviteAnyone checks every write of a full story: no
// attendees, sendUpdates=none. It fails when nothing was written.
func TestGoogleWritesNeverInviteAnyone(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("変更", "定例", "日時　　：毎週火曜日 16:00 ～ 16:15", "期間　　：2027年06月15日（火）～2027年06月15日（火）")
	w.mail("変更", "定例", "日時　　：毎週火曜日 15:00 ～ 16:00", "期間　　：2027年06月29日（火）～2027年07月27日（火）")
	w.mail("削除", "定例", weekly, "期間　　：2027年06月08日（火）～2027年06月08日（火）")
	w.run()
	checked := 0
	for _, r := range w.srv.Requests() {
		switch r.Kind {
		case fakecal.KindInsert, fakecal.KindUpdate, fakecal.KindPatch, fakecal.KindDelete:
			checked++
			if r.Query.Get("sendUpdates") != "none" || strings.Contains(string(r.Body), "attendees") {
				t.Errorf("%s %s %v %s", r.Method, r.Path, r.Query, r.Body)
			}
		}
	}
	if checked < 4 {
		t.Errorf("%d writes checked, want at least 4", checked)
	}
}

// tentative delivers a tentative appointment ([登録] or [変更]) with the
// candidates given as "MM月DD日（曜）" days, 13:00-14:00 each.
func (w *world) tentative(tag string, days ...string) {
	w.t.Helper()
	var lines []string
	for i, d := range days {
		label := "日時候補："
		if i > 0 {
			label = "　　　　　"
		}
		lines = append(lines, label+"2027年"+d+" 13:00 ～ 2027年"+d+" 14:00")
	}
	w.mail(tag, "予算レビュー", lines...)
}

// docs/garoon-mails.md §6: tentative [登録]/[変更] with candidates → one tentative
// event per candidate; [確定] → that one becomes normal, the others go; a
// candidate's [削除] removes that one.
func TestGoogleTentative(t *testing.T) {
	w := newWorld(t)
	w.tentative("登録", "06月02日（水）", "06月03日（木）", "06月04日（金）")
	wantOps(t, w.run(), "create")
	wantLines(t, "candidates", w.seen("2027-06-01", "2027-06-07"),
		"06-02 13:00-14:00 [仮] 予算レビュー ?", "06-03 13:00-14:00 [仮] 予算レビュー ?", "06-04 13:00-14:00 [仮] 予算レビュー ?")
	w.rerunChangesNothing()

	// One candidate deleted in Garoon: a normal [削除] with its date.
	w.mail("削除", "予算レビュー", "日時　　：2027年06月04日（金） 13:00 ～ 2027年06月04日（金） 14:00")
	wantOps(t, w.run(), "delete")
	wantLines(t, "after a candidate's delete", w.seen("2027-06-01", "2027-06-07"),
		"06-02 13:00-14:00 [仮] 予算レビュー ?", "06-03 13:00-14:00 [仮] 予算レビュー ?")

	// A [変更] lists the candidates anew: one added, the rest as they were.
	w.tentative("変更", "06月02日（水）", "06月03日（木）", "06月07日（月）")
	wantOps(t, w.run(), "create")
	wantLines(t, "after the edit", w.seen("2027-06-01", "2027-06-14"),
		"06-02 13:00-14:00 [仮] 予算レビュー ?", "06-03 13:00-14:00 [仮] 予算レビュー ?", "06-07 13:00-14:00 [仮] 予算レビュー ?")

	w.mail("確定", "予算レビュー", "日時　　：2027年06月03日（木） 13:00 ～ 2027年06月03日（木） 14:00")
	wantOps(t, w.run(), "update")
	wantLines(t, "confirmed", w.seen("2027-06-01", "2027-06-14"), "06-03 13:00-14:00 予算レビュー")
	w.rerunChangesNothing()
}

// A crash after each write of a confirm (one patch, two deletes), then a
// rerun: the same calendar as without the crash.
func TestGoogleConfirmCrashAfterEachWrite(t *testing.T) {
	setup := func(w *world) {
		w.tentative("登録", "06月02日（水）", "06月03日（木）", "06月04日（金）")
		w.run()
		w.mail("確定", "予算レビュー", "日時　　：2027年06月03日（木） 13:00 ～ 2027年06月03日（木） 14:00")
	}
	ref := newWorld(t)
	setup(ref)
	before := ref.writes()
	ref.run()
	n := ref.writes() - before
	if n != 3 {
		t.Fatalf("a confirm of one of three candidates took %d writes, want 3", n)
	}
	for ok := range n {
		w := newWorld(t)
		setup(w)
		if _, err := w.runWith(&dying{ok: ok}); err == nil {
			t.Errorf("crash after %d writes: the run did not fail", ok)
		}
		w.run()
		wantLines(t, fmt.Sprintf("crash after %d writes, then a rerun", ok), w.seen("2027-06-01", "2027-06-14"), "06-03 13:00-14:00 予算レビュー")
		w.rerunChangesNothing()
	}
}

// "This only" on the first occurrence is not "all", and "this and
// following" with a new title finds the series by its rule.
func TestGoogleEditEdges(t *testing.T) {
	w := newWorld(t)
	ev := w.series()
	w.mail("変更", "定例", "日時　　：毎週火曜日 09:00 ～ 09:30", "期間　　：2027年06月01日（火）～2027年06月01日（火）")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "weeks 1-2", w.seen("2027-05-31", "2027-06-14"), "06-01 09:00-09:30 定例", "06-08 10:00-11:00 定例")
	if after, _ := w.srv.Event("primary", ev.ID); after.Start != ev.Start || !slices.Equal(after.Recurrence, ev.Recurrence) {
		t.Errorf("the series changed: %+v", after)
	}

	w.mail("変更", "定例（新）", "日時　　：毎週火曜日 10:00 ～ 11:00", "期間　　：2027年07月06日（火）～2027年07月27日（火）")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "around the split", w.seen("2027-06-28", "2027-07-12"), "06-29 10:00-11:00 定例", "07-06 10:00-11:00 定例（新）")
	w.rerunChangesNothing()
}

// A user whose Garoon time zone is Los Angeles: a weekly Tuesday 17:00 is a
// Wednesday in Tokyo and in UTC. The series is written in the user's zone,
// so it stays on Tuesdays 17:00 across the end of daylight saving time
// (2027-11-07), and "this only" finds the Tuesday's instance.
func TestGoogleUserZone(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	w := newWorld(t)
	w.zone = la
	w.mail("登録", "定例", "日時　　：毎週火曜日 17:00 ～ 18:00", "期間　　：2027年10月26日（火）～2027年11月16日（火）")
	wantOps(t, w.run(), "create")
	if ev := w.srv.Events(); len(ev) != 1 || ev[0].TimeZone != "America/Los_Angeles" {
		t.Fatalf("series %+v", ev)
	}
	w.mail("変更", "定例", "日時　　：毎週火曜日 08:00 ～ 09:00", "期間　　：2027年11月09日（火）～2027年11月09日（火）")
	wantOps(t, w.run(), "update")
	var got []string
	for _, ev := range w.srv.Occurrences("primary", time.Time{}, time.Time{}) {
		s, _ := time.Parse(time.RFC3339, ev.Start)
		got = append(got, s.In(la).Format("Mon 01-02 15:04"))
	}
	wantLines(t, "in Los Angeles", got, "Tue 10-26 17:00", "Tue 11-02 17:00", "Tue 11-09 08:00", "Tue 11-16 17:00")
	if _, ok := w.srv.Event("primary", w.srv.Events()[0].ID+"_20271110T010000Z"); !ok {
		t.Error("no exception named after the occurrence's UTC start (Nov 9 17:00 PST = Nov 10 01:00 UTC)")
	}
}

// A crash after each candidate event of a tentative appointment, then a
// rerun: every candidate once.
func TestGoogleTentativeCrashAfterEachWrite(t *testing.T) {
	want := []string{"06-02 13:00-14:00 [仮] 予算レビュー ?", "06-03 13:00-14:00 [仮] 予算レビュー ?", "06-04 13:00-14:00 [仮] 予算レビュー ?"}
	for ok := range 3 {
		w := newWorld(t)
		w.tentative("登録", "06月02日（水）", "06月03日（木）", "06月04日（金）")
		if _, err := w.runWith(&dying{ok: ok}); err == nil {
			t.Errorf("crash after %d writes: the run did not fail", ok)
		}
		w.run()
		wantLines(t, fmt.Sprintf("crash after %d writes, then a rerun", ok), w.seen("2027-06-01", "2027-06-07"), want...)
		w.rerunChangesNothing()
	}
}
