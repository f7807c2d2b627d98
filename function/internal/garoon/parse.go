package garoon

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
)

// cybozuSenders send every mail of cybozu.com's built-in mail server, the
// second one in the China region (system_mail.csp L11–15, L170–185).
var cybozuSenders = [...]string{"no-reply@cybozu.com", "no-reply@cybozu.cn"}

// Parse reads one mail, as IMAP BODY[] returns it. opt.Sender is the
// Garoon sender address; empty accepts mails from cybozu.com's senders or
// with Garoon's X-Mailer (docs/garoon-mails.md §1). A mail that is not a
// schedule notice comes back with Action ignore and a Reason, never as an
// error. An error means the mail cannot be read (truncated, bad encoding)
// or claims to be a schedule notice but cannot be understood, and names
// the line.
func Parse(raw []byte, opt Options) (*Notice, error) {
	loc := opt.Zone
	if loc == nil {
		loc = JST
	}
	if len(raw) > MaxMailBytes {
		return nil, fmt.Errorf("garoon: mail is %d bytes; the parser reads at most %d MB, far more than a notice", len(raw), MaxMailBytes>>20)
	}
	h, body, err := splitMessage(raw)
	if err != nil {
		return nil, fmt.Errorf("garoon: %w", err)
	}
	n := &Notice{
		Kind:      KindOther,
		Action:    ActionIgnore,
		MessageID: strings.Trim(strings.TrimSpace(h.messageID), "<>"),
		From:      Address(h.from),
		Subject:   decodeHeader(h.subject),
	}
	if d, ok := mailDate(h.date); ok {
		n.Date = d.In(loc)
	}

	if why := notGaroon(n.From, h.mailer, opt.Sender); why != "" {
		n.Reason = why
		return n, nil
	}
	tag, why := subjectKind(n.Subject)
	if why != "" {
		n.Reason = why
		return n, nil
	}

	text, err := textBody(h, body, 0)
	if err != nil {
		return nil, fmt.Errorf("garoon: body: %w", err)
	}
	ignore, err := parseBody(n, text, tag.langs, n.Date, loc, opt.Explain)
	if err != nil {
		return nil, fmt.Errorf("garoon: %w", err)
	}
	if ignore != "" {
		*n = Notice{Kind: KindOther, Action: ActionIgnore, Reason: ignore, MessageID: n.MessageID,
			Date: n.Date, From: n.From, Subject: n.Subject, Explain: n.Explain}
		return n, nil
	}
	n.Kind = tag.kind
	n.Action = ActionUpsert
	if tag.kind == KindDelete {
		n.Action = ActionDelete
	}
	return n, nil
}

// notGaroon says why a mail is not from Garoon, or "" when it is. Without
// a configured sender, an X-Mailer of Garoon's notification mailer counts:
// "Cybozu(R) Garoon(R) Version …" (code/include/fw/mail_message.csp
// L421–428). Garoon's Mail application, which people write their own
// mails with, sends "Cybozu(R) Garoon(R) <version>" without the word
// (code/include/mail/resources.csp L80, include_send.csp L295–305): such a
// mail is a person's, even with a [変更] subject.
func notGaroon(from, mailer, sender string) string {
	if sender = Address(sender); sender != "" {
		if !strings.EqualFold(from, sender) {
			return fmt.Sprintf("sender %q is not the Garoon sender %q", from, sender)
		}
		return ""
	}
	if from == cybozuSenders[0] || from == cybozuSenders[1] || containsFold(mailer, "garoon") && containsFold(mailer, "version") {
		return ""
	}
	return fmt.Sprintf("sender %q is not the Garoon sender (%s, %s, or Garoon's notification X-Mailer)", from, cybozuSenders[0], cybozuSenders[1])
}

// containsFold reports whether s contains the lower-case ASCII word w,
// ignoring case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// replyPrefixes mark a person's reply or forward of a notice.
var replyPrefixes = []string{"re:", "re：", "fwd:", "fwd：", "fw:", "fw：", "転送:", "転送：", "返信:", "返信：", "tr:", "aw:", "wg:"}

