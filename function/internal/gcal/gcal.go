// Package gcal is the Google Calendar adapter: it implements syncer.Calendar
// over the Calendar API v3 with an OAuth refresh token.
//
// Events this tool writes carry private extended properties (garoonSync=1,
// garoonKey, garoonNotice), so finding "the event an edit refers to" is one
// indexed events.list query and never touches events a person created. Writes
// never notify anyone: every one is sent with sendUpdates=none and no event
// ever gets attendees.
package gcal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"garoon-calendar-sync/function/internal/garoon"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// Private extended property names. They are part of the data this tool
// leaves in people's calendars: renaming one orphans every event written
// before.
const (
	propSync   = "garoonSync" // "1" on every event this tool created
	propKey    = "garoonKey"  // syncer.Event.Key
	propNotice = "garoonNotice"
	// propAttention marks an event a person should look at
	// (syncer.Event.Attention); doctor lists them.
	propAttention = "garoonSyncAttention"
)

// sendUpdates is sent with every write: a sync tool must never e-mail the
// attendees of a Garoon appointment.
const sendUpdates = "none"

const (
	pageSize = 250
	maxPages = 40 // 10,000 events with one key or in one slot is a bug, not a calendar
)

// Config configures the adapter. ClientID, ClientSecret and RefreshToken are
// required; everything else has a default.
type Config struct {
	ClientID     string
	ClientSecret string
	RefreshToken string

	// CalendarID is the calendar to write to; default "primary".
	CalendarID string
	// TimeZone is the user's Garoon time zone, an IANA name (the secret's
	// garoon_time_zone); default Asia/Tokyo.
	TimeZone string
	// TokenURL is the OAuth token endpoint; default Google's.
	TokenURL string
	// Endpoint is the Calendar API base URL, e.g. "http://127.0.0.1:1234/calendar/v3/";
	// "" means Google's.
	Endpoint string
	// HTTPClient supplies the transport (and timeout) for both the token
	// endpoint and the API; default http.DefaultTransport.
	HTTPClient *http.Client

	Retry  Retry
	Logger *slog.Logger
}

// Retry bounds the retries of a call that failed with a rate limit, a server
// error or a network error.
type Retry struct {
	MaxAttempts int           // attempts in all, including the first; default 4
	BaseDelay   time.Duration // default 500ms; the n-th retry waits up to BaseDelay·2ⁿ⁻¹
	MaxDelay    time.Duration // cap of one wait; default 10s
}

// Calendar is the adapter. It is safe for concurrent use and is meant to be
// kept across runs: the access token is refreshed when it expires.
type Calendar struct {
	svc        *calendar.Service
	calendarID string
	zone       zone
	tokens     *tokenSource
	retry      Retry
	log        *slog.Logger
}

var _ syncer.Calendar = (*Calendar)(nil)

// New returns the adapter. It makes no request: a bad refresh token shows up
// on the first call, as an error wrapping syncer.ErrInvalidGrant.
func New(ctx context.Context, cfg Config) (*Calendar, error) {
	var missing []string
	if cfg.ClientID == "" {
		missing = append(missing, contract.KeyGoogleClientID)
	}
	if cfg.ClientSecret == "" {
		missing = append(missing, contract.KeyGoogleClientSecret)
	}
	if cfg.RefreshToken == "" {
		missing = append(missing, contract.KeyGoogleRefreshToken)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("calendar: missing %s", strings.Join(missing, ", "))
	}
	if cfg.CalendarID == "" {
		cfg.CalendarID = contract.DefaultCalendarID
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = google.Endpoint.TokenURL
	}
	z := tokyo
	if cfg.TimeZone != "" && cfg.TimeZone != contract.DefaultTimeZone {
		loc, err := time.LoadLocation(cfg.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("calendar: time zone: %w", err)
		}
		z = zone{cfg.TimeZone, loc}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &cfg.Retry
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 4
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = 500 * time.Millisecond
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = 10 * time.Second
	}
	if r.MaxDelay < r.BaseDelay {
		r.MaxDelay = r.BaseDelay
	}

	base := http.DefaultTransport
	var timeout time.Duration
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			base = cfg.HTTPClient.Transport
		}
		timeout = cfg.HTTPClient.Timeout
	}
	tokens := &tokenSource{
		conf: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     oauth2.Endpoint{TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:       []string{calendar.CalendarEventsScope},
		},
		client:  &http.Client{Transport: base, Timeout: timeout},
		refresh: cfg.RefreshToken,
	}
	hc := &http.Client{Transport: &authTransport{tokens: tokens, base: base}, Timeout: timeout}
	opts := []option.ClientOption{option.WithHTTPClient(hc), option.WithUserAgent("garoon-calendar-sync")}
	if cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(cfg.Endpoint))
	}
	svc, err := calendar.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("calendar: new service: %w", err)
	}
	return &Calendar{svc: svc, calendarID: cfg.CalendarID, zone: z, tokens: tokens, retry: cfg.Retry, log: cfg.Logger}, nil
}

