package garoon

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep a hostile mail from costing more than a real one could.
// A real notice is a few kilobytes; the function has 128 MB.
const (
	maxMailBytes  = 4 << 20 // a whole mail as fetched
	maxBodyBytes  = 4 << 20 // the decoded text body
	maxPartDepth  = 5       // multipart nesting
	maxParts      = 50      // parts looked at in one multipart
	cybozuSender  = "no-reply@cybozu.com"
	garoonMailer  = "garoon"
	maxSubjectLen = 4096
)

// Parse reads one mail, as IMAP BODY[] returns it. sender is the Garoon
// sender address; empty accepts mails from Garoon's cybozu.com sender or with
// Garoon's X-Mailer (FORMAT.md §1). A mail that is not a schedule notice comes
// back with Action ignore and a Reason, never as an error; an error means the
// mail claims to be a notice but cannot be read, and says why.
func Parse(raw []byte, sender string) (*Notice, error) {
	if len(raw) > maxMailBytes {
		return nil, fmt.Errorf("garoon: mail is %d bytes, more than the %d a notice can be", len(raw), maxMailBytes)
	}
	if !bytes.Contains(raw, []byte("\n\n")) && !bytes.Contains(raw, []byte("\r\n\r\n")) {
		return nil, errors.New("garoon: truncated mail: no blank line ends the headers")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("garoon: headers: %w", err)
	}
	n := &Notice{Kind: KindOther, Action: ActionIgnore}
	n.MessageID = strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")
	n.From = fromAddress(msg.Header.Get("From"))
	if d, err := mail.ParseDate(msg.Header.Get("Date")); err == nil {
		n.Date = d.In(JST)
	}
	n.Subject = decodeSubject(msg.Header.Get("Subject"))

	if why := notFromGaroon(n.From, msg.Header.Get("X-Mailer"), sender); why != "" {
		n.Reason = why
		return n, nil
	}
	kind, tag, ok := subjectKind(n.Subject)
	if !ok {
		n.Reason = tag
		return n, nil
	}
	if kind == KindOther {
		n.Reason = "Garoon notice " + tag + " does not change the calendar"
		return n, nil
	}
	n.Kind = kind
	n.Action = ActionUpsert
	if kind == KindDelete {
		n.Action = ActionDelete
	}

	body, err := textBody(msg.Header, msg.Body, 0)
	if err != nil {
		return nil, fmt.Errorf("garoon: body: %w", err)
	}
	if err := parseBody(n, body); err != nil {
		return nil, fmt.Errorf("garoon: %w", err)
	}
	return n, nil
}

// fromAddress is the address inside <>, in lower case.
func fromAddress(h string) string {
	if a, err := mail.ParseAddress(decodeSubject(h)); err == nil {
		return strings.ToLower(a.Address)
	}
	if i := strings.LastIndexByte(h, '<'); i >= 0 {
		if j := strings.IndexByte(h[i:], '>'); j > 0 {
			return strings.ToLower(strings.TrimSpace(h[i+1 : i+j]))
		}
	}
	return strings.ToLower(strings.TrimSpace(h))
}

