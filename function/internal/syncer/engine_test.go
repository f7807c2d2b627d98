package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	jan15 = "2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00"
	jan22 = "2024年01月22日（月） 14:00 ～ 2024年01月22日（月） 15:00"
)

func counts(r *Report) string {
	return fmt.Sprintf("seen=%d created=%d updated=%d deleted=%d skipped=%d ignored=%d deferred=%d failed=%d marked=%d",
		r.Seen, r.Created, r.Updated, r.Deleted, r.Skipped, r.Ignored, r.Deferred, r.Failed, r.Marked)
}

func wantCounts(t *testing.T, r *Report, want string) {
	t.Helper()
	if got := counts(r); got != want {
		t.Errorf("report: got  %s\n        want %s\nsteps: %+v", got, want, r.Steps)
	}
}

func TestAddEditDeleteAcrossRuns(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15)
	wantCounts(t, h.run(), "seen=1 created=1 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=1")
	h.wantCalendar("定例|2024-01-15T10:00|2024-01-15T11:00")

	h.mail("変更", "定例", jan22) // moved a week: matched by title
	wantCounts(t, h.run(), "seen=1 created=0 updated=1 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=1")
	h.wantCalendar("定例|2024-01-22T14:00|2024-01-22T15:00")

	h.mail("削除", "定例", jan22)
	wantCounts(t, h.run(), "seen=1 created=0 updated=0 deleted=1 skipped=0 ignored=0 deferred=0 failed=0 marked=1")
	h.wantCalendar()

	// Nothing left to do: the mails are marked.
	wantCounts(t, h.run(), "seen=0 created=0 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=0")
}

func TestEditWithNewTitleMatchesSameTime(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15)
	h.run()
	h.mail("変更", "定例（第2回）", jan15)
	rep := h.run()
	wantCounts(t, rep, "seen=1 created=0 updated=1 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=1")
	if !strings.Contains(rep.Steps[0].Reason, "title changed") {
		t.Errorf("reason %q", rep.Steps[0].Reason)
	}
	h.wantCalendar("定例（第2回）|2024-01-15T10:00|2024-01-15T11:00")

	// The renamed event is found by its new title afterwards.
	h.mail("削除", "定例（第2回）", jan15)
	h.run()
	h.wantCalendar()
}

func TestEditOfUnknownEventCreatesIt(t *testing.T) {
	h := newHarness(t)
	h.mail("変更", "定例", jan15)
	wantCounts(t, h.run(), "seen=1 created=1 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=1")
	h.wantCalendar("定例|2024-01-15T10:00|2024-01-15T11:00")
}

func TestDeleteOfGoneEventIsSuccess(t *testing.T) {
	h := newHarness(t)
	h.mail("削除", "定例", jan15)
	wantCounts(t, h.run(), "seen=1 created=0 updated=0 deleted=0 skipped=1 ignored=0 deferred=0 failed=0 marked=1")
}

func TestDeleteNeedsTitleAndTime(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15)
	h.mail("削除", "定例", jan22) // same title, another time: not this event
	wantCounts(t, h.run(), "seen=2 created=1 updated=0 deleted=0 skipped=1 ignored=0 deferred=0 failed=0 marked=2")
	h.wantCalendar("定例|2024-01-15T10:00|2024-01-15T11:00")
}

