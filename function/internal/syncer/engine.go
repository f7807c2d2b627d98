// Package syncer is the engine: it turns the Garoon notices in a mailbox into
// calendar changes, exactly once, whatever crashes, retries or overlapping
// runs happen. It knows nothing of IMAP, HTTP or AWS: the mailbox and the
// calendar are the small interfaces in ports.go.
//
// A run fetches the unprocessed mails from the Garoon sender in the lookback
// window, parses them, applies them oldest first (by the mail's Date, then
// UID), and finally marks the applied mails processed with one IMAP keyword.
// A crash anywhere leaves mails unmarked; the next run applies them again,
// and every step below is safe to repeat.
//
// # Identity
//
// Garoon mails carry no event id, so identity is derived.
//
//   - An add ([登録]) creates the event with an id derived from the mail
//     (NoticeID). Applying it again finds that id taken and does nothing, so
//     a retry never duplicates it; a later edit or delete is not undone.
//   - Every event carries its title key (TitleKey: the normalized title) in a
//     private extended property. An edit ([変更]) or confirm ([確定]) looks
//     up the events with its title key: one indexed query, no date window,
//     because the new time may be weeks from the old one. Several matches:
//     the one whose start is nearest the new start, then the most recently
//     created, then the smallest id; the choice is logged. A non-repeating
//     edit prefers non-repeating events; when only a repeating series has
//     the title, the edit is about one occurrence (a drag and drop): the
//     series' occurrence that day is overridden, or, without one that day,
//     the edit is added as an event of its own, leaving the series alone.
//   - An edit that matches no title changed the title: it takes the event at
//     exactly the same start and end (most recently created first). An edit
//     that matches nothing at all creates the event, with its own notice id.
//   - A delete ([削除]) of a dated appointment matches title and time: the
//     event at that start and end (a tentative candidate, an occurrence
//     changed on its own) or, failing that, that one occurrence of a series
//     with the title. A delete that matches nothing is success: the event
//     is already gone.
//   - Repeating and tentative appointments follow docs/garoon-mails.md §6: see series.go.
//     Edits are patches of the fields Garoon owns (Calendar.Patch), so what
//     a person set in Google (colour, reminders) survives.
//
// # Safety
//
// A run that would apply more deletes than MaxDeletes changes nothing and
// returns ErrTooManyDeletes (the guard against a flood of [削除] mails).
// A run stops starting new notices when its context deadline is nearer than
// Reserve; what is left stays unmarked for the next run. The first failure
// that is not specific to one event (network, 429/5xx after retries,
// invalid_grant) stops the run too, so notices are never applied out of order.
package syncer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"garoon-calendar-sync/function/internal/garoon"
)

// Config tunes a run.
type Config struct {
	// Sender is the Garoon sender address (the secret's garoon_sender).
	Sender string
	// Zone is the user's Garoon time zone (the secret's garoon_time_zone);
	// nil means Asia/Tokyo.
	Zone *time.Location
	// SeriesDeleteAll makes an unscoped delete of a repeating appointment
	// delete the whole series (the secret's series_delete: all) instead of
	// keeping and marking it.
	SeriesDeleteAll bool
	// Lookback bounds the mailbox search window.
	Lookback time.Duration
	// MaxDeletes is the mass-delete guard; negative disables it.
	MaxDeletes int
	// DryRun plans without writing to the calendar or marking mails.
	DryRun bool
	// Reserve is the time kept before the context deadline for marking mails
	// and reporting.
	Reserve time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per applied notice; nil discards.
	Logger *slog.Logger
}

// ErrTooManyDeletes is returned when a run would delete more events than the
// guard allows. It says what happened; the caller names the way out (a
// higher limit for one run: runner.Fix, the CLI's hint).
var ErrTooManyDeletes = errors.New("too many deletes in one run")

// Engine applies notices from a mailbox to a calendar.
type Engine struct {
	mail Mailbox
	cal  Calendar
	cfg  Config
}

// New returns an engine. The engine holds no state between runs.
func New(mail Mailbox, cal Calendar, cfg Config) *Engine {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Engine{mail: mail, cal: cal, cfg: cfg}
}