// notFromGaroon says why a mail is not from Garoon, or "" when it is.
func notFromGaroon(from, mailer, sender string) string {
	if sender != "" {
		if !strings.EqualFold(from, strings.TrimSpace(sender)) {
			return fmt.Sprintf("sender %q is not the Garoon sender %q", from, sender)
		}
		return ""
	}
	if from == cybozuSender || strings.Contains(strings.ToLower(mailer), garoonMailer) {
		return ""
	}
	return fmt.Sprintf("sender %q is not Garoon (not %s, no Garoon X-Mailer)", from, cybozuSender)
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeSubject decodes RFC 2047 encoded-words, joining adjacent ones (Go's
// decoder drops the folding whitespace between them). Undecodable words are
// kept as they are: the subject only picks the kind.
func decodeSubject(h string) string {
	if len(h) > maxSubjectLen {
		h = h[:maxSubjectLen]
	}
	s, err := wordDecoder.DecodeHeader(h)
	if err != nil {
		s = h
	}
	if !utf8.ValidString(s) {
		// Raw 8-bit Shift_JIS subjects exist; try it before giving up.
		if dec, err := decodeCharset("shift_jis", []byte(s)); err == nil {
			s = dec
		} else {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
	}
	return s
}

// subject tags: JA and EN UI.
var subjectTags = map[string]Kind{
	"登録": KindAdd, "add": KindAdd,
	"変更": KindEdit, "edit": KindEdit,
	"削除": KindDelete, "delete": KindDelete,
	"確定": KindConfirm, "set": KindConfirm,
}

// subjectKind reads the tag at the start of the subject. ok is false when
// the subject has no tag or is a reply or forward; tag then holds the reason.
func subjectKind(subject string) (kind Kind, tag string, ok bool) {
	s := strings.TrimLeftFunc(subject, unicode.IsSpace)
	lower := strings.ToLower(s)
	for _, p := range []string{"re:", "re：", "fwd:", "fw:", "fwd：", "fw：", "転送:", "転送：", "tr:", "aw:", "wg:"} {
		if strings.HasPrefix(lower, p) {
			return KindOther, "a reply or forward, not a notice from Garoon", false
		}
	}
	var closeBr string
	switch {
	case strings.HasPrefix(s, "["):
		s, closeBr = s[1:], "]"
	case strings.HasPrefix(s, "［"):
		s, closeBr = s[len("［"):], "］"
	default:
		return KindOther, "subject has no Garoon tag like [登録]", false
	}
	end := strings.Index(s, closeBr)
	if end < 0 && closeBr == "]" {
		end = strings.Index(s, "］")
	} else if end < 0 {
		end = strings.Index(s, "]")
	}
	if end < 0 {
		return KindOther, "subject has no Garoon tag like [登録]", false
	}
	name := strings.TrimSpace(s[:end])
	tag = "[" + name + "]"
	if k, found := subjectTags[strings.ToLower(name)]; found {
		return k, tag, true
	}
	return KindOther, tag, true
}

// textBody returns the decoded text/plain body of a message or part.
func textBody(h mail.Header, body io.Reader, depth int) (string, error) {
	ctype := h.Get("Content-Type")
	media, params := "text/plain", map[string]string{}
	if ctype != "" {
		var err error
		media, params, err = mime.ParseMediaType(ctype)
		if err != nil {
			// A sloppy parameter list; the media type alone still helps.
			media = strings.ToLower(strings.TrimSpace(strings.SplitN(ctype, ";", 2)[0]))
			params = map[string]string{}
			if cs := sloppyCharset(ctype); cs != "" {
				params["charset"] = cs
			}
		}
	}
	if strings.HasPrefix(media, "multipart/") {
		return multipartText(params["boundary"], body, depth)
	}
	if media != "text/plain" && media != "text" {
		return "", fmt.Errorf("content type %q is not text/plain", media)
	}
	data, err := readTransfer(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return "", err
	}
	return decodeCharset(params["charset"], data)
}

// sloppyCharset finds charset=… in a Content-Type that mime rejects.
func sloppyCharset(ctype string) string {
	i := strings.Index(strings.ToLower(ctype), "charset=")
	if i < 0 {
		return ""
	}
	v := ctype[i+len("charset="):]
	if j := strings.IndexAny(v, "; \t"); j >= 0 {
		v = v[:j]
	}
	return strings.Trim(v, `"'`)
}

func readTransfer(cte string, body io.Reader) ([]byte, error) {
	limited := io.LimitReader(body, maxBodyBytes*2)
	var data []byte
	var err error
	switch enc := strings.ToLower(strings.TrimSpace(cte)); enc {
	case "", "7bit", "8bit", "binary":
		data, err = io.ReadAll(limited)
	case "base64":
		data, err = decodeBase64(limited)
	case "quoted-printable":
		data, err = readQuotedPrintable(limited)
	default:
		return nil, fmt.Errorf("unknown Content-Transfer-Encoding %q", cte)
	}
	if err != nil {
		return nil, err
	}
	if len(data) > maxBodyBytes {
		return nil, fmt.Errorf("body is larger than %d bytes", maxBodyBytes)
	}
	return data, nil
}

var errNoText = errors.New("no readable text/plain part in the multipart mail")
