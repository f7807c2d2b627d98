package garoon

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// normalizeWhen folds full-width forms (（月）, ～, ：, digits) to ASCII with
// NFKC and maps the wave dashes that NFKC keeps to "~", so one set of
// patterns reads every variant (FORMAT.md §4).
func normalizeWhen(v string) string {
	v = norm.NFKC.String(v)
	return strings.NewReplacer("〜", "~", "～", "~", "\u3000", " ").Replace(v)
}

var (
	reYMD     = regexp.MustCompile(`(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日`)
	reSlash   = regexp.MustCompile(`(\d{4})/(\d{1,2})/(\d{1,2})`)
	reEnglish = regexp.MustCompile(`(?i)\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+(\d{1,2}),?\s*(\d{4})`)
	reMD      = regexp.MustCompile(`(\d{1,2})\s*月\s*(\d{1,2})\s*日`)
	reClock   = regexp.MustCompile(`(?i)(午前|午後|am|pm)?\s*(\d{1,2}):(\d{2})(?::\d{2})?\s*(am|pm)?`)
	reKanji   = regexp.MustCompile(`(午前|午後)?\s*(\d{1,2})\s*時(?:\s*(\d{1,2})\s*分)?`)
	reWeekday = regexp.MustCompile(`\([^)]*\)`)
)

var englishMonths = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

// point is one side of a range: a date and/or a time of day.
type point struct {
	hasDate, yearKnown bool
	year, month, day   int
	hasTime            bool
	hour, minute       int
}

func (p point) date() time.Time {
	return time.Date(p.year, time.Month(p.month), p.day, 0, 0, 0, 0, JST)
}

func (p point) at() time.Time {
	return time.Date(p.year, time.Month(p.month), p.day, p.hour, p.minute, 0, 0, JST)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// parsePoint reads a date and a time from one side of a range.
func parsePoint(s string) (point, error) {
	var p point
	rest := s
	if m := reYMD.FindStringSubmatchIndex(rest); m != nil {
		p = point{hasDate: true, yearKnown: true, year: atoi(rest[m[2]:m[3]]), month: atoi(rest[m[4]:m[5]]), day: atoi(rest[m[6]:m[7]])}
		rest = rest[:m[0]] + " " + rest[m[1]:]
	} else if m := reSlash.FindStringSubmatchIndex(rest); m != nil {
		p = point{hasDate: true, yearKnown: true, year: atoi(rest[m[2]:m[3]]), month: atoi(rest[m[4]:m[5]]), day: atoi(rest[m[6]:m[7]])}
		rest = rest[:m[0]] + " " + rest[m[1]:]
	} else if m := reEnglish.FindStringSubmatchIndex(rest); m != nil {
		name := strings.ToLower(rest[m[2]:m[3]])
		if len(name) > 3 && name != "sept" {
			name = name[:3]
		}
		p = point{hasDate: true, yearKnown: true, year: atoi(rest[m[6]:m[7]]), month: int(englishMonths[name]), day: atoi(rest[m[4]:m[5]])}
		rest = rest[:m[0]] + " " + rest[m[1]:]
	} else if m := reMD.FindStringSubmatchIndex(rest); m != nil {
		p = point{hasDate: true, month: atoi(rest[m[2]:m[3]]), day: atoi(rest[m[4]:m[5]])}
		rest = rest[:m[0]] + " " + rest[m[1]:]
	}
	rest = reWeekday.ReplaceAllString(rest, " ")
	if m := reClock.FindStringSubmatch(rest); m != nil {
		h, err := clock(m[1]+m[4], atoi(m[2]), atoi(m[3]))
		if err != nil {
			return p, err
		}
		p.hasTime, p.hour, p.minute = true, h, atoi(m[3])
	} else if m := reKanji.FindStringSubmatch(rest); m != nil {
		h, err := clock(m[1], atoi(m[2]), atoi(m[3]))
		if err != nil {
			return p, err
		}
		p.hasTime, p.hour, p.minute = true, h, atoi(m[3])
	}
	if p.hasTime && (p.minute < 0 || p.minute > 59) {
		return p, fmt.Errorf("minute %d out of range", p.minute)
	}
	return p, nil
}

// clock applies a 午前/午後 (AM/PM) marker to an hour: 午前12:xx is 00:xx,
// 午後12:xx and 午後0:xx are 12:xx, otherwise 午後 adds 12.
func clock(marker string, h, m int) (int, error) {
	switch strings.ToLower(marker) {
	case "午前", "am":
		if h == 12 {
			h = 0
		}
		if h > 12 {
			return 0, fmt.Errorf("hour %d is not a 12-hour clock hour", h)
		}
	case "午後", "pm":
		if h > 12 {
			return 0, fmt.Errorf("hour %d is not a 12-hour clock hour", h)
		}
		if h != 12 {
			h += 12
		}
	}
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("time %d:%02d out of range", h, m)
	}
	return h, nil
}