// item is one fetched mail on its way through the run.
type item struct {
	mail   Mail
	notice *garoon.Notice
	id     string
	order  time.Time
}

// Run fetches, plans, applies and marks. The report is complete even when an
// error is returned; the error is non-nil when anything failed.
func (e *Engine) Run(ctx context.Context) (*Report, error) {
	start := e.cfg.Now()
	rep := &Report{DryRun: e.cfg.DryRun}
	defer func() { rep.Duration = e.cfg.Now().Sub(start) }()

	mails, err := e.mail.Fetch(ctx, e.cfg.Sender, start.Add(-e.cfg.Lookback))
	if err != nil {
		return rep, fmt.Errorf("fetch mail: %w", err)
	}
	rep.Seen = len(mails)
	items, done := e.classify(ctx, rep, mails)
	if err := e.guard(rep, items); err != nil {
		return rep, err
	}
	applied, stop := e.apply(ctx, rep, items)
	return rep, e.mark(ctx, rep, append(done, applied...), stop)
}

// classify parses the mails into the notices to apply, oldest first (by
// the mail's Date, then UID). The mails that are not schedule notices, or
// cannot be read, are reported here and are done: they are marked with the
// applied ones.
func (e *Engine) classify(ctx context.Context, rep *Report, mails []Mail) (items []item, done []uint32) {
	for _, m := range mails {
		n, err := garoon.Parse(m.Raw, garoon.Options{Sender: e.cfg.Sender, Zone: e.cfg.Zone})
		if err != nil {
			// A mail that cannot be parsed will never parse: report it and
			// mark it, so it does not fail every run until it ages out.
			e.record(ctx, rep, Step{UID: m.UID, Op: OpFail, Reason: "unreadable mail: " + err.Error()})
			done = append(done, m.UID)
			continue
		}
		if n.Action == garoon.ActionIgnore {
			e.record(ctx, rep, Step{UID: m.UID, Op: OpIgnore, Kind: n.Kind, Reason: n.Reason})
			done = append(done, m.UID)
			continue
		}
		order := n.Date
		if order.IsZero() {
			order = m.Received
		}
		items = append(items, item{mail: m, notice: n, id: NoticeID(n, m.Raw), order: order})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		return cmp.Or(a.order.Compare(b.order), cmp.Compare(a.mail.UID, b.mail.UID))
	})
	return items, done
}

// guard is the mass-delete guard: a run with more deletes than MaxDeletes
// applies nothing and defers every notice.
func (e *Engine) guard(rep *Report, items []item) error {
	deletes := countDeletes(items)
	if e.cfg.MaxDeletes < 0 || deletes <= e.cfg.MaxDeletes {
		return nil
	}
	rep.deferAll(items, "mass-delete guard")
	return fmt.Errorf("%w: %d delete notices, the limit is %d; nothing was changed",
		ErrTooManyDeletes, deletes, e.cfg.MaxDeletes)
}

// Why the notices after the last one applied were deferred.
const (
	whyBudget = "time budget used up; left for the next run"
	whyFailed = "an earlier notice failed; left for the next run"
)

// apply applies the notices in order and returns the mails done. It stops
// at the first failure that is not the event's own (stop), so notices are
// never applied out of order, or when the time budget is used up; the
// notices from there on are deferred.
func (e *Engine) apply(ctx context.Context, rep *Report, items []item) (done []uint32, stop error) {
	// Calendar calls must end before the reserve: a calendar that never
	// answers still leaves time to mark what was applied and to report.
	work := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		work, cancel = context.WithTimeout(ctx, dl.Sub(e.cfg.Now())-e.cfg.Reserve)
		defer cancel()
	}
	v := newView(e.cal)
	for i, it := range items {
		if e.nearDeadline(ctx) {
			rep.deferAll(items[i:], whyBudget)
			return done, nil
		}
		st, err := e.applyNotice(work, v, it)
		if err != nil && work.Err() != nil && ctx.Err() == nil && len(done) > 0 {
			// The time budget ran out during this notice: like the ones
			// after it, it is left for the next run. (A run that applied
			// nothing at all fails instead, so a hung calendar alarms.)
			st.Op, st.Err, st.Reason = OpDefer, nil, "time budget used up during this notice; left for the next run"
			e.record(ctx, rep, st)
			rep.deferAll(items[i+1:], whyBudget)
			return done, nil
		}
		e.record(ctx, rep, st)
		if err != nil && !errors.Is(err, ErrRejected) {
			rep.deferAll(items[i+1:], whyFailed)
			return done, err
		}
		done = append(done, it.mail.UID)
	}
	return done, nil
}

