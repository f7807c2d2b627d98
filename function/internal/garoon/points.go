package garoon

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// valid reports whether y-m-d exists (time.Date normalises 02-30 to 03-01).
func valid(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

// days is the number of days from a to b.
func days(a, b Date) int {
	return int(b.In(time.UTC).Sub(a.In(time.UTC)).Hours() / 24)
}

// addDays is d moved by n days.
func (d Date) addDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

// weekday is d's day of the week.
func (d Date) weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// resolveDate turns a date as written into a calendar day. A year-less
// date takes the year, of the mail's year in the zone and the ones before
// and after, that puts it nearest the mail's Date (docs/garoon-mails.md
// §4). For an English numeric date that reads both as MM/DD and DD/MM, the
// reading whose weekday matches the one written wins; MM/DD when both (or
// neither) match. When the weekday written fits no reading in its nearest
// year, the year around the mail's that it fits wins: a delete of a
// fiscal-year series mailed in November says 04月01日（木）～03月31日（金），
// and of the three years only one has 04-01 on a Thursday.
func resolveDate(t dateText, ref time.Time) (Date, error) {
	readings := [2][2]int{{t.month, t.day}, {t.day, t.month}}
	if t.swap && t.dayFirst {
		readings[0], readings[1] = readings[1], readings[0]
	}
	n := 1
	if t.swap && !t.dayFirst && !t.monthFirst {
		n = 2 // the mail does not show its order: both readings
	}
	var first Date
	var firstErr error
	for i := range n {
		d, err := resolveYear(t.year, readings[i][0], readings[i][1], ref)
		if i == 0 {
			first, firstErr = d, err
		}
		if err == nil && (!t.hasWeekday || d.weekday() == t.weekday) {
			return d, nil
		}
	}
	if t.year == 0 && t.hasWeekday && !ref.IsZero() {
		for i := range n {
			if d, ok := yearOfWeekday(readings[i][0], readings[i][1], t.weekday, DateOf(ref)); ok {
				return d, nil
			}
		}
	}
	return first, firstErr
}

// yearOfWeekday is month-day in the year, of today's and the ones before
// and after, where it falls on wd (at most one of the three: a date's
// weekday moves by one or two days a year).
func yearOfWeekday(month, day int, wd time.Weekday, today Date) (Date, bool) {
	for y := today.Year - 1; y <= today.Year+1; y++ {
		if c := (Date{y, time.Month(month), day}); valid(y, month, day) && c.weekday() == wd {
			return c, true
		}
	}
	return Date{}, false
}

func resolveYear(year, month, day int, ref time.Time) (Date, error) {
	if year != 0 {
		if !valid(year, month, day) {
			return Date{}, fmt.Errorf("no such day: %04d-%02d-%02d", year, month, day)
		}
		return Date{year, time.Month(month), day}, nil
	}
	if ref.IsZero() {
		return Date{}, fmt.Errorf("date %02d-%02d has no year and the mail has no Date header to take it from", month, day)
	}
	today := DateOf(ref)
	best, bestDist := Date{}, -1
	for y := today.Year - 1; y <= today.Year+1; y++ {
		if !valid(y, month, day) {
			continue
		}
		c := Date{y, time.Month(month), day}
		dist := days(today, c)
		if dist < 0 {
			dist = -dist
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = c, dist
		}
	}
	if bestDist < 0 {
		return Date{}, fmt.Errorf("no such day: %02d-%02d", month, day)
	}
	return best, nil
}

// resolveEnd resolves the end of a range. A year-less end date is taken in
// the start's year, or the next when it would come before the start
// (12月30日 ～ 01月03日) or does not exist in the start's year (02-29 after
// a start in a common year).
func resolveEnd(t dateText, start Date, ref time.Time) (Date, error) {
	if t.year != 0 {
		return resolveDate(t, ref)
	}
	in := func(year int) (Date, error) {
		u := t
		u.year = year
		return resolveDate(u, ref)
	}
	d, err := in(start.Year)
	if err == nil && days(start, d) >= 0 {
		return d, nil
	}
	if next, nextErr := in(start.Year + 1); nextErr == nil || err == nil {
		return next, nextErr
	}
	return d, err
}

// at is the moment c on day d in loc.
func (d Date) at(c clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, c.hour, c.minute, 0, 0, loc)
}

// numericDate is an English numeric date: 05/04/2019(Fri) or 05/04(Fri).
var numericDate = regexp.MustCompile(`(?:^|[^0-9/])([0-9]{2})/([0-9]{2})(?:/([0-9]{4}))?(?:\(([A-Za-z]*)\))?`)

// mailDateOrder says whether an English mail's numeric dates are DD/MM
// (dm) or MM/DD (md), when the mail shows it. The user picks one date
// format, so every date of a mail is written the same way
// (docs/garoon-mails.md §4.1): a date that can only be DD/MM (15/12) or
// only MM/DD (12/15), or whose weekday fits only one reading, decides for
// the others, such as 03/12/2027(Fri), a Friday both as 12 March and as 3
// December. Evidence both ways (or none) decides nothing.
func mailDateOrder(texts []string, ref time.Time) (dm, md bool) {
	for _, text := range texts {
		for _, m := range numericDate.FindAllStringSubmatch(text, -1) {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			year, _ := strconv.Atoi(m[3])
			switch {
			case a > 12 && b <= 12:
				dm = true
			case b > 12 && a <= 12:
				md = true
			case a != b && m[4] != "":
				wd, ok := languages[1].weekdayIn(m[4])
				if !ok {
					continue
				}
				fits := func(month, day int) bool {
					d, err := resolveYear(year, month, day, ref)
					return err == nil && d.weekday() == wd
				}
				switch asMD, asDM := fits(a, b), fits(b, a); {
				case asDM && !asMD:
					dm = true
				case asMD && !asDM:
					md = true
				}
			}
		}
	}
	return dm && !md, md && !dm
}
