package garoon

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/mail/*.json from the parser's output (review the diff before committing)")

// The goldens come from testdata/gen.py, which writes each expected object
// by hand from FORMAT.md rather than from the parser's output.
func TestParseGolden(t *testing.T) {
	mails, err := filepath.Glob("testdata/mail/*.eml")
	if err != nil || len(mails) < 45 {
		t.Fatalf("want at least 45 test mails, found %d (%v)", len(mails), err)
	}
	for _, path := range mails {
		name := strings.TrimSuffix(filepath.Base(path), ".eml")
		t.Run(name, func(t *testing.T) {
			got := recordJSON(t, path)
			golden := strings.TrimSuffix(path, ".eml") + ".json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s:\n got %s\nwant %s", name, got, want)
			}
		})
	}
}

func recordJSON(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Parse(raw, Options{Sender: ""})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(n.Record()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sharedExamples is shared/garoon/examples beside the repository: the repo
// is checked out at main/ with shared/ next to it, here and in CI.
const sharedExamples = "../../../../shared/garoon/examples"

func TestSharedExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedExamples, "EXPECTED.json"))
	if os.IsNotExist(err) {
		t.Skip("shared/garoon/examples is not beside the repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]Record
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatal(err)
	}
	if len(expected) == 0 {
		t.Fatal("EXPECTED.json lists no examples")
	}
	for name, want := range expected {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(sharedExamples, name))
			if err != nil {
				t.Fatal(err)
			}
			n, err := Parse(raw, Options{Sender: ""})
			if err != nil {
				t.Fatal(err)
			}
			got := n.Record()
			if want.Action == ActionIgnore { // only action and kind count
				got, want = Record{Action: got.Action, Kind: got.Kind}, Record{Action: want.Action, Kind: want.Kind}
			}
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("\n got %s\nwant %s", g, w)
			}
		})
	}
}

const okBody = "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\r\n予定　　：会議:定例\r\nメモ　　：\r\n"

// subjectAdd is "[登録] 定例" as one UTF-8 encoded-word.
const subjectAdd = "=?UTF-8?B?W+eZu+mMsl0g5a6a5L6L?="

// rawMail is a notice from cybozu.com with the given extra header lines and
// body.
func rawMail(headers, body string) []byte {
	return []byte("From: no-reply@cybozu.com\r\nDate: Mon, 08 Jan 2024 10:00:00 +0900\r\nSubject: " + subjectAdd + "\r\n" +
		headers + "\r\n" + body)
}

func withWhen(when string) string {
	return strings.Replace(okBody, "2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00", when, 1)
}

func nested(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString("--b" + string(rune('a'+i)) + "\r\nContent-Type: multipart/mixed; boundary=b" + string(rune('a'+i+1)) + "\r\n\r\n")
	}
	b.WriteString("--b" + string(rune('a'+depth)) + "\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + okBody)
	for i := depth; i >= 0; i-- {
		b.WriteString("--b" + string(rune('a'+i)) + "--\r\n")
	}
	return b.String()
}

func readTestMail(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata/mail", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	truncatedBase64 := readTestMail(t, "01-add-sjis-base64.eml")
	truncatedBase64 = truncatedBase64[:len(truncatedBase64)-7]
	multipartHeader := "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=ba\r\n"
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"truncated header", []byte("From: no-reply@cybozu.com\r\nSubject: [登録] x"), "truncated mail: the header does not end"},
		{"header cut in a field", []byte("From: no-reply@cybozu.com\r\nSubj"), "truncated mail"},
		{"body without blank line", []byte("From: no-reply@cybozu.com\r\n日時　　：2024年01月15日 10:00\r\n\r\n"), "malformed header line"},
		{"truncated base64 body", truncatedBase64, "bad base64"},
		{"bad base64", rawMail("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n", "@@@@ not base64 ####\r\n"), "bad base64"},
		{"unknown charset", rawMail("Content-Type: text/plain; charset=x-klingon\r\n", okBody), `garoon: body: unknown charset "x-klingon"`},
		{"unknown transfer encoding", rawMail("Content-Transfer-Encoding: x-uuencode\r\n", okBody), `unknown Content-Transfer-Encoding "x-uuencode"`},
		{"invalid UTF-8", rawMail("Content-Type: text/plain; charset=UTF-8\r\n", "\xff\xfe\xfd\r\n"), "not valid UTF-8"},
		{"html only", rawMail("Content-Type: text/html; charset=UTF-8\r\n", "<p>x</p>"), `content type "text/html" is not text/plain`},
		{"February 30", rawMail("", withWhen("2024年02月30日（金） 10:00 ～ 2024年02月30日（金） 11:00")), `日時 "2024年02月30日（金） 10:00 ～ 2024年02月30日（金） 11:00": day out of range: 2024-02-30`},
		{"year-less February 30", rawMail("", withWhen("02月30日（金） 10:00")), "day out of range: 02-30"},
		{"April 31 end", rawMail("", withWhen("2024年04月30日（火） ～ 2024年04月31日")), "day out of range: 2024-04-31"},
		{"month 13", rawMail("", withWhen("2024年13月01日 10:00")), "month out of range"},
		{"hour 25", rawMail("", withWhen("2024年01月15日（月） 25:00 ～ 2024年01月15日（月） 26:00")), "hour out of range: 25:00"},
		{"minute 61", rawMail("", withWhen("2024年01月15日（月） 10:61")), "minute out of range: 10:61"},
		{"午後13時", rawMail("", withWhen("2024年01月15日（月） 午後13:00")), "hour out of range: 午後13:00"},
		{"stray number", rawMail("", withWhen("2024年01月15日（月） 10 11")), "unexpected number"},
		{"ends before it starts", rawMail("", withWhen("2024年01月15日（月） 10:00 ～ 2024年01月14日（日） 11:00")), "ends before it starts"},
		{"no date line", rawMail("", "予定　　：会議:定例\r\nメモ　　：\r\n日時：メモの中の日時は読まない\r\n"), "no 日時 line"},
		{"date line without date", rawMail("", withWhen("未定")), "no date"},
		{"year-less without Date header", []byte("From: no-reply@cybozu.com\r\nSubject: " + subjectAdd + "\r\n\r\n日時　　：1月15日 10:00\r\n予定　　：定例\r\n"), "no Date header"},
		{"repeat without period", rawMail("", "日時　　：毎週月曜日 10:00 ～ 10:30\r\n予定　　：朝会\r\n"), "no 期間 line"},
		{"unknown repeat rule", rawMail("", "日時　　：毎週 10:00 ～ 10:30\r\n期間　　：2024年01月01日～2024年12月31日\r\n予定　　：朝会\r\n"), "unknown repeat rule"},
		{"period ends before it starts", rawMail("", "日時　　：毎日 10:00 ～ 10:30\r\n期間　　：2024年03月01日～2024年02月01日\r\n予定　　：朝会\r\n"), "ends before it starts"},
		{"repeat period February 30", rawMail("", "日時　　：毎日 10:00 ～ 10:30\r\n期間　　：2024年02月01日～2024年02月30日\r\n予定　　：朝会\r\n"), "day out of range: 2024-02-30"},
		{"no text part", rawMail(multipartHeader, "--ba\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--ba--\r\n"), "no text/plain part"},
		{"truncated multipart", rawMail(multipartHeader, "--ba\r\nContent-Type: text/plain\r\n\r\n"+okBody), "truncated or malformed multipart"},
		{"multipart without boundary", rawMail("Content-Type: multipart/mixed\r\n", okBody), "without a boundary"},
		{"multipart too deep", rawMail(multipartHeader, nested(5)), "nested deeper than 5 levels"},
		{"oversized", rawMail("", strings.Repeat("x", maxMailBytes)), "at most 10 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(tc.raw, Options{Sender: ""})
			if err == nil {
				t.Fatalf("no error; notice %+v", n.Record())
			}
			if !strings.HasPrefix(err.Error(), "garoon: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestMultipartNestingWithinTheLimit(t *testing.T) {
	n, err := Parse(rawMail("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=ba\r\n", nested(4)), Options{Sender: ""})
	if err != nil || n.Title != "定例" {
		t.Fatalf("%v %+v", err, n)
	}
}

func TestIgnored(t *testing.T) {
	garoonNotice := func(subject string) []byte {
		return []byte("From: no-reply@cybozu.com\r\nSubject: " + subject + "\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + okBody)
	}
	from := func(from, extra string) []byte {
		return []byte("From: " + from + "\r\n" + extra + "Subject: " + subjectAdd + "\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + okBody)
	}
	for _, tc := range []struct {
		name   string
		raw    []byte
		sender string
		reason string
	}{
		{"attendance", garoonNotice("[出席] 会議：定例"), "", "attendance reply [出席]"},
		{"absence", garoonNotice("［欠席］ 会議：定例"), "", "attendance reply [欠席]"},
		{"workflow", garoonNotice("[ワークフロー] 申請"), "", "not a schedule notice [ワークフロー]"},
		{"facility request", garoonNotice("[施設の利用申請] 第1会議室"), "", "not a schedule notice [施設の利用申請]"},
		{"bulletin", garoonNotice("[掲示板] お知らせ"), "", "not a schedule notice [掲示板]"},
		{"no tag", garoonNotice("電話メモ"), "", "not a schedule notice"},
		{"reply", garoonNotice("Re: [登録] 会議：定例"), "", "forwarded/reply"},
		{"forward", garoonNotice("Fwd: [登録] 会議：定例"), "", "forwarded/reply"},
		{"forward, full-width colon", garoonNotice("転送： [登録] 会議：定例"), "", "forwarded/reply"},
		{"other sender", from("Taro <taro@example.jp>", ""), "", `sender "taro@example.jp" is not the Garoon sender`},
		{"look-alike domain", from("no-reply@cybozu.com.evil.example", ""), "", "is not the Garoon sender"},
		{"look-alike display name", from(`"no-reply@cybozu.com" <x@evil.example>`, ""), "", `sender "x@evil.example"`},
		{"forged, sender configured", from("no-reply@cybozu.com", "X-Mailer: Cybozu(R) Garoon(R) Version 6.0.2\r\n"), "garoon@corp.example.jp",
			`sender "no-reply@cybozu.com" is not the Garoon sender "garoon@corp.example.jp"`},
		{"look-alike of the configured sender", from("garoon@corp.example.jp.evil.example", "X-Mailer: Cybozu(R) Garoon(R)\r\n"), "garoon@corp.example.jp", "is not the Garoon sender"},
		// Ignored before the body is read: a broken body does not matter.
		{"attendance with a broken body", []byte("From: no-reply@cybozu.com\r\nSubject: [出席] x\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@\r\n"), "", "attendance reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(tc.raw, Options{Sender: tc.sender})
			if err != nil {
				t.Fatal(err)
			}
			if n.Action != ActionIgnore || n.Kind != KindOther || !strings.Contains(n.Reason, tc.reason) {
				t.Errorf("got %s/%s %q, want ignore/other %q", n.Action, n.Kind, n.Reason, tc.reason)
			}
			rec, _ := json.Marshal(n.Record())
			want := `{"action":"ignore","kind":"other","title":"","menu":"","start":"","end":"","all_day":false,"recurrence":[],"attendees":[],"facilities":[],"memo":""}`
			if string(rec) != want {
				t.Errorf("record %s", rec)
			}
		})
	}
}

func TestSenderOption(t *testing.T) {
	raw := rawMail("Content-Type: text/plain; charset=UTF-8\r\n", okBody)
	for _, tc := range []struct {
		sender string
		want   Action
	}{
		{"", ActionUpsert},
		{"no-reply@cybozu.com", ActionUpsert},
		{" NO-REPLY@CYBOZU.COM ", ActionUpsert},
		{"garoon@corp.example.jp", ActionIgnore},
	} {
		n, err := Parse(raw, Options{Sender: tc.sender})
		if err != nil {
			t.Fatal(err)
		}
		if n.Action != tc.want {
			t.Errorf("sender %q: %s (%q)", tc.sender, n.Action, n.Reason)
		}
	}
	// An on-premise Garoon with its own sender, no X-Mailer.
	onprem := bytes.Replace(raw, []byte("From: no-reply@cybozu.com"), []byte("From: Garoon <Garoon@Corp.Example.jp>"), 1)
	if n, err := Parse(onprem, Options{Sender: "garoon@corp.example.jp"}); err != nil || n.Action != ActionUpsert {
		t.Errorf("configured sender: %v %+v", err, n)
	}
	if n, err := Parse(onprem, Options{Sender: ""}); err != nil || n.Action != ActionIgnore {
		t.Errorf("unconfigured, no X-Mailer: %v %+v", err, n)
	}
}

func TestEnvelope(t *testing.T) {
	raw := readTestMail(t, "61-from-display-name-uppercase.eml")
	n, err := Parse(raw, Options{Sender: ""})
	if err != nil {
		t.Fatal(err)
	}
	if n.From != "no-reply@cybozu.com" || n.Subject != "[登録] 会議：定例" || n.MessageID == "" || strings.ContainsAny(n.MessageID, "<>") {
		t.Errorf("envelope %q %q %q", n.From, n.Subject, n.MessageID)
	}
	if _, off := n.Date.Zone(); off != 9*3600 || n.Date.IsZero() {
		t.Errorf("date %v is not in JST", n.Date)
	}
	// A +0000 Date header is the same instant, shown in JST.
	n, err = Parse([]byte("From: x@example.jp\r\nDate: Sun, 31 Dec 2023 16:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\n"), Options{Sender: ""})
	if err != nil || n.Date.Format(time.RFC3339) != "2024-01-01T01:00:00+09:00" || n.MessageID != "a@b" {
		t.Errorf("%v %v %q", err, n.Date, n.MessageID)
	}
	for _, d := range []string{"Mon, 8 Jan 2024 10:00:00 +0900 (JST)", "8 Jan 2024 01:00 GMT", "Mon, 08 Jan 24 01:00:00 +0000", "Mon,  8 Jan 2024 10:00 +0900"} {
		got, ok := mailDate(d)
		if !ok || !got.Equal(time.Date(2024, 1, 8, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("mailDate(%q) = %v %v", d, got, ok)
		}
	}
}

func TestYearFromMailDate(t *testing.T) {
	for _, tc := range []struct{ sent, date, want string }{
		{"2024-12-28", "01月05日", "2025-01-05"},
		{"2025-01-03", "12月27日", "2024-12-27"},
		{"2024-06-15", "06月20日", "2024-06-20"},
		{"2024-06-15", "1/15", "2024-01-15"},
		{"2024-02-10", "02月29日", "2024-02-29"},
		{"2025-03-01", "02月29日", "2024-02-29"}, // only 2024 has it
	} {
		ref, _ := time.ParseInLocation("2006-01-02", tc.sent, JST)
		p, err := parsePoint(fold(tc.date))
		var got civil
		if err == nil {
			got, err = resolveYear(p.date, ref)
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("mail %s, %s: got %v %v, want %s", tc.sent, tc.date, got, err, tc.want)
		}
	}
}

// TestRangeForms covers each form of FORMAT.md §4 on its own, beyond the
// test mails.
func TestRangeForms(t *testing.T) {
	ref := time.Date(2024, 1, 8, 10, 0, 0, 0, JST)
	for _, tc := range []struct{ in, start, end string }{
		{"2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00", "2024-01-15T10:00:00+09:00", "2024-01-15T11:00:00+09:00"},
		{"2024年01月15日(月)10:00〜2024年01月15日(月)11:00", "2024-01-15T10:00:00+09:00", "2024-01-15T11:00:00+09:00"},
		{"２０２４年１月１５日（月）　１０：００～１１：００", "2024-01-15T10:00:00+09:00", "2024-01-15T11:00:00+09:00"},
		{"2024年01月15日（月） 10:00 ～", "2024-01-15T10:00:00+09:00", "2024-01-15T10:00:00+09:00"},
		{"2024年01月15日（月） 23:00 ～ 01:00", "2024-01-15T23:00:00+09:00", "2024-01-16T01:00:00+09:00"},
		{"2024年01月15日（月） 22:00 ～ 24:00", "2024-01-15T22:00:00+09:00", "2024-01-16T00:00:00+09:00"},
		{"2024年01月15日（月）（終日）", "2024-01-15", "2024-01-16"},
		{"2024年01月15日（月） ～ 2024年01月17日（水）", "2024-01-15", "2024-01-18"},
		{"2024年01月15日（月）", "2024-01-15", "2024-01-16"},
		{"2024/01/15（月） 午前9:05 ～ 2024/01/15（月） 午後12:30", "2024-01-15T09:05:00+09:00", "2024-01-15T12:30:00+09:00"},
		{"1月15日（月） 9時 ～ 1月15日（月） 9時45分", "2024-01-15T09:00:00+09:00", "2024-01-15T09:45:00+09:00"},
		{"Mon, January 15, 2024 10:00 - Mon, January 15, 2024 11:00", "2024-01-15T10:00:00+09:00", "2024-01-15T11:00:00+09:00"},
		{"Mon, Jan 15, 2024 9:00 AM - Mon, Jan 15, 2024 1:30 PM", "2024-01-15T09:00:00+09:00", "2024-01-15T13:30:00+09:00"},
		{"Mon, January 15, 2024 (All day)", "2024-01-15", "2024-01-16"},
		{"2024-01-15 10:00 - 2024-01-16 11:00", "2024-01-15T10:00:00+09:00", "2024-01-16T11:00:00+09:00"},
	} {
		start, end, allDay, err := parseRange(tc.in, ref)
		layout := time.RFC3339
		if allDay {
			layout = time.DateOnly
		}
		if err != nil || start.Format(layout) != tc.start || end.Format(layout) != tc.end {
			t.Errorf("%s: got %s %s %v, want %s %s", tc.in, start.Format(layout), end.Format(layout), err, tc.start, tc.end)
		}
	}
}

func TestRepeatRules(t *testing.T) {
	const period = "2024年04月03日（水）～2024年06月30日（日）"
	const until = ";UNTIL=20240630T145959Z"
	for _, tc := range []struct{ when, rrule, start string }{
		{"毎日 08:45 ～ 09:00", "FREQ=DAILY", "2024-04-03T08:45:00+09:00"},
		{"毎日（土日を除く） 10:00 ～ 13:00", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2024-04-03T10:00:00+09:00"},
		{"毎日（終日）", "FREQ=DAILY", "2024-04-03"},
		{"毎週月曜日 10:00 ～ 10:30", "FREQ=WEEKLY;BYDAY=MO", "2024-04-08T10:00:00+09:00"},
		{"毎週月・水・金曜日 10:00 ～ 10:30", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "2024-04-03T10:00:00+09:00"},
		{"毎月第2火曜日 13:00 ～ 14:00", "FREQ=MONTHLY;BYDAY=2TU", "2024-04-09T13:00:00+09:00"},
		{"毎月第１火曜日 13:00 ～ 14:00", "FREQ=MONTHLY;BYDAY=1TU", "2024-05-07T13:00:00+09:00"},
		{"毎月最終金曜日 17:00 ～ 18:00", "FREQ=MONTHLY;BYDAY=-1FR", "2024-04-26T17:00:00+09:00"},
		{"毎月25日 15:00 ～ 16:00", "FREQ=MONTHLY;BYMONTHDAY=25", "2024-04-25T15:00:00+09:00"},
		{"毎月末日", "FREQ=MONTHLY;BYMONTHDAY=-1", "2024-04-30"},
		{"毎年05月01日（終日）", "FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=1", "2024-05-01"},
		{"毎週火曜日 23:30 ～ 00:30", "FREQ=WEEKLY;BYDAY=TU", "2024-04-09T23:30:00+09:00"},
		{"Every day 9:00 - 9:15", "FREQ=DAILY", "2024-04-03T09:00:00+09:00"},
		{"Every weekday 9:00 - 9:15", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "2024-04-03T09:00:00+09:00"},
		{"Every Monday 10:00 - 10:30", "FREQ=WEEKLY;BYDAY=MO", "2024-04-08T10:00:00+09:00"},
		{"Every month on the 2nd Tuesday 13:00 - 14:00", "FREQ=MONTHLY;BYDAY=2TU", "2024-04-09T13:00:00+09:00"},
		{"Every month on the last Friday 17:00 - 18:00", "FREQ=MONTHLY;BYDAY=-1FR", "2024-04-26T17:00:00+09:00"},
		{"Every month on the 25th 15:00 - 16:00", "FREQ=MONTHLY;BYMONTHDAY=25", "2024-04-25T15:00:00+09:00"},
	} {
		n := &Notice{}
		err := parseRepeat(n, tc.when, period, time.Time{})
		layout := time.RFC3339
		if n.AllDay {
			layout = time.DateOnly
		}
		if err != nil || len(n.Recurrence) != 1 || n.Recurrence[0] != "RRULE:"+tc.rrule+until || n.Start.Format(layout) != tc.start {
			t.Errorf("%s: got %v %s %v, want %s %s", tc.when, n.Recurrence, n.Start.Format(layout), err, tc.rrule, tc.start)
		}
	}
}

// TestBodyQuirks covers layouts the test mails do not: each case is a
// body and what the parser must read from it.
func TestBodyQuirks(t *testing.T) {
	for _, tc := range []struct {
		name, body             string
		start, title, att, fac string
	}{
		{"byte order mark", "\uFEFF" + okBody, "2024-01-15T10:00:00+09:00", "定例", "", ""},
		{"candidate on the next line", "日時候補：\r\n　　　　　2024年01月16日（火） 10:00 ～ 11:00\r\n　　　　　2024年01月17日（水） 10:00 ～ 11:00\r\n予定　　：会議:定例\r\n",
			"2024-01-16T10:00:00+09:00", "定例", "", ""},
		{"indented unknown label ends the list", okBody[:strings.Index(okBody, "メモ")] + "参加者　：山田 太郎,\r\n　　　　　佐藤 花子\r\n　　備考：一覧ではない\r\n施設　　：A室\r\n　続き：x\r\n",
			"2024-01-15T10:00:00+09:00", "定例", "山田 太郎|佐藤 花子", "A室"},
		{"memo label fields are not parsed", okBody + "参加者　：メモの中\r\n", "2024-01-15T10:00:00+09:00", "定例", "", ""},
		{"English label variants", "Date & Time: Mon, January 15, 2024 10:00 - 11:00\r\nAppointment: Sync\r\nAttending: A\r\nNot attending: B\r\nNo response: C\r\nFacility: R1\r\n",
			"2024-01-15T10:00:00+09:00", "Sync", "A|B|C", "R1"},
		{"lone CR line ends", strings.ReplaceAll(okBody, "\r\n", "\r"), "2024-01-15T10:00:00+09:00", "定例", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(rawMail("Content-Type: text/plain; charset=UTF-8\r\n", tc.body), Options{Sender: ""})
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Start.Format(time.RFC3339); got != tc.start || n.Title != tc.title ||
				strings.Join(n.Attendees, "|") != tc.att || strings.Join(n.Facilities, "|") != tc.fac {
				t.Errorf("got %s %q %q %q", got, n.Title, n.Attendees, n.Facilities)
			}
		})
	}
}

func TestFromAddress(t *testing.T) {
	for in, want := range map[string]string{
		"no-reply@cybozu.com":                                "no-reply@cybozu.com",
		"NO-REPLY@CYBOZU.COM (Garoon)":                       "no-reply@cybozu.com",
		"(Garoon) no-reply@cybozu.com":                       "no-reply@cybozu.com",
		`"Garoon <x@y>" <No-Reply@Cybozu.com>`:               "no-reply@cybozu.com",
		"=?UTF-8?B?44Ks44Ot44O844Oz?= <no-reply@cybozu.com>": "no-reply@cybozu.com",
	} {
		if got := address(in); got != want {
			t.Errorf("address(%q) = %q, want %q", in, got, want)
		}
	}
	raw := rawMail("Content-Type: text/plain; charset=UTF-8\r\n", okBody)
	if n, err := Parse(raw, Options{Sender: "Garoon <NO-REPLY@cybozu.com>"}); err != nil || n.Action != ActionUpsert {
		t.Errorf("sender given with a display name: %v %+v", err, n)
	}
}

func TestRecordJSON(t *testing.T) {
	n := &Notice{Kind: KindAdd, Action: ActionUpsert, Title: "定例", Menu: "会議",
		Start: time.Date(2024, 1, 15, 1, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC),
		Attendees: []string{"山田 太郎"}, Memo: "a\nb"}
	got, _ := json.Marshal(n.Record())
	want := `{"action":"upsert","kind":"add","title":"定例","menu":"会議","start":"2024-01-15T10:00:00+09:00","end":"2024-01-15T11:00:00+09:00","all_day":false,"recurrence":[],"attendees":["山田 太郎"],"facilities":[],"memo":"a\nb"}`
	if string(got) != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	n.AllDay, n.Start, n.End = true, time.Date(2024, 1, 15, 0, 0, 0, 0, JST), time.Date(2024, 1, 16, 0, 0, 0, 0, JST)
	if r := n.Record(); r.Start != "2024-01-15" || r.End != "2024-01-16" {
		t.Errorf("all-day record %+v", r)
	}
}

func TestQuotedPrintableIsLenient(t *testing.T) {
	got := string(decodeQuotedPrintable([]byte("a=3Db =ZZ c=\r\nd  \r\ne=E3=81=82")))
	if got != "a=b =ZZ cd\r\neあ" {
		t.Errorf("got %q", got)
	}
}

// corpus is every test mail: ours and the shared examples.
func corpus(tb testing.TB) [][]byte {
	var out [][]byte
	for _, pattern := range []string{"testdata/mail/*.eml", filepath.Join(sharedExamples, "*.eml")} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, m := range corpus(f) {
		f.Add(m, "")
	}
	f.Add(rawMail("", okBody), "no-reply@cybozu.com")
	f.Add(rawMail("", withWhen("毎月第2火曜日 13:00 ～ 14:00")+"期間　　：12月01日～3月31日\r\n"), "")
	f.Add([]byte("From: a@b\r\n\r\n"), "a@b")
	f.Fuzz(func(t *testing.T, raw []byte, sender string) {
		n, err := Parse(raw, Options{Sender: sender})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "garoon: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		rec := n.Record()
		if _, err := json.Marshal(rec); err != nil {
			t.Fatal(err)
		}
		if n.Action == ActionIgnore {
			if n.Reason == "" {
				t.Fatal("ignored without a reason")
			}
			return
		}
		if rec.Start == "" || rec.End == "" {
			t.Fatalf("%s notice without start or end: %+v", n.Action, rec)
		}
		if n.End.Before(n.Start) || n.AllDay && !n.End.After(n.Start) {
			t.Fatalf("ends before it starts: %+v", rec)
		}
	})
}

// BenchmarkParse parses every test mail, round robin: ns/mail and
// allocs/mail compare with scripts/bench_python_email.py on the same files.
func BenchmarkParse(b *testing.B) {
	benchmark(b, func(raw []byte) error {
		_, err := Parse(raw, Options{Sender: ""})
		return err
	})
}

// BenchmarkDecode times only what the Python baseline does: the header,
// the subject's encoded-words and the text body's transfer encoding and
// charset.
func BenchmarkDecode(b *testing.B) {
	benchmark(b, func(raw []byte) error {
		h, body, err := splitMessage(raw)
		if err != nil {
			return err
		}
		_ = decodeHeader(h.subject)
		_, err = textBody(h, body, 0)
		return err
	})
}

func benchmark(b *testing.B, parse func([]byte) error) {
	mails := corpus(b)
	var size int
	for _, m := range mails {
		size += len(m)
	}
	b.SetBytes(int64(size / len(mails)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	i := 0
	for b.Loop() {
		if err := parse(mails[i%len(mails)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/mail")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/mail")
}
