package fakecal

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// record appends a request and returns its index.
func (s *Server) record(r *http.Request, kind string, body []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Kind: kind, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body,
	})
	return len(s.requests) - 1
}

func (s *Server) answered(i, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[i].Status = status
}

// token is the OAuth token endpoint (refresh_token grant only).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	i := s.record(r, KindToken, nil)
	status := s.tokenAnswer(w, r)
	s.answered(i, status)
}

func (s *Server) tokenAnswer(w http.ResponseWriter, r *http.Request) int {
	oauthError := func(status int, code, desc string) int {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
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
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at,
		"expires_in":   3599,
		"scope":        s.scope,
		"token_type":   "Bearer",
	})
	return http.StatusOK
}

// A handler answers one API request on the calendar of its path, which
// exists and which the account may use with the request's method; s.mu is
// held. It returns the status it answered.
type handler func(w http.ResponseWriter, r *http.Request, cal map[string]*stored, body []byte) int

// api wraps a handler with what every API request goes through, in this
// order: recording, the delay, an injected failure, the Bearer token check,
// the calendar's existence and the account's access to it. A nil handler
// answers that there is no such endpoint.
func (s *Server) api(kind string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		}
		if kind != KindInsert && kind != KindUpdate && kind != KindPatch {
			body = nil
		}
		i := s.record(r, kind, body)
		s.answered(i, s.serve(w, r, h, body))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, h handler, body []byte) int {
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
	var fault *failure
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
			reason = defaultReason(fault.status)
		}
		return apiError(w, fault.status, reason, "fake calendar: injected failure")
	}
	if !authorized {
		return apiError(w, http.StatusUnauthorized, "authError", "Request had invalid authentication credentials.")
	}
	if h == nil {
		return apiError(w, http.StatusNotFound, "notFound", "fake calendar: no such endpoint: "+r.Method+" "+r.URL.Path)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cal, status := s.calendar(w, r)
	if cal == nil {
		return status
	}
	return h(w, r, cal, body)
}

// oneEvent makes a handler of a request on one event or instance, the
// {id} of the path: it answers 404 when there is no such event.
func (s *Server) oneEvent(h func(w http.ResponseWriter, r *http.Request, cal map[string]*stored, ev *stored, body []byte) int) handler {
	return func(w http.ResponseWriter, r *http.Request, cal map[string]*stored, body []byte) int {
		ev := s.lookup(cal, r.PathValue("id"))
		if ev == nil {
			return apiError(w, http.StatusNotFound, "notFound", "Not Found")
		}
		return h(w, r, cal, ev, body)
	}
}

func defaultReason(status int) string {
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusForbidden:
		return "rateLimitExceeded"
	case status >= 500:
		return "backendError"
	}
	return "failed"
}

// apiError writes Google's JSON error envelope.
func apiError(w http.ResponseWriter, status int, reason, msg string) int {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":    status,
		"message": msg,
		"errors":  []map[string]string{{"domain": "global", "reason": reason, "message": msg}},
	}})
	return status
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// calendar returns the calendar of the request, or answers 404.
func (s *Server) calendar(w http.ResponseWriter, r *http.Request) (map[string]*stored, int) {
	cal := s.calendars[r.PathValue("cal")]
	if cal == nil {
		return nil, apiError(w, http.StatusNotFound, "notFound", "Not Found")
	}
	if r.Method != http.MethodGet {
		if role := s.role(r.PathValue("cal")); role != "owner" && role != "writer" {
			return nil, apiError(w, http.StatusForbidden, "requiredAccessLevel", "You need to have writer access to this calendar.")
		}
	}
	return cal, 0
}

// listQuery is what events.list reads from its query string.
type listQuery struct {
	single, showDeleted bool
	tmin, tmax          time.Time
	want                map[string]string // private extended properties, ANDed
	size, offset        int
}

// parseListQuery reads an events.list query; a non-empty msg is the
// error to answer (400) with reason.
func parseListQuery(q url.Values) (lq listQuery, reason, msg string) {
	lq = listQuery{single: q.Get("singleEvents") == "true", showDeleted: q.Get("showDeleted") == "true", size: 250, want: map[string]string{}}
	var ok bool
	if lq.tmin, lq.tmax, ok = window(q); !ok {
		return lq, "badRequest", "Bad Request: timeMin/timeMax"
	}
	for _, p := range q["privateExtendedProperty"] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return lq, "invalid", "Invalid privateExtendedProperty"
		}
		if old, dup := lq.want[k]; dup && old != v {
			lq.want[k] = "\x00never" // two values for one key: nothing matches
			continue
		}
		lq.want[k] = v
	}
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return lq, "invalid", "Invalid maxResults"
		}
		lq.size = min(n, 2500)
	}
	if v := q.Get("pageToken"); v != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v, "o"))
		if err != nil || !strings.HasPrefix(v, "o") || n < 0 {
			return lq, "invalid", "Invalid pageToken"
		}
		lq.offset = n
	}
	return lq, "", ""
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, cal map[string]*stored, _ []byte) int {
	lq, reason, msg := parseListQuery(r.URL.Query())
	if msg != "" {
		return apiError(w, http.StatusBadRequest, reason, msg)
	}
	if s.maxPage > 0 {
		lq.size = min(lq.size, s.maxPage)
	}
	match := s.listMatches(cal, lq)
	items := []resource{}
	for _, ev := range match[min(lq.offset, len(match)):min(lq.offset+lq.size, len(match))] {
		items = append(items, ev.res)
	}
	res := map[string]any{"kind": "calendar#events", "summary": r.PathValue("cal"), "timeZone": "Asia/Tokyo",
		"accessRole": s.role(r.PathValue("cal")), "items": items}
	if lq.offset+lq.size < len(match) {
		res["nextPageToken"] = "o" + strconv.Itoa(lq.offset+lq.size)
	}
	writeJSON(w, http.StatusOK, res)
	return http.StatusOK
}

