package garoon

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// field ids of the body labels the parser reads.
type field int

const (
	fieldUnknown field = iota // a label we do not use: 会社名, 添付ファイル, …
	fieldWhen
	fieldPeriod
	fieldCandidate
	fieldAppointment
	fieldAttendees
	fieldFacilities
	fieldMemo
)

// labelField maps a label, with spaces and U+3000 removed and ASCII in lower
// case, to its field. The Japanese labels are Garoon's, the English ones its
// English UI's (FORMAT.md §3). ok is false for text that is not a known label.
func labelField(key string) (f field, ok bool) {
	switch key {
	case "日時", "dateandtime", "date&time", "datetime", "date/time", "date":
		return fieldWhen, true
	case "期間", "period":
		return fieldPeriod, true
	case "日時候補", "候補日時", "candidatedates", "candidatedate", "candidates":
		return fieldCandidate, true
	case "予定", "appointment":
		return fieldAppointment, true
	case "参加者", "attendees", "participants",
		"出席", "出席者", "attending",
		"欠席", "欠席者", "notattending",
		"未回答", "未回答者", "noresponse":
		return fieldAttendees, true
	case "施設", "facilities", "facility":
		return fieldFacilities, true
	case "メモ", "notes", "memo":
		return fieldMemo, true
	case "会社名", "会社情報", "住所", "電話番号", "部署名", "郵便番号", "fax", "url", "路線",
		"添付ファイル", "登録者", "更新者", "作成者",
		"company", "companyname", "companyinformation", "address", "phonenumber", "phone",
		"attachments", "attachedfiles", "registeredby", "updatedby":
		return fieldUnknown, true
	}
	return fieldUnknown, false
}

// maxLabelBytes bounds the text looked at for a label before its colon.
const maxLabelBytes = 48

// splitLabel splits a "label　　：value" or "label: value" line. known is
// true for the labels of labelField; isLabel is true for any short text
// before a colon that has no digits, so that unknown fields end the field
// above them. Memo lines are never passed here.
func splitLabel(line string) (f field, value string, known, isLabel bool) {
	end, sep := -1, 0
	for i := 0; i < len(line) && i <= maxLabelBytes; i++ {
		if line[i] == ':' {
			end, sep = i, 1
			break
		}
		if strings.HasPrefix(line[i:], "：") {
			end, sep = i, len("：")
			break
		}
	}
	if end <= 0 {
		return fieldUnknown, "", false, false
	}
	var buf [maxLabelBytes + 4]byte
	key := buf[:0]
	for i := 0; i < end; {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case strings.HasPrefix(line[i:], "\u3000"):
			i += len("\u3000")
		case c >= '0' && c <= '9':
			return fieldUnknown, "", false, false // "10:00" on a continuation line
		case 'A' <= c && c <= 'Z':
			key = append(key, c+'a'-'A')
			i++
		default:
			key = append(key, c)
			i++
		}
	}
	if len(key) == 0 {
		return fieldUnknown, "", false, false
	}
	f, known = labelField(string(key))
	return f, trimSpace(line[end+sep:]), known, true
}

// trimSpace trims ASCII and Unicode white space (U+3000 included).
func trimSpace(s string) string {
	return strings.TrimFunc(s, unicode.IsSpace)
}

func isIndented(line string) bool {
	return line != "" && (line[0] == ' ' || line[0] == '\t' || strings.HasPrefix(line, "\u3000"))
}