func TestRepeatingSeries(t *testing.T) {
	weekly := "毎週月曜日 10:00 ～ 10:30"
	period := "期間　　：2024年01月08日（月）～2024年03月25日（月）"
	rule := "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20240325T145959Z"

	t.Run("one occurrence", func(t *testing.T) {
		h := newHarness(t)
		h.mail("登録", "朝会", weekly, period)
		h.run()
		h.wantCalendar("朝会|2024-01-08T10:00|2024-01-08T10:30|" + rule)
		h.mail("削除", "朝会", "2024年01月22日（月） 10:00 ～ 2024年01月22日（月） 10:30")
		wantCounts(t, h.run(), "seen=1 created=0 updated=0 deleted=1 skipped=0 ignored=0 deferred=0 failed=0 marked=1")
		h.wantCalendar("朝会|2024-01-08T10:00|2024-01-08T10:30|" + rule + "|cancelled 2024-01-22T10:00")
	})
	t.Run("whole series is ambiguous: kept and marked", func(t *testing.T) {
		h := newHarness(t)
		h.mail("登録", "朝会", weekly, period)
		h.mail("削除", "朝会", weekly, period)
		rep := h.run()
		wantCounts(t, rep, "seen=2 created=1 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=2")
		if rep.Attention != 1 || rep.Steps[1].Op != OpAttention {
			t.Errorf("attention %d, steps %+v", rep.Attention, rep.Steps)
		}
		h.wantCalendar("[要確認] 朝会|2024-01-08T10:00|2024-01-08T10:30|" + rule)
		// A rerun of the same mail (not marked processed) changes nothing.
		h.mail("削除", "朝会", weekly, period)
		wantCounts(t, h.run(), "seen=1 created=0 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=1")
	})
	t.Run("whole series with series_delete all", func(t *testing.T) {
		h := newHarness(t)
		h.mail("登録", "朝会", weekly, period)
		h.mail("削除", "朝会", weekly, period)
		wantCounts(t, h.run(func(c *Config) { c.SeriesDeleteAll = true }), "seen=2 created=1 updated=0 deleted=1 skipped=0 ignored=0 deferred=0 failed=0 marked=2")
		h.wantCalendar()
	})
	t.Run("occurrence after UNTIL is not the series", func(t *testing.T) {
		h := newHarness(t)
		h.mail("登録", "朝会", weekly, period)
		h.mail("削除", "朝会", "2024年04月01日（月） 10:00 ～ 2024年04月01日（月） 10:30")
		wantCounts(t, h.run(), "seen=2 created=1 updated=0 deleted=0 skipped=1 ignored=0 deferred=0 failed=0 marked=2")
	})
	t.Run("edit of one occurrence leaves the series", func(t *testing.T) {
		h := newHarness(t)
		h.mail("登録", "朝会", weekly, period)
		h.mail("変更", "朝会", "2024年01月23日（火） 10:00 ～ 2024年01月23日（火） 10:30")
		wantCounts(t, h.run(), "seen=2 created=2 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=2")
		h.wantCalendar("朝会|2024-01-08T10:00|2024-01-08T10:30|"+rule, "朝会|2024-01-23T10:00|2024-01-23T10:30")
	})
}

func TestAllDay(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "研修", "2024年01月15日（月） ～ 2024年01月17日（水）")
	h.run()
	h.wantCalendar("研修|2024-01-15|2024-01-18")
	h.mail("削除", "研修", "2024年01月15日（月） ～ 2024年01月17日（水）")
	h.run()
	h.wantCalendar()
}

func TestOutOfOrderBatchAppliesOldestFirst(t *testing.T) {
	h := newHarness(t)
	// The edit arrives (lower UID) before the add, but its Date is later.
	addSent := h.sent.Add(time.Minute)
	h.mb.add(garoonMail("edit", "変更", "定例", jan22, addSent.Add(time.Hour)), addSent.Add(time.Hour))
	h.mb.add(garoonMail("add", "登録", "定例", jan15, addSent), addSent.Add(2*time.Hour))
	rep := h.run()
	wantCounts(t, rep, "seen=2 created=1 updated=1 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=2")
	if rep.Steps[0].UID != 2 || rep.Steps[0].Op != OpCreate || rep.Steps[1].Op != OpUpdate {
		t.Errorf("order: %+v", rep.Steps)
	}
	h.wantCalendar("定例|2024-01-22T14:00|2024-01-22T15:00")
}

