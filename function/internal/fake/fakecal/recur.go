package fakecal

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// rrule is the part of an RFC 5545 RRULE the fake expands: every rule
// Garoon's repeat conditions turn into (daily, weekdays, weekly on days,
// monthly on the n-th or last weekday, monthly on a day or the month end,
// yearly on a date), plus INTERVAL and COUNT. Anything else is refused, so a
// test never passes on a rule the fake silently misreads.
type rrule struct {
	freq       string // DAILY, WEEKLY, MONTHLY, YEARLY
	interval   int
	count      int // 0: no COUNT
	until      time.Time
	untilDate  bool // UNTIL is a DATE: the last day, in the event's zone
	hasUntil   bool
	byDay      []weekdayNum
	byMonthDay []int
	byMonth    []int
}

type weekdayNum struct {
	nth int // 0: every such weekday; 1..5 or -1..-5 within the month
	day time.Weekday
}

var weekdays = map[string]time.Weekday{
	"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday,
	"TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday,
}

// parseRecurrence reads the event's recurrence lines: exactly one RRULE
// (EXDATE/RDATE are not modelled).
func parseRecurrence(lines []string) (rrule, error) {
	var r rrule
	found := false
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok || name != "RRULE" || found {
			return r, errors.New("fake calendar: only one RRULE line is supported")
		}
		found = true
		r.interval = 1
		for part := range strings.SplitSeq(value, ";") {
			k, v, _ := strings.Cut(part, "=")
			if err := r.set(k, v); err != nil {
				return r, err
			}
		}
		if r.freq == "" {
			return r, errors.New("fake calendar: RRULE without FREQ")
		}
	}
	if !found {
		return r, errors.New("fake calendar: no RRULE")
	}
	return r, nil
}

// set reads one part of an RRULE, k=v.
func (r *rrule) set(k, v string) error {
	var err error
	switch k {
	case "FREQ":
		switch v {
		case "DAILY", "WEEKLY", "MONTHLY", "YEARLY":
			r.freq = v
		default:
			return errors.New("fake calendar: unsupported FREQ " + v)
		}
	case "INTERVAL":
		r.interval, err = strconv.Atoi(v)
		if err == nil && r.interval < 1 {
			err = errors.New("bad INTERVAL")
		}
	case "COUNT":
		r.count, err = strconv.Atoi(v)
	case "UNTIL":
		r.hasUntil = true
		if len(v) == 8 {
			r.untilDate = true
			r.until, err = time.Parse("20060102", v)
		} else {
			r.until, err = time.Parse("20060102T150405Z", v)
		}
	case "BYDAY":
		r.byDay, err = parseByDay(v)
		return err
	case "BYMONTHDAY":
		r.byMonthDay, err = intList(k, v, -31, 31)
		return err
	case "BYMONTH":
		r.byMonth, err = intList(k, v, 1, 12)
		return err
	case "WKST":
		if v != "MO" {
			return errors.New("fake calendar: only WKST=MO is supported")
		}
	default:
		return errors.New("fake calendar: unsupported RRULE part " + k)
	}
	if err != nil {
		return errors.New("fake calendar: bad " + k)
	}
	return nil
}

// parseByDay reads BYDAY: weekdays, each with an optional ordinal within
// the month (1 to 5 or -1 to -5).
func parseByDay(v string) ([]weekdayNum, error) {
	var out []weekdayNum
	for d := range strings.SplitSeq(v, ",") {
		if len(d) < 2 {
			return out, errors.New("fake calendar: bad BYDAY")
		}
		wd, ok := weekdays[d[len(d)-2:]]
		if !ok {
			return out, errors.New("fake calendar: bad BYDAY " + d)
		}
		nth := 0
		if n := d[:len(d)-2]; n != "" {
			var err error
			if nth, err = strconv.Atoi(strings.TrimPrefix(n, "+")); err != nil || nth == 0 || nth < -5 || nth > 5 {
				return out, errors.New("fake calendar: bad BYDAY " + d)
			}
		}
		out = append(out, weekdayNum{nth, wd})
	}
	return out, nil
}

