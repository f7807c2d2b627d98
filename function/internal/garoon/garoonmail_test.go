package garoon

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// This file builds mails the way Garoon does (docs/garoon-mails.md §1):
// the header set in Garoon's order, the subject unencoded when it is
// ASCII and otherwise cut into encoded words of at most 25 UTF-8 bytes,
// each converted on its own; the body converted to the charset, every line
// ending made CRLF, then base64 in 76-column lines or, for ISO-2022-JP and
// US-ASCII, 7bit with a final CRLF.

type testMail struct {
	charset string // the Content-Type label: Shift_JIS, ISO-2022-JP, EUC-JP, UTF-8, ISO-8859-1, US-ASCII, GB2312, TIS-620
	from    string // default no-reply@cybozu.com
	date    string // default "Thu, 11 Apr 2019 16:32:30 +0900"
	subject string // decoded
	body    string // decoded; LF or CRLF
}

// encoders are the conversions of cb_mail_convert_encoding per label.
var encoders = map[string]encoding.Encoding{
	"Shift_JIS":   japanese.ShiftJIS,
	"ISO-2022-JP": japanese.ISO2022JP,
	"EUC-JP":      japanese.EUCJP,
	"UTF-8":       unicode.UTF8,
	"ISO-8859-1":  charmap.ISO8859_1,
	"US-ASCII":    charmap.ISO8859_1, // only ASCII text is given
	"GB2312":      simplifiedchinese.GBK,
	"TIS-620":     charmap.Windows874,
}

// convert converts s to charset rune by rune; a character the charset
// lacks becomes 〓 (U+3013) in Shift_JIS and ISO-2022-JP and "?" in the
// others, as Garoon's mbstring settings do (docs/garoon-mails.md §2), so that an
// English mail in ISO-8859-1 shows "10:00 ? 11:00" for "10:00 ～ 11:00".
func convert(tb testing.TB, charset, s string) []byte {
	tb.Helper()
	enc, ok := encoders[charset]
	if !ok {
		tb.Fatalf("no encoder for %s", charset)
	}
	sub := "?"
	if charset == "Shift_JIS" || charset == "ISO-2022-JP" {
		sub = "〓"
	}
	var text strings.Builder
	for _, r := range s {
		c := string(r)
		if _, err := enc.NewEncoder().String(c); err != nil || charset == "US-ASCII" && r >= utf8.RuneSelf {
			c = sub
		}
		text.WriteString(c)
	}
	out, err := enc.NewEncoder().Bytes([]byte(text.String()))
	if err != nil {
		tb.Fatalf("encode %s: %v", charset, err)
	}
	return out
}

// encodeSubject is cb_mail_encode_mimeheader (mail_message.csp
// L3125–3196): ASCII stays; otherwise 25-byte UTF-8 pieces that never cut
// a character, each converted and base64-encoded, joined with CRLF SPACE.
func encodeSubject(tb testing.TB, charset, s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		ascii = ascii && s[i] < utf8.RuneSelf
	}
	if ascii {
		return s
	}
	var words []string
	for len(s) > 0 {
		n := min(25, len(s))
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?"+charset+"?B?"+base64.StdEncoding.EncodeToString(convert(tb, charset, s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

func (m testMail) bytes(tb testing.TB) []byte {
	tb.Helper()
	if m.from == "" {
		m.from = "no-reply@cybozu.com"
	}
	if m.date == "" {
		m.date = "Thu, 11 Apr 2019 16:32:30 +0900"
	}
	if m.charset == "" {
		m.charset = "UTF-8"
	}
	body := strings.ReplaceAll(m.body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	data := convert(tb, m.charset, body)
	cte := "base64"
	if m.charset == "ISO-2022-JP" || m.charset == "US-ASCII" {
		cte = "7bit"
	}
	var b bytes.Buffer
	b.WriteString("Date: " + m.date + "\r\n")
	b.WriteString("From: " + m.from + "\r\n")
	b.WriteString("Subject: " + encodeSubject(tb, m.charset, m.subject) + "\r\n")
	b.WriteString("X-Mailer: Cybozu(R) Garoon(R) Version 5.9.2\r\n")
	b.WriteString("mime-version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=" + m.charset + "\r\n")
	b.WriteString("Content-Transfer-Encoding: " + cte + "\r\n\r\n")
	if cte == "7bit" {
		b.Write(data)
		if !bytes.HasSuffix(data, []byte("\n")) {
			b.WriteString("\r\n")
		}
		return b.Bytes()
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	if enc != "" {
		b.WriteString(enc + "\r\n")
	}
	return b.Bytes()
}

func TestMailBuilderFollowsGaroon(t *testing.T) {
	// Garoon's subject for [登録] 会議:定例ミーティング, as reproduced from its code
	// in SJIS-win, two words, the first of exactly 25 UTF-8 bytes.
	got := encodeSubject(t, "Shift_JIS", "[登録] 会議:定例ミーティング")
	want := "=?Shift_JIS?B?W5NvmF5dIInvi2M6kuiX4YN+?=\r\n =?Shift_JIS?B?gVuDZYNCg5ODTw==?="
	if got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
	got = encodeSubject(t, "ISO-2022-JP", "[登録] 会議:定例ミーティング")
	want = "=?ISO-2022-JP?B?WxskQkVQTz8bKEJdIBskQjJxNUQbKEI6GyRCRGpOYyVfGyhC?=\r\n =?ISO-2022-JP?B?GyRCITwlRiUjJXMlMBsoQg==?="
	if got != want {
		t.Errorf("subject\n got %q\nwant %q", got, want)
	}
}
