package garoon

import (
	"strings"
	"unicode/utf8"
)

// Address is the address of a From header value, in lower case: the part
// inside <>, or else the whole value without its (comments). The secret's
// garoon_sender is written the same ways ("Garoon <no-reply@cybozu.com>",
// "no-reply@cybozu.com (Garoon)"), so the sender and a mail's From both go
// through it. The mailbox (imapmail) searches by it too: IMAP's SEARCH
// matches case-insensitively (RFC 3501 §6.4.4), so the lower case costs
// nothing there.
func Address(from string) string {
	a := from
	if i := strings.LastIndexByte(a, '<'); i >= 0 {
		a = a[i+1:]
		if j := strings.IndexByte(a, '>'); j >= 0 {
			a = a[:j]
		}
		return strings.ToLower(strings.TrimSpace(a))
	}
	// "no-reply@cybozu.com (Garoon)": drop the comments.
	var b strings.Builder
	depth := 0
	for i := 0; i < len(a); i++ {
		switch c := a[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return strings.ToLower(strings.TrimSpace(b.String()))
}

// SenderOf is the Address of a mail's From field, read as Parse reads it
// (the header unfolded, the first From of several). ok is false when the
// header cannot be read (truncated, malformed): Parse fails on such a mail.
func SenderOf(raw []byte) (addr string, ok bool) {
	h, _, err := splitMessage(raw)
	if err != nil {
		return "", false
	}
	return Address(h.from), true
}

// Clip shortens s to at most limit bytes, cut at a character boundary and
// marked with "…": a value quoted in an error or a reason, or a field the
// calendar limits (syncer's event summary, description and location).
func Clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := max(limit-len("…"), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
