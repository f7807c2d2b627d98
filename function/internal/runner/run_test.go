package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/fake/fakeimap"
	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/function/internal/testmail"
	"garoon-calendar-sync/shared/contract"
)

const (
	user     = "you@example.com"
	password = "qwer tyui opas dfgh"
)

// rig is the real engine with the real adapters, against the fakes.
type rig struct {
	t    testing.TB
	imap *fakeimap.Server
	cal  *fakecal.Server
	s    Settings
	c    secret.Credentials
	logs *bytes.Buffer
	seq  int
}

func newRig(t testing.TB) *rig {
	t.Helper()
	r := &rig{t: t, logs: &bytes.Buffer{}}
	var err error
	if r.imap, err = fakeimap.Start(user, strings.ReplaceAll(password, " ", "")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.imap.Close() })
	if r.cal, err = fakecal.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.cal.Close() })
	ca, err := r.imap.WriteCAFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		contract.EnvIMAPAddr: r.imap.Addr, contract.EnvIMAPCAFile: ca,
		contract.EnvCalendarEndpoint: r.cal.Endpoint, contract.EnvTokenURL: r.cal.TokenURL,
	}
	if r.s, err = SettingsFromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	r.c, err = secret.Parse(fmt.Appendf(nil, `{"gmail_address":%q,"gmail_password":%q,"garoon_sender":"no-reply@cybozu.com",
		"google_refresh_token":%q,"google_client_id":%q,"google_client_secret":%q}`,
		user, password, fakecal.RefreshToken, fakecal.ClientID, fakecal.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// deliver appends a UTF-8 Garoon notice received now.
func (r *rig) deliver(tag, title, when string) {
	r.t.Helper()
	r.seq++
	body := "日時　　：" + when + "\r\n予定　　：会議:" + title + "\r\n参加者　：山田 太郎\r\nメモ　　：\r\n"
	raw := testmail.Mail{Date: fmt.Sprintf("Mon, 01 Jan 2024 09:%02d:%02d +0900", r.seq/60%60, r.seq%60),
		Subject: "[" + tag + "] 会議:" + title, Body: body, MessageID: fmt.Sprintf("m%d@test", r.seq), Version: "6.0.2"}.Bytes()
	if err := r.imap.Append(raw, time.Now()); err != nil {
		r.t.Fatal(err)
	}
}

// run is one run of a new Runner with the rig's settings and credentials.
func (r *rig) run() (*syncer.Report, error) {
	r.t.Helper()
	log := slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, rep, err := New(r.s, fixedSecret(r.c), Options{Logger: log}).Run(ctx)
	return rep, err
}

// fixedSecret is a secret.Source that always loads the same credentials.
type fixedSecret secret.Credentials

func (f fixedSecret) Load(context.Context) (secret.Credentials, error) {
	return secret.Credentials(f), nil
}

func (r *rig) mustRun() *syncer.Report {
	r.t.Helper()
	rep, err := r.run()
	if err != nil {
		r.t.Fatalf("run: %v", err)
	}
	return rep
}

func (r *rig) marked() (marked, seen int) {
	r.t.Helper()
	msgs, err := r.imap.Messages()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, m := range msgs {
		// IMAP keywords are case-insensitive; the memory server lowercases them.
		if slices.ContainsFunc(m.Flags, func(f string) bool { return strings.EqualFold(f, contract.ProcessedKeyword) }) {
			marked++
		}
		if slices.Contains(m.Flags, `\Seen`) {
			seen++
		}
	}
	return marked, seen
}

func (r *rig) events() []string {
	var out []string
	for _, ev := range r.cal.Events() {
		out = append(out, ev.Summary+"@"+ev.Start)
	}
	return out
}

const (
	jan15 = "2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00"
	jan22 = "2024年01月22日（月） 14:00 ～ 2024年01月22日（月） 15:00"
)

// TestGaroonTimeZone: the secret's garoon_time_zone reaches the parser, so
// a notice's times are read in the user's Garoon zone.
func TestGaroonTimeZone(t *testing.T) {
	for _, tc := range []struct{ zone, want string }{
		{"", "2024-01-15T10:00:00+09:00"}, // default Asia/Tokyo
		{"America/Los_Angeles", "2024-01-15T10:00:00-08:00"},
	} {
		r := newRig(t)
		r.c.TimeZone = tc.zone
		r.deliver("登録", "定例", jan15)
		r.mustRun()
		evs := r.cal.Events()
		if len(evs) != 1 {
			t.Fatalf("zone %q: events %v", tc.zone, r.events())
		}
		got, err := time.Parse(time.RFC3339, evs[0].Start)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if err != nil || !got.Equal(want) {
			t.Errorf("zone %q: start %s, want the instant %s", tc.zone, evs[0].Start, tc.want)
		}
	}
}

func TestStoryThroughTheRealAdapters(t *testing.T) {
	r := newRig(t)
	r.deliver("登録", "定例", jan15)
	r.mustRun()
	r.deliver("変更", "定例", jan22)
	r.mustRun()
	if got := r.events(); !slices.Equal(got, []string{"定例@2024-01-22T14:00:00+09:00"}) {
		t.Fatalf("after edit: %q", got)
	}
	r.deliver("削除", "定例", jan22)
	r.mustRun()
	if got := r.events(); len(got) != 0 {
		t.Fatalf("after delete: %q", got)
	}
	if m, s := r.marked(); m != 3 || s != 0 {
		t.Fatalf("%d marked, %d \\Seen; want 3 and 0", m, s)
	}
	for _, req := range r.cal.Requests() {
		if req.Method != "GET" && req.Kind != fakecal.KindToken && req.Query.Get("sendUpdates") != "none" {
			t.Errorf("%s %s without sendUpdates=none", req.Method, req.Path)
		}
		if bytes.Contains(req.Body, []byte(`"attendees"`)) {
			t.Errorf("a write has attendees: %s", req.Body)
		}
	}
	// Logs at debug level carry no secret: not the app password (with or
	// without its spaces), the refresh token, the client secret or id.
	for _, s := range []string{password, strings.ReplaceAll(password, " ", ""), fakecal.RefreshToken,
		fakecal.ClientSecret, fakecal.ClientID} {
		if strings.Contains(r.logs.String(), s) {
			t.Errorf("logs contain %q", s)
		}
	}
	if !strings.Contains(r.logs.String(), `"op":"create"`) {
		t.Errorf("logs have no per-notice line:\n%s", r.logs)
	}
}

func TestConstantRoundTrips(t *testing.T) {
	for _, n := range []int{10, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := newRig(t)
			for i := range n {
				r.deliver("登録", fmt.Sprintf("会議%04d", i), jan15)
			}
			r.imap.ResetCommands()
			r.cal.ResetRequests()
			rep := r.mustRun()
			cmds := r.imap.Commands()
			t.Logf("%d mails: IMAP %v; calendar %d get, %d insert, %d list, %d token", n, cmds,
				r.cal.Count(fakecal.KindGet), r.cal.Count(fakecal.KindInsert), r.cal.Count(fakecal.KindList), r.cal.Count(fakecal.KindToken))
			for _, c := range []string{"LOGIN", "SELECT", "SEARCH", "FETCH", "STORE"} {
				if cmds[c] != 1 {
					t.Errorf("%s sent %d times, want 1", c, cmds[c])
				}
			}
			// One run takes at most imapmail.DefaultMaxMails, oldest first;
			// the rest come next run.
			want := min(n, imapmail.DefaultMaxMails)
			if rep.Created != want || r.cal.Count(fakecal.KindInsert) != want || r.cal.Count(fakecal.KindGet) != want {
				t.Errorf("created %d; %d inserts, %d gets; want %d each (one lookup, one write per event)",
					rep.Created, r.cal.Count(fakecal.KindInsert), r.cal.Count(fakecal.KindGet), want)
			}
			if n > want {
				r.imap.ResetCommands()
				if rep := r.mustRun(); rep.Created != n-want || r.imap.Commands()["FETCH"] != 1 {
					t.Errorf("second run: %+v, %v", rep, r.imap.Commands())
				}
			}
		})
	}
}

