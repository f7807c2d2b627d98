package garoon

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// MaxMailBytes is the largest mail Parse reads, and the largest decoded
// body: a real notice is a few kilobytes, and the Lambda function has 128 MB.
// The mailbox does not fetch larger mails at all (imapmail's SEARCH
// SMALLER), so the two limits are this one constant.
const MaxMailBytes = 10 << 20

// Limits that keep a hostile mail from costing more than a real one could.
const (
	maxPartDepth = 5  // multipart nesting
	maxParts     = 50 // parts looked at in one multipart
)

// header holds the header fields the parser reads. Garoon mails carry each
// of them once; a repeated field keeps its first value.
type header struct {
	from, date, subject, messageID, mailer string
	contentType, transferEncoding          string
	disposition                            string
}

// splitMessage splits a mail (or a MIME part) into its header fields and its
// body. A mail whose header never ends in a blank line is truncated.
func splitMessage(raw []byte) (header, []byte, error) {
	var h header
	rest := raw
	// An mbox "From " line is not a header field; some tools leave it in.
	if bytes.HasPrefix(rest, []byte("From ")) && !bytes.HasPrefix(bytes.TrimLeft(rest[len("From "):], " "), []byte(":")) {
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[i+1:]
		}
	}
	var name string  // the field being read, "" for one the parser does not need
	var value []byte // its value, still without the folded lines' breaks
	owned, inField := false, false
	flush := func() {
		if name != "" {
			h.set(name, value)
		}
		name, value, owned, inField = "", nil, false, false
	}
	// Errors name the header line by number and length, never by content:
	// a malformed "header" is often a piece of a mail body, which must not
	// reach the logs.
	lineNo := 0
	for {
		lineNo++
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return h, nil, errors.New("truncated mail: the header does not end in a blank line")
		}
		line := rest[:i]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		rest = rest[i+1:]
		if len(line) == 0 {
			flush()
			return h, rest, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if !inField {
				return h, nil, fmt.Errorf("malformed header: line %d (%d bytes) continues a field that does not exist", lineNo, len(line))
			}
			if name != "" {
				// Unfold: drop the line break, keep one space.
				if !owned {
					value, owned = append([]byte(nil), value...), true
				}
				value = append(append(value, ' '), bytes.TrimLeft(line, " \t")...)
			}
			continue
		}
		flush()
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !fieldName(bytes.TrimRight(line[:colon], " \t")) {
			return h, nil, fmt.Errorf("malformed header line %d (%d bytes, no \"Name:\"): truncated or not a mail?", lineNo, len(line))
		}
		name, value, inField = wanted(bytes.TrimRight(line[:colon], " \t")), bytes.TrimLeft(line[colon+1:], " \t"), true
	}
}

// fieldName reports whether b is a header field name: printable ASCII
// without space or colon (RFC 5322 §3.6.8).
func fieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// wanted returns the canonical name of a header field the parser reads, or "".
func wanted(name []byte) string {
	for _, n := range [...]string{"From", "Date", "Subject", "Message-ID", "X-Mailer",
		"Content-Type", "Content-Transfer-Encoding", "Content-Disposition"} {
		if len(name) == len(n) && bytes.EqualFold(name, []byte(n)) {
			return n
		}
	}
	return ""
}

func (h *header) set(name string, v []byte) {
	var dst *string
	switch name {
	case "From":
		dst = &h.from
	case "Date":
		dst = &h.date
	case "Subject":
		dst = &h.subject
	case "Message-ID":
		dst = &h.messageID
	case "X-Mailer":
		dst = &h.mailer
	case "Content-Type":
		dst = &h.contentType
	case "Content-Transfer-Encoding":
		dst = &h.transferEncoding
	case "Content-Disposition":
		dst = &h.disposition
	}
	if dst != nil && *dst == "" {
		*dst = string(bytes.TrimRight(v, " \t"))
	}
}

