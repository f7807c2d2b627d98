package fakecal

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// stored is one event (a series, a single event or an exception of a
// series): its resource as Google would return it.
type stored struct {
	res        resource
	raw        []byte
	start, end time.Time // instants, for timeMin/timeMax
}

type resource struct {
	Kind               string          `json:"kind,omitempty"`
	ID                 string          `json:"id,omitempty"`
	Status             string          `json:"status,omitempty"`
	Summary            string          `json:"summary,omitempty"`
	Description        string          `json:"description,omitempty"`
	Location           string          `json:"location,omitempty"`
	ColorID            string          `json:"colorId,omitempty"`
	Start              *eventTime      `json:"start,omitempty"`
	End                *eventTime      `json:"end,omitempty"`
	Recurrence         []string        `json:"recurrence,omitempty"`
	RecurringEventID   string          `json:"recurringEventId,omitempty"`
	OriginalStartTime  *eventTime      `json:"originalStartTime,omitempty"`
	ExtendedProperties *props          `json:"extendedProperties,omitempty"`
	Attendees          json.RawMessage `json:"attendees,omitempty"`
	Reminders          json.RawMessage `json:"reminders,omitempty"`
	Transparency       string          `json:"transparency,omitempty"`
	Created            string          `json:"created,omitempty"`
	Updated            string          `json:"updated,omitempty"`
}

