package garoon

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/mail/*.json from the parser's output")

// The goldens come from testdata/gen.py, written from FORMAT.md by hand;
// -update rewrites them from the parser (review the diff before committing).
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
	n, err := Parse(raw, "")
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

// sharedExamples is ../shared/garoon/examples beside the repository, as CI
// clones it.
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
	for name, want := range expected {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(sharedExamples, name))
			if err != nil {
				t.Fatal(err)
			}
			n, err := Parse(raw, "")
			if err != nil {
				t.Fatal(err)
			}
			got := n.Record()
			if want.Action == ActionIgnore {
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

func rawMail(headers, body string) []byte {
	return []byte("From: no-reply@cybozu.com\r\nDate: Mon, 08 Jan 2024 10:00:00 +0900\r\nSubject: =?UTF-8?B?W+eZu+mMsl0g5a6a5L6L?=\r\n" +
		headers + "\r\n" + body)
}

func TestParseErrorsNameTheProblem(t *testing.T) {
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"no blank line after headers", "From: no-reply@cybozu.com\r\nSubject: [登録] x", "headers"},
		{"bad base64", string(rawMail("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n", "@@@@ not base64 ####\r\n")), "bad base64"},
		{"unknown charset", string(rawMail("Content-Type: text/plain; charset=x-klingon\r\n", okBody)), `unknown charset "x-klingon"`},
		{"unknown transfer encoding", string(rawMail("Content-Transfer-Encoding: x-uuencode\r\n", okBody)), `unknown Content-Transfer-Encoding "x-uuencode"`},
		{"invalid utf-8", string(rawMail("Content-Type: text/plain; charset=UTF-8\r\n", "\xff\xfe\xfd\r\n")), "not valid UTF-8"},
		{"impossible date", string(rawMail("", strings.Replace(okBody, "01月15日（月） 10:00 ～ 2024年01月15日", "02月30日（金） 10:00 ～ 2024年02月30日", 1))), "day 30 does not exist in 2024-02"},
		{"impossible time", string(rawMail("", strings.Replace(okBody, "10:00", "25:00", 1))), "out of range"},
		{"no date line", string(rawMail("", "予定　　：会議:定例\r\nメモ　　：\r\n")), "no 日時 line"},
		{"repeat without period", string(rawMail("", "日時　　：毎週月曜日 10:00 ～ 10:30\r\n予定　　：朝会\r\n")), "no 期間 line"},
		{"unknown repeat rule", string(rawMail("", "日時　　：毎年 10:00 ～ 10:30\r\n期間　　：2024年01月01日～2024年12月31日\r\n予定　　：朝会\r\n")), "unknown repeat rule"},
		{"too deep multipart", string(rawMail("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=a\r\n",
			"--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\nContent-Type: multipart/mixed; boundary=d\r\n\r\n--d\r\nContent-Type: multipart/mixed; boundary=e\r\n\r\n--e\r\nContent-Type: multipart/mixed; boundary=f\r\n\r\n--f\r\n\r\nx\r\n")), "nested deeper than 5"},
		{"truncated multipart", string(rawMail("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=a\r\n", "--a\r\nContent-Type: text/plain\r\n")), "multipart"},
		{"year-less date without Date header", "From: no-reply@cybozu.com\r\nSubject: =?UTF-8?B?W+eZu+mMsl0g5a6a5L6L?=\r\n\r\n日時　　：1月15日 10:00\r\n予定　　：定例\r\n", "no Date header"},
		{"oversized", string(rawMail("", strings.Repeat("x", maxMailBytes))), "more than the"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse([]byte(tc.raw), "")
			if err == nil {
				t.Fatalf("no error; notice %+v", n.Record())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestMultipartTakesTheTextPart(t *testing.T) {
	raw := rawMail("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n",
		"--zz\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--zz\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"+okBody+"--zz--\r\n")
	n, err := Parse(raw, "")
	if err != nil || n.Title != "定例" {
		t.Fatalf("%v %+v", err, n)
	}
}

func TestSenderOption(t *testing.T) {
	raw := rawMail("Content-Type: text/plain; charset=UTF-8\r\n", okBody)
	for _, tc := range []struct {
		sender string
		want   Action
		reason string
	}{
		{"", ActionUpsert, ""},
		{"no-reply@cybozu.com", ActionUpsert, ""},
		{"NO-REPLY@CYBOZU.COM", ActionUpsert, ""},
		{"garoon@corp.example.jp", ActionIgnore, "is not the Garoon sender"},
	} {
		n, err := Parse(raw, tc.sender)
		if err != nil {
			t.Fatal(err)
		}
		if n.Action != tc.want || !strings.Contains(n.Reason, tc.reason) {
			t.Errorf("sender %q: %s (%q)", tc.sender, n.Action, n.Reason)
		}
	}
	// A forged notice: Garoon's subject and X-Mailer from another address,
	// with the sender configured.
	forged := bytes.Replace(raw, []byte("From: no-reply@cybozu.com"), []byte("From: Garoon <no-reply@cybozu.example.com>\r\nX-Mailer: Cybozu(R) Garoon(R)"), 1)
	if n, _ := Parse(forged, "no-reply@cybozu.com"); n.Action != ActionIgnore {
		t.Errorf("forged mail acted on: %+v", n)
	}
}

func TestYearFromMailDate(t *testing.T) {
	for _, tc := range []struct{ sent, date, want string }{
		{"2024-12-28", "01月05日", "2025-01-05"},
		{"2025-01-03", "12月27日", "2024-12-27"},
		{"2024-06-15", "06月20日", "2024-06-20"},
		{"2024-02-10", "02月29日", "2024-02-29"},
		{"2025-03-01", "02月29日", "2024-02-29"}, // only 2024 has it
	} {
		ref, _ := time.ParseInLocation("2006-01-02", tc.sent, JST)
		p, err := parsePoint(normalizeWhen(tc.date))
		if err == nil {
			err = p.resolve(ref)
		}
		if err != nil || p.date().Format("2006-01-02") != tc.want {
			t.Errorf("mail %s, %s: got %v %v, want %s", tc.sent, tc.date, p.date().Format("2006-01-02"), err, tc.want)
		}
	}
}

func corpus(t testing.TB) [][]byte {
	var out [][]byte
	for _, pattern := range []string{"testdata/mail/*.eml", filepath.Join(sharedExamples, "*.eml")} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
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
	f.Add([]byte("From: a@b\r\n\r\n"), "a@b")
	f.Fuzz(func(t *testing.T, raw []byte, sender string) {
		n, err := Parse(raw, sender)
		if err != nil {
			return
		}
		rec := n.Record()
		if _, err := json.Marshal(rec); err != nil {
			t.Fatal(err)
		}
		if n.Action != ActionIgnore && (rec.Start == "" || rec.End == "" || rec.Title == "") {
			t.Fatalf("acted-on notice without title or times: %+v", rec)
		}
		if n.Action != ActionIgnore && n.End.Before(n.Start) {
			t.Fatalf("ends before it starts: %+v", rec)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	mails := corpus(b)
	var bytesTotal int
	for _, m := range mails {
		bytesTotal += len(m)
	}
	b.SetBytes(int64(bytesTotal / len(mails)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Parse(mails[i%len(mails)], ""); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/mail")
}
