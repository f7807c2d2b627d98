package fakecal

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// The OAuth client and refresh token a new Server accepts.
const (
	ClientID     = "fake-client-id.apps.googleusercontent.com"
	ClientSecret = "fake-client-secret"
	RefreshToken = "fake-refresh-token"
)

// Kinds of requests the Server counts.
const (
	KindToken  = "token"
	KindList   = "list"
	KindGet    = "get"
	KindInsert = "insert"
	KindUpdate = "update"
	KindPatch  = "patch"
	// KindInstances is events.instances, the occurrences of one
	// repeating event.
	KindInstances = "instances"
	KindDelete    = "delete"
)

// zone is the time zone of every fake calendar: all-day events span
// midnight to midnight in Tokyo.
var zone = time.FixedZone("JST", 9*60*60)

// Server is a fake of the Google Calendar API v3 events collection
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
type Server struct {
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
	calendars    map[string]map[string]*stored
	roles        map[string]string // access role by calendar; "owner" when absent
	lastCreated  time.Time
	idSeq        int
	requests     []Request
	faults       []failure // for the next requests, first first
	failAlways   *failure
	delay        time.Duration
	maxPage      int
}

type failure struct {
	status int
	reason string
}

// Request is one request the server received.
type Request struct {
	Kind   string // one of the Kind constants, "" for anything else
	Method string
	Path   string     // unescaped path
	Query  url.Values // sendUpdates, privateExtendedProperty, …
	Body   []byte     // the raw JSON body of an insert or update
	Status int        // the status code the server answered
}

// Event is an event as the fake stores it.
type Event struct {
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

// Start starts a Server on a loopback port with one empty
// calendar, "primary", accepting ClientID, ClientSecret and
// RefreshToken. Close it when done.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake calendar: %w", err)
	}
	s := &Server{
		URL:          "http://" + ln.Addr().String(),
		clientID:     ClientID,
		clientSecret: ClientSecret,
		refreshToken: RefreshToken,
		tokens:       map[string]string{},
		scope:        CalendarScope,
		calendars:    map[string]map[string]*stored{"primary": {}},
	}
	s.TokenURL = s.URL + "/token"
	s.Endpoint = s.URL + "/calendar/v3/"
	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.token)
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events", s.api(KindList, s.list))
	mux.HandleFunc("POST /calendar/v3/calendars/{cal}/events", s.api(KindInsert, s.insert))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events/{id}", s.api(KindGet, s.oneEvent(s.get)))
	mux.HandleFunc("PUT /calendar/v3/calendars/{cal}/events/{id}", s.api(KindUpdate, s.oneEvent(s.update)))
	mux.HandleFunc("PATCH /calendar/v3/calendars/{cal}/events/{id}", s.api(KindPatch, s.oneEvent(s.update)))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events/{id}/instances", s.api(KindInstances, s.instances))
	mux.HandleFunc("DELETE /calendar/v3/calendars/{cal}/events/{id}", s.api(KindDelete, s.oneEvent(s.delete)))
	mux.HandleFunc("/", s.api("", nil))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and drops its connections.
func (s *Server) Close() error { return s.srv.Close() }

// SetClient changes the OAuth client and refresh token the token endpoint
// accepts.
func (s *Server) SetClient(clientID, clientSecret, refreshToken string) {
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
func (s *Server) GrantScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scope = strings.Join(scopes, " ")
}

// TokenHasScope reports whether token is an access token the token endpoint
// issued, not expired, that carries scope: what a resource server (Gmail's
// IMAP, the Calendar API) checks.
func (s *Server) TokenHasScope(token, scope string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	granted, ok := s.tokens[token]
	return ok && slices.Contains(strings.Fields(granted), scope)
}

// InvalidGrant makes the token endpoint refuse the refresh token (revoked
// or expired), as Google does with invalid_grant.
func (s *Server) InvalidGrant(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidGrant = on
}

