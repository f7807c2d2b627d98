package syncer

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"garoon-calendar-sync/function/internal/garoon"
)

// TitleKey is the identity key of an appointment title: the same title typed
// with full-width or half-width letters, different spacing or case gives the
// same key. It is a hash so it fits a private extended property and can be
// looked up with one indexed query.
func TitleKey(title string) string {
	s := norm.NFKC.String(title)
	s = strings.ToLower(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// eventIDEncoding is base32hex in lower case, whose alphabet (0-9, a-v) is
// exactly the set Google Calendar accepts in client-chosen event ids.
var eventIDEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// NoticeID identifies one notice mail. The event an add creates gets this id,
// so creating it twice (a retry, a crash before the mail was marked, two
// overlapping runs) is refused by the calendar instead of making a duplicate.
// Garoon mails carry no event id; the Message-ID plus date and subject
// identify the mail itself, and the raw bytes stand in when it has none.
func NoticeID(n *garoon.Notice, raw []byte) string {
	h := sha256.New()
	if n.MessageID != "" {
		h.Write([]byte(n.MessageID))
		h.Write([]byte{0})
		h.Write([]byte(n.Date.UTC().Format("20060102T150405Z")))
		h.Write([]byte{0})
		h.Write([]byte(n.Subject))
	} else {
		h.Write(raw)
	}
	return "gs" + eventIDEncoding.EncodeToString(h.Sum(nil)[:20])
}
