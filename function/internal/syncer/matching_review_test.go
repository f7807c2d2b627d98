package syncer_test

// Regression tests from a review of the matching and restore: all-day
// series in a zone whose clocks skip midnight (Atlantic/Azores), and two
// series of one title whose periods overlap.

import (
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/syncer"
)

// zone loads a time zone or fails the test.
func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Azores: clocks jump 00:00 -> 01:00 on Sunday 2027-03-28. An all-day
// weekly Sunday series; "this only" delete of the occurrence that day.
// Azores: clocks jump 00:00 -> 01:00 on Sunday 2027-03-28. An all-day
// weekly Sunday series; "this only" delete of the occurrence that day.
func TestSeriesAzoresAllDayDeleteOnGapDay(t *testing.T) {
	w := newWorld(t)
	w.zone = zone(t, "Atlantic/Azores")
	w.mail("登録", "定例", "日時　　：毎週日曜日（終日）", "期間　　：2027年03月07日（日）～2027年04月25日（日）")
	wantOps(t, w.run(), "create")
	w.mail("削除", "定例", "日時　　：毎週日曜日（終日）", "期間　　：2027年03月28日（日）～2027年03月28日（日）")
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantOps(t, rep, "cancel-occurrence")
	wantLines(t, "calendar", w.seen("2027-03-20", "2027-04-06"), "03-21 定例", "04-04 定例")
}

// Azores: an all-day weekly Sunday series that starts on the gap day.
// An "all" edit (location changed) of its whole period.
func TestSeriesAzoresAllDaySeriesFromGapDayEditAll(t *testing.T) {
	w := newWorld(t)
	w.zone = zone(t, "Atlantic/Azores")
	period := "期間　　：2027年03月28日（日）～2027年04月25日（日）"
	w.mail("登録", "定例", "日時　　：毎週日曜日（終日）", period)
	wantOps(t, w.run(), "create")
	w.mail("変更", "定例（改）", "日時　　：毎週日曜日（終日）", period)
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	t.Logf("events: %d", len(w.srv.Events()))
	wantLines(t, "calendar", w.seen("2027-03-20", "2027-05-01"),
		"03-28 定例（改）", "04-04 定例（改）", "04-11 定例（改）", "04-18 定例（改）", "04-25 定例（改）")
}

// Same series: the whole-period delete is ambiguous: marked, or with
// series_delete all deleted.
func TestSeriesAzoresAllDaySeriesFromGapDayDeleteAll(t *testing.T) {
	w := newWorld(t)
	w.zone = zone(t, "Atlantic/Azores")
	period := "期間　　：2027年03月28日（日）～2027年04月25日（日）"
	w.mail("登録", "定例", "日時　　：毎週日曜日（終日）", period)
	wantOps(t, w.run(), "create")
	w.mail("削除", "定例", "日時　　：毎週日曜日（終日）", period)
	rep := w.run(func(c *syncer.Config) { c.SeriesDeleteAll = true })
	t.Logf("steps: %+v", rep.Steps)
	wantOps(t, rep, "delete")
	wantLines(t, "calendar", w.seen("2027-03-20", "2027-05-01"))
}

// Series from the gap day: a "this only" delete of a normal Sunday.
func TestSeriesAzoresAllDaySeriesFromGapDayDeleteOne(t *testing.T) {
	w := newWorld(t)
	w.zone = zone(t, "Atlantic/Azores")
	w.mail("登録", "定例", "日時　　：毎週日曜日（終日）", "期間　　：2027年03月28日（日）～2027年04月25日（日）")
	wantOps(t, w.run(), "create")
	w.mail("削除", "定例", "日時　　：毎週日曜日（終日）", "期間　　：2027年04月11日（日）～2027年04月11日（日）")
	rep := w.run()
	t.Logf("steps: %+v", rep.Steps)
	wantOps(t, rep, "cancel-occurrence")
}

// Two appointments of one title after a split (A 06-01..06-28, B
// 06-29..07-27). An "all" edit of B moves its start back to 06-20
// (Garoon: A keeps 06-01..06-28, B now 06-22..07-27).
func TestSeriesEditAllOfLaterSeriesStartingInsideEarlier(t *testing.T) {
	w := newWorld(t)
	w.splitAt0629()
	w.mail("変更", "定例", weekly, "期間　　：2027年06月20日（日）～2027年07月27日（火）")
	rep := w.run()
	t.Logf("steps %+v", rep.Steps)
	wantWeeks(t, w, firstWeek, "1 1 1 2 1 1 1 1 1")
}

// Two Garoon appointments whose periods overlap by a day (A 06-01..06-30,
// B 06-30..07-27, first Tuesday 07-06): series_delete all of B.
func TestSeriesDeleteAllOfLaterOverlapping(t *testing.T) {
	w := newWorld(t)
	w.mail("登録", "定例", weekly, "期間　　：2027年06月01日（火）～2027年06月30日（水）")
	w.mail("登録", "定例", weekly, "期間　　：2027年06月30日（水）～2027年07月27日（火）")
	wantOps(t, w.run(), "create create")
	w.mail("削除", "定例", weekly, "期間　　：2027年06月30日（水）～2027年07月27日（火）")
	rep := w.run(func(c *syncer.Config) { c.SeriesDeleteAll = true })
	t.Logf("steps %+v", rep.Steps)
	wantWeeks(t, w, firstWeek, "1 1 1 1 1 0 0 0 0")
}