// mediaType splits a Content-Type value into the lower-case media type and
// the charset and boundary parameters. A missing value is text/plain.
func mediaType(v string) (media, charset, boundary string) {
	media, params, _ := strings.Cut(v, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	if media == "" {
		media = "text/plain"
	}
	for params != "" {
		var key, val string
		params = strings.TrimLeft(params, " \t;")
		eq := strings.IndexByte(params, '=')
		if eq < 0 {
			break
		}
		key, params = strings.ToLower(strings.TrimSpace(params[:eq])), strings.TrimLeft(params[eq+1:], " \t")
		if strings.HasPrefix(params, `"`) {
			end := strings.IndexByte(params[1:], '"')
			if end < 0 {
				val, params = params[1:], ""
			} else {
				val, params = params[1:1+end], params[2+end:]
			}
		} else {
			end := strings.IndexByte(params, ';')
			if end < 0 {
				end = len(params)
			}
			val, params = strings.TrimSpace(params[:end]), params[end:]
		}
		switch key {
		case "charset":
			charset = val
		case "boundary":
			boundary = val
		}
	}
	return media, charset, boundary
}

// textBody returns the decoded text/plain body of a message or part: the
// first text/plain part of a multipart, at most maxPartDepth levels down.
func textBody(h header, body []byte, depth int) (string, error) {
	media, charset, boundary := mediaType(h.contentType)
	if strings.HasPrefix(media, "multipart/") {
		return multipartText(boundary, body, depth)
	}
	if media != "text/plain" && media != "text" {
		return "", notText{media}
	}
	data, err := decodeTransfer(h.transferEncoding, body)
	if err != nil {
		return "", err
	}
	return decodeCharset(charset, data)
}

// notText is a part that is not text/plain: an HTML alternative or an
// attachment, skipped when looking for the text part of a multipart.
type notText struct{ media string }

func (e notText) Error() string { return fmt.Sprintf("content type %q is not text/plain", e.media) }

func multipartText(boundary string, body []byte, depth int) (string, error) {
	if boundary == "" {
		return "", errors.New("multipart mail without a boundary")
	}
	if depth >= maxPartDepth {
		return "", fmt.Errorf("multipart nested deeper than %d levels", maxPartDepth)
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for range maxParts {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("truncated or malformed multipart: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(p, MaxMailBytes))
		if err != nil {
			return "", fmt.Errorf("truncated or malformed multipart: %w", err)
		}
		ph := header{
			contentType:      p.Header.Get("Content-Type"),
			transferEncoding: p.Header.Get("Content-Transfer-Encoding"),
			disposition:      p.Header.Get("Content-Disposition"),
		}
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ph.disposition)), "attachment") {
			continue
		}
		text, err := textBody(ph, data, depth+1)
		if err == nil {
			return text, nil
		}
		var nt notText
		if !errors.As(err, &nt) && !errors.Is(err, errNoText) {
			return "", err
		}
	}
	return "", errNoText
}

var errNoText = errors.New("no text/plain part in the multipart mail")

// decodeTransfer undoes the Content-Transfer-Encoding.
func decodeTransfer(cte string, body []byte) ([]byte, error) {
	switch enc := strings.ToLower(strings.TrimSpace(cte)); enc {
	case "", "7bit", "8bit", "binary":
		return body, nil
	case "base64":
		return decodeBase64(body)
	case "quoted-printable":
		return decodeQuotedPrintable(body), nil
	default:
		return nil, fmt.Errorf("unknown Content-Transfer-Encoding %q", cte)
	}
}

// decodeBase64 decodes a base64 body. Line breaks are ignored (the decoder
// skips CR and LF itself); other white space is removed first. Anything else
// that is not base64, or a body that stops short of a full quantum (a
// truncated mail), is an error.
func decodeBase64(data []byte) ([]byte, error) {
	if bytes.ContainsAny(data, " \t") {
		clean := make([]byte, 0, len(data))
		for _, c := range data {
			if c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		data = clean
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(out, data)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("bad base64 at byte %d of the body (corrupt or truncated)", int64(ce))
		}
		return nil, fmt.Errorf("bad base64: %w", err)
	}
	return out[:n], nil
}

