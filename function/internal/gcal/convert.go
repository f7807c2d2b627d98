package gcal

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/api/calendar/v3"

	"garoon-calendar-sync/function/internal/garoon"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

const dateLayout = "2006-01-02"

// zone is the user's Garoon time zone (the secret's garoon_time_zone):
// all-day dates are days in it, and every event is written with its name as
// timeZone, so that Google expands a repeat rule in it ("the time zone in
// which the time is specified … used for the recurrence expansion",
// events resource, start.timeZone). A weekly Tuesday 17:00 in Los Angeles
// is a Wednesday in Tokyo.
type zone struct {
	name string
	loc  *time.Location
}

// tokyo is the default (the secret's garoon_time_zone unset).
var tokyo = zone{contract.DefaultTimeZone, garoon.JST}

func (z zone) dateOf(t time.Time) string { return t.In(z.loc).Format(dateLayout) }

// toAPI is the event as sent to Google. It never has attendees (Garoon's
// attendees are in the description), reminders are left to the calendar's
// default, and the time zone is set so that a recurrence rule expands in
// the user's zone.
func (z zone) toAPI(ev syncer.Event) (*calendar.Event, error) {
	if ev.Start.IsZero() || ev.End.IsZero() {
		return nil, errors.New("event has no start or end")
	}
	props := map[string]string{propSync: "1"}
	if ev.Key != "" {
		props[propKey] = ev.Key
	}
	if ev.Notice != "" {
		props[propNotice] = ev.Notice
	}
	if ev.Attention != "" {
		props[propAttention] = ev.Attention
	}
	out := &calendar.Event{
		Id:                 ev.ID,
		Summary:            ev.Summary,
		Description:        ev.Description,
		Location:           ev.Location,
		Recurrence:         ev.Recurrence,
		ExtendedProperties: &calendar.EventExtendedProperties{Private: props},
		Status:             "confirmed",
	}
	if ev.Tentative {
		out.Status = "tentative"
	}
	if ev.AllDay {
		out.Start = &calendar.EventDateTime{Date: z.dateOf(ev.Start), TimeZone: z.name}
		out.End = &calendar.EventDateTime{Date: z.dateOf(ev.End), TimeZone: z.name}
	} else {
		out.Start = &calendar.EventDateTime{DateTime: ev.Start.In(z.loc).Format(time.RFC3339), TimeZone: z.name}
		out.End = &calendar.EventDateTime{DateTime: ev.End.In(z.loc).Format(time.RFC3339), TimeZone: z.name}
	}
	return out, nil
}

// patchBody is the events.patch body: the fields Garoon owns, nothing else.
// Empty strings are sent (ForceSendFields) so that a location or memo
// removed in Garoon is removed in Google too. The private properties are
// merged by Google key by key, so a property a person added stays; the
// attention mark is cleared by writing it empty. An occurrence gets no
// recurrence (Google refuses one on an instance).
func (z zone) patchBody(ev syncer.Event) (*calendar.Event, error) {
	out, err := z.toAPI(ev)
	if err != nil {
		return nil, err
	}
	out.Id = ""
	out.ForceSendFields = []string{"Summary", "Description", "Location"}
	if ev.Attention == "" {
		out.ExtendedProperties.Private[propAttention] = ""
	}
	if ev.SeriesID != "" {
		out.Recurrence = nil
	}
	// Start and end are objects, which a patch merges: the other field is
	// sent as null, so turning a timed event into an all-day one (or back)
	// leaves no stale value.
	other := "Date"
	if ev.AllDay {
		other = "DateTime"
	}
	out.Start.NullFields, out.End.NullFields = []string{other}, []string{other}
	return out, nil
}

// fromAPI is the event as Google returns it. A cancelled event may come with
// no times at all; its times are then zero.
func (z zone) fromAPI(e *calendar.Event) (syncer.Event, error) {
	if e == nil {
		return syncer.Event{}, errors.New("empty answer")
	}
	ev := syncer.Event{
		ID:          e.Id,
		Summary:     e.Summary,
		Description: e.Description,
		Location:    e.Location,
		Recurrence:  e.Recurrence,
		Cancelled:   e.Status == "cancelled",
		Tentative:   e.Status == "tentative",
		SeriesID:    e.RecurringEventId,
	}
	if e.ExtendedProperties != nil {
		ev.Key = e.ExtendedProperties.Private[propKey]
		ev.Notice = e.ExtendedProperties.Private[propNotice]
		ev.Attention = e.ExtendedProperties.Private[propAttention]
	}
	if e.OriginalStartTime != nil {
		var err error
		if ev.OriginalStart, _, err = z.parseWhen(e.OriginalStartTime); err != nil {
			return syncer.Event{}, fmt.Errorf("originalStartTime: %w", err)
		}
	}
	var err error
	var startAllDay, endAllDay bool
	if ev.Start, startAllDay, err = z.parseWhen(e.Start); err != nil {
		return syncer.Event{}, fmt.Errorf("start: %w", err)
	}
	if ev.End, endAllDay, err = z.parseWhen(e.End); err != nil {
		return syncer.Event{}, fmt.Errorf("end: %w", err)
	}
	if e.Start != nil && e.End != nil && startAllDay != endAllDay {
		return syncer.Event{}, errors.New("start and end are not both dates or both date-times")
	}
	ev.AllDay = startAllDay
	if e.Created != "" {
		if ev.Created, err = time.Parse(time.RFC3339, e.Created); err != nil {
			return syncer.Event{}, fmt.Errorf("created: %w", err)
		}
	}
	return ev, nil
}

// parseWhen reads a date-time (an instant) or a date (midnight in the
// user's zone).
func (z zone) parseWhen(d *calendar.EventDateTime) (t time.Time, allDay bool, err error) {
	switch {
	case d == nil:
		return time.Time{}, false, nil
	case d.DateTime != "":
		t, err = time.Parse(time.RFC3339, d.DateTime)
		return t.In(z.loc), false, err
	case d.Date != "":
		t, err = time.ParseInLocation(dateLayout, d.Date, time.UTC)
		if err == nil {
			// The day's first instant in the zone (01:00 where the clocks
			// skip midnight), as the parser makes all-day times.
			t = garoon.DateOf(t).In(z.loc)
		}
		return t, true, err
	}
	return time.Time{}, false, nil
}
