package garoon

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// The body of a schedule notice (getForwardMailContents, notification.csp
// L792–962; docs/garoon-mails.md §3), one label line per field, in this
// order:
//
//	日時　　：<date line>            or a 日時候補 block (first line + padded lines)
//	期間　　：<D>～<E>               repeating appointments only
//	予定　　：<menu>:<title>
//	会社名　：… 郵便番号：… 住所　　：… 電話番号：…   all four or none
//	参加者　：<a>,<b>               always; 出席/欠席/未回答 lines may follow (subsets)
//	施設　　：<a>,<b>               only when there are facilities
//	メモ　　：
//	<memo text, any number of lines>
//	添付ファイル：<a>,<b>            optional, always the last line
//
// Labels are padded with U+3000 before "：" (ja to 4 cells, zh/zh-tw to 5);
// English labels end in ": ". Lists are joined with a bare ",".

// bodyLine is one line of the body with its number (1-based).
type bodyLine struct {
	no   int
	text string // the value, after the label
	full string // the whole line
}

// splitLabel splits a label line of language l ("参加者　：a,b",
// "Attendees: a,b") into its field and value; ok is false for any other
// line.
func splitLabel(line string, l *language) (f field, value string, ok bool) {
	var key string
	if l.code == langEN {
		i := strings.IndexByte(line, ':')
		if i <= 0 {
			return fieldNone, "", false
		}
		key, value = line[:i], strings.TrimPrefix(line[i+1:], " ")
	} else {
		i := strings.Index(line, "：")
		if i <= 0 {
			return fieldNone, "", false
		}
		key, value = strings.TrimRight(line[:i], "\u3000"), line[i+len("："):]
	}
	f, ok = l.labels[key]
	return f, value, ok
}

// detectLanguage finds the language of the body from its first label
// line, preferring the languages the subject tag allows.
func detectLanguage(line string, hint []string) *language {
	for pass := range 2 {
		for _, l := range languages {
			allowed := false
			for _, h := range hint {
				allowed = allowed || h == l.code
			}
			if allowed != (pass == 0) {
				continue
			}
			if f, _, ok := splitLabel(line, l); ok && (f == fieldWhen || f == fieldCandidate) {
				return l
			}
		}
	}
	return nil
}

// bodyParts are the lines of a body by field, before any value is read.
type bodyParts struct {
	lang        *language
	when        *bodyLine
	period      *bodyLine
	candidates  []bodyLine // the 日時候補 value and each padded line after it
	appointment *bodyLine
	attendees   *bodyLine
	facilities  *bodyLine
	memo        []string
	attachments *bodyLine
}

