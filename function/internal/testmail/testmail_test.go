package testmail

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSubjectFollowsGaroon(t *testing.T) {
	// Garoon's subject for [登録] 会議:定例ミーティング, as reproduced from its code
	// in SJIS-win, two words, the first of exactly 25 UTF-8 bytes.
	got := encodeSubject("Shift_JIS", "[登録] 会議:定例ミーティング")
	want := "=?Shift_JIS?B?W5NvmF5dIInvi2M6kuiX4YN+?=\r\n =?Shift_JIS?B?gVuDZYNCg5ODTw==?="
	if got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
	got = encodeSubject("ISO-2022-JP", "[登録] 会議:定例ミーティング")
	want = "=?ISO-2022-JP?B?WxskQkVQTz8bKEJdIBskQjJxNUQbKEI6GyRCRGpOYyVfGyhC?=\r\n =?ISO-2022-JP?B?GyRCITwlRiUjJXMlMBsoQg==?="
	if got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
	if got := encodeSubject("UTF-8", "[Edit] Meeting:Weekly"); got != "[Edit] Meeting:Weekly" {
		t.Errorf("an ASCII subject is encoded: %q", got)
	}
}

func TestBytes(t *testing.T) {
	got := string(Mail{Charset: "ISO-2022-JP", Subject: "[登録] A", Body: "日時　　：x\n𠮷\n",
		MessageID: "m1@example.jp", ReturnPath: "no-reply@cybozu.com", Version: "6.0.2"}.Bytes())
	want := "Return-Path: <no-reply@cybozu.com>\r\nDate: Thu, 11 Apr 2019 16:32:30 +0900\r\nFrom: no-reply@cybozu.com\r\n" +
		"Subject: =?ISO-2022-JP?B?WxskQkVQTz8bKEJdIEE=?=\r\nMessage-ID: <m1@example.jp>\r\n" +
		"X-Mailer: Cybozu(R) Garoon(R) Version 6.0.2\r\nmime-version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n\r\n" +
		"\x1b$BF|;~!!!!!'\x1b(Bx\r\n\x1b$B\".\x1b(B\r\n" // 𠮷 is not in JIS X 0208: 〓 (row 2 cell 14, 0x222E)
	if got != want {
		t.Errorf("ISO-2022-JP mail\n got %q\nwant %q", got, want)
	}
	got = string(Mail{Subject: "[登録] 定例", Body: strings.Repeat("あ", 30)}.Bytes())
	if !strings.Contains(got, "charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") ||
		!strings.Contains(got, "\r\n44GC44GC") || strings.Contains(got, "Message-ID") || strings.Contains(got, "Return-Path") {
		t.Errorf("UTF-8 mail with defaults:\n%s", got)
	}
	for line := range strings.SplitSeq(got[strings.Index(got, "\r\n\r\n")+4:], "\r\n") {
		if len(line) > 76 {
			t.Errorf("base64 line of %d columns", len(line))
		}
	}
}

// TestOnlyTestsImportIt keeps the builder out of the shipped code.
func TestOnlyTestsImportIt(t *testing.T) {
	const self = "garoon-calendar-sync/function/internal/testmail"
	checked := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == self {
				t.Errorf("%s imports %s, which only tests may", path, self)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked %d files: is ../.. the function module?", checked)
	}
}
