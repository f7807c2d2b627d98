package garoon

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A repeating appointment's date line is the repeat condition and the
// times (event_date_repeat_HM_HM, _HM, _all, _HM_HM_all; docs/garoon-mails.md
// §4.3, §5). The condition is built by GRN_Schedule_View_Util::getRepeatData
// (view_util.csp L1321–1365) from the template
// &&prefix&&&&separator&&&&day&&&&separator&&&&suffix&&, the separator being
// " " in English only, so English weekly rules have two spaces:
//
//	ja  毎日  毎日（土日を除く）  毎週金曜日  第１金曜日 … 第４金曜日  最終金曜日  毎月 15 日  毎月 月末
//	en  Every day  Every weekday  Every week  Friday  1st  Friday  Last  Friday
//	    Every month 15 Day  Every last day of month
//	zh  每日  每日（周六周日除外）  每周星期五  第1星期五  最终星期五  每月 15 日  每月 月末
//	tw  每日  每日（週六週日除外）  每週星期五  第1星期五  最終星期五  每月 15 日  每月 月末
//
// There are no yearly and no "every N weeks" rules.

// rule is a parsed repeat condition.
type rule struct {
	kind     string       // "day", "weekday", "week", "nth", "month"
	weekday  time.Weekday // week, nth
	nth      int          // nth: 1–4, -1 for the last
	monthDay int          // month: 1–31, -1 for the month's last day
}

var rruleDays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// rrule is the RRULE value without UNTIL.
func (r rule) rrule() string {
	switch r.kind {
	case "day":
		return "FREQ=DAILY"
	case "weekday":
		return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
	case "week":
		return "FREQ=WEEKLY;BYDAY=" + rruleDays[r.weekday]
	case "nth":
		return "FREQ=MONTHLY;BYDAY=" + strconv.Itoa(r.nth) + rruleDays[r.weekday]
	default:
		return "FREQ=MONTHLY;BYMONTHDAY=" + strconv.Itoa(r.monthDay)
	}
}

// occurs reports whether the rule has an occurrence on d.
func (r rule) occurs(d Date) bool {
	wd := d.weekday()
	switch r.kind {
	case "day":
		return true
	case "weekday":
		return wd != time.Saturday && wd != time.Sunday
	case "week":
		return wd == r.weekday
	case "nth":
		if wd != r.weekday {
			return false
		}
		if r.nth < 0 {
			return d.addDays(7).Month != d.Month
		}
		return (d.Day-1)/7+1 == r.nth
	default:
		if r.monthDay < 0 {
			return d.addDays(1).Month != d.Month
		}
		return d.Day == r.monthDay
	}
}

// readRule reads a repeat condition of l at the start of s; ok is false
// when s does not start with one.
func readRule(s string, l *language) (r rule, rest string, ok bool, err error) {
	weekdayAfter := func(prefix string) (time.Weekday, string, bool) {
		t, ok := cut(s, prefix+l.sep+l.sep)
		if !ok {
			return 0, s, false
		}
		for i, w := range l.ruleWeekdays {
			if after, ok := cut(t, w); ok {
				return time.Weekday(i), after, true
			}
		}
		return 0, s, false
	}
	if rest, ok := cut(s, l.everyWeekday); ok {
		return rule{kind: "weekday"}, rest, true, nil
	}
	if rest, ok := cut(s, l.monthEnd); ok {
		return rule{kind: "month", monthDay: -1}, rest, true, nil
	}
	if rest, ok := cut(s, l.everyDay); ok {
		return rule{kind: "day"}, rest, true, nil
	}
	if wd, rest, ok := weekdayAfter(l.everyWeek); ok {
		return rule{kind: "week", weekday: wd}, rest, true, nil
	}
	for i, p := range l.nth {
		if wd, rest, ok := weekdayAfter(p); ok {
			return rule{kind: "nth", nth: i + 1, weekday: wd}, rest, true, nil
		}
	}
	if wd, rest, ok := weekdayAfter(l.last); ok {
		return rule{kind: "nth", nth: -1, weekday: wd}, rest, true, nil
	}
	if t, ok := cut(s, l.everyMonth+" "); ok {
		n, w := digits(t)
		if w == 0 || w > 2 {
			return rule{}, s, true, fmt.Errorf("no day of the month at %q", clip(t))
		}
		t, ok := cut(t[w:], " "+l.dayWord)
		if !ok {
			return rule{}, s, true, fmt.Errorf("no %q after the day of the month", l.dayWord)
		}
		if n < 1 || n > 31 {
			return rule{}, s, true, fmt.Errorf("day of the month out of range: %d", n)
		}
		return rule{kind: "month", monthDay: n}, t, true, nil
	}
	return rule{}, s, false, nil
}

// isRepeatLine reports whether a date line value starts with a repeat
// condition of l.
func isRepeatLine(v string, l *language) bool {
	_, _, ok, _ := readRule(v, l)
	return ok
}

// maxSearchDays bounds the search for the first occurrence: every rule
// has one within any 62 days.
const maxSearchDays = 62

// parseRepeat reads a repeating appointment's date line and period into n:
// the first occurrence on or after the period's first day, and an RRULE
// whose UNTIL is the period's last day at 23:59:59 in the zone, in UTC.
func parseRepeat(n *Notice, v string, first, last Date, l *language, loc *time.Location) error {
	r, rest, ok, err := readRule(v, l)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("unknown repeat condition")
	}
	allDay := false
	for _, s := range allDaySuffixes {
		if strings.HasSuffix(rest, s) {
			rest, allDay = strings.TrimSuffix(rest, s), true
			break
		}
	}
	var from, to clock
	hasFrom, hasTo := false, false
	if rest != "" {
		t, ok := cut(rest, " ")
		if !ok {
			return fmt.Errorf("unexpected %q after the repeat condition", clip(rest))
		}
		left, right, ranged := splitRange(t, l)
		if from, err = readTimeOnly(left); err != nil {
			return err
		}
		hasFrom = true
		if ranged {
			if to, err = readTimeOnly(right); err != nil {
				return err
			}
			hasTo = true
		}
	} else if !allDay {
		return errors.New("the repeat condition has no time and is not all-day")
	}

	occ, found := first, false
	for i := 0; i < maxSearchDays && days(occ, last) >= 0; i++ {
		if r.occurs(occ) {
			found = true
			break
		}
		occ = occ.addDays(1)
	}
	if !found {
		if first != last {
			return fmt.Errorf("no occurrence between %s and %s", first, last)
		}
		// A "this occurrence only" edit mails the rule with 期間 D～D
		// (command_modify.csp L320–357): D is the occurrence even if the
		// edit moved it off the rule's days.
		occ = first
	}
	switch {
	case allDay:
		// with a zone difference the times are shifted; the day is not
		n.Start, n.End, n.AllDay = occ.In(loc), occ.addDays(1).In(loc), true
	case hasTo:
		n.Start, n.End = occ.at(from, loc), occ.at(to, loc)
		if n.End.Before(n.Start) {
			n.End = n.End.AddDate(0, 0, 1) // 23:30 ～ 00:30
		}
	case hasFrom:
		n.Start = occ.at(from, loc)
		n.End = n.Start
	}
	until := time.Date(last.Year, last.Month, last.Day, 23, 59, 59, 0, loc).UTC()
	n.Recurrence = []string{"RRULE:" + r.rrule() + ";UNTIL=" + until.Format("20060102T150405Z")}
	n.PeriodStart, n.PeriodEnd = first, last
	return nil
}