func TestAmbiguousEditTakesNearestThenNewest(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "1on1", "2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 10:30")
	h.mail("登録", "1on1", "2024年02月15日（木） 10:00 ～ 2024年02月15日（木） 10:30")
	h.run()
	h.mail("変更", "1on1", "2024年02月16日（金） 10:00 ～ 2024年02月16日（金） 10:30")
	rep := h.run()
	if !strings.Contains(rep.Steps[0].Reason, "2 candidates") {
		t.Errorf("ambiguity not reported: %q", rep.Steps[0].Reason)
	}
	h.wantCalendar("1on1|2024-01-15T10:00|2024-01-15T10:30", "1on1|2024-02-16T10:00|2024-02-16T10:30")

	// Equal distance: the most recently created wins.
	h2 := newHarness(t)
	h2.mail("登録", "1on1", "2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 10:30")
	h2.mail("登録", "1on1", "2024年01月17日（水） 10:00 ～ 2024年01月17日（水） 10:30")
	h2.run()
	h2.mail("変更", "1on1", "2024年01月16日（火） 11:00 ～ 2024年01月16日（火） 11:30")
	h2.run()
	h2.wantCalendar("1on1|2024-01-15T10:00|2024-01-15T10:30", "1on1|2024-01-16T11:00|2024-01-16T11:30")
}

func TestIgnoredMailsAreCountedAndMarked(t *testing.T) {
	h := newHarness(t)
	h.mail("出席", "定例", jan15)
	foreign := strings.Replace(garoonMail("x", "登録", "偽物", jan15, h.sent), "From: no-reply@cybozu.com", "From: attacker@example.com", 1)
	h.mb.add(foreign, h.sent)
	wantCounts(t, h.run(), "seen=2 created=0 updated=0 deleted=0 skipped=0 ignored=2 deferred=0 failed=0 marked=2")
	h.wantCalendar()
}

func TestUnreadableMailIsReportedAndMarked(t *testing.T) {
	h := newHarness(t)
	bad := strings.Replace(garoonMail("bad", "登録", "定例", jan15, h.sent), "charset=UTF-8", "charset=x-unknown-9", 1)
	h.mb.add(bad, h.sent)
	h.mail("登録", "次の会", jan22)
	rep, err := h.engine().Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "1 of 2 mails failed") {
		t.Fatalf("err = %v", err)
	}
	wantCounts(t, rep, "seen=2 created=1 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=1 marked=2")
}

func TestMassDeleteGuard(t *testing.T) {
	h := newHarness(t)
	for i := range 4 {
		h.mail("登録", fmt.Sprintf("会議%d", i), jan15)
	}
	h.run()
	for i := range 4 {
		h.mail("削除", fmt.Sprintf("会議%d", i), jan15)
	}
	rep, err := h.engine(func(c *Config) { c.MaxDeletes = 3 }).Run(context.Background())
	if !errors.Is(err, ErrTooManyDeletes) || !strings.Contains(err.Error(), "4 delete notices, the limit is 3") {
		t.Fatalf("err = %v", err)
	}
	wantCounts(t, rep, "seen=4 created=0 updated=0 deleted=0 skipped=0 ignored=0 deferred=4 failed=0 marked=0")
	if len(h.cal.live()) != 4 || h.mb.unprocessed() != 4 {
		t.Fatalf("guard changed something: %d events, %d unprocessed", len(h.cal.live()), h.mb.unprocessed())
	}
	// Overridden, the deletes go through.
	wantCounts(t, h.run(func(c *Config) { c.MaxDeletes = 4 }), "seen=4 created=0 updated=0 deleted=4 skipped=0 ignored=0 deferred=0 failed=0 marked=4")
}

func TestDryRunChangesNothing(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15)
	h.mail("変更", "定例", jan22) // finds the event the add would create
	h.mail("削除", "別件", jan15)
	rep := h.run(func(c *Config) { c.DryRun = true })
	wantCounts(t, rep, "seen=3 created=1 updated=1 deleted=0 skipped=1 ignored=0 deferred=0 failed=0 marked=0")
	if h.cal.calls["insert"]+h.cal.calls["update"]+h.cal.calls["delete"] != 0 || h.mb.stores != 0 {
		t.Fatalf("dry run wrote: calls %v, stores %d", h.cal.calls, h.mb.stores)
	}
	h.wantCalendar()
}

