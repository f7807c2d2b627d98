package garoon

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// rule is a repeat rule (FORMAT.md §4.6) with a test for whether a day is an
// occurrence, used to find the first occurrence in the period.
type rule struct {
	rrule  string // RRULE parts before UNTIL
	occurs func(day time.Time) bool
}

var byday = map[time.Weekday]string{
	time.Sunday: "SU", time.Monday: "MO", time.Tuesday: "TU", time.Wednesday: "WE",
	time.Thursday: "TH", time.Friday: "FR", time.Saturday: "SA",
}

var jaWeekdays = map[string]time.Weekday{
	"日": time.Sunday, "月": time.Monday, "火": time.Tuesday, "水": time.Wednesday,
	"木": time.Thursday, "金": time.Friday, "土": time.Saturday,
}

var enWeekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

var (
	reJaWeekly    = regexp.MustCompile(`^毎週\s*([日月火水木金土・、,]+)\s*曜日?`)
	reJaNthDay    = regexp.MustCompile(`^毎月\s*(?:第\s*([1-5])|(最終))\s*([日月火水木金土])\s*曜日?`)
	reJaMonthDay  = regexp.MustCompile(`^毎月\s*(\d{1,2}|末)\s*日`)
	reEnWeekly    = regexp.MustCompile(`(?i)^(?:every|weekly)\s+(?:week\s+)?(?:on\s+)?(sun|mon|tue|wed|thu|fri|sat)[a-z]*`)
	reEnNthDay    = regexp.MustCompile(`(?i)^(?:every month|monthly)\s+(?:on\s+)?(?:the\s+)?(1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth|last)\s+(sun|mon|tue|wed|thu|fri|sat)[a-z]*`)
	reEnMonthDay  = regexp.MustCompile(`(?i)^(?:every month|monthly)\s+(?:on\s+)?(?:the\s+|day\s+)?(\d{1,2})(?:st|nd|rd|th)?`)
	reEnWeekdays  = regexp.MustCompile(`(?i)^(?:every weekday|every day \(except (?:saturdays?|sat)[^)]*\)|weekdays)`)
	reEnDaily     = regexp.MustCompile(`(?i)^(?:every day|daily)`)
	reJaWeekdays  = regexp.MustCompile(`^毎日\s*\([^)]*除く\)|^平日`)
	reJaDaily     = regexp.MustCompile(`^毎日`)
	enOrdinals    = map[string]int{"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "5th": 5, "fifth": 5, "last": -1}
	repeatPrefixe = []string{"毎日", "毎週", "毎月", "毎年", "平日", "every", "daily", "weekly", "monthly", "weekdays"}
)

func isRepeat(when string) bool {
	v := strings.ToLower(normalizeWhen(strings.TrimSpace(when)))
	for _, p := range repeatPrefixe {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// parseRule reads the rule at the start of v and returns it with the rest
// (the times).
func parseRule(v string) (rule, string, error) {
	weekdays := func(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }
	if m := reJaWeekdays.FindString(v); m != "" {
		return rule{"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", weekdays}, v[len(m):], nil
	}
	if m := reEnWeekdays.FindString(v); m != "" {
		return rule{"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", weekdays}, v[len(m):], nil
	}
	if m := reJaWeekly.FindStringSubmatch(v); m != nil {
		var days []time.Weekday
		for _, r := range m[1] {
			if d, ok := jaWeekdays[string(r)]; ok {
				days = append(days, d)
			}
		}
		return weeklyRule(days), v[len(m[0]):], nil
	}
	if m := reEnWeekly.FindStringSubmatch(v); m != nil {
		return weeklyRule([]time.Weekday{enWeekdays[strings.ToLower(m[1])]}), v[len(m[0]):], nil
	}
	if m := reJaNthDay.FindStringSubmatch(v); m != nil {
		nth := -1
		if m[2] == "" {
			nth = atoi(m[1])
		}
		return nthRule(nth, jaWeekdays[m[3]]), v[len(m[0]):], nil
	}
	if m := reEnNthDay.FindStringSubmatch(v); m != nil {
		return nthRule(enOrdinals[strings.ToLower(m[1])], enWeekdays[strings.ToLower(m[2])]), v[len(m[0]):], nil
	}
	if m := reJaMonthDay.FindStringSubmatch(v); m != nil {
		day := -1
		if m[1] != "末" {
			day = atoi(m[1])
		}
		r, err := monthDayRule(day)
		return r, v[len(m[0]):], err
	}
	if m := reEnMonthDay.FindStringSubmatch(v); m != nil {
		r, err := monthDayRule(atoi(m[1]))
		return r, v[len(m[0]):], err
	}
	if m := reJaDaily.FindString(v); m != "" {
		return rule{"FREQ=DAILY", func(time.Time) bool { return true }}, v[len(m):], nil
	}
	if m := reEnDaily.FindString(v); m != "" {
		return rule{"FREQ=DAILY", func(time.Time) bool { return true }}, v[len(m):], nil
	}
	return rule{}, "", fmt.Errorf("unknown repeat rule")
}

func weeklyRule(days []time.Weekday) rule {
	codes := make([]string, len(days))
	set := map[time.Weekday]bool{}
	for i, d := range days {
		codes[i], set[d] = byday[d], true
	}
	return rule{"FREQ=WEEKLY;BYDAY=" + strings.Join(codes, ","), func(d time.Time) bool { return set[d.Weekday()] }}
}

func nthRule(nth int, wd time.Weekday) rule {
	return rule{fmt.Sprintf("FREQ=MONTHLY;BYDAY=%d%s", nth, byday[wd]), func(d time.Time) bool {
		if d.Weekday() != wd {
			return false
		}
		if nth < 0 {
			return d.AddDate(0, 0, 7).Month() != d.Month()
		}
		return (d.Day()-1)/7+1 == nth
	}}
}

func monthDayRule(day int) (rule, error) {
	if day == 0 || day > 31 {
		return rule{}, fmt.Errorf("day %d of the month out of range", day)
	}
	return rule{fmt.Sprintf("FREQ=MONTHLY;BYMONTHDAY=%d", day), func(d time.Time) bool {
		if day < 0 {
			return d.AddDate(0, 0, 1).Month() != d.Month()
		}
		return d.Day() == day
	}}, nil
}

// parseRepeat reads a repeating appointment: the rule and times from 日時,
// the period from 期間. Start and end are the first occurrence on or after
// the period start; UNTIL is the period's last day, 23:59:59 JST, in UTC.
func parseRepeat(n *Notice, when, period string, ref time.Time) error {
	v := normalizeWhen(strings.TrimSpace(when))
	r, rest, err := parseRule(v)
	if err != nil {
		return fmt.Errorf("日時 %q: %w", when, err)
	}
	if period == "" {
		return fmt.Errorf("日時 %q repeats but the mail has no 期間 line", when)
	}
	pv, _ := allDayMarker(normalizeWhen(period))
	left, right, _ := splitRange(pv)
	from, err := parsePoint(left)
	if err == nil && !from.hasDate {
		err = fmt.Errorf("no start date")
	}
	if err == nil {
		err = from.resolve(ref)
	}
	if err != nil {
		return fmt.Errorf("期間 %q: %w", period, err)
	}
	to := from
	if right != "" {
		if to, err = parsePoint(right); err == nil && !to.hasDate {
			err = fmt.Errorf("no end date")
		}
		if err == nil && !to.yearKnown {
			to.year, to.yearKnown = from.year, true
			if to.month < from.month || (to.month == from.month && to.day < from.day) {
				to.year++
			}
		}
		if err == nil {
			err = to.resolve(ref)
		}
		if err != nil {
			return fmt.Errorf("期間 %q: %w", period, err)
		}
	}
	first, last := from.date(), to.date()
	if last.Before(first) {
		return fmt.Errorf("期間 %q: ends before it starts", period)
	}
	occ := first
	for !r.occurs(occ) {
		occ = occ.AddDate(0, 0, 1)
		if occ.After(last) {
			return fmt.Errorf("日時 %q: no occurrence within 期間 %q", when, period)
		}
	}

	rest, marker := allDayMarker(rest)
	rest = strings.TrimSpace(rest)
	times := point{}
	var endTime point
	if !marker && rest != "" {
		l, rr, _ := splitRange(rest)
		if times, err = parsePoint(l); err == nil && rr != "" {
			endTime, err = parsePoint(rr)
		}
		if err != nil {
			return fmt.Errorf("日時 %q: %w", when, err)
		}
	}
	if marker || !times.hasTime {
		n.Start, n.End, n.AllDay = occ, occ.AddDate(0, 0, 1), true
	} else {
		n.Start = occ.Add(time.Duration(times.hour)*time.Hour + time.Duration(times.minute)*time.Minute)
		n.End = n.Start
		if endTime.hasTime {
			n.End = occ.Add(time.Duration(endTime.hour)*time.Hour + time.Duration(endTime.minute)*time.Minute)
			if n.End.Before(n.Start) {
				n.End = n.End.AddDate(0, 0, 1) // past midnight
			}
		}
	}
	until := time.Date(last.Year(), last.Month(), last.Day(), 23, 59, 59, 0, JST).UTC()
	n.Recurrence = []string{"RRULE:" + r.rrule + ";UNTIL=" + until.Format("20060102T150405Z")}
	return nil
}