// parseBody reads a notice body into n. ignore is non-empty when the body
// is not an appointment notice after all (no date line).
func parseBody(n *Notice, body string, hint []string, ref time.Time, loc *time.Location, explain bool) (ignore string, err error) {
	var lines []bodyLine
	rest := strings.TrimPrefix(body, "\uFEFF")
	for no := 1; rest != ""; no++ {
		var line string
		line, rest = nextLine(rest)
		lines = append(lines, bodyLine{no, line, line})
	}
	var p bodyParts
	note := func(ln bodyLine, what string) {
		if explain {
			n.Explain = append(n.Explain, Explained{Line: ln.no, Text: ln.text, Meaning: what})
		}
	}
	i := 0
	for ; i < len(lines); i++ {
		if p.lang = detectLanguage(lines[i].text, hint); p.lang != nil {
			break
		}
		note(lines[i], "before the date line: skipped")
	}
	if p.lang == nil {
		return "no date line (日時, Date and time, 日期和时间, 日期和時間 or a candidate block): not an appointment notice", nil
	}
	l := p.lang
	inCandidates := false
body:
	for ; i < len(lines); i++ {
		ln := lines[i]
		if inCandidates && strings.HasPrefix(ln.text, l.padding) {
			p.candidates = append(p.candidates, bodyLine{ln.no, strings.TrimPrefix(ln.text, l.padding), ln.text})
			note(ln, "candidates: one more line of the block")
			continue
		}
		inCandidates = false
		f, value, ok := splitLabel(ln.text, l)
		if !ok {
			if strings.TrimSpace(ln.text) != "" {
				note(ln, "not a label line: skipped")
			}
			continue
		}
		v := &bodyLine{ln.no, value, ln.text}
		switch f {
		case fieldWhen:
			p.when = firstLine(p.when, v)
			note(ln, "date line")
		case fieldPeriod:
			p.period = firstLine(p.period, v)
			note(ln, "period of the repeat (the appointment's own days, never shifted to your zone)")
		case fieldCandidate:
			p.candidates, inCandidates = append(p.candidates, *v), true
			note(ln, "candidates: first line of the block")
		case fieldAppointment:
			p.appointment = firstLine(p.appointment, v)
			note(ln, "appointment: menu and title, split at the first ':'")
		case fieldCompany:
			note(ln, "company line: not used")
		case fieldAttendees:
			p.attendees = firstLine(p.attendees, v)
			note(ln, "attendees")
		case fieldRSVP:
			note(ln, "attendance subset of the attendees: not used")
		case fieldFacilities:
			p.facilities = firstLine(p.facilities, v)
			note(ln, "facilities")
		case fieldAttachments:
			p.attachments = firstLine(p.attachments, v)
			note(ln, "attachments")
		case fieldMemo:
			note(ln, "memo label: every line after it is memo, except an attachments line at the very end")
			if strings.TrimSpace(value) != "" {
				p.memo = append(p.memo, value)
			}
			memo := lines[i+1:]
			var files *bodyLine
			if k := len(memo) - 1; k >= 0 {
				if f, value, ok := splitLabel(memo[k].text, l); ok && f == fieldAttachments {
					files = &memo[k]
					p.attachments = &bodyLine{memo[k].no, value, memo[k].text}
					memo = memo[:k]
				}
			}
			for _, m := range memo {
				p.memo = append(p.memo, m.text)
				note(m, "memo")
			}
			if files != nil {
				note(*files, "attachments (the last line after the memo)")
			}
			break body
		}
	}
	if p.when != nil && trimSpace(p.when.text) == "" && len(p.candidates) == 0 {
		// A confirm or candidate delete whose candidate Garoon could not find
		// in a facility "OR search" appointment writes an empty date line
		// (notification.csp L1165–1214): nothing says which slot it was.
		return fmt.Sprintf("line %d: the date line is empty (Garoon did not find the candidate it meant)", p.when.no), nil
	}
	return "", p.fill(n, ref, loc)
}

func firstLine(have, v *bodyLine) *bodyLine {
	if have != nil {
		return have
	}
	return v
}

// lineError names the line a value came from.
func lineError(ln *bodyLine, err error) error {
	return fmt.Errorf("line %d \"%s\": %w", ln.no, printable(clip(ln.full)), err)
}

// printable replaces control characters, so that a quoted line stays one
// line in a log.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// fill turns the parts into the notice's fields.
func (p *bodyParts) fill(n *Notice, ref time.Time, loc *time.Location) error {
	if p.lang.code == langEN {
		if dm, md := mailDateOrder(p.dateTexts(), ref); dm || md {
			l := *p.lang
			l.dayFirst, l.monthFirst = dm, md
			p.lang = &l
		}
	}
	l := p.lang
	n.Language = l.code
	if p.appointment != nil {
		n.Menu, n.Title = splitAppointment(p.appointment.text)
	} else {
		n.Menu, n.Title = subjectTitle(n.Subject)
	}
	n.Attendees, n.Facilities, n.Attachments = []string{}, []string{}, []string{}
	if p.attendees != nil {
		n.Attendees = splitList(p.attendees.text)
	}
	if p.facilities != nil {
		n.Facilities = splitList(p.facilities.text)
	}
	if p.attachments != nil {
		n.Attachments = splitList(p.attachments.text)
	}
	n.Memo = memoText(p.memo)
	n.Recurrence = []string{}

	switch {
	case len(p.candidates) > 0:
		return p.fillCandidates(n, ref, loc)
	case p.when == nil:
		return fmt.Errorf("no date line")
	case isRepeatLine(p.when.text, l):
		if p.period == nil {
			return lineError(p.when, fmt.Errorf("a repeat condition, but the mail has no period line"))
		}
		first, last, err := parsePeriod(p.period.text, l, ref)
		if err != nil {
			return lineError(p.period, err)
		}
		if err := parseRepeat(n, p.when.text, first, last, l, loc); err != nil {
			return lineError(p.when, err)
		}
		return nil
	case p.period != nil:
		return lineError(p.when, fmt.Errorf("not a repeat condition this parser knows, but the mail has a period line"))
	}
	s, err := parseSlot(p.when.text, l, ref, loc)
	if err != nil {
		return lineError(p.when, err)
	}
	n.Start, n.End, n.AllDay = s.start, s.end, s.allDay
	return nil
}