// subjectKind reads the tag of a decoded subject, "[tag] title" with ASCII
// brackets and one space (forawrdmail_title, notification.csp L750–778).
// why is non-empty when the mail is not a schedule notice.
func subjectKind(subject string) (tag subjectTag, why string) {
	s := strings.TrimLeftFunc(subject, unicode.IsSpace)
	for _, p := range replyPrefixes {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return tag, fmt.Sprintf("forwarded/reply: subject %q", clip(subject))
		}
	}
	rest, ok := strings.CutPrefix(s, "[")
	end := strings.IndexByte(rest, ']')
	if !ok || end < 0 {
		if strings.Contains(s, " : ") {
			return tag, fmt.Sprintf("phone memo or other notice without a tag: subject %q", clip(subject))
		}
		return tag, fmt.Sprintf("not a schedule notice: subject %q has no tag such as [登録]", clip(subject))
	}
	name := rest[:end]
	if t, ok := scheduleTags[name]; ok {
		return t, ""
	}
	if what, ok := otherTags[name]; ok {
		return tag, what + " [" + name + "]"
	}
	return tag, "not a schedule notice [" + name + "]"
}

var monthAbbr = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// mailDate reads an RFC 5322 Date header ("Mon, 08 Jan 2024 10:00:00 +0900
// (JST)"), with net/mail as the fallback for the obsolete forms.
func mailDate(v string) (time.Time, bool) {
	s := strings.TrimSpace(v)
	if s == "" {
		return time.Time{}, false
	}
	if i := strings.IndexByte(s, ','); i >= 0 && i <= 10 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) >= 4 {
		day, okD := smallInt(f[0])
		year, okY := smallInt(f[2])
		mon := 0
		for i, m := range monthAbbr {
			if len(f[1]) >= 3 && strings.EqualFold(f[1][:3], m) {
				mon = i + 1
			}
		}
		clock := strings.Split(f[3], ":")
		if okD && okY && mon > 0 && (len(clock) == 2 || len(clock) == 3) {
			hh, ok1 := smallInt(clock[0])
			mm, ok2 := smallInt(clock[1])
			ss, ok3 := 0, true
			if len(clock) == 3 {
				ss, ok3 = smallInt(clock[2])
			}
			if year < 100 {
				year += 1900
				if year < 1950 {
					year += 100
				}
			}
			offset, okZ := 0, len(f) == 4 // no zone: read as UTC (RFC 5322 -0000)
			if len(f) > 4 {
				offset, okZ = zoneOffset(f[4])
			}
			if ok1 && ok2 && ok3 && okZ && hh < 24 && mm < 60 && ss < 61 && valid(year, mon, day) {
				return time.Date(year, time.Month(mon), day, hh, mm, ss, 0, time.FixedZone("", offset)), true
			}
		}
	}
	t, err := mail.ParseDate(v)
	return t, err == nil
}

// smallInt parses up to 4 decimal digits.
func smallInt(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func zoneOffset(z string) (int, bool) {
	if len(z) == 5 && (z[0] == '+' || z[0] == '-') {
		hh, ok1 := smallInt(z[1:3])
		mm, ok2 := smallInt(z[3:5])
		if !ok1 || !ok2 || mm > 59 {
			return 0, false
		}
		off := hh*3600 + mm*60
		if z[0] == '-' {
			off = -off
		}
		return off, true
	}
	switch strings.ToUpper(z) {
	case "UT", "UTC", "GMT", "Z":
		return 0, true
	case "JST":
		return 9 * 3600, true
	case "EST":
		return -5 * 3600, true
	case "EDT":
		return -4 * 3600, true
	case "CST":
		return -6 * 3600, true
	case "CDT":
		return -5 * 3600, true
	case "MST":
		return -7 * 3600, true
	case "MDT":
		return -6 * 3600, true
	case "PST":
		return -8 * 3600, true
	case "PDT":
		return -7 * 3600, true
	}
	return 0, false
}
