package syncer_test

// More cases of docs/garoon-mails.md §6 "Finding the series", from a
// review of the matching: two series of one title one after the other (a
// "this and following" split that kept the time), all-day series across a
// daylight-saving change, and "all" edits over occurrences moved out of the
// period, marked series, other zones and a switch to all-day.

import (
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/syncer"
)

// split makes the usual series end on 06-28 and a second series of the
// same title, rule and time from 06-29 ("this and following" that changed
// nothing visible here: e.g. attendees).
func (w *world) splitAt0629() {
	w.t.Helper()
	w.series()
	w.mail("変更", "定例", weekly, "期間　　：2027年06月29日（火）～2027年07月27日（火）")
	wantOps(w.t, w.run(), "update")
	wantWeeks(w.t, w, firstWeek, nineWeeks)
	if n := len(w.srv.Events()); n != 2 {
		w.t.Fatalf("want two series after the split, got %d", n)
	}
}

// P1a: [削除] rule + D～D inside the earlier series.
func TestSeriesDeleteOneAfterSplit(t *testing.T) {
	w := newWorld(t)
	w.splitAt0629()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月22日（火）～2027年06月22日（火）")
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantOps(t, rep, "cancel-occurrence")
	wantWeeks(t, w, firstWeek, "1 1 1 0 1 1 1 1 1")
}

// P1b: [削除] rule + D～E of the earlier series (this and following),
// series_delete: all.
func TestSeriesDeleteFollowingAfterSplit(t *testing.T) {
	w := newWorld(t)
	w.splitAt0629()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月15日（火）～2027年06月28日（月）")
	rep := w.run(func(c *syncer.Config) { c.SeriesDeleteAll = true })
	t.Logf("steps: %+v", rep.Steps)
	wantOps(t, rep, "delete")
	wantWeeks(t, w, firstWeek, "1 1 0 0 1 1 1 1 1")
}

// P1c: [変更] this and following of the earlier series, new time.
func TestSeriesEditFollowingAfterSplit(t *testing.T) {
	w := newWorld(t)
	w.splitAt0629()
	w.mail("変更", "定例", "日時　　：毎週火曜日 16:00 ～ 17:00", "期間　　：2027年06月15日（火）～2027年06月28日（月）")
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantWeeks(t, w, firstWeek, nineWeeks)
	wantLines(t, "calendar", w.seen("2027-06-01", "2027-07-28"),
		"06-01 10:00-11:00 定例", "06-08 10:00-11:00 定例", "06-15 16:00-17:00 定例", "06-22 16:00-17:00 定例",
		"06-29 10:00-11:00 定例", "07-06 10:00-11:00 定例", "07-13 10:00-11:00 定例", "07-20 10:00-11:00 定例", "07-27 10:00-11:00 定例")
}

// an occurrence moved to a day outside the series' period (last
// Tuesday dragged to 14:00, then to Thursday 07-29), then an "all" edit
// that moves the time.
func TestSeriesEditAllKeepsOccurrenceMovedOutOfPeriod(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("変更", "定例", "日時　　：2027年07月27日（火） 14:00 ～ 2027年07月27日（火） 15:00")
	wantOps(t, w.run(), "update")
	w.mail("変更", "定例", "日時　　：2027年07月29日（木） 14:00 ～ 2027年07月29日（木） 15:00")
	wantOps(t, w.run(), "update")
	wantLines(t, "before", w.seen("2027-07-19", "2027-08-01"), "07-20 10:00-11:00 定例", "07-29 14:00-15:00 定例")

	w.mail("変更", "定例", "日時　　：毎週火曜日 13:00 ～ 14:00", fullPeriod)
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantLines(t, "after the all edit", w.seen("2027-07-19", "2027-08-01"), "07-20 13:00-14:00 定例", "07-29 14:00-15:00 定例")
	wantWeeks(t, w, firstWeek, nineWeeks)
}

// an "all" edit that turns the timed series into an all-day one keeps
// the cancelled week cancelled.
func TestSeriesEditAllToAllDayKeepsCancelled(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月08日（火）～2027年06月08日（火）")
	wantOps(t, w.run(), "cancel-occurrence")
	w.mail("変更", "定例", "日時　　：毎週火曜日（終日）", fullPeriod)
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantWeeks(t, w, firstWeek, "1 0 1 1 1 1 1 1 1")
}

// Los Angeles, a cancelled week and an "all" edit of the time.
func TestSeriesEditAllLosAngeles(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	w := newWorld(t)
	w.zone = la
	period := "期間　　：2027年10月26日（火）～2027年11月16日（火）"
	w.mail("登録", "定例", "日時　　：毎週火曜日 17:00 ～ 18:00", period)
	wantOps(t, w.run(), "create")
	w.mail("削除", "定例", "日時　　：毎週火曜日 17:00 ～ 18:00", "期間　　：2027年11月09日（火）～2027年11月09日（火）")
	wantOps(t, w.run(), "cancel-occurrence")
	w.mail("変更", "定例", "日時　　：毎週火曜日 09:00 ～ 10:00", period)
	wantOps(t, w.run(), "update")
	var got []string
	for _, ev := range w.srv.Occurrences("primary", time.Time{}, time.Time{}) {
		s, _ := time.Parse(time.RFC3339, ev.Start)
		got = append(got, s.In(la).Format("Mon 01-02 15:04"))
	}
	wantLines(t, "in Los Angeles", got, "Tue 10-26 09:00", "Tue 11-02 09:00", "Tue 11-16 09:00")
	w.rerunChangesNothing()
}