// nextLine cuts the first line off s; lines end in LF, CRLF or a lone CR.
func nextLine(s string) (line, rest string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			return s[:i], s[i+1:]
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				return s[:i], s[i+2:]
			}
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// parseBody reads the fields of a notice body (FORMAT.md §3) into n.
func parseBody(n *Notice, body string) error {
	var when, period, candidate, appointment string
	var haveAppointment bool
	n.Attendees, n.Facilities, n.Recurrence = []string{}, []string{}, []string{}
	last := fieldUnknown
	rest := strings.TrimPrefix(body, "\uFEFF") // a byte order mark some UTF-8 writers add
	for rest != "" {
		var line string
		line, rest = nextLine(rest)
		indented := isIndented(line)
		f, value, known, isLabel := splitLabel(strings.TrimLeft(line, " \t\u3000"))
		if indented && !isLabel {
			// A continuation of the field above: more names for a list; a
			// date when the label line had none; further candidates,
			// which are skipped (the first one counts).
			if text := trimSpace(line); text != "" {
				switch last {
				case fieldAttendees:
					n.Attendees = appendList(n.Attendees, text)
				case fieldFacilities:
					n.Facilities = appendList(n.Facilities, text)
				case fieldWhen:
					when = firstOf(when, text)
				case fieldPeriod:
					period = firstOf(period, text)
				case fieldCandidate:
					candidate = firstOf(candidate, text)
				}
			}
			continue
		}
		if !known {
			if isLabel || trimSpace(line) != "" {
				last = fieldUnknown
			}
			continue
		}
		last = f
		switch f {
		case fieldWhen:
			when = firstOf(when, value)
		case fieldPeriod:
			period = firstOf(period, value)
		case fieldCandidate:
			candidate = firstOf(candidate, value)
		case fieldAppointment:
			if !haveAppointment {
				appointment, haveAppointment = value, true
			}
		case fieldAttendees:
			n.Attendees = appendList(n.Attendees, value)
		case fieldFacilities:
			n.Facilities = appendList(n.Facilities, value)
		case fieldMemo:
			n.Memo = memo(value, rest)
			rest = ""
		}
	}

	if haveAppointment {
		n.Menu, n.Title = splitAppointment(appointment)
	} else {
		n.Menu, n.Title = subjectTitle(n.Subject)
	}

	ref := n.Date
	switch {
	case when != "" && isRepeat(when):
		return parseRepeat(n, when, period, ref)
	case when != "":
		return setRange(n, "日時", when, ref)
	case candidate != "":
		return setRange(n, "日時候補", candidate, ref)
	case period != "":
		return setRange(n, "期間", period, ref)
	}
	return errors.New("no 日時 line: the body does not say when the appointment is")
}

func firstOf(have, v string) string {
	if have != "" {
		return have
	}
	return v
}

// appendList appends the names of a comma list (",", "，" or "、"), trimmed,
// without empty items.
func appendList(dst []string, v string) []string {
	for v != "" {
		item := v
		cut := -1
		for i, r := range v {
			if r == ',' || r == '，' || r == '、' {
				cut = i
				item = v[:i]
				break
			}
		}
		if item = trimSpace(item); item != "" {
			dst = append(dst, item)
		}
		if cut < 0 {
			break
		}
		_, size := utf8.DecodeRuneInString(v[cut:])
		v = v[cut+size:]
	}
	return dst
}

// splitAppointment splits "menu:title" at the first ASCII or full-width
// colon; without one the whole value is the title.
func splitAppointment(v string) (menu, title string) {
	for i := 0; i < len(v); i++ {
		if v[i] == ':' {
			return trimSpace(v[:i]), trimSpace(v[i+1:])
		}
		if strings.HasPrefix(v[i:], "：") {
			return trimSpace(v[:i]), trimSpace(v[i+len("："):])
		}
	}
	return "", trimSpace(v)
}

// subjectTitle takes menu and title from the subject ("[登録] 会議：title")
// when the body has no 予定 line.
func subjectTitle(subject string) (menu, title string) {
	s := trimSpace(subject)
	if i := strings.IndexAny(s, "]］"); i >= 0 {
		_, size := utf8.DecodeRuneInString(s[i:])
		s = s[i+size:]
	}
	return splitAppointment(s)
}

// memo is the memo: first (the text after "メモ：", if any) and the rest of
// the body, with trailing white space off each line and blank lines off
// both ends; inner blank lines stay (FORMAT.md §3).
func memo(first, rest string) string {
	var b strings.Builder
	pending := 0 // blank lines not yet written: kept only if text follows
	add := func(line string) {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			if b.Len() > 0 {
				pending++
			}
			return
		}
		if b.Len() > 0 {
			pending++
		}
		for ; pending > 0; pending-- {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	if first != "" {
		add(first)
	}
	for rest != "" {
		var line string
		line, rest = nextLine(rest)
		add(line)
	}
	return b.String()
}