// ExpireTokens invalidates every access token issued so far: the API answers
// 401 until the client fetches a new one.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// FailNext makes the next n API requests (not token requests) fail with
// status, with Google's usual reason for it (rateLimitExceeded for 403 and
// 429, backendError for 5xx).
func (s *Server) FailNext(n, status int) { s.FailNextReason(n, status, "") }

// FailNextReason is FailNext with the error reason given, e.g. 403
// "forbidden" for a refusal that is not a rate limit.
func (s *Server) FailNextReason(n, status int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, failure{status, reason})
	}
}

// FailAlways makes every API request fail with status until FailAlways(0).
func (s *Server) FailAlways(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAlways = nil
	if status != 0 {
		s.failAlways = &failure{status: status}
	}
}

// Delay makes every API request wait d before it is handled (0: no delay).
// The wait ends early when the client goes away.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// MaxPageSize caps the page size of list answers below the client's
// maxResults (0: Google's cap, 2500), to exercise paging.
func (s *Server) MaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxPage = n
}

// SetAccessRole sets the account's role on a calendar ("owner", "writer",
// "reader", "freeBusyReader"; default "owner"). list answers report it, and
// on a calendar the account cannot write insert, update and delete answer
// 403 requiredAccessLevel, as Google does.
func (s *Server) SetAccessRole(calendarID, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.roles == nil {
		s.roles = map[string]string{}
	}
	s.roles[calendarID] = role
}

func (s *Server) role(calendarID string) string {
	if r := s.roles[calendarID]; r != "" {
		return r
	}
	return "owner"
}

// AddCalendar creates an empty calendar (a secondary calendar's id).
func (s *Server) AddCalendar(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calendars[id] == nil {
		s.calendars[id] = map[string]*stored{}
	}
}

// Seed stores an event given as API JSON, as an insert would, without a
// request: an event a person made, for instance.
func (s *Server) Seed(calendarID, eventJSON string) error {
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
func (s *Server) PatchAsPerson(calendarID, id, patchJSON string) error {
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
	merged, err := mergePatch(old.res, []byte(patchJSON))
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
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for calID, cal := range s.calendars {
		for _, ev := range cal {
			if ev.res.Status != "cancelled" && ev.res.RecurringEventID == "" {
				out = append(out, ev.public(calID, cal))
			}
		}
	}
	slices.SortFunc(out, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.CalendarID, b.CalendarID), startKey(a).Compare(startKey(b)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Occurrences is the calendar as a person sees it between from and to:
// single events and the instances of repeating events (exceptions applied),
// cancelled ones left out, by start and id. It is what events.list with
// singleEvents=true answers.
func (s *Server) Occurrences(calendarID string, from, to time.Time) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	cal := s.calendars[calendarID]
	var match []*stored
	for _, ev := range cal {
		switch {
		case ev.res.Status == "cancelled" || ev.res.RecurringEventID != "":
		case len(ev.res.Recurrence) > 0:
			for _, inst := range s.expand(cal, ev, false) {
				if inWindow(inst, from, to) {
					match = append(match, inst)
				}
			}
		case inWindow(ev, from, to):
			match = append(match, ev)
		}
	}
	slices.SortFunc(match, func(a, b *stored) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.res.ID, b.res.ID))
	})
	out := make([]Event, 0, len(match))
	for _, ev := range match {
		out = append(out, ev.public(calendarID, cal))
	}
	return out
}

func startKey(e Event) time.Time {
	t, _ := instant(&eventTime{Date: e.Start, DateTime: e.Start}, e.AllDay)
	return t
}

// Event returns one event, cancelled or not.
func (s *Server) Event(calendarID, id string) (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev, ok := s.calendars[calendarID][id]
	if !ok {
		return Event{}, false
	}
	return ev.public(calendarID, s.calendars[calendarID]), true
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Query = maps.Clone(r.Query)
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the requests received so far (and so the counts).
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Count is the number of requests of a kind (KindInsert, …),
// failed ones included.
func (s *Server) Count(kind string) int {
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
