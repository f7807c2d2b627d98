package syncer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"garoon-calendar-sync/function/internal/garoon"
)

// Repeating and tentative appointments (docs/garoon-mails.md §6).
//
// Garoon's mail about a repeating appointment carries the rule and a period
// (期間), never an id. Against the series this tool holds for the title, the
// period says what the user did:
//
//   - 期間 D～D inside a longer series: "this occurrence only" → override
//     that one Google instance;
//   - 期間 starting on or before the series' first day: "all" → patch the
//     series;
//   - 期間 D～E with D after the first day: "this and following" → a new
//     series from D (its id is the notice id, so a rerun finds it) and the
//     old series ends the day before D (UNTIL), in that order: a crash
//     between the two leaves both, and the rerun only ends the old one.
//
// A [削除] of a repeating appointment mails the whole series whatever the
// user chose (docs/garoon-mails.md §6, Delete), so a delete with the whole period is
// ambiguous and is never applied as a delete unless series_delete is "all".

// Attention marker shown to a person: in front of the title, and the first
// description line (attentionLine). doctor lists marked events whose title
// still starts with it; removing it from the title resolves the mark.
const AttentionTitle = "[要確認] "

// TentativeTitle marks the events of a tentative appointment's candidates.
const TentativeTitle = "[仮] "

func attentionLine(n *garoon.Notice) string {
	return fmt.Sprintf("%sGaroon から繰り返し予定の削除通知（期間 %s～%s）が届きました。"+
		"「この予定だけ」「以降すべて」「すべて」のどれを削除したかはメールから判別できないため、予定は残しています。"+
		"Garoon で確認し、削除された回を Google カレンダーでも削除したら、タイトルの [要確認] とこの行を消してください。",
		AttentionTitle, n.PeriodStart, n.PeriodEnd)
}

// keepMark carries an attention mark of have over to want, while a person
// has not resolved it (the title still starts with the marker): an edit
// does not answer what the ambiguous delete left open.
func keepMark(have, want Event) Event {
	if have.Attention == "" || !strings.HasPrefix(have.Summary, AttentionTitle) {
		return want
	}
	want.Attention = have.Attention
	want.Summary = AttentionTitle + strings.TrimPrefix(want.Summary, AttentionTitle)
	if line, _, _ := strings.Cut(have.Description, "\n"); strings.HasPrefix(line, AttentionTitle) && !strings.HasPrefix(want.Description, AttentionTitle) {
		want.Description = garoon.Clip(line+"\n"+want.Description, maxDescription)
	}
	return want
}

func (e *Engine) zone() *time.Location {
	if e.cfg.Zone != nil {
		return e.cfg.Zone
	}
	return garoon.JST
}

// period is the first and last day of a series in the user's zone; open
// when it has no UNTIL.
func (e *Engine) period(s Event) (first, last garoon.Date, open bool) {
	first = garoon.DateOf(s.Start.In(e.zone()))
	until, ok := rruleUntil(s.Recurrence)
	if !ok {
		return first, garoon.Date{}, true
	}
	if s.AllDay {
		return first, garoon.DateOf(until.In(e.zone()).Add(-time.Second)), false
	}
	return first, garoon.DateOf(until.In(e.zone())), false
}

// originalStart is the start the rule of s gives an occurrence on day.
func (e *Engine) originalStart(s Event, day garoon.Date) time.Time {
	if s.AllDay {
		return day.In(s.Start.Location())
	}
	st := s.Start.In(e.zone())
	return time.Date(day.Year, day.Month, day.Day, st.Hour(), st.Minute(), st.Second(), 0, e.zone())
}

func cmpDate(a, b garoon.Date) int { return a.In(time.UTC).Compare(b.In(time.UTC)) }

// contains reports whether day is within the series' period.
func (e *Engine) contains(s Event, day garoon.Date) bool {
	first, last, open := e.period(s)
	return cmpDate(day, first) >= 0 && (open || cmpDate(day, last) <= 0)
}

