package syncer

import (
	"context"
	"time"
)

// view is the calendar as this run sees it: what lookups returned, overlaid
// with what earlier notices of the same run changed. An add followed by an
// edit in one batch therefore finds the event the add made, in a dry run too,
// where nothing was written.
type view struct {
	cal     Calendar
	events  map[string]Event // by id; this run's version wins over the calendar's
	deleted map[string]bool
	keys    map[string]bool // keys already looked up
}

func newView(cal Calendar) *view {
	return &view{cal: cal, events: map[string]Event{}, deleted: map[string]bool{}, keys: map[string]bool{}}
}

func (v *view) merge(evs []Event) {
	for _, ev := range evs {
		if _, known := v.events[ev.ID]; !known && !v.deleted[ev.ID] {
			v.events[ev.ID] = ev
		}
	}
}

// byKey returns the live events with the title key, one calendar query per
// key and run.
func (v *view) byKey(ctx context.Context, key string) ([]Event, error) {
	if !v.keys[key] {
		evs, err := v.cal.FindByKey(ctx, key)
		if err != nil {
			return nil, err
		}
		v.merge(evs)
		v.keys[key] = true
	}
	return v.filter(func(ev Event) bool { return ev.Key == key }), nil
}

// bySlot returns the live events that start and end exactly at start/end.
func (v *view) bySlot(ctx context.Context, start, end time.Time, allDay bool) ([]Event, error) {
	evs, err := v.cal.FindBySlot(ctx, start, end, allDay)
	if err != nil {
		return nil, err
	}
	v.merge(evs)
	return v.filter(func(ev Event) bool {
		return ev.AllDay == allDay && ev.Start.Equal(start) && ev.End.Equal(end)
	}), nil
}

func (v *view) filter(keep func(Event) bool) []Event {
	var out []Event
	for _, ev := range v.events {
		if !v.deleted[ev.ID] && !ev.Cancelled && keep(ev) {
			out = append(out, ev)
		}
	}
	return out
}

func (v *view) put(ev Event) {
	v.events[ev.ID] = ev
	delete(v.deleted, ev.ID)
}

func (v *view) remove(id string) {
	delete(v.events, id)
	v.deleted[id] = true
}

// forget drops what the view knows of a key, so the next lookup asks the
// calendar again (after a write raced with another run).
func (v *view) forget(key string) {
	delete(v.keys, key)
}
