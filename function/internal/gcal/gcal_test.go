package gcal_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/api/googleapi"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/gcal"
	"garoon-calendar-sync/function/internal/syncer"
)

var jst = time.FixedZone("JST", 9*60*60)

func startFake(t *testing.T) *fakecal.Server {
	t.Helper()
	srv, err := fakecal.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func newCal(t *testing.T, srv *fakecal.Server, edit ...func(*gcal.Config)) *gcal.Calendar {
	t.Helper()
	cfg := gcal.Config{
		ClientID:     fakecal.ClientID,
		ClientSecret: fakecal.ClientSecret,
		RefreshToken: fakecal.RefreshToken,
		TokenURL:     srv.TokenURL,
		Endpoint:     srv.Endpoint,
		Retry:        gcal.Retry{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	}
	for _, e := range edit {
		e(&cfg)
	}
	cal, err := gcal.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// timed is a one-hour event on 2024-05-01 at hour (JST).
func timed(id, title string, hour int) syncer.Event {
	start := time.Date(2024, 5, 1, hour, 0, 0, 0, jst)
	return syncer.Event{
		ID: id, Summary: title, Description: "参加者: 山田, 佐藤", Location: "会議室A",
		Start: start, End: start.Add(time.Hour), Key: "key-" + title, Notice: id,
	}
}

func allDay(id, title string, day, days int) syncer.Event {
	start := time.Date(2024, 5, day, 0, 0, 0, 0, jst)
	return syncer.Event{ID: id, Summary: title, Start: start, End: start.AddDate(0, 0, days), AllDay: true, Key: "key-" + title, Notice: id}
}

func mustInsert(t *testing.T, cal *gcal.Calendar, ev syncer.Event) syncer.Event {
	t.Helper()
	got, err := cal.Insert(ctxT(t), ev)
	if err != nil {
		t.Fatalf("insert %s: %v", ev.ID, err)
	}
	return got
}

func sameEvent(t *testing.T, got, want syncer.Event) {
	t.Helper()
	if got.ID != want.ID || got.Summary != want.Summary || got.Description != want.Description ||
		got.Location != want.Location || !got.Start.Equal(want.Start) || !got.End.Equal(want.End) ||
		got.AllDay != want.AllDay || !slices.Equal(got.Recurrence, want.Recurrence) ||
		got.Key != want.Key || got.Notice != want.Notice || got.Cancelled != want.Cancelled {
		t.Errorf("event:\n got %+v\nwant %+v", got, want)
	}
}

func ids(evs []syncer.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.ID)
	}
	slices.Sort(out)
	return out
}

func TestInsertGetTimed(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	want := timed("gs00001", "定例会議", 10)

	got := mustInsert(t, cal, want)
	sameEvent(t, got, want)
	if got.Created.IsZero() {
		t.Error("Created not set from the calendar")
	}
	again, err := cal.Get(ctxT(t), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameEvent(t, again, want)
	if !again.Created.Equal(got.Created) {
		t.Errorf("Created = %v, want %v", again.Created, got.Created)
	}

	stored, _ := srv.Event("primary", want.ID)
	if stored.Start != "2024-05-01T10:00:00+09:00" || stored.End != "2024-05-01T11:00:00+09:00" || stored.TimeZone != "Asia/Tokyo" || stored.AllDay {
		t.Errorf("stored times %q..%q tz %q allDay %v", stored.Start, stored.End, stored.TimeZone, stored.AllDay)
	}
	wantProps := map[string]string{"garoonSync": "1", "garoonKey": want.Key, "garoonNotice": want.Notice}
	if len(stored.Private) != 3 || stored.Private["garoonSync"] != "1" || stored.Private["garoonKey"] != want.Key || stored.Private["garoonNotice"] != want.Notice {
		t.Errorf("private properties %v, want %v", stored.Private, wantProps)
	}
}

func TestInsertGivenInUTC(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	ev := timed("gs00002", "UTC", 10)
	ev.Start, ev.End = ev.Start.UTC(), ev.End.UTC()
	mustInsert(t, cal, ev)
	if stored, _ := srv.Event("primary", ev.ID); stored.Start != "2024-05-01T10:00:00+09:00" {
		t.Errorf("start sent as %q, want Tokyo time", stored.Start)
	}
}

func TestAllDayDatesEndExclusive(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	two := allDay("gs00010", "研修", 1, 2) // 1 and 2 May
	got := mustInsert(t, cal, two)
	sameEvent(t, got, two)
	if got.Start.Format(time.RFC3339) != "2024-05-01T00:00:00+09:00" || got.End.Format(time.RFC3339) != "2024-05-03T00:00:00+09:00" {
		t.Errorf("all-day start = %v, want midnight in Tokyo", got.Start)
	}
	stored, _ := srv.Event("primary", two.ID)
	if !stored.AllDay || stored.Start != "2024-05-01" || stored.End != "2024-05-03" {
		t.Errorf("stored %q..%q allDay=%v, want date-only 2024-05-01..2024-05-03", stored.Start, stored.End, stored.AllDay)
	}
	if strings.Contains(string(stored.Raw), "dateTime") {
		t.Errorf("all-day body has a dateTime: %s", stored.Raw)
	}
	mustInsert(t, cal, allDay("gs00011", "翌日", 3, 1))
	mustInsert(t, cal, allDay("gs00012", "一日だけ", 1, 1))

	found, err := cal.FindBySlot(ctxT(t), two.Start, two.End, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(found); !slices.Equal(got, []string{"gs00010"}) {
		t.Errorf("FindBySlot(all-day 1-3 May) = %v, want [gs00010]", got)
	}
	// The same slot as a timed query finds nothing.
	found, err = cal.FindBySlot(ctxT(t), two.Start, two.End, false)
	if err != nil || len(found) != 0 {
		t.Errorf("FindBySlot(timed) = %v, %v; want none", ids(found), err)
	}
}

func TestFindByKey(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	mustInsert(t, cal, timed("gs00020", "定例", 9))
	mustInsert(t, cal, timed("gs00021", "定例", 15))
	mustInsert(t, cal, timed("gs00022", "定例", 17))
	mustInsert(t, cal, timed("gs00023", "別件", 9))
	// A person's event that happens to carry the key is not ours.
	if err := srv.Seed("primary", `{"id":"person1","summary":"定例","start":{"dateTime":"2024-05-01T09:00:00+09:00"},"end":{"dateTime":"2024-05-01T10:00:00+09:00"},"extendedProperties":{"private":{"garoonKey":"key-定例"}}}`); err != nil {
		t.Fatal(err)
	}
	if err := cal.Delete(ctxT(t), "gs00022"); err != nil {
		t.Fatal(err)
	}
	srv.MaxPageSize(1)
	srv.ResetRequests()

	found, err := cal.FindByKey(ctxT(t), "key-定例")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(found); !slices.Equal(got, []string{"gs00020", "gs00021"}) {
		t.Errorf("FindByKey = %v, want [gs00020 gs00021]", got)
	}
	if n := srv.Count(fakecal.KindList); n != 2 {
		t.Errorf("%d list requests, want 2 (one per page)", n)
	}
	for _, r := range srv.Requests() {
		q := r.Query
		if q.Get("singleEvents") != "false" || q.Get("showDeleted") != "false" ||
			!slices.Contains(q["privateExtendedProperty"], "garoonSync=1") || !slices.Contains(q["privateExtendedProperty"], "garoonKey=key-定例") {
			t.Errorf("list query %v", q)
		}
	}
}

func TestFindBySlotTimed(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	want := mustInsert(t, cal, timed("gs00030", "A", 10))
	mustInsert(t, cal, timed("gs00031", "B", 10)) // same slot, other title
	longer := timed("gs00032", "C", 10)
	longer.End = longer.End.Add(30 * time.Minute)
	mustInsert(t, cal, longer)
	mustInsert(t, cal, timed("gs00033", "D", 11))
	if err := srv.Seed("primary", `{"id":"person2","summary":"A","start":{"dateTime":"2024-05-01T10:00:00+09:00"},"end":{"dateTime":"2024-05-01T11:00:00+09:00"}}`); err != nil {
		t.Fatal(err)
	}

	// Instants are compared, whatever the zone they are given in.
	found, err := cal.FindBySlot(ctxT(t), want.Start.UTC(), want.End.UTC(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(found); !slices.Equal(got, []string{"gs00030", "gs00031"}) {
		t.Errorf("FindBySlot = %v, want [gs00030 gs00031]", got)
	}
}

func TestPatch(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	orig := mustInsert(t, cal, timed("gs00040", "定例", 10))

	moved := timed("gs00040", "定例（変更）", 14)
	moved.Notice = "gs99999"
	moved.Location = "" // facilities removed in Garoon: removed in Google
	got, err := cal.Patch(ctxT(t), moved)
	if err != nil {
		t.Fatal(err)
	}
	sameEvent(t, got, moved)
	if !got.Created.Equal(orig.Created) {
		t.Errorf("patch changed Created: %v -> %v", orig.Created, got.Created)
	}
	stored, _ := srv.Event("primary", "gs00040")
	if stored.Summary != "定例（変更）" || stored.Start != "2024-05-01T14:00:00+09:00" || stored.Private["garoonNotice"] != "gs99999" || stored.Location != "" {
		t.Errorf("stored after patch: %+v", stored)
	}
	var patches int
	for _, r := range srv.Requests() {
		if r.Kind == fakecal.KindPatch {
			patches++
			if r.Method != http.MethodPatch || r.Query.Get("sendUpdates") != "none" {
				t.Errorf("patch request %s %v", r.Method, r.Query)
			}
		}
	}
	if patches != 1 || srv.Count(fakecal.KindUpdate) != 0 {
		t.Errorf("%d patches, %d full updates; want 1, 0", patches, srv.Count(fakecal.KindUpdate))
	}

	_, err = cal.Patch(ctxT(t), timed("gs00049", "unknown", 10))
	if !errors.Is(err, syncer.ErrNotFound) {
		t.Errorf("patch of an unknown event: %v, want ErrNotFound", err)
	}
}

// What a person set on the event in Google survives an edit: colour,
// reminders, their own private properties.
func TestPatchKeepsWhatThePersonSet(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	if err := srv.Seed("primary", `{"id":"gs00041","summary":"定例","colorId":"11",
		"reminders":{"useDefault":false,"overrides":[{"method":"popup","minutes":30}]},
		"start":{"dateTime":"2024-05-01T10:00:00+09:00","timeZone":"Asia/Tokyo"},"end":{"dateTime":"2024-05-01T11:00:00+09:00","timeZone":"Asia/Tokyo"},
		"extendedProperties":{"private":{"garoonSync":"1","garoonKey":"key-定例","garoonNotice":"gs00041","myTag":"keep"}}}`); err != nil {
		t.Fatal(err)
	}
	ev := timed("gs00041", "定例", 15)
	ev.Tentative = true
	if _, err := cal.Patch(ctxT(t), ev); err != nil {
		t.Fatal(err)
	}
	stored, _ := srv.Event("primary", "gs00041")
	if stored.ColorID != "11" || stored.Private["myTag"] != "keep" || stored.Status != "tentative" || stored.Start != "2024-05-01T15:00:00+09:00" {
		t.Errorf("after patch: %+v", stored)
	}
	got, err := cal.Get(ctxT(t), "gs00041")
	if err != nil || !got.Tentative {
		t.Errorf("Get: %+v %v", got, err)
	}
	raw := srv.Requests()[len(srv.Requests())-1]
	if strings.Contains(string(raw.Body), "colorId") || strings.Contains(string(raw.Body), "reminders") || strings.Contains(string(raw.Body), "attendees") {
		t.Errorf("patch body touches what is not Garoon's: %s", raw.Body)
	}
	if stored, _ := srv.Event("primary", "gs00041"); !strings.Contains(string(stored.Reminders), `"minutes":30`) {
		t.Errorf("reminders lost: %s", stored.Reminders)
	}

	// Timed to all-day and back: no stale date or dateTime is left.
	day := allDay("gs00041", "定例", 2, 1)
	if _, err := cal.Patch(ctxT(t), day); err != nil {
		t.Fatal(err)
	}
	if got, err := cal.Get(ctxT(t), "gs00041"); err != nil || !got.AllDay || got.Start.In(jst).Format("2006-01-02") != "2024-05-02" {
		t.Errorf("all-day after patch: %+v %v", got, err)
	}
}

func TestInstancesAndOccurrences(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	series := timed("gs00060", "朝会", 10) // Wednesday 2024-05-01
	series.Recurrence = []string{"RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20240529T145959Z"}
	mustInsert(t, cal, series)

	// The occurrence of May 15 (10:00 JST = 01:00 UTC).
	inst, err := cal.Instance(ctxT(t), "gs00060", time.Date(2024, 5, 15, 10, 0, 0, 0, jst), false)
	if err != nil {
		t.Fatal(err)
	}
	if inst.ID != "gs00060_20240515T010000Z" || inst.SeriesID != "gs00060" || !inst.OriginalStart.Equal(time.Date(2024, 5, 15, 10, 0, 0, 0, jst)) ||
		len(inst.Recurrence) != 0 || inst.Key != series.Key {
		t.Errorf("instance %+v", inst)
	}
	if _, err := cal.Instance(ctxT(t), "gs00060", time.Date(2024, 5, 16, 10, 0, 0, 0, jst), false); !errors.Is(err, syncer.ErrNotFound) {
		t.Errorf("a Thursday: %v, want ErrNotFound", err)
	}

	// Override it: moved to 15:00, the series keeps its rule.
	moved := inst
	moved.Summary, moved.Start, moved.End = "朝会（移動）", time.Date(2024, 5, 15, 15, 0, 0, 0, jst), time.Date(2024, 5, 15, 16, 0, 0, 0, jst)
	moved.Recurrence = []string{"RRULE:FREQ=DAILY"} // never sent for an instance
	got, err := cal.Patch(ctxT(t), moved)
	if err != nil {
		t.Fatal(err)
	}
	if got.SeriesID != "gs00060" || len(got.Recurrence) != 0 {
		t.Errorf("patched instance %+v", got)
	}
	if err := cal.CancelOccurrence(ctxT(t), "gs00060", time.Date(2024, 5, 22, 10, 0, 0, 0, jst), false); err != nil {
		t.Fatal(err)
	}

	occ, err := cal.Occurrences(ctxT(t), time.Date(2024, 5, 1, 0, 0, 0, 0, jst), time.Date(2024, 6, 1, 0, 0, 0, 0, jst))
	if err != nil {
		t.Fatal(err)
	}
	var got2 []string
	for _, o := range occ {
		got2 = append(got2, o.Start.In(jst).Format("01-02T15:04")+" "+o.Summary)
	}
	if want := []string{"05-01T10:00 朝会", "05-08T10:00 朝会", "05-15T15:00 朝会（移動）", "05-29T10:00 朝会"}; !slices.Equal(got2, want) {
		t.Errorf("occurrences %q\nwant %q", got2, want)
	}
	// FindByKey: the series and the live exception (its key is the series').
	found, err := cal.FindByKey(ctxT(t), series.Key)
	if err != nil || !slices.Equal(ids(found), []string{"gs00060", "gs00060_20240515T010000Z"}) {
		t.Errorf("FindByKey %v %v", ids(found), err)
	}

	// Instances: every occurrence of the series, the cancelled one too,
	// each with the start its rule gives it (events.instances, showDeleted).
	all, err := cal.Instances(ctxT(t), "gs00060", time.Date(2024, 4, 1, 0, 0, 0, 0, jst), time.Date(2024, 7, 1, 0, 0, 0, 0, jst))
	if err != nil {
		t.Fatal(err)
	}
	var got3 []string
	for _, o := range all {
		line := o.OriginalStart.In(jst).Format("01-02T15:04") + " " + o.SeriesID
		if o.Cancelled {
			line += " cancelled"
		} else {
			line += " " + o.Start.In(jst).Format("01-02T15:04") + " " + o.Summary
		}
		got3 = append(got3, line)
	}
	slices.Sort(got3)
	if want := []string{"05-01T10:00 gs00060 05-01T10:00 朝会", "05-08T10:00 gs00060 05-08T10:00 朝会", "05-15T10:00 gs00060 05-15T15:00 朝会（移動）",
		"05-22T10:00 gs00060 cancelled", "05-29T10:00 gs00060 05-29T10:00 朝会"}; !slices.Equal(got3, want) {
		t.Errorf("instances %q\nwant %q", got3, want)
	}
	if r := srv.Requests(); r[len(r)-1].Query.Get("showDeleted") != "true" {
		t.Errorf("instances without showDeleted: %+v", r[len(r)-1])
	}
}

// A cancelled instance Google sends bare (id and status only): its
// original start comes from the instance id.
func TestInstanceStartFromID(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	series := timed("gs00061", "朝会", 10)
	series.Recurrence = []string{"RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20240529T145959Z"}
	mustInsert(t, cal, series)
	for _, tc := range []struct {
		id   string
		want time.Time
	}{
		{"gs00061_20240515T010000Z", time.Date(2024, 5, 15, 10, 0, 0, 0, jst)},
		{"gs00061_20240515", time.Date(2024, 5, 15, 0, 0, 0, 0, jst)},
		{"gs00061", time.Time{}},
	} {
		if got := gcal.InstanceStart(cal, tc.id); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestFindAttention(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	marked := timed("gs00070", "[要確認] 朝会", 10)
	marked.Attention = syncer.AttentionAmbiguousDelete
	mustInsert(t, cal, marked)
	mustInsert(t, cal, timed("gs00071", "朝会", 11))
	found, err := cal.FindAttention(ctxT(t))
	if err != nil || !slices.Equal(ids(found), []string{"gs00070"}) || found[0].Attention != syncer.AttentionAmbiguousDelete {
		t.Errorf("FindAttention %v %v", ids(found), err)
	}
	// Clearing the mark (an empty Attention) drops it from the list.
	marked.Attention = ""
	if _, err := cal.Patch(ctxT(t), marked); err != nil {
		t.Fatal(err)
	}
	if found, err := cal.FindAttention(ctxT(t)); err != nil || len(found) != 0 {
		t.Errorf("FindAttention after clearing %v %v", ids(found), err)
	}
}

func TestDelete(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	ev := mustInsert(t, cal, timed("gs00050", "消す", 10))

	if err := cal.Delete(ctxT(t), ev.ID); err != nil {
		t.Fatal(err)
	}
	if stored, _ := srv.Event("primary", ev.ID); stored.Status != "cancelled" {
		t.Errorf("status after delete = %q", stored.Status)
	}
	got, err := cal.Get(ctxT(t), ev.ID)
	if err != nil || !got.Cancelled {
		t.Errorf("Get(deleted) = %+v, %v; want a cancelled event", got, err)
	}
	if found, err := cal.FindByKey(ctxT(t), ev.Key); err != nil || len(found) != 0 {
		t.Errorf("FindByKey after delete = %v, %v", ids(found), err)
	}

	srv.ResetRequests()
	if err := cal.Delete(ctxT(t), ev.ID); err != nil { // 410
		t.Errorf("delete of a deleted event: %v", err)
	}
	if err := cal.Delete(ctxT(t), "gs00059"); err != nil { // 404
		t.Errorf("delete of an unknown event: %v", err)
	}
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{http.StatusGone, http.StatusNotFound}) {
		t.Errorf("statuses %v, want [410 404]", statuses)
	}

	// The id of a deleted event stays taken.
	_, err = cal.Insert(ctxT(t), ev)
	if !errors.Is(err, syncer.ErrExists) {
		t.Errorf("insert over a deleted id: %v, want ErrExists", err)
	}
}

func TestGetNotFound(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	_, err := cal.Get(ctxT(t), "gs00060")
	if !errors.Is(err, syncer.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) || gerr.Code != http.StatusNotFound {
		t.Errorf("err = %v, want a *googleapi.Error 404 inside", err)
	}
	if !strings.Contains(err.Error(), "gs00060") {
		t.Errorf("err %q does not name the event", err)
	}
}

func TestInsertExists(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	ev := mustInsert(t, cal, timed("gs00070", "二重", 10))
	_, err := cal.Insert(ctxT(t), ev)
	if !errors.Is(err, syncer.ErrExists) {
		t.Fatalf("err = %v, want ErrExists", err)
	}
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) || gerr.Code != http.StatusConflict {
		t.Errorf("err = %v, want a *googleapi.Error 409 inside", err)
	}
	if n := len(srv.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

func TestRecurrenceAndCancelOccurrence(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	weekly := timed("gs00080", "週次", 10) // 10:00 JST = 01:00 UTC
	weekly.Recurrence = []string{"RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20240630T145959Z"}
	got := mustInsert(t, cal, weekly)
	sameEvent(t, got, weekly)
	stored, _ := srv.Event("primary", weekly.ID)
	if !slices.Equal(stored.Recurrence, weekly.Recurrence) || stored.TimeZone != "Asia/Tokyo" {
		t.Errorf("stored recurrence %q tz %q", stored.Recurrence, stored.TimeZone)
	}

	second := weekly.Start.AddDate(0, 0, 7)
	if err := cal.CancelOccurrence(ctxT(t), weekly.ID, second, false); err != nil {
		t.Fatal(err)
	}
	if err := cal.CancelOccurrence(ctxT(t), weekly.ID, second, false); err != nil { // already gone: 410
		t.Errorf("second cancel: %v", err)
	}
	stored, _ = srv.Event("primary", weekly.ID)
	if stored.Status != "confirmed" || !slices.Equal(stored.CancelledOccurrences, []string{"20240508T010000Z"}) {
		t.Errorf("series %q, cancelled occurrences %q; want confirmed, [20240508T010000Z]", stored.Status, stored.CancelledOccurrences)
	}

	daily := allDay("gs00081", "終日", 1, 1)
	daily.Recurrence = []string{"RRULE:FREQ=DAILY;COUNT=5"}
	mustInsert(t, cal, daily)
	if err := cal.CancelOccurrence(ctxT(t), daily.ID, time.Date(2024, 5, 3, 0, 0, 0, 0, jst), true); err != nil {
		t.Fatal(err)
	}
	if stored, _ := srv.Event("primary", daily.ID); !slices.Equal(stored.CancelledOccurrences, []string{"20240503"}) {
		t.Errorf("all-day cancelled occurrences %q, want [20240503]", stored.CancelledOccurrences)
	}

	if err := cal.CancelOccurrence(ctxT(t), "gs00089", second, false); err != nil { // 404
		t.Errorf("cancel in an unknown series: %v", err)
	}
}

func TestInstanceID(t *testing.T) {
	start := time.Date(2024, 5, 8, 8, 30, 0, 0, jst)
	if got := gcal.InstanceID("abc", start, false); got != "abc_20240507T233000Z" {
		t.Errorf("timed: %s", got)
	}
	if got := gcal.InstanceID("abc", time.Date(2024, 5, 8, 0, 0, 0, 0, jst), true); got != "abc_20240508" {
		t.Errorf("all-day: %s", got)
	}
}

func TestWritesNeverNotify(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	ev := timed("gs00090", "通知しない", 10)
	ev.Recurrence = []string{"RRULE:FREQ=WEEKLY"}
	mustInsert(t, cal, ev)
	ev.Summary = "変更"
	if _, err := cal.Patch(ctxT(t), ev); err != nil {
		t.Fatal(err)
	}
	if err := cal.CancelOccurrence(ctxT(t), ev.ID, ev.Start.AddDate(0, 0, 7), false); err != nil {
		t.Fatal(err)
	}
	if err := cal.Delete(ctxT(t), ev.ID); err != nil {
		t.Fatal(err)
	}
	writes := 0
	for _, r := range srv.Requests() {
		switch r.Kind {
		case fakecal.KindInsert, fakecal.KindUpdate, fakecal.KindPatch, fakecal.KindDelete:
			writes++
			if got := r.Query.Get("sendUpdates"); got != "none" {
				t.Errorf("%s %s: sendUpdates=%q, want none", r.Method, r.Path, got)
			}
			for _, field := range []string{"attendees", "reminders", "transparency", "sendNotifications"} {
				if strings.Contains(string(r.Body), field) {
					t.Errorf("%s body has %s: %s", r.Kind, field, r.Body)
				}
			}
		}
	}
	if writes != 4 {
		t.Errorf("%d writes, want 4", writes)
	}
}

func TestRetryRateLimitThenSuccess(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	srv.FailNext(2, http.StatusTooManyRequests)
	mustInsert(t, cal, timed("gs00100", "混雑", 10))
	if n := srv.Count(fakecal.KindInsert); n != 3 {
		t.Errorf("%d insert requests, want 3 (two 429s, then success)", n)
	}

	srv.FailNextReason(1, http.StatusForbidden, "userRateLimitExceeded")
	if _, err := cal.Get(ctxT(t), "gs00100"); err != nil {
		t.Errorf("get after a 403 rate limit: %v", err)
	}
	if n := srv.Count(fakecal.KindGet); n != 2 {
		t.Errorf("%d get requests, want 2", n)
	}
}

func TestNoRetryOnPermanentErrors(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)

	srv.FailNextReason(1, http.StatusForbidden, "forbidden")
	if _, err := cal.FindByKey(ctxT(t), "k"); err == nil {
		t.Error("403 forbidden: no error")
	}
	if n := srv.Count(fakecal.KindList); n != 1 {
		t.Errorf("403 forbidden: %d list requests, want 1", n)
	}

	srv.FailNextReason(1, http.StatusBadRequest, "invalid")
	_, err := cal.Insert(ctxT(t), timed("gs00110", "x", 10))
	if !errors.Is(err, syncer.ErrRejected) {
		t.Errorf("400: %v, want ErrRejected", err)
	}
	if n := srv.Count(fakecal.KindInsert); n != 1 {
		t.Errorf("400: %d insert requests, want 1", n)
	}
}

func TestServerErrorBounded(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv, func(c *gcal.Config) { c.Retry.MaxAttempts = 3 })
	srv.FailAlways(http.StatusInternalServerError)
	_, err := cal.Insert(ctxT(t), timed("gs00120", "障害", 10))
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) || gerr.Code != http.StatusInternalServerError {
		t.Fatalf("err = %v, want a 500 *googleapi.Error", err)
	}
	if !strings.Contains(err.Error(), "insert event gs00120") {
		t.Errorf("err %q does not say what failed", err)
	}
	if n := srv.Count(fakecal.KindInsert); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}

	srv.FailAlways(0)
	mustInsert(t, cal, timed("gs00121", "復旧", 10))
}

func TestDefaultAttempts(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	srv.FailAlways(http.StatusServiceUnavailable)
	if err := cal.Delete(ctxT(t), "gs00130"); err == nil {
		t.Fatal("no error")
	}
	if n := srv.Count(fakecal.KindDelete); n != 4 {
		t.Errorf("%d attempts, want the default 4", n)
	}
}

func TestSlowResponsePastDeadline(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	mustInsert(t, cal, timed("gs00140", "遅い", 10)) // fetch the token first
	srv.Delay(5 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err := cal.Get(ctx, "gs00140")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("returned after %v, want promptly after the deadline", d)
	}
}

func TestRetryStopsAtDeadline(t *testing.T) {
	srv := startFake(t)
	// Waits of up to an hour: the first one passes the deadline.
	cal := newCal(t, srv, func(c *gcal.Config) { c.Retry = gcal.Retry{BaseDelay: time.Hour, MaxDelay: time.Hour} })
	srv.FailAlways(http.StatusServiceUnavailable)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err := cal.Insert(ctx, timed("gs00150", "x", 10))
	if err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
	if code := httpCode(err); code != http.StatusServiceUnavailable {
		t.Errorf("err = %v, want the 503 kept", err)
	}
}

func httpCode(err error) int {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		return gerr.Code
	}
	return 0
}

func TestNetworkErrorRetried(t *testing.T) {
	srv := startFake(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/calendar/v3/"
	_ = ln.Close() // nothing listens there any more: connection refused

	var apiCalls atomic.Int32
	base := http.DefaultTransport
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.Contains(r.URL.Path, "/calendar/v3/") {
			apiCalls.Add(1)
		}
		return base.RoundTrip(r)
	})}
	cal := newCal(t, srv, func(c *gcal.Config) { c.Endpoint, c.HTTPClient = dead, hc })
	if _, err := cal.Get(ctxT(t), "gs00160"); err == nil {
		t.Fatal("no error")
	}
	if n := apiCalls.Load(); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestInvalidGrant(t *testing.T) {
	srv := startFake(t)
	const refresh, secret = "1//0e-very-secret-refresh-token", "GOCSPX-very-secret-client-secret"
	srv.SetClient(fakecal.ClientID, secret, refresh)
	srv.InvalidGrant(true)
	cal := newCal(t, srv, func(c *gcal.Config) { c.RefreshToken, c.ClientSecret = refresh, secret })

	calls := map[string]func() error{
		"insert": func() error { _, err := cal.Insert(ctxT(t), timed("gs00170", "x", 10)); return err },
		"get":    func() error { _, err := cal.Get(ctxT(t), "gs00170"); return err },
		"find":   func() error { _, err := cal.FindByKey(ctxT(t), "k"); return err },
		"delete": func() error { return cal.Delete(ctxT(t), "gs00170") },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, syncer.ErrInvalidGrant) {
			t.Errorf("%s: err = %v, want ErrInvalidGrant", name, err)
			continue
		}
		for _, s := range []string{refresh, secret} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%s: error leaks a credential: %v", name, err)
			}
		}
		if strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%s: error names the API URL instead of the cause: %v", name, err)
		}
	}
	if n := srv.Count(fakecal.KindToken); n != len(calls) {
		t.Errorf("%d token requests, want %d (invalid_grant is not retried)", n, len(calls))
	}
	if n := srv.Count(fakecal.KindInsert) + srv.Count(fakecal.KindGet); n != 0 {
		t.Errorf("%d API requests without a token", n)
	}

	srv.InvalidGrant(false)
	mustInsert(t, cal, timed("gs00171", "回復", 10))
}