// ruleOf is the RRULE without UNTIL or COUNT: the part that says on which
// days a series repeats, to recognise it when its title changed.
func ruleOf(rec []string) string {
	for _, l := range rec {
		if r, ok := strings.CutPrefix(l, "RRULE:"); ok {
			parts := strings.Split(r, ";")
			parts = slices.DeleteFunc(parts, func(p string) bool {
				return strings.HasPrefix(p, "UNTIL=") || strings.HasPrefix(p, "COUNT=")
			})
			return strings.Join(parts, ";")
		}
	}
	return ""
}

// endBefore is the recurrence of s cut to end on the day before day: UNTIL
// is that day's last second in the user's zone, in UTC (RFC 5545 §3.3.10:
// UNTIL in UTC when DTSTART has a time zone), or a DATE for all-day series.
func (e *Engine) endBefore(s Event, day garoon.Date) []string {
	lastDay := day.In(e.zone()).AddDate(0, 0, -1)
	until := time.Date(lastDay.Year(), lastDay.Month(), lastDay.Day(), 23, 59, 59, 0, e.zone()).UTC().Format("20060102T150405Z")
	out := make([]string, 0, len(s.Recurrence))
	for _, l := range s.Recurrence {
		if r, ok := strings.CutPrefix(l, "RRULE:"); ok {
			parts := slices.DeleteFunc(strings.Split(r, ";"), func(p string) bool {
				return strings.HasPrefix(p, "UNTIL=") || strings.HasPrefix(p, "COUNT=")
			})
			l = "RRULE:" + strings.Join(append(parts, "UNTIL="+until), ";")
		}
		out = append(out, l)
	}
	return out
}

// seriesFor finds the series a repeating notice is about. Garoon's mail
// names no id, so the series is recognised by what the mail says of it
// (docs/garoon-mails.md §6, Finding the series):
//
//   - A delete mails the series as it is: only a series with the title,
//     the same rule and the same time of day is a candidate. Nothing else
//     is ever deleted, ended or marked for it.
//   - An edit may change the rule, the time or the title. Among the series
//     with the title, one with the same rule wins, then one whose last day
//     is the 期間 end, then one whose period holds the 期間 start, then one
//     that starts after it ("all"), then the same time of day, then the
//     nearest. (A delete ranks its candidates the same way.) The last day
//     comes before "holds": periods of two series can overlap by the days
//     between the earlier one's last occurrence and its UNTIL day. A series whose rule differs is a candidate
//     only when its last day is the 期間 end: an "all" or "this and
//     following" edit that changed the rule keeps the end, while another
//     Garoon appointment with the same title, never synced here, would
//     have to end on the same day by chance.
//   - An edit that renamed the appointment: the one series with the same
//     rule whose occurrence on the day of the notice's first occurrence
//     starts, by the rule, at the notice's start ("the slot"). Two such
//     series, or none, and nothing is matched: the edit is then applied as
//     an appointment of its own, which may leave a duplicate but destroys
//     nothing.
//
// The series this notice itself created (a "this and following" split, id
// = notice id) is never the one it is about.
func (e *Engine) seriesFor(ctx context.Context, v *view, it item, forDelete bool) (Event, bool, error) {
	n := it.notice
	cands, err := v.byKey(ctx, TitleKey(n.Title))
	if err != nil {
		return Event{}, false, fmt.Errorf("look up events by title: %w", err)
	}
	rule := ruleOf(n.Recurrence)
	type scored struct {
		ev    Event
		score int
	}
	var found []scored
	for _, s := range cands {
		if len(s.Recurrence) == 0 || s.ID == it.id {
			continue
		}
		sameRule, sameTime := ruleOf(s.Recurrence) == rule, e.sameTimeOfDay(s, n)
		first, last, open := e.period(s)
		holds := e.contains(s, n.PeriodStart)
		startsAfter := cmpDate(n.PeriodStart, first) <= 0 // an "all" 期間 may start before the first occurrence
		sameEnd := !open && cmpDate(last, n.PeriodEnd) == 0
		switch {
		case forDelete && !(sameRule && sameTime):
			continue
		case !sameRule && !sameEnd:
			continue
		}
		score := 0
		for _, ok := range []bool{sameRule, sameEnd, holds, startsAfter, sameTime} {
			score *= 2
			if ok {
				score++
			}
		}
		found = append(found, scored{s, score})
	}
	if len(found) > 0 {
		top := slices.MaxFunc(found, func(a, b scored) int { return cmp.Compare(a.score, b.score) }).score
		var best []Event
		for _, f := range found {
			if f.score == top {
				best = append(best, f.ev)
			}
		}
		return nearest(best, n.Start), true, nil
	}
	if forDelete {
		return Event{}, false, nil
	}
	return e.seriesBySlot(ctx, v, it)
}