func TestFaultsThroughTheRealAdapters(t *testing.T) {
	t.Run("429 then success", func(t *testing.T) {
		r := newRig(t)
		r.deliver("登録", "定例", jan15)
		r.cal.FailNext(1, 429)
		if rep := r.mustRun(); rep.Created != 1 {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("500 forever, then fixed", func(t *testing.T) {
		r := newRig(t)
		r.deliver("登録", "定例", jan15)
		r.cal.FailAlways(500)
		if _, err := r.run(); err == nil {
			t.Fatal("want an error")
		}
		if m, _ := r.marked(); m != 0 {
			t.Fatal("marked a mail whose event failed")
		}
		r.cal.FailAlways(0)
		r.mustRun()
		if m, _ := r.marked(); m != 1 || len(r.events()) != 1 {
			t.Fatalf("after the fix: %d marked, events %q", m, r.events())
		}
	})
	t.Run("invalid_grant", func(t *testing.T) {
		r := newRig(t)
		r.deliver("登録", "定例", jan15)
		r.cal.InvalidGrant(true)
		_, err := r.run()
		if !errors.Is(err, syncer.ErrInvalidGrant) || strings.Contains(err.Error(), fakecal.RefreshToken) {
			t.Fatalf("err = %v", err)
		}
		if m, _ := r.marked(); m != 0 {
			t.Fatal("marked after invalid_grant")
		}
	})
	t.Run("connection dropped mid-FETCH", func(t *testing.T) {
		r := newRig(t)
		r.deliver("登録", "定例", jan15)
		r.imap.DropOnFetch(1)
		if _, err := r.run(); err == nil {
			t.Fatal("want an error")
		}
		r.mustRun()
		if m, _ := r.marked(); m != 1 || len(r.events()) != 1 {
			t.Fatalf("after the drop: %d marked, %q", m, r.events())
		}
	})
	t.Run("wrong app password", func(t *testing.T) {
		r := newRig(t)
		r.imap.FailLogin(true)
		_, err := r.run()
		if err == nil || !strings.Contains(err.Error(), "app password") || strings.Contains(err.Error(), strings.ReplaceAll(password, " ", "")) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestEveryRunTwiceSameCalendar(t *testing.T) {
	r := newRig(t)
	r.deliver("登録", "定例", jan15)
	r.deliver("登録", "別件", jan22)
	r.deliver("変更", "定例", jan22)
	r.mustRun()
	first := r.events()
	rep := r.mustRun()
	if rep.Seen != 0 || !slices.Equal(r.events(), first) {
		t.Fatalf("second run: %+v, %q vs %q", rep, r.events(), first)
	}
}

// emfMetrics parses what WriteMetrics wrote: the names of the custom
// metrics CloudWatch would create from it, one entry per metric per line,
// and the lines' log levels.
func emfMetrics(t *testing.T, out string) (names, levels []string) {
	t.Helper()
	for line := range strings.Lines(out) {
		var rec struct {
			Level string `json:"level"`
			AWS   struct {
				Timestamp         int64
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name, Unit string }
				}
			} `json:"_aws"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		levels = append(levels, rec.Level)
		for _, d := range rec.AWS.CloudWatchMetrics {
			if d.Namespace != contract.MetricNamespace || fmt.Sprint(d.Dimensions) != "[["+contract.MetricDimension+"]]" {
				t.Errorf("directive %+v", d)
			}
			for _, m := range d.Metrics {
				names = append(names, m.Name)
			}
		}
	}
	return names, levels
}

// TestMetricsPerRun counts the custom metrics a run publishes ($0.30 a
// month each, for every month they receive data): none for a run that
// succeeds (whatever it did: the counts are in the summary line), none for
// an ordinary failure (Lambda's own Errors metric covers it), and only InvalidGrant, which the alarm reads, when Google
// refused the token.
func TestMetricsPerRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"idle", nil, nil},
		{"failed", errors.New("calendar: 503 after retries"), nil},
		{"gmail login refused", fmt.Errorf("imap: %w", imapmail.ErrAuth), nil},
		{"invalid_grant", fmt.Errorf("calendar: %w", syncer.ErrInvalidGrant), []string{contract.MetricInvalidGrant}},
	} {
		var buf bytes.Buffer
		if err := WriteMetrics(&buf, "prod", tc.err, time.Unix(1700000000, 0)); err != nil {
			t.Fatal(err)
		}
		names, levels := emfMetrics(t, buf.String())
		if fmt.Sprint(names) != fmt.Sprint(tc.want) {
			t.Errorf("%s: publishes %d custom metrics %v, want %v", tc.name, len(names), names, tc.want)
		}
		t.Logf("%s run: %d custom metrics", tc.name, len(names))
		for _, l := range levels {
			// The highest Lambda log level: no ApplicationLogLevel drops it.
			if l != "FATAL" {
				t.Errorf("%s: EMF line at level %q, want FATAL", tc.name, l)
			}
		}
	}
}

func TestWriteMetricsRecord(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMetrics(&buf, "prod", fmt.Errorf("x: %w", syncer.ErrInvalidGrant), time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil || !strings.HasSuffix(buf.String(), "}\n") || strings.Count(buf.String(), "\n") != 1 {
		t.Fatalf("not one JSON line: %v %q", err, buf.String())
	}
	aws := rec["_aws"].(map[string]any)
	if aws["Timestamp"].(float64) != 1700000000000 || rec[contract.MetricDimension] != "prod" || rec[contract.MetricInvalidGrant] != 1.0 {
		t.Errorf("%v", rec)
	}
}

func TestSettingsFromEnv(t *testing.T) {
	s, err := SettingsFromEnv(func(string) string { return "" })
	if err != nil || s.IMAPAddr != contract.DefaultIMAPAddr || s.MaxDeletes != contract.DefaultMaxDeletes || s.Lookback != 14*24*time.Hour ||
		s.LogLevel != slog.LevelInfo {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	for v, want := range map[string]slog.Level{"debug": slog.LevelDebug, "warn": slog.LevelWarn, "ERROR": slog.LevelError} {
		s, err := SettingsFromEnv(func(name string) string { return map[string]string{contract.EnvLogLevel: v}[name] })
		if err != nil || s.LogLevel != want {
			t.Errorf("%s=%s: level %v, %v", contract.EnvLogLevel, v, s.LogLevel, err)
		}
	}
	for k, v := range map[string]string{
		contract.EnvIMAPAddr: "imap.gmail.com", contract.EnvLookbackDays: "0", contract.EnvMaxDeletes: "many", contract.EnvLogLevel: "loud",
	} {
		_, err := SettingsFromEnv(func(name string) string {
			if name == k {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: err %v does not name the variable", k, v, err)
		}
	}
}

// BenchmarkRun1000 applies 1,000 new notices through the real adapters (two
// runs: one run takes at most imapmail.DefaultMaxMails) and reports the peak
// heap in use, fakes included.
func BenchmarkRun1000(b *testing.B) {
	for range b.N {
		b.StopTimer()
		r := newRig(b)
		for i := range 1000 {
			r.deliver("登録", fmt.Sprintf("会議%04d", i), jan15)
		}
		runtime.GC()
		stop := make(chan struct{})
		peak := make(chan uint64)
		go func() {
			var peakInuse uint64
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				peakInuse = max(peakInuse, ms.HeapInuse)
				select {
				case <-stop:
					peak <- peakInuse
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}()
		b.StartTimer()
		r.mustRun()
		r.mustRun()
		b.StopTimer()
		close(stop)
		b.ReportMetric(float64(<-peak)/(1<<20), "MB-heap-inuse")
	}
}

// The secret's series_delete reaches the engine: "flag" (the default) keeps
// and marks a repeating appointment Garoon sent an unscoped delete for,
// "all" deletes it.
func TestSeriesDeleteSetting(t *testing.T) {
	series := "毎週月曜日 10:00 ～ 11:00\r\n期間　　：2024年01月08日（月）～2024年03月25日（月）"
	for _, tt := range []struct {
		setting string
		want    []string
	}{
		{"", []string{"[要確認] 朝会@2024-01-08T10:00:00+09:00"}},
		{contract.SeriesDeleteAll, nil},
	} {
		r := newRig(t)
		if tt.setting != "" {
			r.c.SeriesDelete = tt.setting
		}
		r.deliver("登録", "朝会", series)
		r.mustRun()
		r.deliver("削除", "朝会", series)
		rep := r.mustRun()
		if got := r.events(); !slices.Equal(got, tt.want) {
			t.Errorf("series_delete %q: events %q, want %q (steps %+v)", tt.setting, got, tt.want, rep.Steps)
		}
	}
}
