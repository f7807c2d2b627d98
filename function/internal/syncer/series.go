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

// seriesFor finds the series a repeating notice is about: by title among
// the series that hold day (the notice's period start), then the nearest;
// when no series has the title (it changed), the series with the same rule
// that has an occurrence on the day of the notice's first occurrence. The
// series this notice itself created (a "this and following" split, id =
// notice id) is never the one it is about.
func (e *Engine) seriesFor(ctx context.Context, v *view, it item) (Event, bool, error) {
	n := it.notice
	cands, err := v.byKey(ctx, TitleKey(n.Title))
	if err != nil {
		return Event{}, false, fmt.Errorf("look up events by title: %w", err)
	}
	var series, holding []Event
	for _, ev := range cands {
		if len(ev.Recurrence) > 0 && ev.ID != it.id {
			series = append(series, ev)
			if e.contains(ev, n.PeriodStart) {
				holding = append(holding, ev)
			}
		}
	}
	if len(holding) > 0 {
		return nearest(holding, n.Start), true, nil
	}
	if len(series) > 0 {
		return nearest(series, n.Start), true, nil
	}
	// The title changed: look at what repeats on the notice's first day.
	day := garoon.DateOf(n.Start.In(e.zone()))
	from := day.In(e.zone())
	occs, err := e.cal.Occurrences(ctx, from, from.AddDate(0, 0, 1))
	if err != nil {
		return Event{}, false, fmt.Errorf("look up occurrences on %s: %w", day, err)
	}
	want := ruleOf(n.Recurrence)
	var found []Event
	for _, o := range occs {
		if o.SeriesID == "" || o.SeriesID == it.id || v.deleted[o.SeriesID] {
			continue
		}
		s, err := e.cal.Get(ctx, o.SeriesID)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return Event{}, false, fmt.Errorf("look up series %s: %w", o.SeriesID, err)
		}
		if !s.Cancelled && ruleOf(s.Recurrence) == want && !slices.ContainsFunc(found, func(f Event) bool { return f.ID == s.ID }) {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		return Event{}, false, nil
	}
	return nearest(found, n.Start), true, nil
}

// applySeriesEdit applies an edit ([変更] or [登録]-less) of a repeating
// appointment: all, this only, or this and following, from its period.
func (e *Engine) applySeriesEdit(ctx context.Context, v *view, it item) (Step, error) {
	n := it.notice
	one := e.eventFor(n, "", it.id) // a one-day period: the event of that day
	want := eventFor(n, "", it.id)  // the series the notice describes
	s, ok, err := e.seriesFor(ctx, v, it)
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
		return e.update(ctx, v, it, s, want, "repeating appointment changed (all occurrences)")
	default:
		return e.split(ctx, v, it, s, want)
	}
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
	s, ok, err := e.seriesFor(ctx, v, it)
	if err != nil {
		return it.step(OpFail, "", ""), err
	}
	if !ok {
		return it.step(OpSkip, "", "no repeating appointment with this title: already gone"), nil
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