// decodeQuotedPrintable decodes quoted-printable leniently, as mail readers
// do: a "=" not followed by two hex digits or a line break stays as it is,
// and white space at the end of a line is dropped (RFC 2045 §6.7).
func decodeQuotedPrintable(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for len(data) > 0 {
		line := data
		var eol []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
			eol = []byte("\n")
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
				eol = []byte("\r\n")
			}
		} else {
			data = nil
		}
		line = bytes.TrimRight(line, " \t")
		soft := len(line) > 0 && line[len(line)-1] == '='
		if soft {
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if !soft {
			out = append(out, eol...)
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// charsets maps the charset labels Garoon writes (Shift_JIS, ISO-2022-JP,
// EUC-JP, UTF-8, ISO-8859-1, US-ASCII, GB2312, TIS-620: docs/garoon-mails.md
// §2; mail_message.csp L3427–3447) and their common aliases to decoders. Shift_JIS
// is read as CP932 (Windows-31J): x/text's ShiftJIS follows WHATWG, which
// includes the NEC and IBM extensions (①, ㈱, Ⅱ, 髙, 﨑) real mails use, and
// its JIS X 0208 table (shared by ISO-2022-JP and EUC-JP) has the NEC row 13.
var charsets = map[string]encoding.Encoding{
	"shift_jis": japanese.ShiftJIS, "shift-jis": japanese.ShiftJIS, "sjis": japanese.ShiftJIS,
	"x-sjis": japanese.ShiftJIS, "windows-31j": japanese.ShiftJIS, "cp932": japanese.ShiftJIS,
	"ms932": japanese.ShiftJIS, "ms_kanji": japanese.ShiftJIS, "csshiftjis": japanese.ShiftJIS,
	"cswindows31j": japanese.ShiftJIS,
	"iso-2022-jp":  japanese.ISO2022JP, "iso-2022-jp-1": japanese.ISO2022JP, "iso-2022-jp-2": japanese.ISO2022JP,
	"iso-2022-jp-3": japanese.ISO2022JP, "csiso2022jp": japanese.ISO2022JP, "cp50220": japanese.ISO2022JP,
	"cp50221": japanese.ISO2022JP, "cp50222": japanese.ISO2022JP,
	"euc-jp": japanese.EUCJP, "x-euc-jp": japanese.EUCJP, "eucjp": japanese.EUCJP,
	"cseucpkdfmtjapanese": japanese.EUCJP, "eucjp-ms": japanese.EUCJP, "cp51932": japanese.EUCJP,
	"iso-8859-1": charmap.ISO8859_1, "latin1": charmap.ISO8859_1, "windows-1252": charmap.Windows1252,
	// Garoon labels its zh mails GB2312 but writes CP936 (GBK) bytes
	// (code/plugin/fw/i18n/gb2312.csp converts to CP936): read as GBK, a
	// superset of GB2312.
	"gb2312": simplifiedchinese.GBK, "gbk": simplifiedchinese.GBK, "cp936": simplifiedchinese.GBK,
	"x-gbk": simplifiedchinese.GBK, "csgb2312": simplifiedchinese.GBK,
	// TIS-620 (Thai) is written as Windows-874 by Garoon's tis_620 plugin.
	"tis-620": charmap.Windows874, "windows-874": charmap.Windows874, "cp874": charmap.Windows874,
	"us-ascii": charmap.ISO8859_1, "ascii": charmap.ISO8859_1,
}

// decodeCharset converts a body to UTF-8. A body that names no charset (or
// us-ascii) but is not ASCII is read the way Japanese mail readers guess:
// ISO-2022-JP when it has escape sequences, UTF-8 when it is valid UTF-8,
// CP932 otherwise.
func decodeCharset(charset string, data []byte) (string, error) {
	if len(data) > MaxMailBytes {
		return "", fmt.Errorf("decoded body is larger than %d MB, more than a notice can be", MaxMailBytes>>20)
	}
	cs := strings.ToLower(strings.TrimSpace(charset))
	switch cs {
	case "utf-8", "utf8":
		if !utf8.Valid(data) {
			return "", errors.New("body is not valid UTF-8 although its charset says so")
		}
		return string(data), nil
	case "", "us-ascii", "ascii":
		switch {
		case bytes.IndexByte(data, 0x1b) >= 0:
			cs = "iso-2022-jp"
		case utf8.Valid(data):
			return string(data), nil
		default:
			cs = "shift_jis"
		}
	}
	enc, ok := charsets[cs]
	if !ok {
		return "", fmt.Errorf("unknown charset %q", charset)
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("decode %s: %w", charset, err)
	}
	return string(out), nil
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// charsetReader lets mime.WordDecoder decode Japanese encoded-words. It
// converts the whole word at once and returns a bytes.Reader: the decoder
// copies the result with io.Copy, which then needs no 32 KB buffer.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, ok := charsets[strings.ToLower(charset)]
	if !ok {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	raw, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	out, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(out), nil
}

// decodeHeader decodes RFC 2047 encoded-words. mime.WordDecoder drops the
// white space between adjacent encoded-words (RFC 2047 §6.2), which joins a
// long subject that Garoon cut into several words on folded lines. A word
// that cannot be decoded is kept as it is. Raw 8-bit or ISO-2022-JP text,
// which some old mailers put in headers, is decoded as well.
func decodeHeader(v string) string {
	if strings.Contains(v, "=?") {
		if s, err := wordDecoder.DecodeHeader(v); err == nil {
			v = s
		}
	}
	if strings.IndexByte(v, 0x1b) >= 0 || !utf8.ValidString(v) {
		cs := "shift_jis"
		if strings.IndexByte(v, 0x1b) >= 0 {
			cs = "iso-2022-jp"
		}
		if s, err := decodeCharset(cs, []byte(v)); err == nil && utf8.ValidString(s) {
			return s
		}
		return strings.ToValidUTF8(v, "\uFFFD")
	}
	return v
}