// CheckToken gets an access token now, with the refresh token. An error
// wraps syncer.ErrInvalidGrant when Google refused the refresh token.
func (c *Calendar) CheckToken(ctx context.Context) error {
	return c.call(ctx, "token", func() error {
		_, err := c.tokens.token(ctx)
		return err
	})
}

// AccessRole is the Google account's role on the calendar: "owner",
// "writer", "reader" or "freeBusyReader"; the tool needs owner or writer.
// It reads the role from an events.list answer, so it needs no scope beyond
// the events one. A calendar that does not exist, or is not shared with the
// account, gives an error wrapping syncer.ErrNotFound.
func (c *Calendar) AccessRole(ctx context.Context) (string, error) {
	var res *calendar.Events
	err := c.call(ctx, "access role", func() (err error) {
		res, err = c.svc.Events.List(c.calendarID).MaxResults(1).
			PrivateExtendedProperty(propSync + "=1").Fields("accessRole").Context(ctx).Do()
		return err
	})
	if err != nil {
		if isGone(err) {
			err = notFound{err}
		}
		return "", fmt.Errorf("calendar %s: %w", c.calendarID, err)
	}
	return res.AccessRole, nil
}

// CanWrite reports whether an access role lets the tool write events.
func CanWrite(role string) bool { return role == "owner" || role == "writer" }

// Get returns the event, a cancelled one included, or an error wrapping
// syncer.ErrNotFound.
func (c *Calendar) Get(ctx context.Context, id string) (syncer.Event, error) {
	var got *calendar.Event
	err := c.call(ctx, "get", func() (err error) {
		got, err = c.svc.Events.Get(c.calendarID, id).Context(ctx).Do()
		return err
	})
	if err != nil {
		if isGone(err) {
			err = notFound{err}
		}
		return syncer.Event{}, fmt.Errorf("calendar: get event %s: %w", id, err)
	}
	ev, err := c.zone.fromAPI(got)
	if err != nil {
		return syncer.Event{}, fmt.Errorf("calendar: get event %s: %w", id, err)
	}
	return ev, nil
}