// dry run of an "all" edit with exceptions writes nothing.
func TestSeriesEditAllDryRun(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月08日（火）～2027年06月08日（火）")
	w.run()
	w.mail("変更", "定例", "日時　　：毎週火曜日 13:00 ～ 14:00", fullPeriod)
	before := w.writes()
	w.run(func(c *syncer.Config) { c.DryRun = true })
	if w.writes() != before {
		t.Errorf("dry run wrote %d times", w.writes()-before)
	}
	w.srv.ResetRequests()
	w.run()
	t.Logf("all edit: list %d get %d patch %d delete %d instances %d", w.srv.Count(fakecal.KindList), w.srv.Count(fakecal.KindGet),
		w.srv.Count(fakecal.KindPatch), w.srv.Count(fakecal.KindDelete), w.srv.Count(fakecal.KindInstances))
}

// Two Garoon appointments with the same title, one after the other (e.g.
// the first and second half of the year): a one-occurrence delete in the
// first.
func TestSeriesDeleteOneTwoHalves(t *testing.T) {
	w := newWorld(t)
	w.mail("登録", "定例", weekly, "期間　　：2027年06月01日（火）～2027年06月29日（火）")
	w.mail("登録", "定例", weekly, "期間　　：2027年07月06日（火）～2027年07月27日（火）")
	wantOps(t, w.run(), "create create")
	w.mail("削除", "定例", weekly, "期間　　：2027年06月22日（火）～2027年06月22日（火）")
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantWeeks(t, w, firstWeek, "1 1 1 0 1 1 1 1 1")
}

// All-day weekly Sundays in Los Angeles over the end of daylight saving
// (2027-11-07 lasts 25 hours): a "this only" delete of that day, and of a
// later Sunday in a series that starts on it.
func TestSeriesAllDayDSTDelete(t *testing.T) {
	for _, tc := range []struct{ period, day string }{
		{"期間　　：2027年10月31日（日）～2027年11月28日（日）", "期間　　：2027年11月07日（日）～2027年11月07日（日）"},
		{"期間　　：2027年11月07日（日）～2027年11月28日（日）", "期間　　：2027年11月14日（日）～2027年11月14日（日）"},
	} {
		w := newWorld(t)
		w.zone = zone(t, "America/Los_Angeles")
		w.mail("登録", "定例", "日時　　：毎週日曜日（終日）", tc.period)
		wantOps(t, w.run(), "create")
		w.mail("削除", "定例", "日時　　：毎週日曜日（終日）", tc.day)
		wantOps(t, w.run(), "cancel-occurrence")
	}
}

// Attention-marked series, cancelled week, an all edit of the time.
func TestSeriesEditAllMarked(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月08日（火）～2027年06月08日（火）")
	w.run()
	w.mail("削除", "定例", weekly, fullPeriod)
	wantOps(t, w.run(), "attention")
	w.mail("変更", "定例", "日時　　：毎週火曜日 13:00 ～ 14:00", fullPeriod)
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantWeeks(t, w, firstWeek, "1 0 1 1 1 1 1 1 1")
	wantLines(t, "w1", w.seen("2027-05-31", "2027-06-07"), "06-01 13:00-14:00 [要確認] 定例")
	w.rerunChangesNothing()
}

// All edit that moves the time and the period start earlier / end later.
func TestSeriesEditAllPeriodAndTime(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("削除", "定例", weekly, "期間　　：2027年06月08日（火）～2027年06月08日（火）")
	w.run()
	w.mail("変更", "定例", "日時　　：毎週火曜日 13:00 ～ 14:00", "期間　　：2027年05月25日（火）～2027年08月10日（火）")
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantWeeks(t, w, "2027-05-24", "1 1 0 1 1 1 1 1 1 1 1 1")
	w.rerunChangesNothing()
}

// Dry run of a whole batch with a drag and an all edit.
func TestSeriesDryRunBatch(t *testing.T) {
	w := newWorld(t)
	w.series()
	w.mail("変更", "定例", "日時　　：2027年06月15日（火） 14:00 ～ 2027年06月15日（火） 15:00")
	w.mail("変更", "定例", "日時　　：毎週火曜日 13:00 ～ 14:00", fullPeriod)
	before := w.writes()
	rep := w.run(func(c *syncer.Config) { c.DryRun = true })
	t.Logf("steps: %+v", rep.Steps)
	if w.writes() != before {
		t.Errorf("dry run wrote")
	}
}
