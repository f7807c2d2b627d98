package garoon

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The date and time forms of FORMAT.md §4 are read by one small scanner
// over a folded copy of the value: full-width ASCII (（月）, ：, digits) and
// the wave dashes become ASCII first, so "（月）" and "(月)", "～", "〜" and
// "~" need no separate cases.

// fold maps the full-width forms and look-alikes in a date value to ASCII:
// U+FF01–FF5E (including ～ U+FF5E) to their ASCII twins, U+3000 to a space,
// 〜 U+301C and other tildes to "~", dashes and minus signs to "-".
func fold(v string) string {
	ascii := true
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for _, r := range v {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteByte(byte(r - 0xFEE0))
		case r == 0x3000:
			b.WriteByte(' ')
		case r == 0x301C || r == 0x2053 || r == 0x223C || r == 0x02DC:
			b.WriteByte('~')
		case r >= 0x2010 && r <= 0x2015 || r == 0x2212 || r == 0xFE63:
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// civil is a calendar date without a zone; every Garoon date is JST.
type civil struct{ y, m, d int }

// days is the number of days since 1970-01-01 (H. Hinnant's algorithm).
func (c civil) days() int {
	y, m := c.y, c.m
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + c.d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func fromDays(z int) civil {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return civil{y, m, d}
}

func (c civil) addDays(n int) civil { return fromDays(c.days() + n) }

func (c civil) weekday() time.Weekday { return time.Weekday(((c.days() % 7) + 7 + 4) % 7) } // 1970-01-01 was a Thursday

func (c civil) before(o civil) bool { return c.days() < o.days() }

// at is the moment h:m on this day, in JST.
func (c civil) at(h, m int) time.Time {
	return time.Date(c.y, time.Month(c.m), c.d, h, m, 0, 0, JST)
}

func (c civil) String() string { return fmt.Sprintf("%04d-%02d-%02d", c.y, c.m, c.d) }

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Years outside this range are typing errors, not appointments.
const minYear, maxYear = 1900, 2999

// check reports a date that does not exist (2月30日) or an absurd year.
func (c civil) check() error {
	switch {
	case c.y < minYear || c.y > maxYear:
		return fmt.Errorf("year out of range: %s", c)
	case c.m < 1 || c.m > 12:
		return fmt.Errorf("month out of range: %s", c)
	case c.d < 1 || c.d > daysIn(c.y, c.m):
		return fmt.Errorf("day out of range: %s", c)
	}
	return nil
}

// point is one side of a range: a date and/or a time of day, as written.
type point struct {
	date         civil // y is 0 when the value has no year
	hasDate      bool
	hour, minute int
	hasTime      bool
	allDay       bool // a 終日 / "all day" marker
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// number reads up to 4 digits at s[i:]; longer runs are an error.
func number(s string, i int) (n, next int, err error) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		if j-i == 4 {
			return 0, j, fmt.Errorf("number %q too long", clipString(s[i:]))
		}
		n = n*10 + int(s[j]-'0')
		j++
	}
	return n, j, nil
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

var englishMonths = [...]string{"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"}

// monthName returns 1–12 for an English month name or its abbreviation.
func monthName(w string) int {
	if len(w) < 3 {
		return 0
	}
	for i, m := range englishMonths {
		if strings.HasPrefix(m, w) || w == "sept" && i == 8 {
			return i + 1
		}
	}
	return 0
}

var englishWeekdays = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// weekdayName returns the weekday of an English name or abbreviation.
func weekdayName(w string) (time.Weekday, bool) {
	if len(w) < 3 {
		return 0, false
	}
	for i, d := range englishWeekdays {
		if strings.HasPrefix(d, w) || strings.HasPrefix(w, d) || w == "tues" && i == 2 || w == "thur" && i == 4 || w == "thurs" && i == 4 {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// parsePoint reads a date and a time from one side of a range. It accepts
// 2024年01月15日, 01月15日, 2024/01/15, January 15, 2024; 10:00, 9:00,
// 午前10:30, 10時00分, 10時, 10:00 AM; weekdays ((月), Mon) are skipped.
// Numbers it cannot place are an error.
func parsePoint(s string) (point, error) {
	var p point
	var marker string // 午前/午後 (AM/PM)
	engMonth := false // an English month name was read; day and year follow
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == ',' || c == '.' || c == '\t':
			i++
		case isDigit(c):
			n, j, err := number(s, i)
			if err != nil {
				return p, err
			}
			nd := j - i
			k := skipSpaces(s, j)
			switch {
			case strings.HasPrefix(s[k:], "年"):
				if p.date.y != 0 || p.hasDate {
					return p, fmt.Errorf("unexpected year %d", n)
				}
				p.date.y, i = n, k+len("年")
			case strings.HasPrefix(s[k:], "月"):
				if p.date.m != 0 {
					return p, fmt.Errorf("unexpected month %d", n)
				}
				p.date.m, i = n, k+len("月")
			case strings.HasPrefix(s[k:], "日"):
				if p.date.m == 0 || p.hasDate {
					return p, fmt.Errorf("unexpected day %d", n)
				}
				p.date.d, p.hasDate, i = n, true, k+len("日")
			case j < len(s) && (s[j] == '/' || s[j] == '-' && nd == 4) && j+1 < len(s) && isDigit(s[j+1]):
				if p.hasDate || p.date.m != 0 {
					return p, fmt.Errorf("unexpected date %q", clipString(s[i:]))
				}
				if i, err = p.numericDate(s, i); err != nil {
					return p, err
				}
			case j < len(s) && s[j] == ':' && j+1 < len(s) && isDigit(s[j+1]):
				if p.hasTime {
					return p, fmt.Errorf("unexpected second time %q", clipString(s[i:]))
				}
				m, next, err := number(s, j+1)
				if err != nil {
					return p, err
				}
				if next-(j+1) != 2 {
					return p, fmt.Errorf("bad time %q", clipString(s[i:next]))
				}
				if next+1 < len(s) && s[next] == ':' && isDigit(s[next+1]) {
					sec, after, err := number(s, next+1)
					if err != nil || sec > 59 || after-(next+1) != 2 {
						return p, fmt.Errorf("bad time %q", clipString(s[i:]))
					}
					next = after
				}
				p.hour, p.minute, p.hasTime, i = n, m, true, next
			case strings.HasPrefix(s[k:], "時"):
				if p.hasTime {
					return p, fmt.Errorf("unexpected second time %q", clipString(s[i:]))
				}
				p.hour, p.hasTime, i = n, true, k+len("時")
				k = skipSpaces(s, i)
				switch {
				case strings.HasPrefix(s[k:], "半"):
					p.minute, i = 30, k+len("半")
				case k < len(s) && isDigit(s[k]):
					m, after, err := number(s, k)
					if err != nil {
						return p, err
					}
					if a := skipSpaces(s, after); strings.HasPrefix(s[a:], "分") {
						p.minute, i = m, a+len("分")
					}
				}
			case engMonth && p.date.d == 0 && nd <= 2:
				p.date.d, i = n, j
				for i < len(s) && isLetter(s[i]) { // 15th
					i++
				}
			case engMonth && p.date.d != 0 && p.date.y == 0 && nd == 4:
				p.date.y, p.hasDate, i = n, true, j
			default:
				return p, fmt.Errorf("unexpected number %q", clipString(s[i:]))
			}
		case c == '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				end = len(s) - i
			}
			inner := s[i+1 : i+end]
			if strings.Contains(inner, "終日") || containsFold(inner, "all day") || containsFold(inner, "all-day") {
				p.allDay = true
			}
			i += end + 1
		case strings.HasPrefix(s[i:], "午前"):
			marker, i = "am", i+len("午前")
		case strings.HasPrefix(s[i:], "午後"):
			marker, i = "pm", i+len("午後")
		case strings.HasPrefix(s[i:], "終日"):
			p.allDay, i = true, i+len("終日")
		case isLetter(c):
			j := i
			for j < len(s) && (isLetter(s[j]) || s[j] == '-') {
				j++
			}
			w := strings.ToLower(s[i:j])
			switch {
			case w == "am" || w == "pm" || w == "a" || w == "p":
				if w == "a" || w == "p" { // a.m., p.m.
					w += "m"
					if j+2 < len(s) && s[j] == '.' && (s[j+1]|0x20) == 'm' {
						j += 2
					}
				}
				marker = w
			case w == "all-day" || w == "all" && strings.HasPrefix(strings.ToLower(s[skipSpaces(s, j):]), "day"):
				p.allDay = true
				if w == "all" {
					j = skipSpaces(s, j) + len("day")
				}
			case monthName(w) > 0:
				if p.date.m != 0 {
					return p, fmt.Errorf("unexpected month %q", w)
				}
				p.date.m, engMonth = monthName(w), true
			default:
				// Weekday names and other words carry nothing we need.
			}
			i = j
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	if !p.hasDate && p.date.m != 0 && p.date.d != 0 {
		p.hasDate = true // "January 15" without a year
	}
	if !p.hasDate && (p.date.y != 0 || p.date.m != 0) {
		return p, fmt.Errorf("incomplete date %q", clipString(s))
	}
	if p.hasTime {
		h, err := clock(marker, p.hour, p.minute)
		if err != nil {
			return p, err
		}
		p.hour = h
	}
	return p, nil
}

// numericDate reads 2024/01/15, 01/15, 24/01/15, 01/15/2024 or 2024-01-15
// at s[i:] into p and returns the index after it.
func (p *point) numericDate(s string, i int) (int, error) {
	var nums [3]int
	var widths [3]int
	k := 0
	for k < 3 {
		n, j, err := number(s, i)
		if err != nil {
			return j, err
		}
		nums[k], widths[k] = n, j-i
		k++
		i = j
		if k < 3 && i+1 < len(s) && (s[i] == '/' || s[i] == '-') && isDigit(s[i+1]) {
			i++
			continue
		}
		break
	}
	switch {
	case k == 2:
		p.date = civil{0, nums[0], nums[1]}
	case widths[0] == 4:
		p.date = civil{nums[0], nums[1], nums[2]}
	case widths[2] == 4:
		p.date = civil{nums[2], nums[0], nums[1]}
	default:
		p.date = civil{2000 + nums[0], nums[1], nums[2]}
	}
	p.hasDate = true
	return i, nil
}

// clock applies a 午前/午後 (AM/PM) marker to an hour and checks the time:
// 午前12:xx is 00:xx, 午後12:xx and 午後0:xx are 12:xx, otherwise 午後 adds
// 12 (FORMAT.md §4.4). 24:00 is accepted as the end of a day.
func clock(marker string, h, m int) (int, error) {
	if m > 59 {
		return 0, fmt.Errorf("minute out of range: %d:%02d", h, m)
	}
	switch marker {
	case "am":
		if h > 12 {
			return 0, fmt.Errorf("hour out of range: 午前%d:%02d", h, m)
		}
		if h == 12 {
			h = 0
		}
	case "pm":
		if h > 12 {
			return 0, fmt.Errorf("hour out of range: 午後%d:%02d", h, m)
		}
		if h != 12 {
			h += 12
		}
	}
	if h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("hour out of range: %d:%02d", h, m)
	}
	return h, nil
}

// resolveYear gives a year-less date the year that puts it nearest to the
// mail's date in JST, of the mail's year, the one before and the one after
// (FORMAT.md §4.4). It also rejects dates that do not exist.
func resolveYear(c civil, ref time.Time) (civil, error) {
	if c.y != 0 {
		return c, c.check()
	}
	if c.m < 1 || c.m > 12 {
		return c, fmt.Errorf("month out of range: %02d-%02d", c.m, c.d)
	}
	if ref.IsZero() {
		return c, fmt.Errorf("date %d月%d日 has no year and the mail has no Date header to take it from", c.m, c.d)
	}
	ref = ref.In(JST)
	today := civil{ref.Year(), int(ref.Month()), ref.Day()}.days()
	best, bestDist := civil{}, -1
	for y := ref.Year() - 1; y <= ref.Year()+1; y++ {
		cand := civil{y, c.m, c.d}
		if cand.check() != nil {
			continue
		}
		dist := cand.days() - today
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = cand, dist
		}
	}
	if bestDist < 0 {
		return c, fmt.Errorf("day out of range: %02d-%02d", c.m, c.d)
	}
	return best, nil
}

// resolveEnd gives the end date of a range the start's year when it has
// none, the next year when that would put it before the start
// (12月30日～1月3日).
func resolveEnd(end, start civil) (civil, error) {
	if end.y != 0 {
		return end, end.check()
	}
	end.y = start.y
	if end.m < start.m || end.m == start.m && end.d < start.d {
		end.y++
	}
	return end, end.check()
}

// splitRange splits "A ~ B" or "A - B" (the spaces may be missing); right
// is "" for a lone point and for "A ~". A "-" inside a 2024-01-15 date is
// not a separator.
func splitRange(v string) (left, right string) {
	if i := strings.IndexByte(v, '~'); i >= 0 {
		return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+1:])
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '-' || isDateDash(v, i) {
			continue
		}
		return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+1:])
	}
	return strings.TrimSpace(v), ""
}

