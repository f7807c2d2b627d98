package garoon

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
)

// charsets maps the charset names Japanese mail uses to decoders. Shift_JIS
// is read as CP932 (Windows-31J): x/text's ShiftJIS follows WHATWG, which
// includes the NEC and IBM extensions (①, ㈱, Ⅱ, 髙, 﨑) real mails use.
var charsets = map[string]encoding.Encoding{
	"shift_jis": japanese.ShiftJIS, "shift-jis": japanese.ShiftJIS, "sjis": japanese.ShiftJIS,
	"x-sjis": japanese.ShiftJIS, "windows-31j": japanese.ShiftJIS, "cp932": japanese.ShiftJIS,
	"ms932": japanese.ShiftJIS, "ms_kanji": japanese.ShiftJIS, "csshiftjis": japanese.ShiftJIS,
	"iso-2022-jp": japanese.ISO2022JP, "iso-2022-jp-1": japanese.ISO2022JP, "iso-2022-jp-2": japanese.ISO2022JP,
	"iso-2022-jp-3": japanese.ISO2022JP, "csiso2022jp": japanese.ISO2022JP,
	"euc-jp": japanese.EUCJP, "x-euc-jp": japanese.EUCJP, "eucjp": japanese.EUCJP, "cseucpkdfmtjapanese": japanese.EUCJP,
}

func decodeCharset(charset string, data []byte) (string, error) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	switch cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		if !utf8.Valid(data) {
			return "", fmt.Errorf("text is not valid %s", orDefault(charset, "UTF-8"))
		}
		return string(data), nil
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// charsetReader lets mime.WordDecoder decode Japanese encoded-words.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	enc, ok := charsets[strings.ToLower(charset)]
	if !ok {
		return nil, fmt.Errorf("unknown charset %q", charset)
	}
	return enc.NewDecoder().Reader(input), nil
}

// decodeBase64 decodes a base64 body, ignoring line breaks and other
// whitespace, and names the problem when the data is not base64.
func decodeBase64(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	clean := make([]byte, 0, len(raw))
	for _, c := range raw {
		switch c {
		case '\r', '\n', ' ', '\t':
		default:
			clean = append(clean, c)
		}
	}
	// Some senders drop the padding.
	if rem := len(clean) % 4; rem != 0 && !bytes.ContainsRune(clean, '=') {
		clean = append(clean, bytes.Repeat([]byte{'='}, 4-rem)...)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, fmt.Errorf("bad base64: %w", err)
	}
	return out[:n], nil
}

func readQuotedPrintable(r io.Reader) ([]byte, error) {
	out, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("bad quoted-printable: %w", err)
	}
	return out, nil
}

// multipartText returns the first text/plain part, looking at most
// maxPartDepth levels deep.
func multipartText(boundary string, body io.Reader, depth int) (string, error) {
	if boundary == "" {
		return "", errors.New("multipart without a boundary")
	}
	if depth >= maxPartDepth {
		return "", fmt.Errorf("multipart nested deeper than %d levels", maxPartDepth)
	}
	mr := multipart.NewReader(body, boundary)
	for i := 0; i < maxParts; i++ {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("truncated multipart: %w", err)
		}
		text, err := textBody(mail.Header(p.Header), p, depth+1)
		if err == nil {
			return text, nil
		}
		if !isSkippable(err) {
			return "", err
		}
	}
	return "", errNoText
}

// isSkippable: a part that is simply not text (an attachment) is skipped;
// a broken text part is an error.
func isSkippable(err error) bool {
	return errors.Is(err, errNoText) || strings.Contains(err.Error(), "is not text/plain")
}