func TestEveryRunTwiceGivesTheSameCalendar(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15)
	h.mail("登録", "朝会", "毎週月曜日 10:00 ～ 10:30", "期間　　：2024年01月08日（月）～2024年03月25日（月）")
	h.mail("変更", "定例", jan22)
	h.mail("登録", "研修", "2024年01月15日（月）")
	h.mail("削除", "研修", "2024年01月15日（月）")
	// A crash before the STORE: everything is applied again on the next run.
	h.mb.markErr = errors.New("connection reset")
	if _, err := h.engine().Run(context.Background()); err == nil {
		t.Fatal("want the STORE error")
	}
	first := h.cal.live()
	rep := h.run()
	wantCounts(t, rep, "seen=5 created=0 updated=0 deleted=0 skipped=5 ignored=0 deferred=0 failed=0 marked=5")
	h.wantCalendar(first...)
	if len(first) != 2 {
		t.Fatalf("calendar %q", first)
	}
}

func TestCrashAfterEachWriteThenRerunNoDuplicate(t *testing.T) {
	// Crash right after the n-th calendar write (the run dies, nothing is
	// marked), then run to completion. The calendar must equal a clean run.
	setup := func(h *harness) {
		h.mail("登録", "定例", jan15)
		h.mail("変更", "定例", jan22)
		h.mail("登録", "別件", jan15)
		h.mail("変更", "別件２", jan15)
		h.mail("登録", "消える", jan15)
		h.mail("削除", "消える", jan15)
	}
	clean := newHarness(t)
	setup(clean)
	clean.run()
	want := clean.cal.live()

	for crashAt := 1; crashAt <= 6; crashAt++ {
		t.Run(fmt.Sprint(crashAt), func(t *testing.T) {
			h := newHarness(t)
			setup(h)
			ctx, crash := context.WithCancel(context.Background())
			writes := 0
			h.cal.onWrite = func() {
				if writes++; writes == crashAt {
					crash()
				}
			}
			h.cal.fail = func(string) error { return ctx.Err() }
			h.engine().Run(ctx) // the crash is the point
			h.cal.onWrite, h.cal.fail = nil, nil
			h.run()
			h.wantCalendar(want...)
			if h.mb.unprocessed() != 0 {
				t.Errorf("%d mails left unprocessed", h.mb.unprocessed())
			}
		})
	}
}

func TestOverlappingRunsNoDuplicate(t *testing.T) {
	h := newHarness(t)
	for i := range 20 {
		h.mail("登録", fmt.Sprintf("会議%02d", i), jan15)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := h.engine().Run(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := len(h.cal.live()); got != 20 {
		t.Fatalf("%d events, want 20", got)
	}
}

func TestCalendarFailureStopsAndKeepsMails(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15)
	h.mail("変更", "定例", jan22)
	h.mail("登録", "別件", jan15)
	boom := errors.New("calendar: HTTP 500")
	h.cal.fail = func(op string) error {
		if op == "update" {
			return boom
		}
		return nil
	}
	rep, err := h.engine().Run(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	wantCounts(t, rep, "seen=3 created=1 updated=0 deleted=0 skipped=0 ignored=0 deferred=1 failed=1 marked=1")
	if h.mb.unprocessed() != 2 {
		t.Fatalf("unprocessed = %d, want 2", h.mb.unprocessed())
	}
	h.cal.fail = nil
	h.run()
	h.wantCalendar("別件|2024-01-15T10:00|2024-01-15T11:00", "定例|2024-01-22T14:00|2024-01-22T15:00")
}

func TestRejectedEventDoesNotBlockTheQueue(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "壊れた", jan15)
	h.mail("登録", "正常", jan22)
	h.cal.fail = func(op string) error {
		if op == "insert" && h.cal.calls["insert"] == 1 {
			return fmt.Errorf("insert: HTTP 400: %w", ErrRejected)
		}
		return nil
	}
	rep, err := h.engine().Run(context.Background())
	if err == nil {
		t.Fatal("want an error for the rejected event")
	}
	wantCounts(t, rep, "seen=2 created=1 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=1 marked=2")
}

func TestInvalidGrantMarksNothing(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15)
	h.cal.fail = func(string) error { return fmt.Errorf("oauth2: %w", ErrInvalidGrant) }
	_, err := h.engine().Run(context.Background())
	if !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("err = %v", err)
	}
	if h.mb.stores != 0 {
		t.Fatal("marked mails after invalid_grant")
	}
}

