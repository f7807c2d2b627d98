package syncer_test

// Which series a repeating notice is about (docs/garoon-mails.md §6,
// Finding the series), and what an edit keeps of the occurrences changed on
// their own. Garoon's mails carry no id: these are the cases where the
// title alone would pick the wrong series, or where another appointment
// with the same weekday rule sits in the calendar.

import (
	"testing"

	"garoon-calendar-sync/function/internal/syncer"
)

// oneOnOne adds a second weekly series, Tuesdays 15:00-15:30 over the same
// period as the usual one, under another title.
func (w *world) oneOnOne() {
	w.t.Helper()
	w.mail("登録", "1on1", "日時　　：毎週火曜日 15:00 ～ 15:30", fullPeriod)
	wantOps(w.t, w.run(), "create")
}

// redeliver unmarks every mail from uid on, as a crash before the IMAP
// STORE leaves them.
func (w *world) redeliver(from uint32) {
	w.box.mu.Lock()
	defer w.box.mu.Unlock()
	for u := range w.box.done {
		if u >= from {
			delete(w.box.done, u)
		}
	}
}

// Two series with the same title: the delete names the Thursday one (its
// rule and time). The Tuesday one, whose period also holds the 期間 start,
// is not touched; the Thursday one's whole period is ambiguous: marked.
func TestSeriesDeleteMatchesRuleAndTime(t *testing.T) {
	w := newWorld(t)
	tue := w.series()
	thu := "日時　　：毎週木曜日 10:00 ～ 11:00"
	period := "期間　　：2027年06月05日（土）～2027年07月31日（土）"
	w.mail("登録", "定例", thu, period)
	wantOps(t, w.run(), "create")
	wantWeeks(t, w, firstWeek, "1 2 2 2 2 2 2 2 2")

	w.mail("削除", "定例", thu, period)
	rep := w.run()
	wantOps(t, rep, "attention")
	wantWeeks(t, w, firstWeek, "1 2 2 2 2 2 2 2 2")
	if ev, _ := w.srv.Event("primary", tue.ID); ev.Summary != "定例" || len(ev.Recurrence) != 1 || ev.Recurrence[0] != tue.Recurrence[0] {
		t.Errorf("the Tuesday series changed: %q %q", ev.Summary, ev.Recurrence)
	}
	if rep.Steps[0].EventID == tue.ID {
		t.Errorf("the Tuesday series was marked: %+v", rep.Steps[0])
	}

	// "This and following" of the Thursday one: only it ends.
	w.mail("削除", "定例", thu, "期間　　：2027年07月01日（木）～2027年07月31日（土）")
	wantOps(t, w.run(), "delete")
	wantWeeks(t, w, firstWeek, "1 2 2 2 1 1 1 1 1") // Thursdays from 07-01 gone
}

// A delete for a title this tool holds no series of never touches another
// series, whatever their rules share.
func TestSeriesDeleteOfUnknownTitleTouchesNothing(t *testing.T) {
	for _, tc := range []struct{ name, period string }{
		{"one occurrence", "期間　　：2027年06月15日（火）～2027年06月15日（火）"},
		{"this and following", "期間　　：2027年06月29日（火）～2027年07月27日（火）"},
		{"whole period", fullPeriod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.oneOnOne()
			w.mail("削除", "定例", weekly, tc.period)
			rep := w.run(func(c *syncer.Config) { c.SeriesDeleteAll = true })
			wantOps(t, rep, "skip")
			wantWeeks(t, w, firstWeek, nineWeeks)
		})
	}
}

// series_delete all, and the same delete delivered again (a crash before
// the STORE): the second time, nothing else is deleted.
func TestSeriesDeleteAllRerunDeletesNothingElse(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.oneOnOne()
	w.mail("削除", "定例", weekly, fullPeriod)
	all := func(c *syncer.Config) { c.SeriesDeleteAll = true }
	wantOps(t, w.run(all), "delete")
	wantWeeks(t, w, firstWeek, nineWeeks) // 1on1 only
	w.redeliver(3)
	wantOps(t, w.run(all), "skip")
	wantLines(t, "week 1", w.seen("2027-05-31", "2027-06-07"), "06-01 15:00-15:30 1on1")
	wantWeeks(t, w, firstWeek, nineWeeks)
}