// mark marks the done mails processed (not in a dry run) and returns the
// run's error: stop, a failure to mark, or the count of failed mails.
func (e *Engine) mark(ctx context.Context, rep *Report, done []uint32, stop error) error {
	if !e.cfg.DryRun && len(done) > 0 {
		// A fresh deadline-bounded context is not taken here: if ctx is done,
		// the mails stay unmarked and the next run re-applies them, which is
		// safe.
		if err := e.mail.MarkProcessed(ctx, done); err != nil {
			return errors.Join(stop, fmt.Errorf("mark %d mails processed: %w", len(done), err))
		}
		rep.Marked = len(done)
	}
	if stop != nil {
		return stop
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d mails failed; first: %s", rep.Failed, rep.Seen, rep.firstFailure())
	}
	return nil
}

func countDeletes(items []item) int {
	n := 0
	for _, it := range items {
		if it.notice.Action == garoon.ActionDelete {
			n++
		}
	}
	return n
}

func (e *Engine) nearDeadline(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && dl.Sub(e.cfg.Now()) < e.cfg.Reserve
}

func (it item) step(op Op, eventID, reason string) Step {
	n := it.notice
	return Step{
		UID: it.mail.UID, Op: op, Kind: n.Kind, EventID: eventID, Reason: reason,
		Title: n.Title, Start: n.Start, End: n.End, AllDay: n.AllDay, Repeats: len(n.Recurrence) > 0,
	}
}

// applyNotice plans one notice against the view and, unless this is a dry
// run, writes it. docs/garoon-mails.md §6 is the table of cases.
func (e *Engine) applyNotice(ctx context.Context, v *view, it item) (Step, error) {
	var st Step
	var err error
	n := it.notice
	switch {
	case n.Action == garoon.ActionDelete && len(n.Recurrence) > 0:
		st, err = e.applySeriesDelete(ctx, v, it)
	case n.Action == garoon.ActionDelete:
		st, err = e.applyDelete(ctx, v, it)
	case len(n.Candidates) > 0:
		st, err = e.applyTentative(ctx, v, it)
	case n.Kind == garoon.KindConfirm:
		st, err = e.applyConfirm(ctx, v, it)
	case n.Kind == garoon.KindAdd:
		st, err = e.applyAdd(ctx, v, it)
	case len(n.Recurrence) > 0:
		st, err = e.applySeriesEdit(ctx, v, it)
	default:
		st, err = e.applyEdit(ctx, v, it, e.eventFor(n, "", it.id))
	}
	if err != nil {
		st.Op, st.Err = OpFail, err
		if st.Reason == "" {
			st.Reason = err.Error()
		}
	}
	return st, err
}

// eventFor is the event the notice describes. A repeating notice whose
// period is one day (期間 D～D) is about that one occurrence: one event on D.
func (e *Engine) eventFor(n *garoon.Notice, id, noticeID string) Event {
	ev := eventFor(n, id, noticeID)
	if oneDay(n) {
		ev.Recurrence = nil
	}
	return ev
}

func oneDay(n *garoon.Notice) bool {
	return len(n.Recurrence) > 0 && !n.PeriodStart.IsZero() && n.PeriodStart == n.PeriodEnd
}

