package garoon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// examplesDir holds the v2 example mails and their expected records,
// written from Garoon's templates (see its README.md).
const examplesDir = "testdata/examples"

// TestExamples compares the parser with testdata/examples/EXPECTED.json by
// the rules of the examples' scorer (docs/garoon-mails.md §5): only the
// keys an expected object has; action and kind only for ignored mails;
// RRULE parts order-free with UNTIL compared by day in the zone.
func TestExamples(t *testing.T) { checkExpected(t, examplesDir, 16) }

// TestCorpus: the 330 mails of testdata/corpus, written by an independent
// generator from Garoon's templates (see its README.md), by the same rules.
func TestCorpus(t *testing.T) { checkExpected(t, "testdata/corpus", 330) }

func checkExpected(t *testing.T, dir string, atLeast int) {
	expected := readExpected(t, dir)
	if len(expected) < atLeast {
		t.Fatalf("%s/EXPECTED.json lists %d mails, want at least %d", dir, len(expected), atLeast)
	}
	for name, want := range expected {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			opt := Options{Zone: JST}
			args, _ := want["args"].([]any)
			for i := 0; i+1 < len(args); i += 2 {
				switch v := args[i+1].(string); args[i] {
				case "--time-zone":
					if opt.Zone, err = time.LoadLocation(v); err != nil {
						t.Fatal(err)
					}
				case "--sender":
					opt.Sender = v
				default:
					t.Fatalf("args %v", args)
				}
			}
			zone := opt.Zone
			n, err := Parse(raw, opt)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			b, _ := json.Marshal(n.Record())
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			keys := []string{"action", "kind"}
			if want["action"] != "ignore" {
				keys = keys[:0]
				for k := range want {
					if k != "category" && k != "args" {
						keys = append(keys, k)
					}
				}
			}
			for _, k := range keys {
				g, w := got[k], want[k]
				if k == "recurrence" {
					g, w = rruleParts(t, g, zone), rruleParts(t, w, zone)
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("%s = %v, want %v", k, got[k], want[k])
				}
			}
		})
	}
}

func readExpected(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "EXPECTED.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]map[string]any
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatal(err)
	}
	return expected
}

// rruleParts splits RRULE lines into sorted parts, BYDAY sorted, UNTIL as
// the day in the zone.
func rruleParts(t *testing.T, v any, zone *time.Location) []string {
	var out []string
	for _, line := range v.([]any) {
		for part := range strings.SplitSeq(strings.TrimPrefix(line.(string), "RRULE:"), ";") {
			k, val, _ := strings.Cut(part, "=")
			switch k {
			case "UNTIL":
				u, err := time.Parse("20060102T150405Z", val)
				if err != nil {
					t.Fatalf("UNTIL %q: %v", val, err)
				}
				val = u.In(zone).Format(time.DateOnly)
			case "BYDAY":
				days := strings.Split(val, ",")
				slices.Sort(days)
				val = strings.Join(days, ",")
			}
			out = append(out, k+"="+val)
		}
	}
	slices.Sort(out)
	return out
}