// An "all" edit of a title this tool never synced is not applied to another
// series with the same weekday rule: it is added as its own series.
func TestSeriesEditOfUnknownTitleLeavesOthers(t *testing.T) {
	w := newWorld(t)
	w.oneOnOne()
	w.mail("変更", "定例", "日時　　：毎週火曜日 11:00 ～ 12:00", fullPeriod)
	wantOps(t, w.run(), "create")
	wantLines(t, "week 1", w.seen("2027-05-31", "2027-06-07"), "06-01 11:00-12:00 定例", "06-01 15:00-15:30 1on1")
	wantWeeks(t, w, firstWeek, "2 2 2 2 2 2 2 2 2")
}

// A renamed "this only" edit finds its series by the slot: the one whose
// occurrence that day starts when the notice starts, not another series
// with the same weekday.
func TestSeriesThisOnlyRenamedFindsTheSlot(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("登録", "1on1", "日時　　：毎週火曜日 15:00 ～ 15:30", "期間　　：2027年06月15日（火）～2027年07月27日（火）")
	wantOps(t, w.run(), "create")
	w.mail("変更", "定例（拡大版）", "日時　　：毎週火曜日 10:00 ～ 12:00", "期間　　：2027年06月22日（火）～2027年06月22日（火）")
	wantOps(t, w.run(), "update")
	wantLines(t, "week 4", w.seen("2027-06-21", "2027-06-28"), "06-22 10:00-12:00 定例（拡大版）", "06-22 15:00-15:30 1on1")
	w.rerunChangesNothing()

	// Renamed and moved at once: no series starts then; the edit becomes
	// an event of its own and nothing is lost.
	w.mail("変更", "定例（別室）", "日時　　：毎週火曜日 13:00 ～ 14:00", "期間　　：2027年06月29日（火）～2027年06月29日（火）")
	wantOps(t, w.run(), "create")
	wantLines(t, "week 5", w.seen("2027-06-28", "2027-07-05"), "06-29 10:00-11:00 定例", "06-29 13:00-14:00 定例（別室）", "06-29 15:00-15:30 1on1")
}

// A second drag and drop, of another occurrence, moves that occurrence:
// the first one, now an exception with the title, stays where it was put.
func TestSeriesSecondDragMovesItsOwnOccurrence(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("変更", "定例", "日時　　：2027年06月15日（火） 14:00 ～ 2027年06月15日（火） 15:00")
	wantOps(t, w.run(), "update")
	w.mail("変更", "定例", "日時　　：2027年07月06日（火） 14:00 ～ 2027年07月06日（火） 15:00")
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "week 3", w.seen("2027-06-14", "2027-06-21"), "06-15 14:00-15:00 定例")
	wantLines(t, "week 6", w.seen("2027-07-05", "2027-07-12"), "07-06 14:00-15:00 定例")
	w.rerunChangesNothing()

	// The one moved first, moved again on its own day: it changes.
	w.mail("変更", "定例", "日時　　：2027年06月15日（火） 16:00 ～ 2027年06月15日（火） 17:00")
	wantOps(t, w.run(), "update")
	wantLines(t, "week 3", w.seen("2027-06-14", "2027-06-21"), "06-15 16:00-17:00 定例")
	wantWeeks(t, w, firstWeek, nineWeeks)
}

// An "all" edit that moves the time keeps what was done to single
// occurrences before: a cancelled week stays cancelled, a moved one stays
// where it was moved (Google keys them by the old start; the engine puts
// them back).
func TestSeriesEditAllKeepsCancelledAndMovedOccurrences(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月08日（火）～2027年06月08日（火）")
	wantOps(t, w.run(), "cancel-occurrence")
	w.mail("変更", "定例", "日時　　：毎週火曜日 16:00 ～ 16:15", "期間　　：2027年06月22日（火）～2027年06月22日（火）")
	wantOps(t, w.run(), "update")

	w.mail("変更", "定例", "日時　　：毎週火曜日 13:00 ～ 14:00", fullPeriod)
	rep := w.run()
	wantOps(t, rep, "update")
	wantWeeks(t, w, firstWeek, "1 0 1 1 1 1 1 1 1")
	wantLines(t, "weeks 1-5", w.seen("2027-05-31", "2027-07-05"),
		"06-01 13:00-14:00 定例", "06-15 13:00-14:00 定例", "06-22 16:00-16:15 定例", "06-29 13:00-14:00 定例")
	w.rerunChangesNothing()

	// A title-only "all" edit moves no occurrence: nothing to restore.
	w.mail("変更", "定例会", "日時　　：毎週火曜日 13:00 ～ 14:00", fullPeriod)
	wantOps(t, w.run(), "update")
	wantWeeks(t, w, firstWeek, "1 0 1 1 1 1 1 1 1")
}