// resolve fills a missing year from the mail's date: of the year before, the
// same and the next, the one that puts the date nearest the mail (FORMAT.md
// §4.4). It also rejects dates that do not exist (2月30日).
func (p *point) resolve(ref time.Time) error {
	if !p.hasDate {
		return nil
	}
	if p.month < 1 || p.month > 12 {
		return fmt.Errorf("month %d out of range", p.month)
	}
	if !p.yearKnown {
		if ref.IsZero() {
			return fmt.Errorf("date %d月%d日 has no year and the mail has no Date header", p.month, p.day)
		}
		ref = ref.In(JST)
		refDay := time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, JST)
		best, bestDist := 0, time.Duration(-1)
		for _, y := range []int{ref.Year() - 1, ref.Year(), ref.Year() + 1} {
			if p.day < 1 || p.day > daysIn(y, p.month) {
				continue
			}
			d := time.Date(y, time.Month(p.month), p.day, 0, 0, 0, 0, JST).Sub(refDay)
			if d < 0 {
				d = -d
			}
			if bestDist < 0 || d < bestDist {
				best, bestDist = y, d
			}
		}
		if bestDist < 0 {
			return fmt.Errorf("day %d does not exist in month %d", p.day, p.month)
		}
		p.year, p.yearKnown = best, true
	}
	if p.day < 1 || p.day > daysIn(p.year, p.month) {
		return fmt.Errorf("day %d does not exist in %04d-%02d", p.day, p.year, p.month)
	}
	return nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// splitRange splits "A ~ B" (or English "A - B"); right is "" for a lone
// point and for "A ~".
func splitRange(v string) (left, right string, isRange bool) {
	if i := strings.IndexByte(v, '~'); i >= 0 {
		return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+1:]), true
	}
	if i := strings.Index(v, " - "); i >= 0 {
		return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+3:]), true
	}
	return strings.TrimSpace(v), "", false
}

// allDayMarker removes an all-day marker ((終日), "All day") from v.
func allDayMarker(v string) (string, bool) {
	lower := strings.ToLower(v)
	for _, m := range []string{"(終日)", "終日", "(all day)", "all day", "(all-day)", "all-day"} {
		if i := strings.Index(lower, m); i >= 0 {
			return v[:i] + " " + v[i+len(m):], true
		}
	}
	return v, false
}

// setRange parses a 日時-style value into n.Start, n.End and n.AllDay.
func setRange(n *Notice, label, value string, ref time.Time) error {
	start, end, allDay, err := parseRange(value, ref)
	if err != nil {
		return fmt.Errorf("%s %q: %w", label, value, err)
	}
	n.Start, n.End, n.AllDay = start, end, allDay
	n.Recurrence = []string{}
	return nil
}

func parseRange(value string, ref time.Time) (start, end time.Time, allDay bool, err error) {
	v, marker := allDayMarker(normalizeWhen(value))
	left, right, _ := splitRange(v)
	sp, err := parsePoint(left)
	if err != nil {
		return start, end, false, err
	}
	if !sp.hasDate {
		return start, end, false, fmt.Errorf("no date")
	}
	if err := sp.resolve(ref); err != nil {
		return start, end, false, err
	}
	ep := point{}
	if right != "" {
		if ep, err = parsePoint(right); err != nil {
			return start, end, false, err
		}
	}
	if ep.hasDate {
		if !ep.yearKnown {
			ep.year, ep.yearKnown = sp.year, true
			if ep.date().Before(sp.date()) {
				ep.year++
			}
		}
		if err := ep.resolve(ref); err != nil {
			return start, end, false, err
		}
	} else {
		ep.year, ep.month, ep.day, ep.hasDate = sp.year, sp.month, sp.day, right != "" && ep.hasTime
	}
	switch {
	case marker || !sp.hasTime:
		start = sp.date()
		end = start.AddDate(0, 0, 1)
		if ep.hasDate {
			end = ep.date().AddDate(0, 0, 1)
		}
		allDay = true
	case ep.hasTime:
		start, end = sp.at(), ep.at()
	default:
		start = sp.at()
		end = start
	}
	if end.Before(start) {
		return start, end, false, fmt.Errorf("ends before it starts")
	}
	return start, end, allDay, nil
}
