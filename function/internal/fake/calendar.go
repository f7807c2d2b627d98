// Package fake holds protocol-level fakes of the services the sync talks to
// (Gmail IMAP, the Google Calendar API with its OAuth token endpoint, AWS
// Secrets Manager). They listen on 127.0.0.1, so the real adapters run
// against them unchanged: the adapters' tests use them, and so does
// `garoon-sync demo`, which is why nothing here imports "testing".
package fake

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The OAuth client and refresh token a new CalendarServer accepts.
const (
	CalendarClientID     = "fake-client-id.apps.googleusercontent.com"
	CalendarClientSecret = "fake-client-secret"
	CalendarRefreshToken = "fake-refresh-token"
)

// Kinds of requests the CalendarServer counts.
const (
	CalendarKindToken  = "token"
	CalendarKindList   = "list"
	CalendarKindGet    = "get"
	CalendarKindInsert = "insert"
	CalendarKindUpdate = "update"
	CalendarKindPatch  = "patch"
	// CalendarKindInstances is events.instances, the occurrences of one
	// repeating event.
	CalendarKindInstances = "instances"
	CalendarKindDelete    = "delete"
)

// calZone is the time zone of every fake calendar: all-day events span
// midnight to midnight in Tokyo.
var calZone = time.FixedZone("JST", 9*60*60)

// CalendarServer is a fake of the Google Calendar API v3 events collection
// and of Google's OAuth token endpoint, enough for internal/gcal:
//
//   - POST /token: grant_type=refresh_token with the configured client and
//     refresh token; answers invalid_client or invalid_grant otherwise.
//   - /calendar/v3/calendars/{calendarId}/events: list (private extended
//     property filters ANDed, timeMin/timeMax overlap, showDeleted, paging),
//     insert (client-chosen ids, 409 on a taken id, cancelled included), get
//     (cancelled events too), update (PUT), patch (PATCH: fields absent from
//     the body are kept, objects such as extendedProperties.private are
//     merged key by key, arrays replaced, null clears), delete (soft: the
//     event becomes cancelled; 410 when already deleted, 404 when unknown).
//   - Repeating events as Google models them (recurring events guide,
//     https://developers.google.com/workspace/calendar/api/guides/recurringevents,
//     and events.instances): an occurrence is an instance whose id is
//     <series>_<YYYYMMDDTHHMMSSZ> (original start in UTC) or
//     <series>_<YYYYMMDD> (all-day), with recurringEventId and
//     originalStartTime. get, update, patch and delete accept an instance
//     id; a write turns the instance into an exception stored beside the
//     series (a delete: an exception with status cancelled). list with
//     singleEvents=true and GET .../events/{id}/instances expand the series'
//     RRULE (see recur.go for the rules modelled) with the exceptions applied.
//     With singleEvents=false, list returns series and exceptions as stored;
//     a series counts for timeMin/timeMax as lasting from its first start on.
//
// Every API request needs a Bearer token the token endpoint issued. Only
// "primary" exists until AddCalendar.
//
// It records every request and can fail, delay or refuse on demand. It is
// safe for concurrent use.
type CalendarServer struct {
	URL      string // base URL, http://127.0.0.1:port
	TokenURL string // URL + "/token"
	Endpoint string // URL + "/calendar/v3/", the Calendar API base URL

	srv *http.Server

	mu           sync.Mutex
	clientID     string
	clientSecret string
	refreshToken string
	invalidGrant bool
	tokens       map[string]string // access tokens issued and not expired → their scope
	scope        string            // the scopes of the consent, space-separated
	tokenSeq     int
	calendars    map[string]map[string]*calStored
	roles        map[string]string // access role by calendar; "owner" when absent
	lastCreated  time.Time
	idSeq        int
	requests     []CalendarRequest
	faults       []calFault // for the next requests, first first
	failAlways   *calFault
	delay        time.Duration
	maxPage      int
}

type calFault struct {
	status int
	reason string
}

// CalendarRequest is one request the server received.
type CalendarRequest struct {
	Kind   string // one of the CalendarKind constants, "" for anything else
	Method string
	Path   string     // unescaped path
	Query  url.Values // sendUpdates, privateExtendedProperty, …
	Body   []byte     // the raw JSON body of an insert or update
	Status int        // the status code the server answered
}