// sameTimeOfDay reports whether series s and notice n start at the same
// time of day and end as many days later at the same time (all-day both,
// or timed both). Wall-clock times, not durations: an all-day occurrence
// on the day the clocks change lasts 23 or 25 hours.
func (e *Engine) sameTimeOfDay(s Event, n *garoon.Notice) bool {
	return s.AllDay == n.AllDay && e.span(s.Start, s.End, s.AllDay) == e.span(n.Start, n.End, n.AllDay)
}

// span is an event's start and end as the user's wall clock shows them:
// start time, end time and the days between.
func (e *Engine) span(start, end time.Time, allDay bool) [3]int {
	a, b := start.In(e.zone()), end.In(e.zone())
	if allDay {
		// All-day: only the days count; in a zone whose clocks skip
		// midnight a day starts at 01:00 (garoon.Date.In), or reads as
		// 23:00 the day before, depending on who made the time.
		a, b = dayStart(a), dayStart(b)
		return [3]int{0, 0, days(garoon.DateOf(a), garoon.DateOf(b))}
	}
	return [3]int{a.Hour()*60 + a.Minute(), b.Hour()*60 + b.Minute(), days(garoon.DateOf(a), garoon.DateOf(b))}
}

// days is the number of days from a to b.
func days(a, b garoon.Date) int {
	return int(b.In(time.UTC).Sub(a.In(time.UTC)).Hours() / 24)
}

// seriesBySlot finds the series of a renamed appointment: the one series
// with the notice's rule whose occurrence on the notice's first day starts,
// by the rule, when the notice starts (see seriesFor).
func (e *Engine) seriesBySlot(ctx context.Context, v *view, it item) (Event, bool, error) {
	n := it.notice
	from := garoon.DateOf(n.Start.In(e.zone())).In(e.zone())
	occs, err := e.cal.Occurrences(ctx, from, from.AddDate(0, 0, 1))
	if err != nil {
		return Event{}, false, fmt.Errorf("look up occurrences on %s: %w", garoon.DateOf(from), err)
	}
	want := ruleOf(n.Recurrence)
	var found []Event
	for _, o := range occs {
		if o.SeriesID == "" || o.SeriesID == it.id || v.deleted[o.SeriesID] || slices.ContainsFunc(found, func(f Event) bool { return f.ID == o.SeriesID }) {
			continue
		}
		orig := cmp.Or(o.OriginalStart, o.Start)
		if o.AllDay != n.AllDay || !orig.Equal(n.Start) {
			continue
		}
		s, err := e.cal.Get(ctx, o.SeriesID)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return Event{}, false, fmt.Errorf("look up series %s: %w", o.SeriesID, err)
		}
		if !s.Cancelled && ruleOf(s.Recurrence) == want {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		if len(found) > 1 {
			e.cfg.Logger.WarnContext(ctx, "renamed repeating appointment: several series fit, none chosen", "uid", it.mail.UID, "candidates", len(found))
		}
		return Event{}, false, nil
	}
	return found[0], true, nil
}

// applySeriesEdit applies an edit ([変更] or [登録]-less) of a repeating
// appointment: all, this only, or this and following, from its period.
func (e *Engine) applySeriesEdit(ctx context.Context, v *view, it item) (Step, error) {
	n := it.notice
	one := e.eventFor(n, "", it.id) // a one-day period: the event of that day
	want := eventFor(n, "", it.id)  // the series the notice describes
	s, ok, err := e.seriesFor(ctx, v, it, false)
	if err != nil {
		return it.step(OpFail, "", ""), err
	}
	if !ok {
		// No series: a one-day notice is about a one-day event (added for
		// one occurrence); anything else is an edit of something unknown.
		return e.applyEdit(ctx, v, it, one)
	}
	first, last, open := e.period(s)
	ps := n.PeriodStart
	switch {
	case oneDay(n) && (open || cmpDate(last, first) > 0):
		// "This occurrence only" (docs/garoon-mails.md §6, Edit).
		if st, ok, err := e.overrideOnDay(ctx, v, it, []Event{s}, ps, one,
			"one occurrence of a repeating appointment changed (this only): that occurrence overridden, the series is unchanged"); ok || err != nil {
			return st, err
		}
		return e.applyEdit(ctx, v, it, one) // no occurrence that day (cancelled before): a one-day event
	case cmpDate(ps, first) <= 0:
		// "All", or a series of one day (the mails are the same).
		return e.updateSeries(ctx, v, it, s, want)
	default:
		return e.split(ctx, v, it, s, want)
	}
}

