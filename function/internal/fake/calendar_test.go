package fake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"garoon-calendar-sync/function/internal/fake"
)

// The gcal tests drive this fake through the real client; these check the
// protocol details they do not reach, with plain HTTP.

type calendarClient struct {
	t     *testing.T
	srv   *fake.CalendarServer
	token string
}

func newCalendarClient(t *testing.T) *calendarClient {
	t.Helper()
	srv, err := fake.StartCalendar()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c := &calendarClient{t: t, srv: srv}
	status, body := c.tokenRequest(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {fake.CalendarRefreshToken},
		"client_id": {fake.CalendarClientID}, "client_secret": {fake.CalendarClientSecret},
	})
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token answer %s: %v", body, err)
	}
	c.token = tok.AccessToken
	return c
}

func (c *calendarClient) tokenRequest(form url.Values) (int, []byte) {
	c.t.Helper()
	resp, err := http.PostForm(c.srv.TokenURL, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func (c *calendarClient) do(method, path, body string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.Endpoint+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *calendarClient) listIDs(query string) (ids []string, next string) {
	c.t.Helper()
	status, body := c.do("GET", "calendars/primary/events?"+query, "")
	if status != http.StatusOK {
		c.t.Fatalf("list %s: %d %s", query, status, body)
	}
	var res struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		NextPageToken string `json:"nextPageToken"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		c.t.Fatal(err)
	}
	for _, it := range res.Items {
		ids = append(ids, it.ID)
	}
	return ids, res.NextPageToken
}

func TestCalendarTokenEndpoint(t *testing.T) {
	c := newCalendarClient(t)
	for _, tt := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fake.CalendarRefreshToken}, "client_id": {fake.CalendarClientID}, "client_secret": {"x"}}, 401, "invalid_client"},
		{"wrong refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {fake.CalendarClientID}, "client_secret": {fake.CalendarClientSecret}}, 400, "invalid_grant"},
		{"other grant", url.Values{"grant_type": {"authorization_code"}}, 400, "unsupported_grant_type"},
	} {
		status, body := c.tokenRequest(tt.form)
		if status != tt.status || !strings.Contains(string(body), `"error":"`+tt.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, body, tt.status, tt.code)
		}
	}
}

func TestCalendarNeedsBearer(t *testing.T) {
	c := newCalendarClient(t)
	c.token = "at-forged"
	if status, _ := c.do("GET", "calendars/primary/events", ""); status != http.StatusUnauthorized {
		t.Errorf("forged token: %d, want 401", status)
	}
}

func TestCalendarInsertChecks(t *testing.T) {
	c := newCalendarClient(t)
	const timed = `"start":{"dateTime":"2024-05-01T10:00:00+09:00","timeZone":"Asia/Tokyo"},"end":{"dateTime":"2024-05-01T11:00:00+09:00","timeZone":"Asia/Tokyo"}`
	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"ok", `{"id":"abc00",` + timed + `}`, 200},
		{"duplicate", `{"id":"abc00",` + timed + `}`, 409},
		{"id with w", `{"id":"abcw0",` + timed + `}`, 400},
		{"id too short", `{"id":"abc",` + timed + `}`, 400},
		{"no end", `{"id":"abc01","start":{"date":"2024-05-01"}}`, 400},
		{"date and dateTime mixed", `{"id":"abc02","start":{"date":"2024-05-01"},"end":{"dateTime":"2024-05-01T11:00:00+09:00"}}`, 400},
		{"empty all-day range", `{"id":"abc03","start":{"date":"2024-05-01"},"end":{"date":"2024-05-01"}}`, 400},
		{"recurring without time zone", `{"id":"abc04","recurrence":["RRULE:FREQ=DAILY"],"start":{"dateTime":"2024-05-01T10:00:00+09:00"},"end":{"dateTime":"2024-05-01T11:00:00+09:00"}}`, 400},
		{"generated id", `{` + timed + `}`, 200},
	} {
		if status, body := c.do("POST", "calendars/primary/events?sendUpdates=none", tt.body); status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.status)
		}
	}
	if status, _ := c.do("POST", "calendars/other/events", `{`+timed+`}`); status != http.StatusNotFound {
		t.Errorf("unknown calendar: %d, want 404", status)
	}
	if n := len(c.srv.Events()); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
	if n := c.srv.Count(fake.CalendarKindInsert); n != 10 {
		t.Errorf("%d inserts counted, want 10", n)
	}
}