// fillCandidates reads a 日時候補 block: one candidate per line; in a
// facility "OR search" block a line that does not start like a date line
// names the facility the following candidates belong to (notification.csp
// L1085–1129). Facility names are free text: 大会議室（20～30名） holds the
// range separator, in ISO-8859-1 a Japanese name is all "?" (that
// separator there), and 10-12號會議室 or 10/11F Lounge begin like a date.
// Only a line whose start (before the separator) reads as a date with or
// without a time, and that still does not read as a whole, is an error.
func (p *bodyParts) fillCandidates(n *Notice, ref time.Time, loc *time.Location) error {
	facility := ""
	for k := range p.candidates {
		ln := &p.candidates[k]
		s, err := parseSlot(ln.text, p.lang, ref, loc)
		if err != nil {
			left, _, _ := splitRange(strings.TrimSpace(ln.text), p.lang)
			if pt, ptErr := readPoint(left, p.lang); ptErr == nil && pt.hasDate {
				return lineError(ln, err)
			}
			facility = strings.TrimSpace(ln.text)
			continue
		}
		n.Candidates = append(n.Candidates, Candidate{Start: s.start, End: s.end, AllDay: s.allDay, Facility: facility})
	}
	if len(n.Candidates) == 0 {
		return lineError(&p.candidates[0], fmt.Errorf("a candidate block without a date"))
	}
	c := n.Candidates[0]
	n.Start, n.End, n.AllDay = c.Start, c.End, c.AllDay
	return nil
}

// splitList splits a list Garoon joined with a bare "," (no space,
// notification.csp L900–957), trimmed, without empty items. A "," followed
// by a space is part of a name (Smith, John; Room 1, 2F; Minutes, final.docx).
func splitList(v string) []string {
	out := []string{}
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && (v[i] != ',' || i+1 < len(v) && (v[i+1] == ' ' || v[i+1] == '\t')) {
			continue
		}
		if item := strings.TrimFunc(v[start:i], unicode.IsSpace); item != "" {
			out = append(out, item)
		}
		start = i + 1
	}
	return out
}

// dateTexts are the texts of the lines that hold dates.
func (p *bodyParts) dateTexts() []string {
	var out []string
	for _, ln := range []*bodyLine{p.when, p.period} {
		if ln != nil {
			out = append(out, ln.text)
		}
	}
	for _, ln := range p.candidates {
		out = append(out, ln.text)
	}
	return out
}

// splitAppointment splits the 予定 value at the first ASCII ":" (menu
// before, title after: grn_schedule_get_event_title, utility.csp
// L214–232); without one the whole value is the title.
func splitAppointment(v string) (menu, title string) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		return trimSpace(v[:i]), trimSpace(v[i+1:])
	}
	return "", trimSpace(v)
}

// subjectTitle takes menu and title from the subject ("[登録] 会議:title")
// when the body has no 予定 line.
func subjectTitle(subject string) (menu, title string) {
	s := trimSpace(subject)
	if i := strings.IndexByte(s, ']'); i >= 0 {
		s = s[i+1:]
	}
	return splitAppointment(s)
}

// trimSpace trims ASCII and Unicode white space (U+3000 included).
func trimSpace(s string) string {
	return strings.TrimFunc(s, unicode.IsSpace)
}

// nextLine cuts the first line off s; lines end in CRLF (as Garoon writes
// them), LF or a lone CR.
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

// memoText joins the memo lines with trailing white space off each line
// and blank lines off both ends; inner blank lines stay.
func memoText(lines []string) string {
	first, last := 0, len(lines)
	for first < last && trimSpace(lines[first]) == "" {
		first++
	}
	for last > first && trimSpace(lines[last-1]) == "" {
		last--
	}
	var b strings.Builder
	for k, line := range lines[first:last] {
		if k > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimRightFunc(line, unicode.IsSpace))
	}
	return b.String()
}
