package fakecal_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
)

// The gcal tests drive this fake through the real client; these check the
// protocol details they do not reach, with plain HTTP.

type calendarClient struct {
	t     *testing.T
	srv   *fakecal.Server
	token string
}

func newCalendarClient(t *testing.T) *calendarClient {
	t.Helper()
	srv, err := fakecal.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c := &calendarClient{t: t, srv: srv}
	status, body := c.tokenRequest(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {fakecal.RefreshToken},
		"client_id": {fakecal.ClientID}, "client_secret": {fakecal.ClientSecret},
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
		{"wrong secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fakecal.RefreshToken}, "client_id": {fakecal.ClientID}, "client_secret": {"x"}}, 401, "invalid_client"},
		{"wrong refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {fakecal.ClientID}, "client_secret": {fakecal.ClientSecret}}, 400, "invalid_grant"},
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
	if n := c.srv.Count(fakecal.KindInsert); n != 10 {
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
		if r.Kind != fakecal.KindToken {
			statuses = append(statuses, r.Status)
		}
	}
	if !slices.Equal(statuses, []int{429, 200, 502, 502}) {
		t.Errorf("recorded statuses %v", statuses)
	}
}

// instanceIDs is events.instances of a series as "suffix@MM-DDTHH:MM" of
// each instance, checking each names its series and original start.
func (c *calendarClient) instanceIDs(series, query string) string {
	c.t.Helper()
	status, body := c.do("GET", "calendars/primary/events/"+series+"/instances?"+query, "")
	if status != 200 {
		c.t.Fatalf("instances: %d %s", status, body)
	}
	var res struct {
		Items []struct {
			ID, Status, RecurringEventID string
			OriginalStartTime            struct{ DateTime string }
			Start                        struct{ DateTime string }
		}
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, it := range res.Items {
		if it.RecurringEventID != series || it.OriginalStartTime.DateTime == "" {
			c.t.Errorf("instance %+v", it)
		}
		out = append(out, strings.TrimPrefix(it.ID, series+"_")+"@"+it.Start.DateTime[5:16])
	}
	return strings.Join(out, " ")
}

func TestCalendarInstancesAndExceptions(t *testing.T) {
	c := newCalendarClient(t)
	// Weekly on Monday 10:00-11:00 JST, Jan 8 to Jan 29 2024: four instances.
	if err := c.srv.Seed("primary", `{"id":"series9","summary":"朝会","colorId":"5",
		"start":{"dateTime":"2024-01-08T10:00:00+09:00","timeZone":"Asia/Tokyo"},
		"end":{"dateTime":"2024-01-08T11:00:00+09:00","timeZone":"Asia/Tokyo"},
		"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20240129T145959Z"],
		"extendedProperties":{"private":{"garoonSync":"1","mine":"x"}}}`); err != nil {
		t.Fatal(err)
	}
	ids := func(query string) string { return c.instanceIDs("series9", query) }
	if got, want := ids(""), "20240108T010000Z@01-08T10:00 20240115T010000Z@01-15T10:00 20240122T010000Z@01-22T10:00 20240129T010000Z@01-29T10:00"; got != want {
		t.Errorf("instances:\n got  %s\n want %s", got, want)
	}

	// An instance id that is not an occurrence (a Tuesday) is unknown.
	if status, _ := c.do("GET", "calendars/primary/events/series9_20240116T010000Z", ""); status != 404 {
		t.Errorf("get of a non-occurrence: %d", status)
	}
	// Get of an occurrence shows it without storing anything.
	status, body := c.do("GET", "calendars/primary/events/series9_20240115T010000Z", "")
	if status != 200 || !strings.Contains(body, `"recurringEventId":"series9"`) || strings.Contains(body, "recurrence") ||
		!strings.Contains(body, `"colorId":"5"`) {
		t.Errorf("get instance: %d %s", status, body)
	}
	if _, stored := c.srv.Event("primary", "series9_20240115T010000Z"); stored {
		t.Error("a get stored an exception")
	}

	// Patch one instance: it moves to 15:00 and becomes an exception; the
	// rest of the series is unchanged.
	status, body = c.do("PATCH", "calendars/primary/events/series9_20240115T010000Z",
		`{"summary":"朝会（移動）","start":{"dateTime":"2024-01-15T15:00:00+09:00","timeZone":"Asia/Tokyo"},"end":{"dateTime":"2024-01-15T16:00:00+09:00","timeZone":"Asia/Tokyo"},"extendedProperties":{"private":{"garoonNotice":"n2"}}}`)
	if status != 200 {
		t.Fatalf("patch instance: %d %s", status, body)
	}
	ex, ok := c.srv.Event("primary", "series9_20240115T010000Z")
	if !ok || ex.RecurringEventID != "series9" || ex.OriginalStart != "20240115T010000Z" || ex.Summary != "朝会（移動）" ||
		ex.ColorID != "5" || ex.Private["mine"] != "x" || ex.Private["garoonNotice"] != "n2" || ex.Private["garoonSync"] != "1" {
		t.Errorf("exception %+v", ex)
	}
	// Cancel another instance.
	if status, body := c.do("DELETE", "calendars/primary/events/series9_20240122T010000Z", ""); status != 204 {
		t.Errorf("delete instance: %d %s", status, body)
	}
	if got, want := ids(""), "20240108T010000Z@01-08T10:00 20240115T010000Z@01-15T15:00 20240129T010000Z@01-29T10:00"; got != want {
		t.Errorf("instances after the exceptions:\n got  %s\n want %s", got, want)
	}
	if got := ids("showDeleted=true"); !strings.Contains(got, "20240122T010000Z") {
		t.Errorf("showDeleted instances %s", got)
	}
	// The moved instance is found by its new time, not its original one.
	if got := ids("timeMin=2024-01-15T05:00:00Z&timeMax=2024-01-15T08:00:00Z"); got != "20240115T010000Z@01-15T15:00" {
		t.Errorf("window instances %q", got)
	}

	// singleEvents=true expands; false lists the series and the live exception.
	single, _ := c.listIDs("singleEvents=true&timeMin=2024-01-01T00:00:00Z&timeMax=2024-02-28T00:00:00Z")
	if want := []string{"series9_20240108T010000Z", "series9_20240115T010000Z", "series9_20240129T010000Z"}; !slices.Equal(single, want) {
		t.Errorf("singleEvents=true: %v, want %v", single, want)
	}
	stored, _ := c.listIDs("singleEvents=false")
	if want := []string{"series9", "series9_20240115T010000Z"}; !slices.Equal(stored, want) {
		t.Errorf("singleEvents=false: %v, want %v", stored, want)
	}
	if ev, _ := c.srv.Event("primary", "series9"); !slices.Equal(ev.CancelledOccurrences, []string{"20240122T010000Z"}) {
		t.Errorf("cancelled occurrences %v", ev.CancelledOccurrences)
	}
	if n := len(c.srv.Occurrences("primary", time.Time{}, time.Time{})); n != 3 {
		t.Errorf("Occurrences: %d", n)
	}
}

func TestCalendarPatchMerges(t *testing.T) {
	c := newCalendarClient(t)
	if err := c.srv.Seed("primary", `{"id":"single1","summary":"a","description":"d","colorId":"11",
		"reminders":{"useDefault":false,"overrides":[{"method":"popup","minutes":5}]},
		"start":{"dateTime":"2024-01-08T10:00:00+09:00"},"end":{"dateTime":"2024-01-08T11:00:00+09:00"},
		"extendedProperties":{"private":{"garoonSync":"1","garoonNotice":"n1","mine":"x"}}}`); err != nil {
		t.Fatal(err)
	}
	status, body := c.do("PATCH", "calendars/primary/events/single1", `{"summary":"b","status":"tentative","extendedProperties":{"private":{"garoonNotice":"n2","mine":null}}}`)
	if status != 200 {
		t.Fatalf("patch: %d %s", status, body)
	}
	ev, _ := c.srv.Event("primary", "single1")
	if ev.Summary != "b" || ev.Description != "d" || ev.ColorID != "11" || ev.Status != "tentative" || ev.Start != "2024-01-08T10:00:00+09:00" ||
		ev.Private["garoonSync"] != "1" || ev.Private["garoonNotice"] != "n2" || len(ev.Private) != 2 {
		t.Errorf("patched %+v", ev)
	}
	if _, body := c.do("GET", "calendars/primary/events/single1", ""); !strings.Contains(body, `"minutes":5`) {
		t.Errorf("reminders lost: %s", body)
	}
	if status, _ := c.do("PATCH", "calendars/primary/events/nothing1", `{"summary":"x"}`); status != 404 {
		t.Errorf("patch of an unknown event: %d", status)
	}
}