func TestDeadlineBudgetDefersTheRest(t *testing.T) {
	h := newHarness(t)
	for i := range 5 {
		h.mail("登録", fmt.Sprintf("会議%d", i), jan15)
	}
	// The clock advances 2s per calendar call; the deadline leaves room for
	// a few notices only, with 5s kept in reserve.
	h.cal.onWrite = func() { h.now = h.now.Add(2 * time.Second) }
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	deadline := h.now.Add(10 * time.Second)
	eng := h.engine(func(c *Config) {
		c.Now = func() time.Time { return h.now }
	})
	rep, err := eng.Run(deadlineCtx{ctx, deadline})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, rep, "seen=5 created=3 updated=0 deleted=0 skipped=0 ignored=0 deferred=2 failed=0 marked=3")
	wantCounts(t, h.run(), "seen=2 created=2 updated=0 deleted=0 skipped=0 ignored=0 deferred=0 failed=0 marked=2")
}

// deadlineCtx reports a deadline on the engine's fake clock.
type deadlineCtx struct {
	context.Context
	dl time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.dl, true }

func TestWritesNeverInviteAnyone(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "定例", jan15, "施設　　：第1会議室,プロジェクター")
	h.run()
	checked := 0
	for _, ev := range h.cal.events {
		checked++
		if !strings.Contains(ev.Description, "参加者: 山田 太郎, 佐藤 花子") || ev.Location != "第1会議室, プロジェクター" {
			t.Errorf("description %q location %q", ev.Description, ev.Location)
		}
	}
	if checked != 1 {
		t.Errorf("%d events checked, want 1: the test checks nothing when nothing was written", checked)
	}
}

func TestRequestsPerChangedEvent(t *testing.T) {
	h := newHarness(t)
	for i := range 10 {
		h.mail("登録", fmt.Sprintf("会議%d", i), jan15)
	}
	h.run()
	if h.cal.calls["get"] != 10 || h.cal.calls["insert"] != 10 || h.cal.calls["list"] != 0 {
		t.Errorf("adds: %v", h.cal.calls)
	}
	h.cal.calls = map[string]int{}
	for i := range 10 {
		h.mail("変更", fmt.Sprintf("会議%d", i), jan22)
	}
	h.run()
	if h.cal.calls["list"] != 10 || h.cal.calls["update"] != 10 || len(h.cal.calls) != 2 {
		t.Errorf("edits: %v", h.cal.calls)
	}
	if h.mb.fetches != 2 || h.mb.stores != 2 {
		t.Errorf("mailbox: %d fetches %d stores", h.mb.fetches, h.mb.stores)
	}
}

func TestHungCalendarLeavesTimeToMark(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "先", jan15)
	h.mail("登録", "後", jan22)
	inserts := 0
	// The second insert answers only when its context ends.
	h.cal.hang = func(ctx context.Context) error {
		if inserts++; inserts == 2 {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5500*time.Millisecond)
	defer cancel()
	begin := time.Now()
	rep, err := h.engine(func(c *Config) { c.Now = time.Now; c.Lookback = 100 * 365 * 24 * time.Hour }).Run(ctx)
	if err != nil || time.Since(begin) > 2*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(begin))
	}
	if rep.Marked != 1 || h.mb.unprocessed() != 1 || rep.Deferred != 1 {
		t.Fatalf("marked %d, deferred %d, unprocessed %d: the applied mail must be marked before the deadline", rep.Marked, rep.Deferred, h.mb.unprocessed())
	}
}

func TestHungCalendarFailsARunThatAppliedNothing(t *testing.T) {
	h := newHarness(t)
	h.mail("登録", "先", jan15)
	h.cal.hang = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	ctx, cancel := context.WithTimeout(context.Background(), 5300*time.Millisecond)
	defer cancel()
	rep, err := h.engine(func(c *Config) { c.Now = time.Now; c.Lookback = 100 * 365 * 24 * time.Hour }).Run(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || rep.Failed != 1 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
}