func (e *Engine) applyAdd(ctx context.Context, v *view, it item) (Step, error) {
	want := e.eventFor(it.notice, it.id, it.id)
	switch _, err := e.cal.Get(ctx, it.id); {
	case err == nil:
		return it.step(OpSkip, it.id, "already applied (the event this mail creates exists)"), nil
	case !errors.Is(err, ErrNotFound):
		return it.step(OpFail, it.id, ""), fmt.Errorf("look up event %s: %w", it.id, err)
	}
	reason := "new appointment"
	if oneDay(it.notice) {
		reason = "added to one occurrence of a repeating appointment (期間 D～D): one event on that day"
	}
	return e.create(ctx, v, it, want, reason)
}

func (e *Engine) create(ctx context.Context, v *view, it item, want Event, reason string) (Step, error) {
	created, err := e.insert(ctx, v, want)
	if err != nil {
		return it.step(OpFail, want.ID, ""), err
	}
	if !created {
		return it.step(OpSkip, want.ID, "already applied (event id taken)"), nil
	}
	return it.step(OpCreate, want.ID, reason), nil
}

// insert creates want unless its id is taken (by this notice in an earlier
// run, or an overlapping one): created is false then.
func (e *Engine) insert(ctx context.Context, v *view, want Event) (created bool, err error) {
	want.Created = e.cfg.Now()
	if !e.cfg.DryRun {
		got, err := e.cal.Insert(ctx, want)
		if errors.Is(err, ErrExists) {
			v.forget(want.Key)
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("create event %s: %w", want.ID, err)
		}
		want = got
	}
	v.put(want)
	return true, nil
}

// patch writes want over have (same id), unless nothing a person sees would
// change. A mark for a person's attention on have is kept.
func (e *Engine) patch(ctx context.Context, v *view, have, want Event) (changed bool, err error) {
	want.ID, want.Created, want.SeriesID, want.OriginalStart = have.ID, have.Created, have.SeriesID, have.OriginalStart
	if want.SeriesID != "" {
		want.Recurrence = nil
	}
	want = keepMark(have, want)
	if sameContent(have, want) {
		return false, nil
	}
	if !e.cfg.DryRun {
		got, err := e.cal.Patch(ctx, want)
		if err != nil {
			return false, fmt.Errorf("update event %s: %w", have.ID, err)
		}
		want = got
	}
	if have.Key != want.Key {
		v.forget(have.Key)
	}
	v.put(want)
	return true, nil
}

func (e *Engine) update(ctx context.Context, v *view, it item, target, want Event, reason string) (Step, error) {
	changed, err := e.patch(ctx, v, target, want)
	if err != nil {
		return it.step(OpFail, target.ID, ""), err
	}
	if !changed {
		return it.step(OpSkip, target.ID, "already up to date"), nil
	}
	return it.step(OpUpdate, target.ID, reason), nil
}