// CalendarEvent is an event as the fake stores it.
type CalendarEvent struct {
	CalendarID  string
	ID          string
	Status      string // "confirmed" or "cancelled"
	Summary     string
	Description string
	Location    string
	// Start and End are "2006-01-02" dates for all-day events, RFC 3339
	// date-times otherwise, as received.
	Start      string
	End        string
	AllDay     bool
	TimeZone   string // the start's timeZone
	Recurrence []string
	Private    map[string]string // private extended properties
	ColorID    string
	// RecurringEventID and OriginalStart are set on an instance of a
	// repeating event: the series id and the instance id suffix.
	RecurringEventID string
	OriginalStart    string
	// CancelledOccurrences are the instance id suffixes (20240507 or
	// 20240507T010000Z) of the occurrences deleted one by one, sorted.
	CancelledOccurrences []string
	// Attendees and Reminders are the raw JSON of those fields, nil when
	// absent.
	Attendees json.RawMessage
	Reminders json.RawMessage
	Created   time.Time
	Raw       []byte // the body of the last insert or update
}

// calStored is one event (a series, a single event or an exception of a
// series): its resource as Google would return it.
type calStored struct {
	res        calResource
	raw        []byte
	start, end time.Time // instants, for timeMin/timeMax
}

type calResource struct {
	Kind               string          `json:"kind,omitempty"`
	ID                 string          `json:"id,omitempty"`
	Status             string          `json:"status,omitempty"`
	Summary            string          `json:"summary,omitempty"`
	Description        string          `json:"description,omitempty"`
	Location           string          `json:"location,omitempty"`
	ColorID            string          `json:"colorId,omitempty"`
	Start              *calTime        `json:"start,omitempty"`
	End                *calTime        `json:"end,omitempty"`
	Recurrence         []string        `json:"recurrence,omitempty"`
	RecurringEventID   string          `json:"recurringEventId,omitempty"`
	OriginalStartTime  *calTime        `json:"originalStartTime,omitempty"`
	ExtendedProperties *calProps       `json:"extendedProperties,omitempty"`
	Attendees          json.RawMessage `json:"attendees,omitempty"`
	Reminders          json.RawMessage `json:"reminders,omitempty"`
	Transparency       string          `json:"transparency,omitempty"`
	Created            string          `json:"created,omitempty"`
	Updated            string          `json:"updated,omitempty"`
}