func TestInvalidClient(t *testing.T) {
	srv := startFake(t)
	const secret = "GOCSPX-wrong-secret"
	cal := newCal(t, srv, func(c *gcal.Config) { c.ClientSecret = secret })
	_, err := cal.Get(ctxT(t), "gs00180")
	if err == nil || errors.Is(err, syncer.ErrInvalidGrant) {
		t.Fatalf("err = %v, want an invalid client error", err)
	}
	if !strings.Contains(err.Error(), "invalid_client") || !strings.Contains(err.Error(), "google_client_secret") {
		t.Errorf("err %q does not say what to fix", err)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), fakecal.RefreshToken) {
		t.Errorf("err leaks a credential: %v", err)
	}
}

func TestTokenCachedAndRefreshed(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	mustInsert(t, cal, timed("gs00190", "一", 10))
	mustInsert(t, cal, timed("gs00191", "二", 11))
	if n := srv.Count(fakecal.KindToken); n != 1 {
		t.Errorf("%d token requests for 2 inserts, want 1", n)
	}

	// A token the API stops accepting is replaced.
	srv.ExpireTokens()
	mustInsert(t, cal, timed("gs00192", "三", 12))
	if n := srv.Count(fakecal.KindToken); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

func TestCalendarID(t *testing.T) {
	srv := startFake(t)
	const team = "team@group.calendar.google.com"
	srv.AddCalendar(team)
	cal := newCal(t, srv, func(c *gcal.Config) { c.CalendarID = team })
	ev := mustInsert(t, cal, timed("gs00200", "チーム", 10))
	if _, ok := srv.Event(team, ev.ID); !ok {
		t.Error("event not in the configured calendar")
	}
	if _, ok := srv.Event("primary", ev.ID); ok {
		t.Error("event in primary")
	}
}

func TestNewRequiresCredentials(t *testing.T) {
	_, err := gcal.New(context.Background(), gcal.Config{ClientID: "id"})
	if err == nil || !strings.Contains(err.Error(), "google_client_secret") || !strings.Contains(err.Error(), "google_refresh_token") {
		t.Errorf("err = %v, want the missing keys named", err)
	}
}

func TestCheckToken(t *testing.T) {
	srv := startFake(t)
	cal := newCal(t, srv)
	if err := cal.CheckToken(ctxT(t)); err != nil {
		t.Fatalf("good token: %v", err)
	}
	if n := srv.Count(fakecal.KindToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}

	srv.InvalidGrant(true)
	if err := newCal(t, srv).CheckToken(ctxT(t)); !errors.Is(err, syncer.ErrInvalidGrant) {
		t.Errorf("revoked token: err = %v, want ErrInvalidGrant", err)
	}
	srv.InvalidGrant(false)
	err := newCal(t, srv, func(c *gcal.Config) { c.ClientSecret = "wrong" }).CheckToken(ctxT(t))
	if err == nil || errors.Is(err, syncer.ErrInvalidGrant) || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("wrong client secret: err = %v", err)
	}
}