const okBody = "日時　　：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\r\n予定　　：会議:定例\r\n参加者　：\r\nメモ　　：\r\n"

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

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(examplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	truncatedBase64 := readExample(t, "01-ja-sjis-timed.eml")
	truncatedBase64 = truncatedBase64[:len(truncatedBase64)-7]
	multipartHeader := "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=ba\r\n"
	repeat := func(when, period string) string {
		return "日時　　：" + when + "\r\n期間　　：" + period + "\r\n予定　　：朝会\r\n参加者　：\r\nメモ　　：\r\n"
	}
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
		{"February 30", rawMail("", withWhen("2024年02月30日（金） 10:00 ～ 2024年02月30日（金） 11:00")),
			`line 1 "日時　　：2024年02月30日（金） 10:00 ～ 2024年02月30日（金） 11:00": no such day: 2024-02-30`},
		{"year-less February 30", rawMail("", withWhen("02月30日（金） 10:00")), "no such day: 02-30"},
		{"April 31 end", rawMail("", withWhen("2024年04月30日（火） ～ 2024年04月31日（水）")), "no such day: 2024-04-31"},
		{"month 13", rawMail("", withWhen("2024年13月01日 10:00")), "no such day: 2024-13-01"},
		{"hour 25", rawMail("", withWhen("2024年01月15日（月） 25:00 ～ 2024年01月15日（月） 26:00")), "hour out of range: 25:00"},
		{"minute 61", rawMail("", withWhen("2024年01月15日（月） 10:61")), "minute out of range: 10:61"},
		{"13 PM", rawMail("", withWhen("2024年01月15日（月） 13:00 PM")), "hour out of range: 13:00 PM"},
		{"stray text", rawMail("", withWhen("2024年01月15日（月） 10:00 11")), `unexpected " 11" after the time`},
		{"unknown weekday", rawMail("", withWhen("2024年01月15日（X） 10:00")), `unknown weekday "X"`},
		{"ends before it starts", rawMail("", withWhen("2024年01月15日（月） 10:00 ～ 2024年01月14日（日） 11:00")), "ends before it starts"},
		{"one side without time", rawMail("", withWhen("2024年01月15日（月） 10:00 ～ 2024年01月16日（火）")), "one side of the range has a time"},
		{"date line without date", rawMail("", withWhen("未定")), `no date at "未定"`},
		{"year is --", rawMail("", withWhen("--年01月15日（） 10:00 ～ --年01月15日（） 11:00")), `line 1 "日時　　：--年01月15日（） 10:00 ～ --年01月15日（） 11:00": the year is "--"`},
		{"English year is --", rawMail("", "Date and time: , January 15, -- 10:00 ～ , January 15, -- 11:00\r\nAppointment: x\r\nNotes: \r\n"), `the year is "--"`},
		{"year-less without Date header", []byte("From: no-reply@cybozu.com\r\nSubject: " + subjectAdd + "\r\n\r\n日時　　：01月15日（月） 10:00\r\n予定　　：定例\r\n"), "no Date header"},
		{"repeat without period", rawMail("", "日時　　：毎週月曜日 10:00 ～ 10:30\r\n予定　　：朝会\r\n"), `line 1 "日時　　：毎週月曜日 10:00 ～ 10:30": a repeat condition, but the mail has no period line`},
		{"unknown repeat rule", rawMail("", repeat("毎年 10:00 ～ 10:30", "2024年01月01日～2024年12月31日")), "not a repeat condition this parser knows"},
		{"repeat month day 32", rawMail("", repeat("毎月 32 日 10:00 ～ 10:30", "2024年01月01日～2024年12月31日")), "day of the month out of range: 32"},
		{"period ends before it starts", rawMail("", repeat("毎日 10:00 ～ 10:30", "2024年03月01日～2024年02月01日")), `line 2 "期間　　：2024年03月01日～2024年02月01日": ends before it starts`},
		{"repeat period February 30", rawMail("", repeat("毎日 10:00 ～ 10:30", "2024年02月01日～2024年02月30日")), "no such day: 2024-02-30"},
		{"no occurrence in the period", rawMail("", repeat("毎週月曜日 10:00 ～ 10:30", "2024年01月02日（火）～2024年01月05日（金）")), "no occurrence between 2024-01-02 and 2024-01-05"},
		{"candidate block with a broken date", rawMail("", "日時候補：2024年01月15日（月） 10:00 ～ 2024年01月15日（月） 11:00\r\n　　　　　2024年01月32日（月） 10:00 ～ 2024年01月32日（月） 11:00\r\n予定　　：x\r\n"), `line 2 "　　　　　2024年01月32日（月） 10:00 ～ 2024年01月32日（月） 11:00": no such day`},
		{"no text part", rawMail(multipartHeader, "--ba\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--ba--\r\n"), "no text/plain part"},
		{"truncated multipart", rawMail(multipartHeader, "--ba\r\nContent-Type: text/plain\r\n\r\n"+okBody), "truncated or malformed multipart"},
		{"multipart without boundary", rawMail("Content-Type: multipart/mixed\r\n", okBody), "without a boundary"},
		{"multipart too deep", rawMail(multipartHeader, nested(5)), "nested deeper than 5 levels"},
		{"oversized", rawMail("", strings.Repeat("x", MaxMailBytes)), "at most 10 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(tc.raw, Options{})
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
	n, err := Parse(rawMail("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=ba\r\n", nested(4)), Options{})
	if err != nil || n.Title != "定例" {
		t.Fatalf("%v %+v", err, n)
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
		{"Garoon <NO-REPLY@cybozu.com>", ActionUpsert},
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
	// China region
	cn := bytes.Replace(raw, []byte("From: no-reply@cybozu.com"), []byte("From: no-reply@cybozu.cn"), 1)
	if n, err := Parse(cn, Options{}); err != nil || n.Action != ActionUpsert {
		t.Errorf("no-reply@cybozu.cn: %v %+v", err, n)
	}
	// On premise: the admin's bare address, no display name, and Garoon's X-Mailer.
	onprem := bytes.Replace(raw, []byte("From: no-reply@cybozu.com"), []byte("From: Garoon@Corp.Example.jp"), 1)
	if n, err := Parse(onprem, Options{Sender: "garoon@corp.example.jp"}); err != nil || n.Action != ActionUpsert {
		t.Errorf("configured sender: %v %+v", err, n)
	}
	if n, err := Parse(onprem, Options{}); err != nil || n.Action != ActionIgnore {
		t.Errorf("unconfigured, no X-Mailer: %v %+v", err, n)
	}
	withMailer := bytes.Replace(onprem, []byte("Subject:"), []byte("X-Mailer: Cybozu(R) Garoon(R) Version 5.9.2\r\nSubject:"), 1)
	if n, err := Parse(withMailer, Options{}); err != nil || n.Action != ActionUpsert {
		t.Errorf("unconfigured, Garoon X-Mailer: %v %+v", err, n)
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
		if got := Address(in); got != want {
			t.Errorf("Address(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnvelope(t *testing.T) {
	n, err := Parse([]byte("From: x@example.jp\r\nDate: Sun, 31 Dec 2023 16:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\n"), Options{})
	if err != nil || n.Date.Format(time.RFC3339) != "2024-01-01T01:00:00+09:00" || n.MessageID != "a@b" {
		t.Errorf("%v %v %q", err, n.Date, n.MessageID)
	}
	// The Date header is shown in the configured zone.
	n, _ = Parse([]byte("From: x@example.jp\r\nDate: Sun, 31 Dec 2023 16:00:00 +0000\r\n\r\n"), Options{Zone: losAngeles})
	if n.Date.Format(time.RFC3339) != "2023-12-31T08:00:00-08:00" {
		t.Errorf("date in Los Angeles: %v", n.Date)
	}
	for _, d := range []string{"Mon, 8 Jan 2024 10:00:00 +0900 (JST)", "8 Jan 2024 01:00 GMT", "Mon, 08 Jan 24 01:00:00 +0000", "Mon,  8 Jan 2024 10:00 +0900"} {
		got, ok := mailDate(d)
		if !ok || !got.Equal(time.Date(2024, 1, 8, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("mailDate(%q) = %v %v", d, got, ok)
		}
	}
}

// TestYearFromMailDate: a year-less date takes the year, of the mail's
// year and its neighbours, that puts it nearest the mail's date in the
// zone (docs/garoon-mails.md §4).
func TestYearFromMailDate(t *testing.T) {
	for _, tc := range []struct{ sent, date, want string }{
		{"2024-12-28T10:00:00+09:00", "01月05日", "2025-01-05"},
		{"2025-01-03T10:00:00+09:00", "12月27日", "2024-12-27"},
		{"2024-06-15T10:00:00+09:00", "06月20日", "2024-06-20"},
		{"2024-02-10T10:00:00+09:00", "02月29日", "2024-02-29"},
		{"2025-03-01T10:00:00+09:00", "02月29日", "2024-02-29"}, // only 2024 has it
		// 2024-06-30 20:00 in Los Angeles is already July 1 in Tokyo: the
		// year comes from the day in the configured zone.
		{"2024-06-30T20:00:00-07:00", "01月01日", "2024-01-01"},
	} {
		ref, _ := time.Parse(time.RFC3339, tc.sent)
		ref = ref.In(ref.Location())
		d, _, err := readDate(tc.date, languageOf(langJA))
		var got Date
		if err == nil {
			got, err = resolveDate(d, ref)
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("mail %s, %s: got %v %v, want %s", tc.sent, tc.date, got, err, tc.want)
		}
	}
}

// TestEnglishDayMonthOrder: MM/DD and DD/MM are told apart by the weekday;
// when both readings fall on the same weekday, MM/DD (the default) wins.
func TestEnglishDayMonthOrder(t *testing.T) {
	ref := time.Date(2027, 3, 1, 0, 0, 0, 0, tokyo)
	for _, tc := range []struct{ in, want string }{
		{"04/05/2027(Mon)", "2027-04-05"}, // April 5 is a Monday, May 4 a Tuesday
		{"05/04/2027(Mon)", "2027-04-05"}, // DD/MM
		{"05/04/2027(Tue)", "2027-05-04"}, // MM/DD
		{"13/04/2027(Tue)", "2027-04-13"}, // only DD/MM is a date
		{"03/03/2027(Wed)", "2027-03-03"},
		// January 7 and July 1, 2026 are both Wednesdays: MM/DD.
		{"01/07/2026(Wed)", "2026-01-07"},
		{"07/01/2026(Wed)", "2026-07-01"},
		// Neither December 1 (Tue) nor January 12 (Mon) is a Wednesday: MM/DD.
		{"12/01/2026(Wed)", "2026-12-01"},
		{"12/01/2026(Mon)", "2026-01-12"},
	} {
		d, rest, err := readDate(tc.in, languageOf(langEN))
		var got Date
		if err == nil && rest == "" {
			got, err = resolveDate(d, ref)
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("%s: got %v %v, want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestRecordJSON(t *testing.T) {
	n := &Notice{Kind: KindAdd, Action: ActionUpsert, Language: "ja", Title: "定例", Menu: "会議",
		Start: time.Date(2024, 1, 15, 1, 0, 0, 0, time.UTC).In(tokyo), End: time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC).In(tokyo),
		Attendees: []string{"山田 太郎"}, Memo: "a\nb"}
	got, _ := json.Marshal(n.Record())
	want := `{"action":"upsert","kind":"add","language":"ja","title":"定例","menu":"会議","start":"2024-01-15T10:00:00+09:00","end":"2024-01-15T11:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["山田 太郎"],"facilities":[],"memo":"a\nb","attachments":[]}`
	if string(got) != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
	ig := &Notice{Kind: KindOther, Action: ActionIgnore, Reason: "attendance reply [出席]", Title: "x"}
	got, _ = json.Marshal(ig.Record())
	want = `{"action":"ignore","kind":"other","reason":"attendance reply [出席]","language":"","title":"","menu":"","start":"","end":"","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":[],"facilities":[],"memo":"","attachments":[]}`
	if string(got) != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

func TestQuotedPrintableIsLenient(t *testing.T) {
	got := string(decodeQuotedPrintable([]byte("a=3Db =ZZ c=\r\nd  \r\ne=E3=81=82")))
	if got != "a=b =ZZ cd\r\neあ" {
		t.Errorf("got %q", got)
	}
}

// recordJSON is the record as `garoon-sync parse` writes it (no HTML
// escaping).
func recordJSON(n *Notice) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(n.Record())
	return strings.TrimSuffix(b.String(), "\n")
}

// corpus is every test mail: the examples, the generated table and the
// flows of flows_test.go.
func corpus(tb testing.TB) [][]byte {
	var out [][]byte
	paths, _ := filepath.Glob(filepath.Join(examplesDir, "*.eml"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	for _, c := range generatedCases(tb) {
		out = append(out, c.mail.Bytes())
	}
	for _, f := range flows {
		out = append(out, f.mail.Bytes())
	}
	return out
}

// TestWriteCorpus writes the corpus to $GAROON_CORPUS_DIR, for
// scripts/bench_python_email.py to time Python on the same mails (make
// bench). Without the variable it only counts them.
func TestWriteCorpus(t *testing.T) {
	mails := corpus(t)
	dir := os.Getenv("GAROON_CORPUS_DIR")
	if dir == "" {
		if len(mails) < 1000 {
			t.Errorf("corpus has %d mails", len(mails))
		}
		return
	}
	for i, m := range mails {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d.eml", i)), m, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, m := range corpus(f) {
		f.Add(m, "")
	}
	f.Add(rawMail("", okBody), "no-reply@cybozu.com")
	f.Add([]byte("From: a@b\r\n\r\n"), "a@b")
	f.Fuzz(func(t *testing.T, raw []byte, sender string) {
		n, err := Parse(raw, Options{Sender: sender, Explain: true})
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
		if rec.Start == "" || rec.End == "" || rec.Language == "" {
			t.Fatalf("%s notice without start, end or language: %+v", n.Action, rec)
		}
		if n.End.Before(n.Start) || n.AllDay && !n.End.After(n.Start) {
			t.Fatalf("ends before it starts: %+v", rec)
		}
		if (len(n.Recurrence) > 0) != !n.PeriodStart.IsZero() {
			t.Fatalf("recurrence without period or the reverse: %+v", rec)
		}
	})
}

// BenchmarkParse parses the corpus, round robin: ns/mail compares with
// scripts/bench_python_email.py on the same mails (make bench).
func BenchmarkParse(b *testing.B) {
	benchmark(b, func(raw []byte) error {
		_, err := Parse(raw, Options{})
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