// applyEdit applies an edit of a normal (or one-day) appointment: want is
// the event it describes.
func (e *Engine) applyEdit(ctx context.Context, v *view, it item, want Event) (Step, error) {
	n := it.notice
	cands, err := v.byKey(ctx, want.Key)
	if err != nil {
		return it.step(OpFail, "", ""), fmt.Errorf("look up events by title: %w", err)
	}
	repeats := len(want.Recurrence) > 0
	sameKind := func(ev Event) bool { return (len(ev.Recurrence) > 0) == repeats }
	same := slices.DeleteFunc(slices.Clone(cands), func(ev Event) bool { return !sameKind(ev) })
	reason := "same title"
	day := garoon.DateOf(n.Start.In(e.zone()))
	switch {
	case len(same) > 0 && !repeats && len(same) < len(cands):
		// A series has the title, and so have single events (occurrences
		// moved before: Garoon's detached appointments). One on the
		// notice's day is the one changed; else the series' own occurrence
		// on that day is what was dragged; only without one is the nearest
		// of the others the one moved.
		if onDay := slices.DeleteFunc(slices.Clone(same), func(ev Event) bool { return !e.onDay(ev, day) }); len(onDay) > 0 {
			cands = onDay
			break
		}
		series := slices.DeleteFunc(slices.Clone(cands), func(ev Event) bool { return len(ev.Recurrence) == 0 })
		if st, ok, err := e.overrideOnDay(ctx, v, it, series, day, want,
			"one occurrence of a repeating appointment moved or changed (drag and drop): that occurrence changed, the series is unchanged"); ok || err != nil {
			return st, err
		}
		cands = same
	case len(same) > 0:
		cands = same
	case len(cands) > 0 && repeats:
		want.ID = it.id
		return e.create(ctx, v, it, want, "a repeating appointment where only single events have the title: added on its own")
	case len(cands) > 0:
		// Only a repeating series has this title: a drag-and-drop of one
		// occurrence (or a "this only" edit Garoon mails as a normal
		// appointment, docs/garoon-mails.md §6, Drag and drop). The series' occurrence that day,
		// if any, is overridden; changing the series would move them all.
		if st, ok, err := e.overrideOnDay(ctx, v, it, cands, day, want,
			"one occurrence of a repeating appointment moved or changed (drag and drop): that occurrence changed, the series is unchanged"); ok || err != nil {
			return st, err
		}
		want.ID = it.id
		return e.create(ctx, v, it, want, "one occurrence of a repeating appointment changed, no occurrence that day; added on its own, the series is unchanged")
	default:
		cands, err = v.bySlot(ctx, n.Start, n.End, n.AllDay)
		if err != nil {
			return it.step(OpFail, "", ""), fmt.Errorf("look up events by time: %w", err)
		}
		cands = slices.DeleteFunc(cands, func(ev Event) bool { return !sameKind(ev) })
		reason = "title changed, same time"
	}
	if len(cands) == 0 {
		want.ID = it.id
		return e.create(ctx, v, it, want, "edit of an appointment not in the calendar: created")
	}
	target := nearest(cands, n.Start)
	if len(cands) > 1 {
		reason = fmt.Sprintf("%s; %d candidates, chose the one nearest in time, then newest", reason, len(cands))
		e.cfg.Logger.WarnContext(ctx, "ambiguous edit resolved", "uid", it.mail.UID, "candidates", len(cands), "chosen", target.ID)
	}
	return e.update(ctx, v, it, target, want, reason)
}

// onDay reports whether ev is on day: it starts then, or it is an
// occurrence the rule puts then.
func (e *Engine) onDay(ev Event, day garoon.Date) bool {
	return garoon.DateOf(ev.Start.In(e.zone())) == day ||
		(!ev.OriginalStart.IsZero() && garoon.DateOf(ev.OriginalStart.In(e.zone())) == day)
}

// overrideOnDay changes the occurrence on day of the first of the series
// (nearest in time first) that has a live one. ok is false when none has.
func (e *Engine) overrideOnDay(ctx context.Context, v *view, it item, series []Event, day garoon.Date, want Event, reason string) (Step, bool, error) {
	slices.SortFunc(series, func(a, b Event) int {
		return cmp.Or(cmp.Compare(absDur(a.Start.Sub(it.notice.Start)), absDur(b.Start.Sub(it.notice.Start))), cmp.Compare(a.ID, b.ID))
	})
	for _, s := range series {
		inst, ok, err := e.instanceOn(ctx, v, s, day)
		if err != nil {
			return it.step(OpFail, s.ID, ""), false, err
		}
		if ok {
			st, err := e.update(ctx, v, it, inst, want, reason)
			return st, true, err
		}
	}
	return Step{}, false, nil
}

// instanceOn returns the live occurrence of series s that the rule puts on
// day (whatever it was moved to since).
func (e *Engine) instanceOn(ctx context.Context, v *view, s Event, day garoon.Date) (Event, bool, error) {
	inst, err := e.cal.Instance(ctx, s.ID, e.originalStart(s, day), s.AllDay)
	switch {
	case errors.Is(err, ErrNotFound):
		return Event{}, false, nil
	case err != nil:
		return Event{}, false, fmt.Errorf("look up the occurrence of %s on %s: %w", s.ID, day, err)
	}
	if inst.Cancelled {
		return Event{}, false, nil
	}
	if inst.SeriesID == "" {
		inst.SeriesID = s.ID
	}
	if seen, ok := v.events[inst.ID]; ok && !v.deleted[inst.ID] {
		inst = seen // this run changed it already (a dry run wrote nothing)
	}
	return inst, true, nil
}