// listMatches is every event or instance of cal the query selects, by
// start and id.
func (s *Server) listMatches(cal map[string]*stored, lq listQuery) []*stored {
	var match []*stored
	for _, ev := range cal {
		if lq.single && (ev.res.RecurringEventID != "" || len(ev.res.Recurrence) > 0) {
			// Exceptions come in through their series' expansion.
			if len(ev.res.Recurrence) > 0 && ev.res.Status != "cancelled" && ev.res.RecurringEventID == "" {
				for _, inst := range s.expand(cal, ev, lq.showDeleted) {
					if inWindow(inst, lq.tmin, lq.tmax) && propsMatch(inst.res.ExtendedProperties, lq.want) {
						match = append(match, inst)
					}
				}
			}
			continue
		}
		if ev.res.Status == "cancelled" && !lq.showDeleted {
			continue
		}
		if !lq.tmax.IsZero() && !ev.start.Before(lq.tmax) {
			continue
		}
		if !lq.tmin.IsZero() && len(ev.res.Recurrence) == 0 && !ev.end.After(lq.tmin) {
			continue
		}
		if !propsMatch(ev.res.ExtendedProperties, lq.want) {
			continue
		}
		match = append(match, ev)
	}
	slices.SortFunc(match, func(a, b *stored) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.res.ID, b.res.ID))
	})
	return match
}

func propsMatch(p *props, want map[string]string) bool {
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

func (s *Server) get(w http.ResponseWriter, _ *http.Request, _ map[string]*stored, ev *stored, _ []byte) int {
	writeJSON(w, http.StatusOK, ev.res)
	return http.StatusOK
}

// instances is events.instances: the occurrences of one repeating event,
// filtered by timeMin/timeMax like list.
func (s *Server) instances(w http.ResponseWriter, r *http.Request, cal map[string]*stored, _ []byte) int {
	q := r.URL.Query()
	tmin, tmax, ok := window(q)
	if !ok {
		return apiError(w, http.StatusBadRequest, "badRequest", "Bad Request: timeMin/timeMax")
	}
	series, ok := cal[r.PathValue("id")]
	if !ok || series.res.RecurringEventID != "" {
		return apiError(w, http.StatusNotFound, "notFound", "Not Found")
	}
	if series.res.Status == "cancelled" {
		return apiError(w, http.StatusGone, "deleted", "Resource has been deleted")
	}
	items := []resource{}
	if len(series.res.Recurrence) > 0 {
		for _, inst := range s.expand(cal, series, q.Get("showDeleted") == "true") {
			if inWindow(inst, tmin, tmax) {
				items = append(items, inst.res)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "calendar#events", "timeZone": "Asia/Tokyo",
		"accessRole": s.role(r.PathValue("cal")), "items": items})
	return http.StatusOK
}

func window(q url.Values) (tmin, tmax time.Time, ok bool) {
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

func (s *Server) insert(w http.ResponseWriter, _ *http.Request, cal map[string]*stored, body []byte) int {
	ev, status, msg := s.decodeEvent(body, "")
	if status != 0 {
		return apiError(w, status, "invalid", msg)
	}
	if _, taken := cal[ev.res.ID]; taken {
		return apiError(w, http.StatusConflict, "duplicate", "The requested identifier already exists.")
	}
	s.created(ev)
	cal[ev.res.ID] = ev
	writeJSON(w, http.StatusOK, ev.res)
	return http.StatusOK
}

// update is events.update (PUT, a full replace) and events.patch (PATCH).
// A write to an instance that has no exception yet creates one.
func (s *Server) update(w http.ResponseWriter, r *http.Request, cal map[string]*stored, old *stored, body []byte) int {
	id := r.PathValue("id")
	if r.Method == http.MethodPatch {
		merged, err := mergePatch(old.res, body)
		if err != nil {
			return apiError(w, http.StatusBadRequest, "parseError", "Parse Error")
		}
		body = merged
	}
	ev, status, msg := s.decodeEvent(body, id)
	if status != 0 {
		return apiError(w, status, "invalid", msg)
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
	ev.res.Updated = stamp(s.now())
	cal[id] = ev
	writeJSON(w, http.StatusOK, ev.res)
	return http.StatusOK
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, cal map[string]*stored, ev *stored, _ []byte) int {
	id := r.PathValue("id")
	if ev.res.Status == "cancelled" {
		return apiError(w, http.StatusGone, "deleted", "Resource has been deleted")
	}
	ev.res.Status = "cancelled"
	ev.res.Updated = stamp(s.now())
	cal[id] = ev // an instance becomes a cancelled exception
	w.WriteHeader(http.StatusNoContent)
	return http.StatusNoContent
}