func TestAccessRole(t *testing.T) {
	srv := startFake(t)
	srv.AddCalendar("team@group.calendar.google.com")
	srv.SetAccessRole("team@group.calendar.google.com", "reader")
	for _, tc := range []struct {
		calendar, role string
		writable       bool
	}{
		{"primary", "owner", true},
		{"team@group.calendar.google.com", "reader", false},
	} {
		cal := newCal(t, srv, func(c *gcal.Config) { c.CalendarID = tc.calendar })
		role, err := cal.AccessRole(ctxT(t))
		if err != nil || role != tc.role || gcal.CanWrite(role) != tc.writable {
			t.Errorf("%s: role %q, %v; want %q (writable %v)", tc.calendar, role, err, tc.role, tc.writable)
		}
	}
	// What the role promises: a reader's insert is refused, for good.
	reader := newCal(t, srv, func(c *gcal.Config) { c.CalendarID = "team@group.calendar.google.com" })
	if _, err := reader.Insert(ctxT(t), timed("gs00190", "x", 10)); httpCode(err) != 403 || !strings.Contains(err.Error(), "writer access") {
		t.Errorf("insert as reader: %v", err)
	}

	missing := newCal(t, srv, func(c *gcal.Config) { c.CalendarID = "nobody@example.com" })
	if _, err := missing.AccessRole(ctxT(t)); !errors.Is(err, syncer.ErrNotFound) || !strings.Contains(err.Error(), "nobody@example.com") {
		t.Errorf("unknown calendar: err = %v, want ErrNotFound naming it", err)
	}
	srv.InvalidGrant(true)
	if _, err := newCal(t, srv).AccessRole(ctxT(t)); !errors.Is(err, syncer.ErrInvalidGrant) {
		t.Errorf("revoked token: err = %v", err)
	}
}