// updateSeries applies an "all" edit to series s. Google keys an exception
// (an occurrence cancelled or changed on its own) by the start the rule gave
// it, so an edit that moves the series to another time of day, or between
// timed and all-day, orphans them: the cancelled and changed occurrences
// would come back as plain ones (the fake calendar does the same). When the
// edit keeps the rule's days, the series' exceptions are read before the
// patch (events.instances with the cancelled ones), and after it each
// cancelled day is cancelled again and each changed one gets its own start,
// end and text back (a timed change is not put on an all-day series): a
// cancelled week stays cancelled, as in Garoon.
func (e *Engine) updateSeries(ctx context.Context, v *view, it item, s, want Event) (Step, error) {
	const reason = "repeating appointment changed (all occurrences)"
	day := garoon.DateOf(s.Start.In(e.zone()))
	moves := s.AllDay != want.AllDay || !e.originalStart(s, day).Equal(e.originalStart(want, day))
	if e.cfg.DryRun || !moves || ruleOf(s.Recurrence) != ruleOf(want.Recurrence) {
		return e.update(ctx, v, it, s, want, reason)
	}
	before, err := e.instancesOf(ctx, s)
	if err != nil {
		return it.step(OpFail, s.ID, ""), err
	}
	kept := e.exceptions(s, before)
	st, err := e.update(ctx, v, it, s, want, reason)
	if err != nil || st.Op != OpUpdate || len(kept) == 0 {
		return st, err
	}
	updated := v.events[s.ID] // what the patch wrote
	after, err := e.instancesOf(ctx, updated)
	if err != nil {
		return it.step(OpFail, s.ID, ""), err
	}
	n, err := e.restoreExceptions(ctx, v, updated, kept, after)
	if err != nil {
		return it.step(OpFail, s.ID, ""), err
	}
	if n > 0 {
		st.Reason += fmt.Sprintf("; %d occurrences cancelled or changed on their own kept as they were", n)
	}
	return st, nil
}

// instancesOf returns the occurrences of series s, cancelled ones too,
// that start within a year of its period (an occurrence can be moved
// outside the period; a series with no end: two years from its start).
func (e *Engine) instancesOf(ctx context.Context, s Event) ([]Event, error) {
	first, last, open := e.period(s)
	from, to := first.In(e.zone()).AddDate(-1, 0, 0), last.In(e.zone()).AddDate(1, 0, 1)
	if open {
		to = first.In(e.zone()).AddDate(2, 0, 0)
	}
	occs, err := e.cal.Instances(ctx, s.ID, from, to)
	if err != nil {
		return nil, fmt.Errorf("look up the occurrences of %s: %w", s.ID, err)
	}
	return occs, nil
}

// exceptions are the occurrences of series s that are not as its rule
// makes them (cancelled, or changed on their own), by the day the rule
// puts them on.
func (e *Engine) exceptions(s Event, occs []Event) map[garoon.Date]Event {
	kept := map[garoon.Date]Event{}
	for _, o := range occs {
		if d := e.ruleDay(o); o.Cancelled || !e.plainOccurrence(s, o, d) {
			kept[d] = o
		}
	}
	return kept
}

// ruleDay is the day the rule puts occurrence o on.
func (e *Engine) ruleDay(o Event) garoon.Date {
	return garoon.DateOf(cmp.Or(o.OriginalStart, o.Start).In(e.zone()))
}