// FindByKey returns the live events (series, not instances) this tool created
// with the identity key.
func (c *Calendar) FindByKey(ctx context.Context, key string) ([]syncer.Event, error) {
	evs, err := c.list(ctx, "find by key", func(l *calendar.EventsListCall) *calendar.EventsListCall {
		return l.PrivateExtendedProperty(propKey+"="+key, propSync+"=1")
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: find events by key %s: %w", key, err)
	}
	return evs, nil
}

// FindBySlot returns the live events this tool created that start at start
// and end at end: the same instants for timed events, the same dates (in
// the user's zone) for all-day events.
func (c *Calendar) FindBySlot(ctx context.Context, start, end time.Time, allDay bool) ([]syncer.Event, error) {
	// The window only narrows the query; the exact comparison below decides.
	// It is widened so a zero-length event and an all-day event in a
	// calendar whose own time zone is not Tokyo still fall inside.
	pad := time.Second
	if allDay {
		pad = 24 * time.Hour
	}
	tmin, tmax := start.Add(-pad).Format(time.RFC3339), end.Add(pad).Format(time.RFC3339)
	evs, err := c.list(ctx, "find by slot", func(l *calendar.EventsListCall) *calendar.EventsListCall {
		return l.PrivateExtendedProperty(propSync + "=1").TimeMin(tmin).TimeMax(tmax)
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: find events from %s to %s: %w", start.Format(time.RFC3339), end.Format(time.RFC3339), err)
	}
	out := evs[:0]
	for _, ev := range evs {
		if ev.AllDay != allDay {
			continue
		}
		if allDay && c.zone.dateOf(ev.Start) == c.zone.dateOf(start) && c.zone.dateOf(ev.End) == c.zone.dateOf(end) ||
			!allDay && ev.Start.Equal(start) && ev.End.Equal(end) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// list runs events.list over all pages, series not expanded, cancelled
// events left out.
func (c *Calendar) list(ctx context.Context, what string, filter func(*calendar.EventsListCall) *calendar.EventsListCall) ([]syncer.Event, error) {
	return c.listAll(ctx, what, false, filter)
}

func (c *Calendar) listAll(ctx context.Context, what string, single bool, filter func(*calendar.EventsListCall) *calendar.EventsListCall) ([]syncer.Event, error) {
	var out []syncer.Event
	token := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("more than %d pages of results", maxPages)
		}
		var res *calendar.Events
		err := c.call(ctx, what, func() (err error) {
			l := c.svc.Events.List(c.calendarID).SingleEvents(single).ShowDeleted(false).MaxResults(pageSize)
			if token != "" {
				l = l.PageToken(token)
			}
			res, err = filter(l).Context(ctx).Do()
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, item := range res.Items {
			ev, err := c.zone.fromAPI(item)
			if err != nil {
				return nil, fmt.Errorf("event %s: %w", item.Id, err)
			}
			if !ev.Cancelled {
				out = append(out, ev)
			}
		}
		if token = res.NextPageToken; token == "" {
			return out, nil
		}
	}
}

// Insert creates the event with the caller's id. An id already taken, even
// by a deleted event, gives an error wrapping syncer.ErrExists; so does a
// retry after a first attempt that succeeded but whose answer was lost.
func (c *Calendar) Insert(ctx context.Context, ev syncer.Event) (syncer.Event, error) {
	body, err := c.zone.toAPI(ev)
	if err != nil {
		return syncer.Event{}, fmt.Errorf("calendar: insert event %s: %w", ev.ID, err)
	}
	var got *calendar.Event
	err = c.call(ctx, "insert", func() (err error) {
		got, err = c.svc.Events.Insert(c.calendarID, body).SendUpdates(sendUpdates).Context(ctx).Do()
		return err
	})
	if err != nil {
		if code(err) == http.StatusConflict {
			err = exists{err}
		}
		return syncer.Event{}, fmt.Errorf("calendar: insert event %s: %w", ev.ID, rejected(err))
	}
	return c.written(got, ev, "insert")
}

// Patch writes only the fields Garoon owns (events.patch: "fields that you
// don't specify in the request remain unchanged"; objects such as
// extendedProperties.private are merged key by key,
// https://developers.google.com/workspace/calendar/api/v3/reference/events/patch).
// A colour, reminders or a private property a person added survive. An
// instance id changes that one occurrence: Google stores it as an exception
// of the series (recurring events guide, "Modifying instances").
func (c *Calendar) Patch(ctx context.Context, ev syncer.Event) (syncer.Event, error) {
	body, err := c.zone.patchBody(ev)
	if err != nil {
		return syncer.Event{}, fmt.Errorf("calendar: patch event %s: %w", ev.ID, err)
	}
	var got *calendar.Event
	err = c.call(ctx, "patch", func() (err error) {
		got, err = c.svc.Events.Patch(c.calendarID, ev.ID, body).SendUpdates(sendUpdates).Context(ctx).Do()
		return err
	})
	if err != nil {
		if isGone(err) {
			err = notFound{err}
		}
		return syncer.Event{}, fmt.Errorf("calendar: patch event %s: %w", ev.ID, rejected(err))
	}
	return c.written(got, ev, "patch")
}

// Instance gets one occurrence of a repeating event by its instance id
// (InstanceID). A rule without that occurrence gives syncer.ErrNotFound.
func (c *Calendar) Instance(ctx context.Context, seriesID string, originalStart time.Time, allDay bool) (syncer.Event, error) {
	return c.Get(ctx, InstanceID(seriesID, originalStart.In(c.zone.loc), allDay))
}

// Instances lists the occurrences of the repeating event seriesID that
// start between from and to, cancelled ones included (events.instances
// with showDeleted), each with its original start: from originalStartTime,
// or from the instance id when Google sends a cancelled one bare.
func (c *Calendar) Instances(ctx context.Context, seriesID string, from, to time.Time) ([]syncer.Event, error) {
	var out []syncer.Event
	token := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("calendar: instances of %s: more than %d pages of results", seriesID, maxPages)
		}
		var res *calendar.Events
		err := c.call(ctx, "instances", func() (err error) {
			l := c.svc.Events.Instances(c.calendarID, seriesID).ShowDeleted(true).MaxResults(pageSize).
				TimeMin(from.Format(time.RFC3339)).TimeMax(to.Format(time.RFC3339))
			if token != "" {
				l = l.PageToken(token)
			}
			res, err = l.Context(ctx).Do()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("calendar: instances of %s: %w", seriesID, err)
		}
		for _, item := range res.Items {
			ev, err := c.zone.fromAPI(item)
			if err != nil {
				return nil, fmt.Errorf("calendar: instance %s: %w", item.Id, err)
			}
			if ev.SeriesID == "" {
				ev.SeriesID = seriesID
			}
			if ev.OriginalStart.IsZero() {
				ev.OriginalStart = c.zone.instanceStart(item.Id)
			}
			out = append(out, ev)
		}
		if token = res.NextPageToken; token == "" {
			return out, nil
		}
	}
}

// instanceStart reads an instance id's original start (InstanceID): a
// UTC time, or a date in the calendar's zone; zero when the id has none.
func (z zone) instanceStart(id string) time.Time {
	i := strings.LastIndexByte(id, '_')
	if i < 0 {
		return time.Time{}
	}
	if t, err := time.Parse("20060102T150405Z", id[i+1:]); err == nil {
		return t
	}
	if t, err := time.Parse("20060102", id[i+1:]); err == nil {
		return garoon.DateOf(t).In(z.loc)
	}
	return time.Time{}
}

// Occurrences lists this tool's events between from and to with the series
// expanded (events.list singleEvents=true), cancelled occurrences left out.
func (c *Calendar) Occurrences(ctx context.Context, from, to time.Time) ([]syncer.Event, error) {
	tmin, tmax := from.Format(time.RFC3339), to.Format(time.RFC3339)
	evs, err := c.listAll(ctx, "occurrences", true, func(l *calendar.EventsListCall) *calendar.EventsListCall {
		return l.PrivateExtendedProperty(propSync + "=1").TimeMin(tmin).TimeMax(tmax)
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: occurrences from %s to %s: %w", tmin, tmax, err)
	}
	return evs, nil
}

// FindAttention returns the events this tool marked for a person's look
// (an unscoped delete of a repeating appointment), for doctor.
func (c *Calendar) FindAttention(ctx context.Context) ([]syncer.Event, error) {
	evs, err := c.list(ctx, "find attention", func(l *calendar.EventsListCall) *calendar.EventsListCall {
		return l.PrivateExtendedProperty(propAttention+"="+syncer.AttentionAmbiguousDelete, propSync+"=1")
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: find events marked for attention: %w", err)
	}
	return evs, nil
}

// written maps the API's answer to a write back, keeping the caller's event
// if the answer cannot be read: the write itself succeeded.
func (c *Calendar) written(got *calendar.Event, sent syncer.Event, op string) (syncer.Event, error) {
	ev, err := c.zone.fromAPI(got)
	if err != nil {
		c.log.Warn("calendar: unreadable answer to a successful write", "op", op, "id", sent.ID, "error", err)
		return sent, nil
	}
	return ev, nil
}

// Delete deletes the event. An event already deleted or unknown is success.
func (c *Calendar) Delete(ctx context.Context, id string) error {
	return c.delete(ctx, "delete", id, fmt.Sprintf("delete event %s", id))
}

// CancelOccurrence cancels one occurrence of a repeating event by deleting
// the instance. Google names an instance after its series and its original
// start: <series>_<YYYYMMDDTHHMMSSZ> (UTC) for timed events,
// <series>_<YYYYMMDD> for all-day ones.
func (c *Calendar) CancelOccurrence(ctx context.Context, seriesID string, start time.Time, allDay bool) error {
	id := InstanceID(seriesID, start.In(c.zone.loc), allDay)
	return c.delete(ctx, "cancel occurrence", id, fmt.Sprintf("cancel occurrence %s of %s", id, seriesID))
}

// InstanceID is Google's id of the occurrence of a repeating event that
// originally starts at start: for an all-day event, the date start has in
// its own location (give it in the calendar's zone).
func InstanceID(seriesID string, start time.Time, allDay bool) string {
	if allDay {
		return seriesID + "_" + start.Format("20060102")
	}
	return seriesID + "_" + start.UTC().Format("20060102T150405Z")
}

func (c *Calendar) delete(ctx context.Context, op, id, what string) error {
	err := c.call(ctx, op, func() error {
		return c.svc.Events.Delete(c.calendarID, id).SendUpdates(sendUpdates).Context(ctx).Do()
	})
	if err != nil && !isGone(err) {
		return fmt.Errorf("calendar: %s: %w", what, err)
	}
	return nil
}

// code is the HTTP status of an API error, 0 for other errors.
func code(err error) int {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		return gerr.Code
	}
	return 0
}

// isGone reports a 404 or 410: the event never existed or was deleted.
func isGone(err error) bool {
	c := code(err)
	return c == http.StatusNotFound || c == http.StatusGone
}

// rejected marks a 400: the calendar refuses this event for good.
func rejected(err error) error {
	if code(err) == http.StatusBadRequest {
		return rejectedErr{err}
	}
	return err
}

// notFound, exists and rejectedErr keep the API error inspectable
// (errors.As *googleapi.Error) while matching the syncer's sentinel errors.
type notFound struct{ error }

func (e notFound) Unwrap() []error { return []error{syncer.ErrNotFound, e.error} }

type exists struct{ error }

func (e exists) Unwrap() []error { return []error{syncer.ErrExists, e.error} }

type rejectedErr struct{ error }

func (e rejectedErr) Unwrap() []error { return []error{syncer.ErrRejected, e.error} }