func TestCalendarListWindowAndPages(t *testing.T) {
	c := newCalendarClient(t)
	events := []string{
		`{"id":"ev001","start":{"dateTime":"2024-05-01T09:00:00+09:00"},"end":{"dateTime":"2024-05-01T10:00:00+09:00"},"extendedProperties":{"private":{"garoonSync":"1","garoonKey":"a"}}}`,
		`{"id":"ev002","start":{"dateTime":"2024-05-01T10:00:00+09:00"},"end":{"dateTime":"2024-05-01T11:00:00+09:00"},"extendedProperties":{"private":{"garoonSync":"1","garoonKey":"b"}}}`,
		`{"id":"ev003","start":{"date":"2024-05-02"},"end":{"date":"2024-05-03"},"extendedProperties":{"private":{"garoonSync":"1","garoonKey":"a"}}}`,
		`{"id":"ev004","start":{"dateTime":"2024-04-01T10:00:00+09:00","timeZone":"Asia/Tokyo"},"end":{"dateTime":"2024-04-01T11:00:00+09:00","timeZone":"Asia/Tokyo"},"recurrence":["RRULE:FREQ=DAILY"],"extendedProperties":{"private":{"garoonKey":"a"}}}`,
	}
	for _, e := range events {
		if err := c.srv.Seed("primary", e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", []string{"ev004", "ev001", "ev002", "ev003"}},
		{"privateExtendedProperty=garoonKey%3Da", []string{"ev004", "ev001", "ev003"}},
		{"privateExtendedProperty=garoonKey%3Da&privateExtendedProperty=garoonSync%3D1", []string{"ev001", "ev003"}},
		// ev001 ends when the window starts; the series started before.
		{"timeMin=2024-05-01T10:00:00%2B09:00&timeMax=2024-05-01T11:00:00%2B09:00", []string{"ev004", "ev002"}},
		// all-day events span Tokyo midnights
		{"timeMin=2024-05-02T23:00:00Z&timeMax=2024-05-03T00:00:00Z", []string{"ev004"}},
		{"timeMin=2024-05-02T14:00:00Z&timeMax=2024-05-02T15:00:00Z", []string{"ev004", "ev003"}},
	} {
		if got, _ := c.listIDs(tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("list %q = %v, want %v", tt.query, got, tt.want)
		}
	}

	var all []string
	next := ""
	for range 10 {
		ids, tok := c.listIDs("maxResults=3&pageToken=" + next)
		all = append(all, ids...)
		if next = tok; next == "" {
			break
		}
	}
	if len(all) != 4 {
		t.Errorf("paged list = %v", all)
	}
}

func TestCalendarDeleteInstance(t *testing.T) {
	c := newCalendarClient(t)
	if err := c.srv.Seed("primary", `{"id":"series1","start":{"dateTime":"2024-05-01T10:00:00+09:00","timeZone":"Asia/Tokyo"},"end":{"dateTime":"2024-05-01T11:00:00+09:00","timeZone":"Asia/Tokyo"},"recurrence":["RRULE:FREQ=DAILY"]}`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id     string
		status int
	}{
		{"series1_20240503T010000Z", 204},
		{"series1_20240503T010000Z", 410}, // already cancelled
		{"series1_20240503T100000Z", 404}, // Tokyo time, not UTC: no such instance
		{"series1_20240503", 404},         // a date for a timed series
		{"series1_20240420T010000Z", 404}, // before the first occurrence
		{"nothing_20240503T010000Z", 404},
	} {
		if status, body := c.do("DELETE", "calendars/primary/events/"+tt.id, ""); status != tt.status {
			t.Errorf("delete %s: %d %s, want %d", tt.id, status, body, tt.status)
		}
	}
	ev, _ := c.srv.Event("primary", "series1")
	if ev.Status != "confirmed" || !slices.Equal(ev.CancelledOccurrences, []string{"20240503T010000Z"}) {
		t.Errorf("series %+v", ev)
	}
}

func TestCalendarFaults(t *testing.T) {
	c := newCalendarClient(t)
	c.srv.FailNext(1, http.StatusTooManyRequests)
	status, body := c.do("GET", "calendars/primary/events", "")
	if status != 429 || !strings.Contains(body, `"reason":"rateLimitExceeded"`) {
		t.Errorf("FailNext: %d %s", status, body)
	}
	if status, _ := c.do("GET", "calendars/primary/events", ""); status != 200 {
		t.Errorf("after FailNext: %d", status)
	}
	c.srv.FailAlways(http.StatusBadGateway)
	for range 2 {
		if status, _ := c.do("GET", "calendars/primary/events/x", ""); status != 502 {
			t.Errorf("FailAlways: %d", status)
		}
	}
	var statuses []int
	for _, r := range c.srv.Requests() {
		if r.Kind != fake.CalendarKindToken {
			statuses = append(statuses, r.Status)
		}
	}
	if !slices.Equal(statuses, []int{429, 200, 502, 502}) {
		t.Errorf("recorded statuses %v", statuses)
	}
}