// restoreExceptions gives the occurrences of series s, after an "all" edit
// moved them (updateSeries), what kept says they were before it: a day
// cancelled is cancelled again, a day changed on its own gets that change
// back, unless the change survived the edit (its occurrence is still
// there), in which case the new plain occurrence of that day goes. It
// returns how many days it restored.
func (e *Engine) restoreExceptions(ctx context.Context, v *view, s Event, kept map[garoon.Date]Event, after []Event) (int, error) {
	live := map[string]bool{}
	for _, o := range after {
		live[o.ID] = !o.Cancelled
	}
	restored := 0
	for _, o := range after {
		d := e.ruleDay(o)
		was, ok := kept[d]
		if !ok || o.Cancelled || o.ID == was.ID || !e.plainOccurrence(s, o, d) {
			continue // not an exception before, already gone, or its own
		}
		switch {
		case was.Cancelled || live[was.ID]:
			// Cancelled before, or its change survived beside it.
			if err := e.cal.CancelOccurrence(ctx, s.ID, cmp.Or(o.OriginalStart, o.Start), s.AllDay); err != nil {
				return restored, fmt.Errorf("cancel one occurrence of %s again: %w", s.ID, err)
			}
		case was.AllDay != s.AllDay:
			continue // a timed change does not fit an all-day series, nor back
		default:
			mine := o
			mine.Start, mine.End, mine.Summary, mine.Description, mine.Location = was.Start, was.End, was.Summary, was.Description, was.Location
			mine.Tentative, mine.Attention, mine.Notice = was.Tentative, was.Attention, was.Notice
			if _, err := e.patch(ctx, v, o, mine); err != nil {
				return restored, err
			}
		}
		restored++
	}
	return restored, nil
}

// plainOccurrence reports whether occurrence o of series s on day is as
// the rule makes it: nothing of it was changed on its own.
func (e *Engine) plainOccurrence(s, o Event, day garoon.Date) bool {
	return o.AllDay == s.AllDay && o.Start.Equal(e.originalStart(s, day)) && e.span(o.Start, o.End, o.AllDay) == e.span(s.Start, s.End, s.AllDay) &&
		o.Summary == s.Summary && o.Description == s.Description && o.Location == s.Location
}

// split applies "this and following": a new series from the notice's
// period start, then the old series ended the day before. Both steps are
// idempotent, so a rerun after a crash between them completes the split.
func (e *Engine) split(ctx context.Context, v *view, it item, old, want Event) (Step, error) {
	n := it.notice
	want.ID = it.id
	created := false
	switch _, err := e.cal.Get(ctx, it.id); {
	case errors.Is(err, ErrNotFound):
		if created, err = e.insert(ctx, v, want); err != nil {
			return it.step(OpFail, it.id, ""), err
		}
	case err != nil:
		return it.step(OpFail, it.id, ""), fmt.Errorf("look up event %s: %w", it.id, err)
	}
	ended, err := e.endSeries(ctx, v, old, n.PeriodStart)
	if err != nil {
		return it.step(OpFail, old.ID, ""), err
	}
	if !created && !ended {
		return it.step(OpSkip, it.id, "already applied (this and following: the old series ends before the new one)"), nil
	}
	return it.step(OpUpdate, it.id, fmt.Sprintf("this and following occurrences changed: series %s ends before %s, a new series from %s", old.ID, n.PeriodStart, n.PeriodStart)), nil
}

// endSeries makes series s end the day before day, unless it already ends
// earlier.
func (e *Engine) endSeries(ctx context.Context, v *view, s Event, day garoon.Date) (bool, error) {
	if _, last, open := e.period(s); !open && cmpDate(last, day) < 0 {
		return false, nil
	}
	want := s
	want.Recurrence = e.endBefore(s, day)
	return e.patch(ctx, v, s, want)
}

