package e2e

import (
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/testmail"
)

// garoonMail is a notice exactly as Garoon writes it (testmail): Shift_JIS,
// no Message-ID. lines are the body lines before 予定 (日時, 期間 or
// 日時候補).
func garoonMail(t *testing.T, tag, title string, lines ...string) []byte {
	t.Helper()
	mailSeq++
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("予定　　：会議:" + title + "\r\n参加者　：山田 太郎,佐藤 花子\r\n施設　　：第1会議室\r\nメモ　　：\r\n週次の進捗確認\r\n")
	sent := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("", 9*3600)).Add(time.Duration(mailSeq) * time.Minute)
	return testmail.Mail{Charset: "Shift_JIS", From: garoon, Date: sent.Format(time.RFC1123Z), Subject: "[" + tag + "] 会議:" + title,
		Body: b.String(), Version: "5.15.0"}.Bytes()
}

// TestRepeatingStory is a weekly meeting's life in Garoon, one scheduled
// run per step: created, one occurrence moved (this only), the following
// ones moved (this and following), the new part changed (all), a delete
// Garoon cannot scope (kept and marked), and a tentative appointment
// confirmed. After each run every week holds exactly the occurrences it
// should.
func TestRepeatingStory(t *testing.T) {
	w := newWorld(t, functionTimeout)
	w.private = append(w.private, "週次定例", "週次の進捗確認", "佐藤 花子", "予算レビュー")
	st := story{t: t, w: w}
	step := st.step
	const rule = "日時　　：毎週火曜日 10:00 ～ 11:00"
	all := "期間　　：2026年12月01日（火）～2027年01月26日（火）"
	w.dove.deliver(garoonMail(t, "登録", "週次定例", rule, all))
	step("add", map[string]int{"created": 1},
		"12-01 10:00 週次定例", "12-08 10:00 週次定例", "12-15 10:00 週次定例", "12-22 10:00 週次定例",
		"12-29 10:00 週次定例", "01-05 10:00 週次定例", "01-12 10:00 週次定例", "01-19 10:00 週次定例", "01-26 10:00 週次定例", "")

	w.dove.deliver(garoonMail(t, "変更", "週次定例", "日時　　：毎週火曜日 16:00 ～ 16:30", "期間　　：2026年12月15日（火）～2026年12月15日（火）"))
	step("this only", map[string]int{"updated": 1},
		"12-01 10:00 週次定例", "12-08 10:00 週次定例", "12-15 16:00 週次定例", "12-22 10:00 週次定例")

	w.dove.deliver(garoonMail(t, "変更", "週次定例", "日時　　：毎週火曜日 15:00 ～ 16:00", "期間　　：2027年01月05日（火）～2027年01月26日（火）"))
	step("this and following", map[string]int{"updated": 1},
		"12-01 10:00 週次定例", "12-08 10:00 週次定例", "12-15 16:00 週次定例", "12-22 10:00 週次定例",
		"12-29 10:00 週次定例", "01-05 15:00 週次定例", "01-12 15:00 週次定例", "01-19 15:00 週次定例", "01-26 15:00 週次定例", "")

	w.dove.deliver(garoonMail(t, "変更", "週次定例", "日時　　：毎週火曜日 15:30 ～ 16:30", "期間　　：2027年01月05日（火）～2027年01月26日（火）"))
	step("all (of the new part)", map[string]int{"updated": 1},
		"12-01 10:00 週次定例", "12-08 10:00 週次定例", "12-15 16:00 週次定例", "12-22 10:00 週次定例",
		"12-29 10:00 週次定例", "01-05 15:30 週次定例", "01-12 15:30 週次定例", "01-19 15:30 週次定例", "01-26 15:30 週次定例", "")

	// Garoon mails every delete of the first part (this, following, all)
	// with its whole period: kept, marked, counted.
	w.dove.deliver(garoonMail(t, "削除", "週次定例", rule, "期間　　：2026年12月01日（火）～2026年12月29日（火）"))
	step("ambiguous delete", map[string]int{"attention": 1, "deleted": 0},
		"12-01 10:00 [要確認] 週次定例", "12-08 10:00 [要確認] 週次定例", "12-15 16:00 週次定例", "12-22 10:00 [要確認] 週次定例",
		"12-29 10:00 [要確認] 週次定例", "01-05 15:30 週次定例")
	marked := 0
	for _, ev := range w.cal.Events() {
		if ev.Private["garoonSyncAttention"] == "ambiguous-delete" {
			marked++
		}
	}
	if marked != 1 {
		t.Errorf("%d events marked, want 1", marked)
	}

	// A tentative appointment with two candidates, then confirmed.
	w.dove.deliver(garoonMail(t, "登録", "予算レビュー",
		"日時候補：2026年12月02日（水） 13:00 ～ 2026年12月02日（水） 14:00",
		"　　　　　2026年12月03日（木） 13:00 ～ 2026年12月03日（木） 14:00"))
	step("tentative", map[string]int{"created": 1},
		"12-01 10:00 [要確認] 週次定例, 12-02 13:00 [仮] 予算レビュー ?, 12-03 13:00 [仮] 予算レビュー ?")
	w.dove.deliver(garoonMail(t, "確定", "予算レビュー", "日時　　：2026年12月03日（木） 13:00 ～ 2026年12月03日（木） 14:00"))
	step("confirm", map[string]int{"updated": 1},
		"12-01 10:00 [要確認] 週次定例, 12-03 13:00 予算レビュー")

	if r := w.invoke(); r.n("seen") != 0 {
		t.Errorf("a last run saw mails again: %v", r)
	}
	if w.cal.Count(fakecal.KindUpdate) != 0 {
		t.Error("an edit used events.update, a full replace; edits must be patches")
	}
	w.wantMarked(7)
	w.wantQuiet()
}

// story checks a calendar week by week after each scheduled run.
type story struct {
	t *testing.T
	w *world
}

// week is week i (from Monday 2026-11-30) as "MM-DD HH:MM title" lines,
// tentative ones marked "?".
func (s story) week(i int) string {
	jst := time.FixedZone("JST", 9*3600)
	from := time.Date(2026, 11, 30, 0, 0, 0, 0, jst).AddDate(0, 0, 7*i)
	var out []string
	for _, ev := range s.w.cal.Occurrences("primary", from, from.AddDate(0, 0, 7)) {
		start, _ := time.Parse(time.RFC3339, ev.Start)
		line := start.In(jst).Format("01-02 15:04") + " " + ev.Summary
		if ev.Status == "tentative" {
			line += " ?"
		}
		out = append(out, line)
	}
	return strings.Join(out, ", ")
}

// step invokes the function once and checks the run's counts in want and
// the first len(weeks) weeks of the calendar.
func (s story) step(name string, want map[string]int, weeks ...string) {
	s.t.Helper()
	r := s.w.invoke()
	if r.err() != "" || r.n("failed") != 0 {
		s.t.Fatalf("%s: %v\n%s", name, r, s.w.logs())
	}
	for k, n := range want {
		if r.n(k) != n {
			s.t.Errorf("%s: %s = %d, want %d (%v)", name, k, r.n(k), n, r)
		}
	}
	for i, wantWeek := range weeks {
		if got := s.week(i); got != wantWeek {
			s.t.Errorf("%s: week %d:\n got  %s\n want %s", name, i, got, wantWeek)
		}
	}
}