// isDateDash reports whether the "-" at v[i] is inside a numeric date: it
// follows a four-digit year or a "-NN" month.
func isDateDash(v string, i int) bool {
	if i == 0 || i+1 >= len(v) || !isDigit(v[i-1]) || !isDigit(v[i+1]) {
		return false
	}
	j := i
	for j > 0 && isDigit(v[j-1]) {
		j--
	}
	return i-j == 4 || j > 0 && v[j-1] == '-'
}

// parseRange reads a 日時-style value: start and end in JST and whether the
// appointment is all-day (end exclusive), following FORMAT.md §4.1–4.3.
func parseRange(value string, ref time.Time) (start, end time.Time, allDay bool, err error) {
	left, right := splitRange(fold(value))
	sp, err := parsePoint(left)
	if err != nil {
		return start, end, false, err
	}
	ep, err := parsePoint(right)
	if err != nil {
		return start, end, false, err
	}
	if !sp.hasDate {
		return start, end, false, errors.New("no date")
	}
	sd, err := resolveYear(sp.date, ref)
	if err != nil {
		return start, end, false, err
	}
	ed := sd
	if ep.hasDate {
		if ed, err = resolveEnd(ep.date, sd); err != nil {
			return start, end, false, err
		}
	}
	switch {
	case sp.allDay || ep.allDay || !sp.hasTime:
		// The 終日 marker wins over any times; a date without a time is an
		// appointment without time, all-day as well.
		start, end, allDay = sd.at(0, 0), ed.addDays(1).at(0, 0), true
	case ep.hasTime:
		start, end = sd.at(sp.hour, sp.minute), ed.at(ep.hour, ep.minute)
		if !ep.hasDate && end.Before(start) {
			end = end.AddDate(0, 0, 1) // "23:00 ～ 01:00": past midnight
		}
	default:
		start = sd.at(sp.hour, sp.minute)
		end = start
	}
	if end.Before(start) {
		return start, end, false, fmt.Errorf("ends before it starts (%s, %s)", start.Format(time.DateTime), end.Format(time.DateTime))
	}
	return start, end, allDay, nil
}

// setRange parses a 日時-style value into n.Start, n.End and n.AllDay.
func setRange(n *Notice, label, value string, ref time.Time) error {
	start, end, allDay, err := parseRange(value, ref)
	if err != nil {
		return fmt.Errorf("%s %q: %w", label, clipString(value), err)
	}
	n.Start, n.End, n.AllDay = start, end, allDay
	return nil
}