// applySeriesDelete applies a [削除] that carries a repeat rule.
func (e *Engine) applySeriesDelete(ctx context.Context, v *view, it item) (Step, error) {
	n := it.notice
	if oneDay(n) {
		// One occurrence: the one-day event made for it, or the
		// occurrence of the series.
		cands, err := v.byKey(ctx, TitleKey(n.Title))
		if err != nil {
			return it.step(OpFail, "", ""), fmt.Errorf("look up events by title: %w", err)
		}
		for _, ev := range cands {
			if len(ev.Recurrence) == 0 && ev.Start.Equal(n.Start) && ev.End.Equal(n.End) {
				if err := e.delete(ctx, v, ev.ID); err != nil {
					return it.step(OpFail, ev.ID, ""), err
				}
				return it.step(OpDelete, ev.ID, "one occurrence (期間 D～D): its own event"), nil
			}
		}
	}
	s, ok, err := e.seriesFor(ctx, v, it, true)
	if err != nil {
		return it.step(OpFail, "", ""), err
	}
	if !ok {
		return it.step(OpSkip, "", "no repeating appointment with this title, rule and time: already gone, or never synced"), nil
	}
	first, last, open := e.period(s)
	ps := n.PeriodStart
	switch {
	case oneDay(n) && (open || cmpDate(last, first) > 0):
		inst, ok, err := e.instanceOn(ctx, v, s, ps)
		if err != nil {
			return it.step(OpFail, s.ID, ""), err
		}
		if !ok {
			return it.step(OpSkip, s.ID, "the occurrence is already cancelled"), nil
		}
		if err := e.delete(ctx, v, inst.ID); err != nil {
			return it.step(OpFail, inst.ID, ""), err
		}
		return it.step(OpCancelOccurrence, inst.ID, "one occurrence of a repeating appointment (期間 D～D)"), nil
	case cmpDate(ps, first) > 0:
		ended, err := e.endSeries(ctx, v, s, ps)
		if err != nil {
			return it.step(OpFail, s.ID, ""), err
		}
		if !ended {
			return it.step(OpSkip, s.ID, "already applied (the series ends before "+ps.String()+")"), nil
		}
		return it.step(OpDelete, s.ID, "this and following occurrences: the series now ends before "+ps.String()), nil
	case e.cfg.SeriesDeleteAll:
		if err := e.delete(ctx, v, s.ID); err != nil {
			return it.step(OpFail, s.ID, ""), err
		}
		return it.step(OpDelete, s.ID, "the whole repeating appointment (series_delete: all)"), nil
	}
	// The whole period: this occurrence, this and following, or all look
	// the same (docs/garoon-mails.md §6, Delete). Keep the series and mark it.
	want := s
	want.Attention = AttentionAmbiguousDelete
	if !strings.HasPrefix(want.Summary, AttentionTitle) {
		want.Summary = garoon.Clip(AttentionTitle+want.Summary, maxSummary)
	}
	if !strings.HasPrefix(want.Description, AttentionTitle) {
		want.Description = garoon.Clip(attentionLine(n)+"\n"+want.Description, maxDescription)
	}
	want.Notice = it.id
	if s.Attention != "" && s.Notice == it.id {
		// Marked by this notice already (a rerun), and perhaps resolved
		// by a person since: not marked again.
		return it.step(OpSkip, s.ID, "already marked for attention"), nil
	}
	if _, err := e.patch(ctx, v, s, want); err != nil {
		return it.step(OpFail, s.ID, ""), err
	}
	return it.step(OpAttention, s.ID, "delete of a repeating appointment with its whole period: this occurrence, this and following, or all? "+
		"Kept and marked "+strings.TrimSpace(AttentionTitle)+"; check in Garoon and delete what was deleted (series_delete: all deletes the series instead)"), nil
}