type calTime struct {
	Date     string `json:"date,omitempty"`
	DateTime string `json:"dateTime,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
}

type calProps struct {
	Private map[string]string `json:"private,omitempty"`
	Shared  map[string]string `json:"shared,omitempty"`
}

// StartCalendar starts a CalendarServer on a loopback port with one empty
// calendar, "primary", accepting CalendarClientID, CalendarClientSecret and
// CalendarRefreshToken. Close it when done.
func StartCalendar() (*CalendarServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake calendar: %w", err)
	}
	s := &CalendarServer{
		URL:          "http://" + ln.Addr().String(),
		clientID:     CalendarClientID,
		clientSecret: CalendarClientSecret,
		refreshToken: CalendarRefreshToken,
		tokens:       map[string]string{},
		scope:        CalendarScope,
		calendars:    map[string]map[string]*calStored{"primary": {}},
	}
	s.TokenURL = s.URL + "/token"
	s.Endpoint = s.URL + "/calendar/v3/"
	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.token)
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events", s.api(CalendarKindList, s.list))
	mux.HandleFunc("POST /calendar/v3/calendars/{cal}/events", s.api(CalendarKindInsert, s.insert))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events/{id}", s.api(CalendarKindGet, s.get))
	mux.HandleFunc("PUT /calendar/v3/calendars/{cal}/events/{id}", s.api(CalendarKindUpdate, s.update))
	mux.HandleFunc("PATCH /calendar/v3/calendars/{cal}/events/{id}", s.api(CalendarKindPatch, s.update))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events/{id}/instances", s.api(CalendarKindInstances, s.instances))
	mux.HandleFunc("DELETE /calendar/v3/calendars/{cal}/events/{id}", s.api(CalendarKindDelete, s.delete))
	mux.HandleFunc("/", s.api("", func(w http.ResponseWriter, r *http.Request, _ []byte) int {
		return calAPIError(w, http.StatusNotFound, "notFound", "fake calendar: no such endpoint: "+r.Method+" "+r.URL.Path)
	}))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and drops its connections.
func (s *CalendarServer) Close() error { return s.srv.Close() }

// SetClient changes the OAuth client and refresh token the token endpoint
// accepts.
func (s *CalendarServer) SetClient(clientID, clientSecret, refreshToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientID, s.clientSecret, s.refreshToken = clientID, clientSecret, refreshToken
}

// Scopes of Google's consent, as the token endpoint reports them in its
// answer's "scope" field.
const (
	CalendarScope = "https://www.googleapis.com/auth/calendar.events"
	GmailScope    = "https://mail.google.com/"
)

// GrantScopes sets the scopes the refresh token's consent granted (default
// CalendarScope alone): the token endpoint reports them in each answer's
// "scope" field and the access tokens it issues from now on carry them.
func (s *CalendarServer) GrantScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scope = strings.Join(scopes, " ")
}

// TokenHasScope reports whether token is an access token the token endpoint
// issued, not expired, that carries scope: what a resource server (Gmail's
// IMAP, the Calendar API) checks.
func (s *CalendarServer) TokenHasScope(token, scope string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	granted, ok := s.tokens[token]
	return ok && slices.Contains(strings.Fields(granted), scope)
}

// InvalidGrant makes the token endpoint refuse the refresh token (revoked
// or expired), as Google does with invalid_grant.
func (s *CalendarServer) InvalidGrant(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidGrant = on
}

// ExpireTokens invalidates every access token issued so far: the API answers
// 401 until the client fetches a new one.
func (s *CalendarServer) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// FailNext makes the next n API requests (not token requests) fail with
// status, with Google's usual reason for it (rateLimitExceeded for 403 and
// 429, backendError for 5xx).
func (s *CalendarServer) FailNext(n, status int) { s.FailNextReason(n, status, "") }

// FailNextReason is FailNext with the error reason given, e.g. 403
// "forbidden" for a refusal that is not a rate limit.
func (s *CalendarServer) FailNextReason(n, status int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, calFault{status, reason})
	}
}

// FailAlways makes every API request fail with status until FailAlways(0).
func (s *CalendarServer) FailAlways(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAlways = nil
	if status != 0 {
		s.failAlways = &calFault{status: status}
	}
}

// Delay makes every API request wait d before it is handled (0: no delay).
// The wait ends early when the client goes away.
func (s *CalendarServer) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// MaxPageSize caps the page size of list answers below the client's
// maxResults (0: Google's cap, 2500), to exercise paging.
func (s *CalendarServer) MaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxPage = n
}

// SetAccessRole sets the account's role on a calendar ("owner", "writer",
// "reader", "freeBusyReader"; default "owner"). list answers report it, and
// on a calendar the account cannot write insert, update and delete answer
// 403 requiredAccessLevel, as Google does.
func (s *CalendarServer) SetAccessRole(calendarID, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roles == nil {
		s.roles = map[string]string{}
	}
	s.roles[calendarID] = role
}

func (s *CalendarServer) role(calendarID string) string {
	if r := s.roles[calendarID]; r != "" {
		return r
	}
	return "owner"
}

// AddCalendar creates an empty calendar (a secondary calendar's id).
func (s *CalendarServer) AddCalendar(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calendars[id] == nil {
		s.calendars[id] = map[string]*calStored{}
	}
}

// Seed stores an event given as API JSON, as an insert would, without a
// request: an event a person made, for instance.
func (s *CalendarServer) Seed(calendarID, eventJSON string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal := s.calendars[calendarID]
	if cal == nil {
		return fmt.Errorf("fake calendar: no calendar %q", calendarID)
	}
	ev, status, msg := s.decodeEvent([]byte(eventJSON), "")
	if status != 0 {
		return fmt.Errorf("fake calendar: seed: %s", msg)
	}
	if _, taken := cal[ev.res.ID]; taken {
		return fmt.Errorf("fake calendar: seed: id %s taken", ev.res.ID)
	}
	s.created(ev)
	cal[ev.res.ID] = ev
	return nil
}

// PatchAsPerson changes an event (or an occurrence, by instance id) the
// way a person does in Google Calendar's UI, with a events.patch body: a
// colour, reminders, a note of their own.
func (s *CalendarServer) PatchAsPerson(calendarID, id, patchJSON string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal := s.calendars[calendarID]
	if cal == nil {
		return fmt.Errorf("fake calendar: no calendar %q", calendarID)
	}
	old := s.lookup(cal, id)
	if old == nil {
		return fmt.Errorf("fake calendar: no event %q", id)
	}
	merged, err := calMergePatch(old.res, []byte(patchJSON))
	if err != nil {
		return fmt.Errorf("fake calendar: patch: %w", err)
	}
	ev, status, msg := s.decodeEvent(merged, id)
	if status != 0 {
		return fmt.Errorf("fake calendar: patch: %s", msg)
	}
	ev.res.Created, ev.res.Status = old.res.Created, old.res.Status
	if old.res.RecurringEventID != "" {
		ev.res.RecurringEventID, ev.res.OriginalStartTime, ev.res.Recurrence = old.res.RecurringEventID, old.res.OriginalStartTime, nil
	}
	cal[id] = ev
	return nil
}

// Events returns the live (not cancelled) events of every calendar, by
// calendar, start and id.
func (s *CalendarServer) Events() []CalendarEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CalendarEvent
	for calID, cal := range s.calendars {
		for _, ev := range cal {
			if ev.res.Status != "cancelled" && ev.res.RecurringEventID == "" {
				out = append(out, ev.public(calID, cal))
			}
		}
	}
	slices.SortFunc(out, func(a, b CalendarEvent) int {
		return cmp.Or(cmp.Compare(a.CalendarID, b.CalendarID), calStartKey(a).Compare(calStartKey(b)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Occurrences is the calendar as a person sees it between from and to:
// single events and the instances of repeating events (exceptions applied),
// cancelled ones left out, by start and id. It is what events.list with
// singleEvents=true answers.
func (s *CalendarServer) Occurrences(calendarID string, from, to time.Time) []CalendarEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal := s.calendars[calendarID]
	var match []*calStored
	for _, ev := range cal {
		switch {
		case ev.res.Status == "cancelled" || ev.res.RecurringEventID != "":
		case len(ev.res.Recurrence) > 0:
			for _, inst := range s.expand(cal, ev, false) {
				if calInWindow(inst, from, to) {
					match = append(match, inst)
				}
			}
		case calInWindow(ev, from, to):
			match = append(match, ev)
		}
	}
	slices.SortFunc(match, func(a, b *calStored) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.res.ID, b.res.ID))
	})
	out := make([]CalendarEvent, 0, len(match))
	for _, ev := range match {
		out = append(out, ev.public(calendarID, cal))
	}
	return out
}

func calStartKey(e CalendarEvent) time.Time {
	t, _ := calInstant(&calTime{Date: e.Start, DateTime: e.Start}, e.AllDay)
	return t
}

// Event returns one event, cancelled or not.
func (s *CalendarServer) Event(calendarID, id string) (CalendarEvent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev, ok := s.calendars[calendarID][id]
	if !ok {
		return CalendarEvent{}, false
	}
	return ev.public(calendarID, s.calendars[calendarID]), true
}

// Requests returns the requests received so far, oldest first.
func (s *CalendarServer) Requests() []CalendarRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CalendarRequest, len(s.requests))
	for i, r := range s.requests {
		r.Query = maps.Clone(r.Query)
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the requests received so far (and so the counts).
func (s *CalendarServer) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Count is the number of requests of a kind (CalendarKindInsert, …),
// failed ones included.
func (s *CalendarServer) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Kind == kind {
			n++
		}
	}
	return n
}

func (ev *calStored) public(calID string, cal map[string]*calStored) CalendarEvent {
	r := ev.res
	out := CalendarEvent{
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
		_, out.OriginalStart, _ = calCutLast(r.ID, "_")
	}
	for id, x := range cal {
		if x.res.RecurringEventID == r.ID && x.res.Status == "cancelled" {
			_, suffix, _ := calCutLast(id, "_")
			out.CancelledOccurrences = append(out.CancelledOccurrences, suffix)
		}
	}
	slices.Sort(out.CancelledOccurrences)
	return out
}

// record appends a request and returns its index.
func (s *CalendarServer) record(r *http.Request, kind string, body []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, CalendarRequest{
		Kind: kind, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body,
	})
	return len(s.requests) - 1
}

func (s *CalendarServer) answered(i, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[i].Status = status
}

// token is the OAuth token endpoint (refresh_token grant only).
func (s *CalendarServer) token(w http.ResponseWriter, r *http.Request) {
	i := s.record(r, CalendarKindToken, nil)
	status := s.tokenAnswer(w, r)
	s.answered(i, status)
}

func (s *CalendarServer) tokenAnswer(w http.ResponseWriter, r *http.Request) int {
	oauthError := func(status int, code, desc string) int {
		calWriteJSON(w, status, map[string]string{"error": code, "error_description": desc})
		return status
	}
	if r.Method != http.MethodPost {
		return oauthError(http.StatusMethodNotAllowed, "invalid_request", "POST only")
	}
	if err := r.ParseForm(); err != nil {
		return oauthError(http.StatusBadRequest, "invalid_request", "bad form")
	}
	if g := r.PostForm.Get("grant_type"); g != "refresh_token" {
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+g)
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.clientID || secret != s.clientSecret {
		return oauthError(http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
	}
	if s.invalidGrant || r.PostForm.Get("refresh_token") != s.refreshToken {
		return oauthError(http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
	}
	s.tokenSeq++
	at := "at-" + strconv.Itoa(s.tokenSeq)
	s.tokens[at] = s.scope
	calWriteJSON(w, http.StatusOK, map[string]any{
		"access_token": at,
		"expires_in":   3599,
		"scope":        s.scope,
		"token_type":   "Bearer",
	})
	return http.StatusOK
}

type calHandler func(w http.ResponseWriter, r *http.Request, body []byte) int

// api wraps an API handler with recording, delays, injected faults and the
// Bearer token check.
func (s *CalendarServer) api(kind string, h calHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		}
		if kind != CalendarKindInsert && kind != CalendarKindUpdate && kind != CalendarKindPatch {
			body = nil
		}
		i := s.record(r, kind, body)
		s.answered(i, s.serve(w, r, h, body))
	}
}

func (s *CalendarServer) serve(w http.ResponseWriter, r *http.Request, h calHandler, body []byte) int {
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return 499 // the client went away; nothing is written
		case <-t.C:
		}
	}
	s.mu.Lock()
	var fault *calFault
	switch {
	case len(s.faults) > 0:
		fault = &s.faults[0]
		s.faults = s.faults[1:]
	case s.failAlways != nil:
		fault = s.failAlways
	}
	_, authorized := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	s.mu.Unlock()
	if fault != nil {
		reason := fault.reason
		if reason == "" {
			reason = calDefaultReason(fault.status)
		}
		return calAPIError(w, fault.status, reason, "fake calendar: injected failure")
	}
	if !authorized {
		return calAPIError(w, http.StatusUnauthorized, "authError", "Request had invalid authentication credentials.")
	}
	return h(w, r, body)
}

func calDefaultReason(status int) string {
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusForbidden:
		return "rateLimitExceeded"
	case status >= 500:
		return "backendError"
	}
	return "failed"
}

// calAPIError writes Google's JSON error envelope.
func calAPIError(w http.ResponseWriter, status int, reason, msg string) int {
	calWriteJSON(w, status, map[string]any{"error": map[string]any{
		"code":    status,
		"message": msg,
		"errors":  []map[string]string{{"domain": "global", "reason": reason, "message": msg}},
	}})
	return status
}

func calWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// calendar returns the calendar of the request, or answers 404.
func (s *CalendarServer) calendar(w http.ResponseWriter, r *http.Request) (map[string]*calStored, int) {
	cal := s.calendars[r.PathValue("cal")]
	if cal == nil {
		return nil, calAPIError(w, http.StatusNotFound, "notFound", "Not Found")
	}
	if r.Method != http.MethodGet {
		if role := s.role(r.PathValue("cal")); role != "owner" && role != "writer" {
			return nil, calAPIError(w, http.StatusForbidden, "requiredAccessLevel", "You need to have writer access to this calendar.")
		}
	}
	return cal, 0
}

func (s *CalendarServer) list(w http.ResponseWriter, r *http.Request, _ []byte) int {
	q := r.URL.Query()
	single := q.Get("singleEvents") == "true"
	tmin, tmax, ok := calWindow(q)
	if !ok {
		return calAPIError(w, http.StatusBadRequest, "badRequest", "Bad Request: timeMin/timeMax")
	}
	want := map[string]string{}
	for _, p := range q["privateExtendedProperty"] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return calAPIError(w, http.StatusBadRequest, "invalid", "Invalid privateExtendedProperty")
		}
		if old, dup := want[k]; dup && old != v {
			want[k] = "\x00never" // two values for one key: nothing matches
			continue
		}
		want[k] = v
	}
	showDeleted := q.Get("showDeleted") == "true"
	size := 250
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return calAPIError(w, http.StatusBadRequest, "invalid", "Invalid maxResults")
		}
		size = min(n, 2500)
	}
	offset := 0
	if v := q.Get("pageToken"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "o"))
		if err != nil || !strings.HasPrefix(v, "o") || n < 0 {
			return calAPIError(w, http.StatusBadRequest, "invalid", "Invalid pageToken")
		}
		offset = n
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.maxPage > 0 {
		size = min(size, s.maxPage)
	}
	cal, status := s.calendar(w, r)
	if cal == nil {
		return status
	}
	var match []*calStored
	for _, ev := range cal {
		if single && (ev.res.RecurringEventID != "" || len(ev.res.Recurrence) > 0) {
			// Exceptions come in through their series' expansion.
			if len(ev.res.Recurrence) > 0 && ev.res.Status != "cancelled" && ev.res.RecurringEventID == "" {
				for _, inst := range s.expand(cal, ev, showDeleted) {
					if calInWindow(inst, tmin, tmax) && calPropsMatch(inst.res.ExtendedProperties, want) {
						match = append(match, inst)
					}
				}
			}
			continue
		}
		if ev.res.Status == "cancelled" && !showDeleted {
			continue
		}
		if !tmax.IsZero() && !ev.start.Before(tmax) {
			continue
		}
		if !tmin.IsZero() && len(ev.res.Recurrence) == 0 && !ev.end.After(tmin) {
			continue
		}
		if !calPropsMatch(ev.res.ExtendedProperties, want) {
			continue
		}
		match = append(match, ev)
	}
	slices.SortFunc(match, func(a, b *calStored) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.res.ID, b.res.ID))
	})
	items := []calResource{}
	for _, ev := range match[min(offset, len(match)):min(offset+size, len(match))] {
		items = append(items, ev.res)
	}
	res := map[string]any{"kind": "calendar#events", "summary": r.PathValue("cal"), "timeZone": "Asia/Tokyo",
		"accessRole": s.role(r.PathValue("cal")), "items": items}
	if offset+size < len(match) {
		res["nextPageToken"] = "o" + strconv.Itoa(offset+size)
	}
	calWriteJSON(w, http.StatusOK, res)
	return http.StatusOK
}

func calPropsMatch(p *calProps, want map[string]string) bool {
	for k, v := range want {
		if p == nil {
			return false
		}
		if got, ok := p.Private[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func (s *CalendarServer) get(w http.ResponseWriter, r *http.Request, _ []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal, status := s.calendar(w, r)
	if cal == nil {
		return status
	}
	ev := s.lookup(cal, r.PathValue("id"))
	if ev == nil {
		return calAPIError(w, http.StatusNotFound, "notFound", "Not Found")
	}
	calWriteJSON(w, http.StatusOK, ev.res)
	return http.StatusOK
}

// lookup returns the stored event with the id or, for the id of an instance
// of a live repeating event that has no exception yet, the instance as
// Google would show it (not stored). nil when there is no such event.
func (s *CalendarServer) lookup(cal map[string]*calStored, id string) *calStored {
	if ev, ok := cal[id]; ok {
		return ev
	}
	seriesID, suffix, ok := calCutLast(id, "_")
	series := cal[seriesID]
	if !ok || series == nil || series.res.Status == "cancelled" || len(series.res.Recurrence) == 0 {
		return nil
	}
	for _, occ := range calOccurrences(series) {
		if calSuffix(series, occ) == suffix {
			return calInstanceOf(series, occ)
		}
	}
	return nil
}

// calZoneOf is the time zone a series expands in: its start's timeZone.
func calZoneOf(ev *calStored) *time.Location {
	if ev.res.Start != nil && ev.res.Start.TimeZone != "" {
		if loc, err := time.LoadLocation(ev.res.Start.TimeZone); err == nil {
			return loc
		}
	}
	return calZone
}

// calOccurrences is the original start of every occurrence of a series
// (bounded by its UNTIL or COUNT, or ten years), in its time zone.
func calOccurrences(series *calStored) []time.Time {
	rule, err := calParseRecurrence(series.res.Recurrence)
	if err != nil {
		return nil // refused on write; a seeded oddity expands to nothing
	}
	return rule.occurrences(series.start.In(calZoneOf(series)), 0, time.Time{}, time.Time{})
}

// calSuffix is Google's instance id suffix for an occurrence.
func calSuffix(series *calStored, occ time.Time) string {
	if series.res.Start.Date != "" {
		return occ.Format("20060102")
	}
	return occ.UTC().Format("20060102T150405Z")
}

// calInstanceOf is the unmodified instance of a series at occ: the series'
// fields, its own times, no recurrence, recurringEventId and
// originalStartTime set.
func calInstanceOf(series *calStored, occ time.Time) *calStored {
	res := series.res
	res.ID = series.res.ID + "_" + calSuffix(series, occ)
	res.Recurrence = nil
	res.RecurringEventID = series.res.ID
	res.ExtendedProperties = calCloneProps(series.res.ExtendedProperties)
	tz := series.res.Start.TimeZone
	dur := series.end.Sub(series.start)
	end := occ.Add(dur)
	if series.res.Start.Date != "" {
		days := int(dur.Round(time.Hour).Hours()+12) / 24
		end = occ.AddDate(0, 0, days)
		res.OriginalStartTime = &calTime{Date: occ.Format("2006-01-02"), TimeZone: tz}
		res.Start = &calTime{Date: occ.Format("2006-01-02"), TimeZone: tz}
		res.End = &calTime{Date: end.Format("2006-01-02"), TimeZone: series.res.End.TimeZone}
	} else {
		res.OriginalStartTime = &calTime{DateTime: occ.Format(time.RFC3339), TimeZone: tz}
		res.Start = &calTime{DateTime: occ.Format(time.RFC3339), TimeZone: tz}
		res.End = &calTime{DateTime: end.Format(time.RFC3339), TimeZone: series.res.End.TimeZone}
	}
	return &calStored{res: res, start: occ, end: end}
}

func calCloneProps(p *calProps) *calProps {
	if p == nil {
		return nil
	}
	return &calProps{Private: maps.Clone(p.Private), Shared: maps.Clone(p.Shared)}
}

// expand returns the instances of a series, exceptions applied (cancelled
// ones only when showDeleted), in order.
func (s *CalendarServer) expand(cal map[string]*calStored, series *calStored, showDeleted bool) []*calStored {
	var out []*calStored
	for _, occ := range calOccurrences(series) {
		id := series.res.ID + "_" + calSuffix(series, occ)
		inst, ok := cal[id]
		if !ok {
			inst = calInstanceOf(series, occ)
		}
		if inst.res.Status == "cancelled" && !showDeleted {
			continue
		}
		out = append(out, inst)
	}
	return out
}

// instances is events.instances: the occurrences of one repeating event,
// filtered by timeMin/timeMax like list.
func (s *CalendarServer) instances(w http.ResponseWriter, r *http.Request, _ []byte) int {
	q := r.URL.Query()
	tmin, tmax, ok := calWindow(q)
	if !ok {
		return calAPIError(w, http.StatusBadRequest, "badRequest", "Bad Request: timeMin/timeMax")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cal, status := s.calendar(w, r)
	if cal == nil {
		return status
	}
	series, ok := cal[r.PathValue("id")]
	if !ok || series.res.RecurringEventID != "" {
		return calAPIError(w, http.StatusNotFound, "notFound", "Not Found")
	}
	if series.res.Status == "cancelled" {
		return calAPIError(w, http.StatusGone, "deleted", "Resource has been deleted")
	}
	items := []calResource{}
	if len(series.res.Recurrence) > 0 {
		for _, inst := range s.expand(cal, series, q.Get("showDeleted") == "true") {
			if calInWindow(inst, tmin, tmax) {
				items = append(items, inst.res)
			}
		}
	}
	calWriteJSON(w, http.StatusOK, map[string]any{"kind": "calendar#events", "timeZone": "Asia/Tokyo",
		"accessRole": s.role(r.PathValue("cal")), "items": items})
	return http.StatusOK
}

func calWindow(q url.Values) (tmin, tmax time.Time, ok bool) {
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"timeMin", &tmin}, {"timeMax", &tmax}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return tmin, tmax, false
			}
			*p.dst = t
		}
	}
	return tmin, tmax, true
}

// calInWindow applies timeMin (exclusive bound of the end) and timeMax
// (exclusive bound of the start) to one event or instance.
func calInWindow(ev *calStored, tmin, tmax time.Time) bool {
	return (tmax.IsZero() || ev.start.Before(tmax)) && (tmin.IsZero() || ev.end.After(tmin))
}

func (s *CalendarServer) insert(w http.ResponseWriter, r *http.Request, body []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal, status := s.calendar(w, r)
	if cal == nil {
		return status
	}
	ev, status, msg := s.decodeEvent(body, "")
	if status != 0 {
		return calAPIError(w, status, "invalid", msg)
	}
	if _, taken := cal[ev.res.ID]; taken {
		return calAPIError(w, http.StatusConflict, "duplicate", "The requested identifier already exists.")
	}
	s.created(ev)
	cal[ev.res.ID] = ev
	calWriteJSON(w, http.StatusOK, ev.res)
	return http.StatusOK
}

// update is events.update (PUT, a full replace) and events.patch (PATCH).
// A write to an instance that has no exception yet creates one.
func (s *CalendarServer) update(w http.ResponseWriter, r *http.Request, body []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal, status := s.calendar(w, r)
	if cal == nil {
		return status
	}
	id := r.PathValue("id")
	old := s.lookup(cal, id)
	if old == nil {
		return calAPIError(w, http.StatusNotFound, "notFound", "Not Found")
	}
	if r.Method == http.MethodPatch {
		merged, err := calMergePatch(old.res, body)
		if err != nil {
			return calAPIError(w, http.StatusBadRequest, "parseError", "Parse Error")
		}
		body = merged
	}
	ev, status, msg := s.decodeEvent(body, id)
	if status != 0 {
		return calAPIError(w, status, "invalid", msg)
	}
	if ev.res.Status == "" {
		// A full replace without a status leaves a deleted event
		// deleted; "confirmed" restores it.
		ev.res.Status = old.res.Status
	}
	if old.res.RecurringEventID != "" {
		// An instance stays an instance of its series.
		ev.res.RecurringEventID, ev.res.OriginalStartTime, ev.res.Recurrence = old.res.RecurringEventID, old.res.OriginalStartTime, nil
	}
	ev.res.Created = old.res.Created
	ev.res.Updated = calStamp(s.now())
	cal[id] = ev
	calWriteJSON(w, http.StatusOK, ev.res)
	return http.StatusOK
}

// calMergePatch applies a PATCH body to the resource with Google's patch
// semantics (events.patch reference: "Field values that you specify replace
// the existing values. Fields that you don't specify in the request remain
// unchanged. Array fields, if specified, overwrite the existing arrays"):
// objects merge member by member (so a private extended property not named
// keeps its value), arrays and scalars replace, null removes.
func calMergePatch(old calResource, body []byte) ([]byte, error) {
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
	return json.Marshal(calMerge(dst, patch))
}

func calMerge(dst, patch map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range patch {
		switch v := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			sub, _ := dst[k].(map[string]any)
			dst[k] = calMerge(sub, v)
		default:
			dst[k] = v
		}
	}
	return dst
}

func (s *CalendarServer) delete(w http.ResponseWriter, r *http.Request, _ []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal, status := s.calendar(w, r)
	if cal == nil {
		return status
	}
	id := r.PathValue("id")
	ev := s.lookup(cal, id)
	if ev == nil {
		return calAPIError(w, http.StatusNotFound, "notFound", "Not Found")
	}
	if ev.res.Status == "cancelled" {
		return calAPIError(w, http.StatusGone, "deleted", "Resource has been deleted")
	}
	ev.res.Status = "cancelled"
	ev.res.Updated = calStamp(s.now())
	cal[id] = ev // an instance becomes a cancelled exception
	w.WriteHeader(http.StatusNoContent)
	return http.StatusNoContent
}

func calCutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// Google's client-chosen ids: base32hex characters, 5 to 1024 of them.
var calValidID = regexp.MustCompile(`^[a-v0-9]+$`)

// decodeEvent reads and checks an event body the way Google does for the
// parts gcal uses. A non-zero status is an error to answer with msg.
func (s *CalendarServer) decodeEvent(body []byte, pathID string) (ev *calStored, status int, msg string) {
	var res calResource
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
	case len(res.ID) < 5 || len(res.ID) > 1024 || !calValidID.MatchString(res.ID):
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
		if _, err := calParseRecurrence(res.Recurrence); err != nil {
			return nil, http.StatusBadRequest, err.Error()
		}
	}
	start, err := calInstant(res.Start, res.Start.Date != "")
	if err != nil {
		return nil, http.StatusBadRequest, "Invalid start time."
	}
	end, err := calInstant(res.End, res.End.Date != "")
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
	return &calStored{res: res, raw: slices.Clone(body), start: start, end: end}, 0, ""
}

func calInstant(t *calTime, allDay bool) (time.Time, error) {
	if allDay {
		return time.ParseInLocation("2006-01-02", t.Date, calZone)
	}
	if t.DateTime == "" {
		return time.Time{}, errors.New("no time")
	}
	return time.Parse(time.RFC3339, t.DateTime)
}

// created stamps a new event. Creation times strictly increase, so "the
// most recently created" is always well defined.
func (s *CalendarServer) created(ev *calStored) {
	now := s.now()
	if !now.After(s.lastCreated) {
		now = s.lastCreated.Add(time.Millisecond)
	}
	s.lastCreated = now
	ev.res.Created = calStamp(now)
	ev.res.Updated = ev.res.Created
	if ev.res.Status == "" {
		ev.res.Status = "confirmed"
	}
}

func (s *CalendarServer) now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// calStamp is Google's timestamp format.
func calStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