// nearest picks the candidate whose start is nearest t; ties go to the most
// recently created, then the smallest id, so the choice is deterministic.
func nearest(cands []Event, t time.Time) Event {
	return slices.MinFunc(cands, func(a, b Event) int {
		return cmp.Or(
			cmp.Compare(absDur(a.Start.Sub(t)), absDur(b.Start.Sub(t))),
			b.Created.Compare(a.Created),
			cmp.Compare(a.ID, b.ID),
		)
	})
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// applyDelete applies a delete of a normal appointment (or of one
// tentative candidate): the event with the title at that time, or else the
// occurrence of a series with the title at that time.
func (e *Engine) applyDelete(ctx context.Context, v *view, it item) (Step, error) {
	n := it.notice
	cands, err := v.byKey(ctx, TitleKey(n.Title))
	if err != nil {
		return it.step(OpFail, "", ""), fmt.Errorf("look up events by title: %w", err)
	}
	var exact, series []Event
	for _, ev := range cands {
		switch {
		case len(ev.Recurrence) == 0 && ev.Start.Equal(n.Start) && ev.End.Equal(n.End):
			exact = append(exact, ev)
		case len(ev.Recurrence) > 0 && occursAt(ev, n.Start, n.End):
			series = append(series, ev)
		}
	}
	if len(exact) > 0 {
		target := nearest(exact, n.Start)
		if err := e.delete(ctx, v, target.ID); err != nil {
			return it.step(OpFail, target.ID, ""), err
		}
		reason := "same title and time"
		if target.Tentative {
			reason = "one candidate of a tentative appointment"
		}
		return it.step(OpDelete, target.ID, reason), nil
	}
	if len(series) > 0 {
		target := nearest(series, n.Start)
		if !e.cfg.DryRun {
			if err := e.cal.CancelOccurrence(ctx, target.ID, n.Start, n.AllDay); err != nil {
				return it.step(OpFail, target.ID, ""), fmt.Errorf("cancel one occurrence of %s: %w", target.ID, err)
			}
		}
		return it.step(OpCancelOccurrence, target.ID, "one occurrence of a repeating appointment"), nil
	}
	return it.step(OpSkip, "", "no event with this title and time: already gone"), nil
}

func (e *Engine) delete(ctx context.Context, v *view, id string) error {
	if !e.cfg.DryRun {
		if err := e.cal.Delete(ctx, id); err != nil {
			return fmt.Errorf("delete event %s: %w", id, err)
		}
	}
	v.remove(id)
	return nil
}

// occursAt reports whether the series plausibly has an occurrence from start
// to end: same time of day and length, on or after the first occurrence and
// not after UNTIL. The calendar itself ignores a cancel for a date the rule
// does not produce, so "plausibly" is enough.
func occursAt(series Event, start, end time.Time) bool {
	if end.Sub(start) != series.End.Sub(series.Start) || start.Before(series.Start) {
		return false
	}
	s, o := series.Start.In(start.Location()), start
	if s.Hour() != o.Hour() || s.Minute() != o.Minute() {
		return false
	}
	if until, ok := rruleUntil(series.Recurrence); ok && start.After(until) {
		return false
	}
	return true
}

// record adds the step to the report and logs it.
func (e *Engine) record(ctx context.Context, rep *Report, st Step) {
	rep.add(st)
	e.log(ctx, st)
}

// log writes one line per notice. Titles are personal data: debug only.
func (e *Engine) log(ctx context.Context, st Step) {
	lvl := slog.LevelInfo
	if st.Op == OpFail {
		lvl = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.Any("uid", st.UID), slog.String("op", string(st.Op)), slog.String("kind", string(st.Kind)),
		slog.String("event_id", st.EventID), slog.String("reason", st.Reason),
	}
	if e.cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		attrs = append(attrs, slog.String("title", st.Title))
	}
	e.cfg.Logger.LogAttrs(ctx, lvl, "notice", attrs...)
}