// applyTentative applies a tentative appointment ([登録]/[変更] with
// candidates): one tentative event per candidate; on an edit, candidates
// no longer listed are removed.
func (e *Engine) applyTentative(ctx context.Context, v *view, it item) (Step, error) {
	n := it.notice
	cands, err := v.byKey(ctx, TitleKey(n.Title))
	if err != nil {
		return it.step(OpFail, "", ""), fmt.Errorf("look up events by title: %w", err)
	}
	var have []Event
	for _, ev := range cands {
		if ev.Tentative && len(ev.Recurrence) == 0 {
			have = append(have, ev)
		}
	}
	created, updated, deleted := 0, 0, 0
	kept := map[string]bool{}
	for i, c := range n.Candidates {
		want := eventFor(n, fmt.Sprintf("%sc%d", it.id, i), it.id)
		want.Start, want.End, want.AllDay, want.Recurrence, want.Tentative = c.Start, c.End, c.AllDay, nil, true
		want.Summary = garoon.Clip(TentativeTitle+want.Summary, maxSummary)
		if c.Facility != "" {
			want.Location = garoon.Clip(c.Facility, maxLocation)
		}
		i := slices.IndexFunc(have, func(ev Event) bool {
			return !kept[ev.ID] && ev.AllDay == c.AllDay && ev.Start.Equal(c.Start) && ev.End.Equal(c.End)
		})
		if i >= 0 {
			kept[have[i].ID] = true
			changed, err := e.patch(ctx, v, have[i], want)
			if err != nil {
				return it.step(OpFail, have[i].ID, ""), err
			}
			if changed {
				updated++
			}
			continue
		}
		ok, err := e.insert(ctx, v, want)
		if err != nil {
			return it.step(OpFail, want.ID, ""), err
		}
		if ok {
			created++
		}
		kept[want.ID] = true
	}
	if n.Kind != garoon.KindAdd {
		for _, ev := range have {
			if !kept[ev.ID] {
				if err := e.delete(ctx, v, ev.ID); err != nil {
					return it.step(OpFail, ev.ID, ""), err
				}
				deleted++
			}
		}
	}
	reason := fmt.Sprintf("tentative appointment, %d candidates: %d created, %d updated, %d removed", len(n.Candidates), created, updated, deleted)
	switch {
	case created > 0:
		return it.step(OpCreate, "", reason), nil
	case updated+deleted > 0:
		return it.step(OpUpdate, "", reason), nil
	}
	return it.step(OpSkip, "", "already applied ("+reason+")"), nil
}

// applyConfirm applies [確定]: the chosen candidate becomes a normal event,
// the other candidates' events are removed. The chosen one is found by its
// time among all events with the title, so a rerun after a crash finds it
// confirmed already and only finishes the removals.
func (e *Engine) applyConfirm(ctx context.Context, v *view, it item) (Step, error) {
	n := it.notice
	want := e.eventFor(n, "", it.id)
	cands, err := v.byKey(ctx, want.Key)
	if err != nil {
		return it.step(OpFail, "", ""), fmt.Errorf("look up events by title: %w", err)
	}
	var tentative, chosen []Event
	for _, ev := range cands {
		if len(ev.Recurrence) > 0 {
			continue
		}
		if ev.AllDay == n.AllDay && ev.Start.Equal(n.Start) && ev.End.Equal(n.End) {
			chosen = append(chosen, ev)
		} else if ev.Tentative {
			tentative = append(tentative, ev)
		}
	}
	if len(chosen) == 0 && len(tentative) == 0 {
		return e.applyEdit(ctx, v, it, want) // not a tentative appointment we know
	}
	changed := false
	var target Event
	if len(chosen) > 0 {
		// Prefer the tentative one; several: the newest.
		slices.SortFunc(chosen, func(a, b Event) int {
			return cmp.Or(boolCmp(b.Tentative, a.Tentative), b.Created.Compare(a.Created), cmp.Compare(a.ID, b.ID))
		})
		target = chosen[0]
		tentative = append(tentative, slices.DeleteFunc(chosen[1:], func(ev Event) bool { return !ev.Tentative })...)
		if changed, err = e.patch(ctx, v, target, want); err != nil {
			return it.step(OpFail, target.ID, ""), err
		}
	} else {
		want.ID = it.id
		target = want
		if changed, err = e.insert(ctx, v, want); err != nil {
			return it.step(OpFail, want.ID, ""), err
		}
	}
	for _, ev := range tentative {
		if err := e.delete(ctx, v, ev.ID); err != nil {
			return it.step(OpFail, ev.ID, ""), err
		}
		changed = true
	}
	if !changed {
		return it.step(OpSkip, target.ID, "already applied (the confirmed slot is a normal event)"), nil
	}
	return it.step(OpUpdate, target.ID, fmt.Sprintf("tentative appointment confirmed; %d other candidates removed", len(tentative))), nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// dayStart moves a time of 23:00 or later to the next day's start.
func dayStart(t time.Time) time.Time {
	if t.Hour() >= 23 {
		return t.Add(time.Hour)
	}
	return t
}