// intList reads a comma-separated list of non-zero integers from lo to hi
// (BYMONTHDAY, BYMONTH).
func intList(k, v string, lo, hi int) ([]int, error) {
	var out []int
	for d := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(d)
		if err != nil || n == 0 || n < lo || n > hi {
			return out, errors.New("fake calendar: bad " + k + " " + d)
		}
		out = append(out, n)
	}
	return out, nil
}

// maxYears bounds the expansion of a rule without UNTIL or COUNT.
const maxYears = 10

// occurrences returns the original start of every occurrence that starts
// before to (and, once from is passed, on or after from - dur, so an
// occurrence overlapping from is included), in order. first is the event's
// start in its own time zone: the rule expands in that zone, day by day, at
// first's wall-clock time, as RFC 5545 §3.3.10 does.
func (r rrule) occurrences(first time.Time, dur time.Duration, from, to time.Time) []time.Time {
	loc := first.Location()
	y, m, d := first.Date()
	h, mi, s := first.Clock()
	limit := first.AddDate(maxYears, 0, 0)
	var out []time.Time
	n := 0
	for day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); ; day = day.AddDate(0, 0, 1) {
		occ := time.Date(day.Year(), day.Month(), day.Day(), h, mi, s, 0, loc)
		if occ.After(limit) || !to.IsZero() && !occ.Before(to) {
			return out
		}
		if r.hasUntil {
			if r.untilDate && day.After(r.until) || !r.untilDate && occ.After(r.until) {
				return out
			}
		}
		if !r.matches(first, day) {
			continue
		}
		n++
		if r.count > 0 && n > r.count {
			return out
		}
		if from.IsZero() || occ.Add(dur).After(from) || dur == 0 && !occ.Before(from) {
			out = append(out, occ)
		}
	}
}

// matches reports whether the day (a UTC midnight standing for a civil date)
// is an occurrence of the rule whose first occurrence is on first's date.
func (r rrule) matches(first, day time.Time) bool {
	fy, fm, fd := first.Date()
	start := time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC)
	if day.Before(start) {
		return false
	}
	switch r.freq {
	case "DAILY":
		if int(day.Sub(start).Hours()/24)%r.interval != 0 {
			return false
		}
		return r.weekdayOK(day)
	case "WEEKLY":
		if weekIndex(day)-weekIndex(start) < 0 || (weekIndex(day)-weekIndex(start))%r.interval != 0 {
			return false
		}
		if len(r.byDay) == 0 {
			return day.Weekday() == start.Weekday()
		}
		return r.weekdayOK(day)
	case "MONTHLY":
		months := (day.Year()-start.Year())*12 + int(day.Month()) - int(start.Month())
		if months%r.interval != 0 {
			return false
		}
		return r.dayInMonthOK(day, start)
	case "YEARLY":
		if (day.Year()-start.Year())%r.interval != 0 {
			return false
		}
		months := r.byMonth
		if len(months) == 0 {
			months = []int{int(start.Month())}
		}
		for _, mo := range months {
			if int(day.Month()) == mo {
				return r.dayInMonthOK(day, start)
			}
		}
		return false
	}
	return false
}

func (r rrule) weekdayOK(day time.Time) bool {
	if len(r.byDay) == 0 {
		return true
	}
	for _, b := range r.byDay {
		if b.day == day.Weekday() {
			return true
		}
	}
	return false
}

func (r rrule) dayInMonthOK(day, start time.Time) bool {
	last := time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	switch {
	case len(r.byDay) > 0:
		for _, b := range r.byDay {
			if b.day != day.Weekday() {
				continue
			}
			switch {
			case b.nth == 0,
				b.nth > 0 && (day.Day()-1)/7+1 == b.nth,
				b.nth < 0 && (last-day.Day())/7+1 == -b.nth:
				return true
			}
		}
		return false
	case len(r.byMonthDay) > 0:
		for _, md := range r.byMonthDay {
			if md > 0 && day.Day() == md || md < 0 && day.Day() == last+1+md {
				return true
			}
		}
		return false
	}
	return day.Day() == start.Day()
}

// weekIndex numbers weeks starting on Monday (WKST=MO, the default).
func weekIndex(day time.Time) int {
	days := int(day.Sub(time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)).Hours() / 24) // a Monday
	if days < 0 {
		return (days - 6) / 7
	}
	return days / 7
}
