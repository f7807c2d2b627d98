package syncer

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/testmail"
)

// memMailbox and memCalendar are in-memory ports for engine tests. The
// adapters' own tests run against protocol fakes; here the point is the
// engine's decisions.

type memMailbox struct {
	mu        sync.Mutex
	mails     []Mail
	processed map[uint32]bool
	markErr   error // returned (once) by MarkProcessed, simulating a crash before the STORE
	fetches   int
	stores    int
}

func (m *memMailbox) add(raw string, received time.Time) uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	uid := uint32(len(m.mails) + 1)
	m.mails = append(m.mails, Mail{UID: uid, Raw: []byte(raw), Received: received})
	return uid
}

func (m *memMailbox) Fetch(_ context.Context, _ string, since time.Time) ([]Mail, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fetches++
	var out []Mail
	for _, ml := range m.mails {
		if !m.processed[ml.UID] && !ml.Received.Before(since) {
			out = append(out, ml)
		}
	}
	return out, nil
}

func (m *memMailbox) MarkProcessed(ctx context.Context, uids []uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err // the process died before the STORE
	}
	m.stores++
	if m.markErr != nil {
		err := m.markErr
		m.markErr = nil
		return err
	}
	if m.processed == nil {
		m.processed = map[uint32]bool{}
	}
	for _, u := range uids {
		m.processed[u] = true
	}
	return nil
}

func (m *memMailbox) unprocessed() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mails) - len(m.processed)
}

type memCalendar struct {
	mu        sync.Mutex
	events    map[string]Event
	cancelled map[string][]time.Time // series id -> cancelled occurrence starts
	clock     time.Time
	calls     map[string]int
	fail      func(op string) error           // injected failure, nil = none
	onWrite   func()                          // called inside each successful write, unlocked
	hang      func(ctx context.Context) error // called first by Insert, unlocked: a calendar that does not answer
}

