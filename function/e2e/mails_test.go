package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/testmail"
)

// charsets the mails of a run rotate through: the four a Japanese Garoon
// user can choose (testmail writes ISO-2022-JP 7bit and the others base64,
// as Garoon does).
var charsets = []string{"Shift_JIS", "ISO-2022-JP", "EUC-JP", "UTF-8"}

var mailSeq int

// notice builds a Garoon notice in the i-th charset. when is the 日時 value.
func notice(t *testing.T, i int, from, tag, title, when string, extra ...string) []byte {
	t.Helper()
	cs := charsets[i%len(charsets)]
	mailSeq++
	body := "日時　　：" + when + "\r\n予定　　：会議:" + title + "\r\n参加者　：山田 太郎,髙橋 一郎\r\n"
	for _, l := range extra {
		body += l + "\r\n"
	}
	body += "メモ　　：\r\n資料①を持参\r\n"
	subject := "[" + tag + "] 会議:" + title // ASCII colon, as Garoon joins menu and title
	if cs == "ISO-2022-JP" || cs == "EUC-JP" {
		// Their JIS X 0208 has no circled digits and no 髙: Garoon's
		// mails in them carry substitutes.
		body = strings.NewReplacer("①", "(1)", "髙", "高").Replace(body)
	}
	sent := time.Date(2026, 11, 20, 9, 0, 0, 0, time.FixedZone("", 9*3600)).Add(time.Duration(mailSeq) * time.Minute)
	envelope := from
	if i := strings.LastIndex(from, "<"); i >= 0 {
		envelope = strings.Trim(from[i:], "<>")
	}
	return testmail.Mail{Charset: cs, From: from, Date: sent.Format(time.RFC1123Z), Subject: subject, Body: body, Version: "6.0.2",
		MessageID: fmt.Sprintf("e2e-%d-%d@mail.example.jp", os.Getpid(), mailSeq), ReturnPath: envelope}.Bytes()
}

// day is the i-th working slot in December 2026, one hour long.
func day(i int) string {
	d := time.Date(2026, 12, 1+i%28, 9+i/28%8, 0, 0, 0, time.UTC)
	wd := [...]string{"日", "月", "火", "水", "木", "金", "土"}[d.Weekday()]
	return fmt.Sprintf("%d年%02d月%02d日（%s） %02d:00 ～ %d年%02d月%02d日（%s） %02d:30", d.Year(), d.Month(), d.Day(), wd, d.Hour(), d.Year(), d.Month(), d.Day(), wd, d.Hour())
}

// demoMails are the sample story of `garoon-sync demo`, in name order.
func demoMails(t *testing.T) [][]byte {
	t.Helper()
	paths, err := filepath.Glob("../cmd/garoon-sync/demo/*.eml")
	must(t, err)
	if len(paths) != 8 {
		t.Fatalf("want the 8 demo mails, found %d", len(paths))
	}
	sort.Strings(paths)
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		must(t, err)
		out = append(out, b)
	}
	return out
}

// unrelated is a mail from someone else.
func unrelated(i int) []byte {
	return fmt.Appendf(nil, "From: colleague%d@example.jp\r\nTo: %s\r\nSubject: =?UTF-8?B?%s?=\r\nDate: Fri, 20 Nov 2026 10:00:00 +0900\r\n"+
		"Message-ID: <other-%d@example.jp>\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"+
		"%s\r\n", i, imapUser, base64.StdEncoding.EncodeToString([]byte("[登録] 会議：似ているが違う")), i,
		strings.Repeat("これは関係のないメールです。\r\n", 20))
}

// slotStart is the RFC 3339 prefix of day(i)'s start, as the calendar holds it.
func slotStart(i int) string {
	return fmt.Sprintf("2026-12-%02dT%02d:00:00", 1+i%28, 9+i/28%8)
}
