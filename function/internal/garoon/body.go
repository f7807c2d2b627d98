package garoon

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// field ids of the body labels we read; every other label is ignored.
type field int

const (
	fieldNone field = iota
	fieldWhen
	fieldPeriod
	fieldCandidate
	fieldAppointment
	fieldAttendees
	fieldFacilities
	fieldMemo
)

// labels maps a label, with spaces and U+3000 removed and lower-cased, to
// its field. The Japanese labels are Garoon's; the English ones its EN UI's.
var labels = map[string]field{
	"日時": fieldWhen, "dateandtime": fieldWhen, "date": fieldWhen,
	"期間": fieldPeriod, "period": fieldPeriod,
	"日時候補": fieldCandidate, "candidatedates": fieldCandidate, "candidatedate": fieldCandidate,
	"予定": fieldAppointment, "appointment": fieldAppointment,
	"参加者": fieldAttendees, "attendees": fieldAttendees,
	"出席": fieldAttendees, "attending": fieldAttendees,
	"欠席": fieldAttendees, "notattending": fieldAttendees,
	"未回答": fieldAttendees, "noresponse": fieldAttendees,
	"施設": fieldFacilities, "facilities": fieldFacilities, "facility": fieldFacilities,
	"メモ": fieldMemo, "notes": fieldMemo, "memo": fieldMemo,
	// Known labels whose values we ignore: listed so their continuation
	// lines are not taken for the field above them.
	"会社名": fieldNone, "住所": fieldNone, "電話番号": fieldNone, "会社情報": fieldNone,
	"部署名": fieldNone, "郵便番号": fieldNone, "fax": fieldNone, "url": fieldNone,
	"添付ファイル": fieldNone, "attachments": fieldNone, "登録者": fieldNone, "更新者": fieldNone,
	"companyname": fieldNone, "address": fieldNone, "phonenumber": fieldNone,
}

// splitLabel splits "label　　：value" (or "label: value"). ok is false when
// the line does not start with a known label.
func splitLabel(line string) (f field, value string, ok bool) {
	i := strings.IndexAny(line, ":：")
	if i <= 0 || i > 64 {
		return 0, "", false
	}
	key := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, line[:i])
	f, ok = labels[key]
	if !ok {
		return 0, "", false
	}
	sep := ":"
	if strings.HasPrefix(line[i:], "：") {
		sep = "："
	}
	return f, strings.TrimSpace(line[i+len(sep):]), true
}

func isIndented(line string) bool {
	return strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\u3000")
}

// parseBody reads the fields (FORMAT.md §3) into n.
func parseBody(n *Notice, body string) error {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	var when, period, candidate, appointment string
	var memo []string
	inMemo := false
	last := fieldNone
	n.Attendees, n.Facilities = []string{}, []string{}
	for line := range strings.SplitSeq(body, "\n") {
		if inMemo {
			memo = append(memo, line)
			continue
		}
		f, value, ok := splitLabel(strings.TrimLeft(line, " \t"))
		if ok && isIndented(line) && (last == fieldCandidate || last == fieldWhen) {
			ok = false // an indented "label: value" inside a field stays with it
		}
		if !ok {
			if isIndented(line) && strings.TrimSpace(line) != "" {
				continueField(n, last, strings.TrimSpace(line))
			}
			continue
		}
		last = f
		switch f {
		case fieldWhen:
			if when == "" {
				when = value
			}
		case fieldPeriod:
			if period == "" {
				period = value
			}
		case fieldCandidate:
			if candidate == "" {
				candidate = value
			}
		case fieldAppointment:
			if appointment == "" {
				appointment = value
			}
		case fieldAttendees:
			n.Attendees = append(n.Attendees, splitList(value)...)
		case fieldFacilities:
			n.Facilities = append(n.Facilities, splitList(value)...)
		case fieldMemo:
			inMemo = true
			if value != "" {
				memo = append(memo, value)
			}
		}
	}
	n.Memo = normalizeMemo(memo)

	if appointment != "" {
		n.Menu, n.Title = splitAppointment(appointment)
	} else {
		n.Menu, n.Title = subjectTitle(n.Subject)
	}
	if n.Title == "" {
		return fmt.Errorf("no title: neither a 予定 line nor a title in the subject")
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
	return fmt.Errorf("no 日時 line: cannot tell when the appointment is")
}

// continueField handles an indented continuation line: more names for a
// list; further candidates (ignored: the first one counts) otherwise.
func continueField(n *Notice, f field, text string) {
	switch f {
	case fieldAttendees:
		n.Attendees = append(n.Attendees, splitList(text)...)
	case fieldFacilities:
		n.Facilities = append(n.Facilities, splitList(text)...)
	}
}

func splitList(v string) []string {
	var out []string
	for item := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if item = strings.TrimFunc(item, unicode.IsSpace); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// splitAppointment splits "menu:title" at the first ASCII or full-width
// colon; without one the whole value is the title.
func splitAppointment(v string) (menu, title string) {
	i := strings.IndexAny(v, ":：")
	if i < 0 {
		return "", strings.TrimSpace(v)
	}
	sep := 1
	if strings.HasPrefix(v[i:], "：") {
		sep = len("：")
	}
	return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+sep:])
}

// subjectTitle takes menu and title from "[登録] 会議：title" when the body
// has no 予定 line.
func subjectTitle(subject string) (menu, title string) {
	s := strings.TrimSpace(subject)
	if i := strings.IndexAny(s, "]］"); i >= 0 {
		_, size := utf8.DecodeRuneInString(s[i:])
		s = strings.TrimSpace(s[i+size:])
	}
	return splitAppointment(s)
}

// normalizeMemo: trailing whitespace off each line, blank lines off both ends.
func normalizeMemo(lines []string) string {
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}