// The user's Garoon time zone is the events' timeZone (Google expands a
// repeat rule in it) and the zone of all-day dates.
func TestTimeZone(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	srv := startFake(t)
	cal := newCal(t, srv, func(c *gcal.Config) { c.TimeZone = "America/Los_Angeles" })
	start := time.Date(2024, 5, 7, 17, 0, 0, 0, la) // Tuesday 17:00 PDT, Wednesday in Tokyo
	ev := syncer.Event{ID: "gs00080", Summary: "weekly", Start: start, End: start.Add(time.Hour), Key: "k",
		Recurrence: []string{"RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2"}}
	mustInsert(t, cal, ev)
	stored, _ := srv.Event("primary", "gs00080")
	if stored.TimeZone != "America/Los_Angeles" || stored.Start != "2024-05-07T17:00:00-07:00" {
		t.Errorf("stored %q %q", stored.TimeZone, stored.Start)
	}
	inst, err := cal.Instance(ctxT(t), "gs00080", start.AddDate(0, 0, 7), false)
	if err != nil || inst.ID != "gs00080_20240515T000000Z" {
		t.Errorf("second Tuesday: %+v %v", inst, err)
	}
	day := syncer.Event{ID: "gs00081", Summary: "off", Start: time.Date(2024, 5, 8, 0, 0, 0, 0, la), End: time.Date(2024, 5, 9, 0, 0, 0, 0, la), AllDay: true, Key: "k"}
	got := mustInsert(t, cal, day)
	if stored, _ := srv.Event("primary", "gs00081"); stored.Start != "2024-05-08" || !got.Start.Equal(day.Start) {
		t.Errorf("all-day stored %q, read back %v", stored.Start, got.Start)
	}
	if _, err := gcal.New(ctxT(t), gcal.Config{ClientID: "a", ClientSecret: "b", RefreshToken: "c", TimeZone: "Mars/Olympus"}); err == nil {
		t.Error("an unknown time zone was accepted")
	}
}