func newMemCalendar() *memCalendar {
	return &memCalendar{
		events: map[string]Event{}, cancelled: map[string][]time.Time{}, calls: map[string]int{},
		clock: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func (c *memCalendar) call(op string) error {
	c.calls[op]++
	if c.fail != nil {
		return c.fail(op)
	}
	return nil
}

func (c *memCalendar) Get(_ context.Context, id string) (Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.call("get"); err != nil {
		return Event{}, err
	}
	ev, ok := c.events[id]
	if !ok {
		return Event{}, ErrNotFound
	}
	return ev, nil
}

func (c *memCalendar) find(keep func(Event) bool) []Event {
	var out []Event
	for _, ev := range c.events {
		if !ev.Cancelled && keep(ev) {
			out = append(out, ev)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (c *memCalendar) FindByKey(_ context.Context, key string) ([]Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.call("list"); err != nil {
		return nil, err
	}
	return c.find(func(ev Event) bool { return ev.Key == key }), nil
}

func (c *memCalendar) FindBySlot(_ context.Context, start, end time.Time, allDay bool) ([]Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.call("list"); err != nil {
		return nil, err
	}
	return c.find(func(ev Event) bool { return ev.AllDay == allDay && ev.Start.Equal(start) && ev.End.Equal(end) }), nil
}

func (c *memCalendar) write(op string, f func() (Event, error)) (Event, error) {
	c.mu.Lock()
	if err := c.call(op); err != nil {
		c.mu.Unlock()
		return Event{}, err
	}
	ev, err := f()
	c.mu.Unlock()
	if err == nil && c.onWrite != nil {
		c.onWrite()
	}
	return ev, err
}

func (c *memCalendar) Insert(ctx context.Context, ev Event) (Event, error) {
	if c.hang != nil {
		if err := c.hang(ctx); err != nil {
			return Event{}, err
		}
	}
	return c.write("insert", func() (Event, error) {
		if _, ok := c.events[ev.ID]; ok {
			return Event{}, ErrExists
		}
		c.clock = c.clock.Add(time.Second)
		ev.Created = c.clock
		c.events[ev.ID] = ev
		return ev, nil
	})
}

func (c *memCalendar) Patch(_ context.Context, ev Event) (Event, error) {
	return c.write("update", func() (Event, error) {
		old, ok := c.events[ev.ID]
		if !ok || old.Cancelled {
			return Event{}, ErrNotFound
		}
		ev.Created = old.Created
		c.events[ev.ID] = ev
		return ev, nil
	})
}

// Instance and Occurrences: memCalendar does not expand series (the engine
// tests through the gcal adapter and the fake calendar do); every day is
// "no occurrence".
func (c *memCalendar) Instance(context.Context, string, time.Time, bool) (Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.call("get"); err != nil {
		return Event{}, err
	}
	return Event{}, ErrNotFound
}

func (c *memCalendar) Instances(context.Context, string, time.Time, time.Time) ([]Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.call("list"); err != nil {
		return nil, err
	}
	return nil, nil
}

func (c *memCalendar) Occurrences(context.Context, time.Time, time.Time) ([]Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.call("list"); err != nil {
		return nil, err
	}
	return nil, nil
}

func (c *memCalendar) Delete(_ context.Context, id string) error {
	_, err := c.write("delete", func() (Event, error) {
		if ev, ok := c.events[id]; ok {
			ev.Cancelled = true
			c.events[id] = ev
		}
		return Event{}, nil
	})
	return err
}

func (c *memCalendar) CancelOccurrence(_ context.Context, id string, start time.Time, _ bool) error {
	_, err := c.write("cancel", func() (Event, error) {
		c.cancelled[id] = append(c.cancelled[id], start)
		return Event{}, nil
	})
	return err
}

// live describes the live events as sorted "summary|start|end|recurring"
// lines: what a person sees in the calendar.
func (c *memCalendar) live() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, ev := range c.find(func(Event) bool { return true }) {
		line := fmt.Sprintf("%s|%s|%s", ev.Summary, fmtTime(ev.Start, ev.AllDay), fmtTime(ev.End, ev.AllDay))
		if len(ev.Recurrence) > 0 {
			line += "|" + strings.Join(ev.Recurrence, ",")
		}
		for _, t := range c.cancelled[ev.ID] {
			line += "|cancelled " + fmtTime(t, ev.AllDay)
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

func fmtTime(t time.Time, allDay bool) string {
	if allDay {
		return t.Format("2006-01-02")
	}
	return t.In(jst).Format("2006-01-02T15:04")
}

var jst = time.FixedZone("JST", 9*3600)

// garoonMail builds a UTF-8 Garoon notice: tag is the subject tag ("登録",
// "変更", "削除", "出席"...), when the 日時 value, extra any further body lines.
func garoonMail(id, tag, title, when string, sent time.Time, extra ...string) string {
	body := "日時　　：" + when + "\r\n予定　　：会議:" + title + "\r\n参加者　：山田 太郎,佐藤 花子\r\n"
	for _, l := range extra {
		body += l + "\r\n"
	}
	body += "メモ　　：\r\n資料を持参\r\n"
	return string(testmail.Mail{Date: sent.In(jst).Format(time.RFC1123Z), Subject: "[" + tag + "] 会議:" + title, Body: body,
		MessageID: id + "@garoon.test", Version: "6.0.2"}.Bytes())
}

// harness wires an engine to in-memory ports with a fixed clock.
type harness struct {
	t    testing.TB
	mb   *memMailbox
	cal  *memCalendar
	now  time.Time
	cfg  Config
	seq  int
	sent time.Time
}

func newHarness(t testing.TB) *harness {
	now := time.Date(2024, 1, 10, 9, 0, 0, 0, jst)
	return &harness{
		t: t, mb: &memMailbox{}, cal: newMemCalendar(), now: now, sent: now.Add(-48 * time.Hour),
		cfg: Config{Sender: "no-reply@cybozu.com", Lookback: 14 * 24 * time.Hour, MaxDeletes: 10, Reserve: 5 * time.Second},
	}
}

// mail delivers a notice; each one is sent a minute after the previous.
func (h *harness) mail(tag, title, when string, extra ...string) uint32 {
	h.seq++
	h.sent = h.sent.Add(time.Minute)
	return h.mb.add(garoonMail(fmt.Sprintf("m%d", h.seq), tag, title, when, h.sent, extra...), h.sent)
}

func (h *harness) engine(mod ...func(*Config)) *Engine {
	cfg := h.cfg
	cfg.Now = func() time.Time { return h.now }
	for _, f := range mod {
		f(&cfg)
	}
	return New(h.mb, h.cal, cfg)
}

func (h *harness) run(mod ...func(*Config)) *Report {
	h.t.Helper()
	rep, err := h.engine(mod...).Run(context.Background())
	if err != nil {
		h.t.Fatalf("run: %v\nsteps: %+v", err, rep.Steps)
	}
	return rep
}

func (h *harness) wantCalendar(want ...string) {
	h.t.Helper()
	got := h.cal.live()
	if !slices.Equal(got, want) {
		h.t.Errorf("calendar:\n got %q\nwant %q", got, want)
	}
}