type eventTime struct {
	Date     string `json:"date,omitempty"`
	DateTime string `json:"dateTime,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
}

type props struct {
	Private map[string]string `json:"private,omitempty"`
	Shared  map[string]string `json:"shared,omitempty"`
}

func (ev *stored) public(calID string, cal map[string]*stored) Event {
	r := ev.res
	out := Event{
		CalendarID:  calID,
		ID:          r.ID,
		Status:      r.Status,
		Summary:     r.Summary,
		Description: r.Description,
		Location:    r.Location,
		ColorID:     r.ColorID,
		Recurrence:  slices.Clone(r.Recurrence),
		Attendees:   slices.Clone(r.Attendees),
		Reminders:   slices.Clone(r.Reminders),
		Raw:         slices.Clone(ev.raw),
	}
	out.Created, _ = time.Parse(time.RFC3339, r.Created)
	if r.Start != nil {
		out.Start, out.AllDay, out.TimeZone = cmp.Or(r.Start.Date, r.Start.DateTime), r.Start.Date != "", r.Start.TimeZone
	}
	if r.End != nil {
		out.End = cmp.Or(r.End.Date, r.End.DateTime)
	}
	if r.ExtendedProperties != nil {
		out.Private = maps.Clone(r.ExtendedProperties.Private)
	}
	if r.RecurringEventID != "" {
		out.RecurringEventID = r.RecurringEventID
		_, out.OriginalStart, _ = cutLast(r.ID, "_")
	}
	for id, x := range cal {
		if x.res.RecurringEventID == r.ID && x.res.Status == "cancelled" {
			_, suffix, _ := cutLast(id, "_")
			out.CancelledOccurrences = append(out.CancelledOccurrences, suffix)
		}
	}
	slices.Sort(out.CancelledOccurrences)
	return out
}

// lookup returns the stored event with the id or, for the id of an instance
// of a live repeating event that has no exception yet, the instance as
// Google would show it (not stored). nil when there is no such event.
func (s *Server) lookup(cal map[string]*stored, id string) *stored {
	if ev, ok := cal[id]; ok {
		return ev
	}
	seriesID, suffix, ok := cutLast(id, "_")
	series := cal[seriesID]
	if !ok || series == nil || series.res.Status == "cancelled" || len(series.res.Recurrence) == 0 {
		return nil
	}
	for _, occ := range occurrencesOf(series) {
		if instanceSuffix(series, occ) == suffix {
			return instanceOf(series, occ)
		}
	}
	return nil
}

// zoneOf is the time zone a series expands in: its start's timeZone.
func zoneOf(ev *stored) *time.Location {
	if ev.res.Start != nil && ev.res.Start.TimeZone != "" {
		if loc, err := time.LoadLocation(ev.res.Start.TimeZone); err == nil {
			return loc
		}
	}
	return zone
}

// occurrencesOf is the original start of every occurrence of a series
// (bounded by its UNTIL or COUNT, or ten years), in its time zone.
func occurrencesOf(series *stored) []time.Time {
	rule, err := parseRecurrence(series.res.Recurrence)
	if err != nil {
		return nil // refused on write; a seeded oddity expands to nothing
	}
	return rule.occurrences(series.start.In(zoneOf(series)), 0, time.Time{}, time.Time{})
}

// instanceSuffix is Google's instance id suffix for an occurrence.
func instanceSuffix(series *stored, occ time.Time) string {
	if series.res.Start.Date != "" {
		return occ.Format("20060102")
	}
	return occ.UTC().Format("20060102T150405Z")
}

// instanceOf is the unmodified instance of a series at occ: the series'
// fields, its own times, no recurrence, recurringEventId and
// originalStartTime set.
func instanceOf(series *stored, occ time.Time) *stored {
	res := series.res
	res.ID = series.res.ID + "_" + instanceSuffix(series, occ)
	res.Recurrence = nil
	res.RecurringEventID = series.res.ID
	res.ExtendedProperties = cloneProps(series.res.ExtendedProperties)
	tz := series.res.Start.TimeZone
	dur := series.end.Sub(series.start)
	end := occ.Add(dur)
	if series.res.Start.Date != "" {
		days := int(dur.Round(time.Hour).Hours()+12) / 24
		end = occ.AddDate(0, 0, days)
		res.OriginalStartTime = &eventTime{Date: occ.Format("2006-01-02"), TimeZone: tz}
		res.Start = &eventTime{Date: occ.Format("2006-01-02"), TimeZone: tz}
		res.End = &eventTime{Date: end.Format("2006-01-02"), TimeZone: series.res.End.TimeZone}
	} else {
		res.OriginalStartTime = &eventTime{DateTime: occ.Format(time.RFC3339), TimeZone: tz}
		res.Start = &eventTime{DateTime: occ.Format(time.RFC3339), TimeZone: tz}
		res.End = &eventTime{DateTime: end.Format(time.RFC3339), TimeZone: series.res.End.TimeZone}
	}
	return &stored{res: res, start: occ, end: end}
}

func cloneProps(p *props) *props {
	if p == nil {
		return nil
	}
	return &props{Private: maps.Clone(p.Private), Shared: maps.Clone(p.Shared)}
}

// expand returns the instances of a series, exceptions applied (cancelled
// ones only when showDeleted), in order.
func (s *Server) expand(cal map[string]*stored, series *stored, showDeleted bool) []*stored {
	var out []*stored
	for _, occ := range occurrencesOf(series) {
		id := series.res.ID + "_" + instanceSuffix(series, occ)
		inst, ok := cal[id]
		if !ok {
			inst = instanceOf(series, occ)
		}
		if inst.res.Status == "cancelled" && !showDeleted {
			continue
		}
		out = append(out, inst)
	}
	return out
}

// inWindow applies timeMin (exclusive bound of the end) and timeMax
// (exclusive bound of the start) to one event or instance.
func inWindow(ev *stored, tmin, tmax time.Time) bool {
	return (tmax.IsZero() || ev.start.Before(tmax)) && (tmin.IsZero() || ev.end.After(tmin))
}

// mergePatch applies a PATCH body to the resource with Google's patch
// semantics (events.patch reference: "Field values that you specify replace
// the existing values. Fields that you don't specify in the request remain
// unchanged. Array fields, if specified, overwrite the existing arrays"):
// objects merge member by member (so a private extended property not named
// keeps its value), arrays and scalars replace, null removes.
func mergePatch(old resource, body []byte) ([]byte, error) {
	cur, err := json.Marshal(old)
	if err != nil {
		return nil, err
	}
	var dst, patch map[string]any
	if err := json.Unmarshal(cur, &dst); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, &patch); err != nil {
		return nil, err
	}
	return json.Marshal(merge(dst, patch))
}

func merge(dst, patch map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range patch {
		switch v := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			sub, _ := dst[k].(map[string]any)
			dst[k] = merge(sub, v)
		default:
			dst[k] = v
		}
	}
	return dst
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// Google's client-chosen ids: base32hex characters, 5 to 1024 of them.
var validID = regexp.MustCompile(`^[a-v0-9]+$`)

// decodeEvent reads and checks an event body the way Google does for the
// parts gcal uses. A non-zero status is an error to answer with msg.
func (s *Server) decodeEvent(body []byte, pathID string) (ev *stored, status int, msg string) {
	var res resource
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&res); err != nil {
		return nil, http.StatusBadRequest, "Parse Error"
	}
	switch {
	case pathID != "" && res.ID != "" && res.ID != pathID:
		return nil, http.StatusBadRequest, "The event id in the body does not match the URL."
	case pathID != "":
		res.ID = pathID
	case res.ID == "":
		s.idSeq++
		res.ID = fmt.Sprintf("fake%06d", s.idSeq)
	case len(res.ID) < 5 || len(res.ID) > 1024 || !validID.MatchString(res.ID):
		return nil, http.StatusBadRequest, "Invalid resource id value."
	}
	if res.Start == nil || res.End == nil {
		return nil, http.StatusBadRequest, "Missing start or end time."
	}
	if (res.Start.Date == "") == (res.Start.DateTime == "") || (res.End.Date == "") == (res.End.DateTime == "") ||
		(res.Start.Date == "") != (res.End.Date == "") {
		return nil, http.StatusBadRequest, "Start and end must both be dates or both be date-times."
	}
	if len(res.Recurrence) > 0 && res.Start.DateTime != "" && (res.Start.TimeZone == "" || res.End.TimeZone == "") {
		return nil, http.StatusBadRequest, "Missing time zone definition for start time."
	}
	if len(res.Recurrence) > 0 {
		if _, err := parseRecurrence(res.Recurrence); err != nil {
			return nil, http.StatusBadRequest, err.Error()
		}
	}
	start, err := instant(res.Start, res.Start.Date != "")
	if err != nil {
		return nil, http.StatusBadRequest, "Invalid start time."
	}
	end, err := instant(res.End, res.End.Date != "")
	if err != nil {
		return nil, http.StatusBadRequest, "Invalid end time."
	}
	if end.Before(start) || res.Start.Date != "" && !end.After(start) {
		return nil, http.StatusBadRequest, "The specified time range is empty."
	}
	if res.Status != "" && res.Status != "confirmed" && res.Status != "tentative" && res.Status != "cancelled" {
		return nil, http.StatusBadRequest, "Invalid status."
	}
	res.Kind = "calendar#event"
	return &stored{res: res, raw: slices.Clone(body), start: start, end: end}, 0, ""
}

func instant(t *eventTime, allDay bool) (time.Time, error) {
	if allDay {
		return time.ParseInLocation("2006-01-02", t.Date, zone)
	}
	if t.DateTime == "" {
		return time.Time{}, errors.New("no time")
	}
	return time.Parse(time.RFC3339, t.DateTime)
}

// created stamps a new event. Creation times strictly increase, so "the
// most recently created" is always well defined.
func (s *Server) created(ev *stored) {
	now := s.now()
	if !now.After(s.lastCreated) {
		now = s.lastCreated.Add(time.Millisecond)
	}
	s.lastCreated = now
	ev.res.Created = stamp(now)
	ev.res.Updated = ev.res.Created
	if ev.res.Status == "" {
		ev.res.Status = "confirmed"
	}
}

func (s *Server) now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// stamp is Google's timestamp format.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
