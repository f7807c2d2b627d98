// Package testmail builds Garoon schedule-notification mails byte for byte
// the way Garoon's mail code writes them, for the tests of every layer that
// reads them: the parser (garoon), the engine (syncer), the wiring (runner)
// and the end-to-end suite. One builder, so that a finding about Garoon's
// bytes is written down once.
//
// The rules come from Garoon's PHP source as docs/garoon-mails.md §1–§2
// quotes it (code/include/fw/mail_message.csp): the header set in Garoon's
// order with a lower-case mime-version; the subject left as it is when it is
// ASCII and otherwise cut into pieces of at most 25 UTF-8 bytes that never
// split a character, each converted to the charset on its own and
// base64-encoded as an encoded word (cb_mail_encode_mimeheader, L3125–3196),
// the words joined with CRLF SPACE; the body converted to the charset with
// every line ending made CRLF, then base64 in 76-column lines or, for
// ISO-2022-JP and US-ASCII, 7bit ending with CRLF. A character the charset
// lacks becomes 〓 (U+3013) in Shift_JIS and ISO-2022-JP and "?" in the
// others, as Garoon's mbstring settings make it.
//
// Only tests import this package (TestOnlyTestsImportIt checks).
package testmail

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// Mail is one notice. The zero value of each field but Subject and Body
// has a default.
type Mail struct {
	// Charset is the Content-Type label: Shift_JIS, ISO-2022-JP, EUC-JP,
	// UTF-8 (the default), ISO-8859-1, US-ASCII, GB2312 or TIS-620.
	Charset string
	From    string // default no-reply@cybozu.com
	Date    string // default "Thu, 11 Apr 2019 16:32:30 +0900"
	Subject string // decoded
	Body    string // decoded; LF or CRLF line endings
	// Version is Garoon's version in X-Mailer, default 5.9.2.
	Version string
	// MessageID (without angle brackets) and ReturnPath are written only
	// when set: Garoon writes neither; the mail system on the way may add
	// them, as Gmail does.
	MessageID  string
	ReturnPath string
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

// Bytes is the mail as Garoon sends it. It panics on a charset label it
// does not know: that is a mistake in the test, not in the code under test.
func (m Mail) Bytes() []byte {
	if m.From == "" {
		m.From = "no-reply@cybozu.com"
	}
	if m.Date == "" {
		m.Date = "Thu, 11 Apr 2019 16:32:30 +0900"
	}
	if m.Charset == "" {
		m.Charset = "UTF-8"
	}
	if m.Version == "" {
		m.Version = "5.9.2"
	}
	body := strings.ReplaceAll(m.Body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	data := convert(m.Charset, body)
	cte := "base64"
	if m.Charset == "ISO-2022-JP" || m.Charset == "US-ASCII" {
		cte = "7bit"
	}
	var b bytes.Buffer
	if m.ReturnPath != "" {
		b.WriteString("Return-Path: <" + m.ReturnPath + ">\r\n")
	}
	b.WriteString("Date: " + m.Date + "\r\n")
	b.WriteString("From: " + m.From + "\r\n")
	b.WriteString("Subject: " + encodeSubject(m.Charset, m.Subject) + "\r\n")
	if m.MessageID != "" {
		b.WriteString("Message-ID: <" + m.MessageID + ">\r\n")
	}
	b.WriteString("X-Mailer: Cybozu(R) Garoon(R) Version " + m.Version + "\r\n")
	b.WriteString("mime-version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=" + m.Charset + "\r\n")
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

// convert converts s to charset rune by rune; a character the charset lacks
// becomes 〓 (U+3013) in Shift_JIS and ISO-2022-JP and "?" in the others,
// so that an English mail in ISO-8859-1 shows "10:00 ? 11:00" for
// "10:00 ～ 11:00".
func convert(charset, s string) []byte {
	enc, ok := encoders[charset]
	if !ok {
		panic("testmail: no encoder for charset " + charset)
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
		panic("testmail: encode " + charset + ": " + err.Error())
	}
	return out
}

// encodeSubject is cb_mail_encode_mimeheader: ASCII stays; otherwise
// 25-byte UTF-8 pieces that never cut a character, each converted and
// base64-encoded, joined with CRLF SPACE.
func encodeSubject(charset, s string) string {
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
		words = append(words, "=?"+charset+"?B?"+base64.StdEncoding.EncodeToString(convert(charset, s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}
