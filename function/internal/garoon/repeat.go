package garoon

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// rule is a repeat rule (FORMAT.md §4.6): Garoon's every day, every weekday,
// weekly on days, every N-th weekday of the month, monthly on a day, and
// yearly on a date.
type rule struct {
	freq     string         // DAILY, WEEKLY, MONTHLY, YEARLY
	days     []time.Weekday // WEEKLY: BYDAY; MONTHLY with nth: the weekday
	nth      int            // MONTHLY: 1–5, or -1 for the last; 0 when by month day
	monthDay int            // MONTHLY, YEARLY: BYMONTHDAY, -1 for the last day
	month    int            // YEARLY: BYMONTH
}

var rruleDays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

var weekdaysMF = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// rrule is the RRULE value before UNTIL.
func (r rule) rrule() string {
	var b strings.Builder
	b.WriteString("FREQ=" + r.freq)
	switch {
	case r.freq == "WEEKLY":
		b.WriteString(";BYDAY=")
		for i, d := range r.days {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(rruleDays[d])
		}
	case r.freq == "MONTHLY" && r.nth != 0:
		b.WriteString(";BYDAY=" + strconv.Itoa(r.nth) + rruleDays[r.days[0]])
	case r.freq == "MONTHLY":
		b.WriteString(";BYMONTHDAY=" + strconv.Itoa(r.monthDay))
	case r.freq == "YEARLY":
		b.WriteString(";BYMONTH=" + strconv.Itoa(r.month) + ";BYMONTHDAY=" + strconv.Itoa(r.monthDay))
	}
	return b.String()
}

// occurs reports whether the rule has an occurrence on day c.
func (r rule) occurs(c civil) bool {
	switch r.freq {
	case "WEEKLY":
		wd := c.weekday()
		for _, d := range r.days {
			if d == wd {
				return true
			}
		}
		return false
	case "MONTHLY":
		if r.nth == 0 {
			return r.isMonthDay(c)
		}
		if c.weekday() != r.days[0] {
			return false
		}
		if r.nth < 0 {
			return c.d+7 > daysIn(c.y, c.m)
		}
		return (c.d-1)/7+1 == r.nth
	case "YEARLY":
		return c.m == r.month && r.isMonthDay(c)
	}
	return true
}

func (r rule) isMonthDay(c civil) bool {
	if r.monthDay < 0 {
		return c.d == daysIn(c.y, c.m)
	}
	return c.d == r.monthDay
}

// isRepeat reports whether a 日時 value starts with a repeat rule.
func isRepeat(when string) bool {
	v := strings.TrimSpace(fold(when))
	for _, p := range [...]string{"毎日", "毎週", "毎月", "毎年", "平日"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	i := 0
	for i < len(v) && isLetter(v[i]) {
		i++
	}
	switch strings.ToLower(v[:i]) {
	case "every", "daily", "weekly", "monthly", "yearly", "annually", "weekdays":
		return true
	}
	return false
}

// splitRule cuts a folded repeat value into the rule and the times: the
// times start at the first clock time (10:00, 10時, 午前…) or all-day marker.
func splitRule(v string) (ruleText, times string) {
	cut := len(v)
	for i := 0; i < len(v) && i < cut; i++ {
		switch {
		case isDigit(v[i]) && (i == 0 || !isDigit(v[i-1])):
			j := i
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			if j < len(v) && v[j] == ':' || strings.HasPrefix(v[j:], "時") {
				cut = i
			}
		case strings.HasPrefix(v[i:], "午前") || strings.HasPrefix(v[i:], "午後") || strings.HasPrefix(v[i:], "終日"):
			cut = i
			if i > 0 && v[i-1] == '(' && strings.HasPrefix(v[i:], "終日") {
				cut = i - 1
			}
		case (v[i]|0x20) == 'a' && (i == 0 || !isLetter(v[i-1])):
			if w := strings.ToLower(v[i:min(len(v), i+7)]); strings.HasPrefix(w, "all day") || strings.HasPrefix(w, "all-day") {
				cut = i
				if i > 0 && v[i-1] == '(' {
					cut = i - 1
				}
			}
		}
	}
	return strings.TrimSpace(v[:cut]), v[cut:]
}

var jaWeekdays = map[string]time.Weekday{
	"日": time.Sunday, "月": time.Monday, "火": time.Tuesday, "水": time.Wednesday,
	"木": time.Thursday, "金": time.Friday, "土": time.Saturday,
}

// jaWeekday reads a weekday character and an optional 曜日/曜 at s.
func jaWeekday(s string) (time.Weekday, string, bool) {
	for ch, d := range jaWeekdays {
		if strings.HasPrefix(s, ch) {
			s = s[len(ch):]
			if strings.HasPrefix(s, "曜日") {
				s = s[len("曜日"):]
			} else if strings.HasPrefix(s, "曜") {
				s = s[len("曜"):]
			}
			return d, s, true
		}
	}
	return 0, s, false
}

var errUnknownRule = errors.New("unknown repeat rule")

// parseRule reads a Japanese or English rule (the part before the times).
func parseRule(s string) (rule, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "毎日"):
		rest := strings.TrimSpace(s[len("毎日"):])
		switch {
		case rest == "":
			return rule{freq: "DAILY"}, nil
		case strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") && strings.Contains(rest, "除"),
			rest == "(平日)":
			return rule{freq: "WEEKLY", days: weekdaysMF}, nil // 毎日（土日を除く）
		}
	case s == "平日" || s == "毎平日":
		return rule{freq: "WEEKLY", days: weekdaysMF}, nil
	case strings.HasPrefix(s, "毎週"):
		rest := s[len("毎週"):]
		var days []time.Weekday
		for len(days) < 7 {
			rest = strings.TrimLeft(rest, " ・、,/")
			d, after, ok := jaWeekday(rest)
			if !ok {
				break
			}
			days, rest = append(days, d), after
		}
		if len(days) > 0 && strings.TrimSpace(rest) == "" {
			return rule{freq: "WEEKLY", days: days}, nil
		}
	case strings.HasPrefix(s, "毎月"):
		rest := strings.TrimSpace(s[len("毎月"):])
		nth := 0
		switch {
		case strings.HasPrefix(rest, "第") && len(rest) > len("第") && '1' <= rest[len("第")] && rest[len("第")] <= '5':
			nth, rest = int(rest[len("第")]-'0'), rest[len("第")+1:]
		case strings.HasPrefix(rest, "最終"):
			nth, rest = -1, rest[len("最終"):]
		case rest == "末日" || rest == "末":
			return rule{freq: "MONTHLY", monthDay: -1}, nil
		default:
			if d, after, err := number(rest, 0); err == nil && after > 0 && strings.TrimSpace(rest[after:]) == "日" {
				return monthDayRule(d)
			}
		}
		if nth != 0 {
			if d, after, ok := jaWeekday(strings.TrimSpace(rest)); ok && strings.TrimSpace(after) == "" {
				return rule{freq: "MONTHLY", nth: nth, days: []time.Weekday{d}}, nil
			}
		}
	case strings.HasPrefix(s, "毎年"):
		p, err := parsePoint(s[len("毎年"):])
		if err == nil && p.hasDate && p.date.y == 0 && !p.hasTime {
			if (civil{2000, p.date.m, p.date.d}).check() != nil {
				return rule{}, fmt.Errorf("day out of range: %02d-%02d", p.date.m, p.date.d)
			}
			return rule{freq: "YEARLY", month: p.date.m, monthDay: p.date.d}, nil
		}
	default:
		return englishRule(s)
	}
	return rule{}, errUnknownRule
}

func monthDayRule(day int) (rule, error) {
	if day < 1 || day > 31 {
		return rule{}, fmt.Errorf("day of the month out of range: %d", day)
	}
	return rule{freq: "MONTHLY", monthDay: day}, nil
}

var ordinals = map[string]int{
	"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3,
	"4th": 4, "fourth": 4, "5th": 5, "fifth": 5, "last": -1,
}

// englishRule reads the English UI's rules: "Every day", "Every weekday",
// "Every Monday", "Every week on Monday, Thursday", "Every month on the 2nd
// Tuesday", "Every month on the last Friday", "Every month on the 25th",
// "Every year on January 15". The wording is our best guess (FORMAT.md §4.6
// names only the Japanese one), so the reading goes by keywords.
func englishRule(s string) (rule, error) {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r < 0x80 && !isLetter(byte(r)) && !isDigit(byte(r))
	})
	has := func(ws ...string) bool {
		for _, w := range words {
			for _, x := range ws {
				if w == x {
					return true
				}
			}
		}
		return false
	}
	var days []time.Weekday
	nth, num, month := 0, 0, 0
	for i, w := range words {
		if d, ok := weekdayName(w); ok && w != "weekday" && w != "weekdays" {
			days = append(days, d)
			if i > 0 && nth == 0 {
				nth = ordinals[words[i-1]]
			}
			continue
		}
		if m := monthName(w); m > 0 && len(w) >= 3 {
			month = m
			continue
		}
		if n, ok := dayNumber(w); ok {
			num = n
		}
	}
	switch {
	case has("weekday", "weekdays") || has("except") && has("saturday", "saturdays", "sat", "weekends", "weekend"):
		return rule{freq: "WEEKLY", days: weekdaysMF}, nil
	case has("year", "yearly", "annually"):
		if month > 0 && num > 0 && (civil{2000, month, num}).check() == nil {
			return rule{freq: "YEARLY", month: month, monthDay: num}, nil
		}
	case has("month", "monthly", "months"):
		switch {
		case nth != 0 && len(days) == 1:
			return rule{freq: "MONTHLY", nth: nth, days: days}, nil
		case has("last") && has("day"):
			return rule{freq: "MONTHLY", monthDay: -1}, nil
		case num > 0:
			return monthDayRule(num)
		}
	case len(days) > 0:
		return rule{freq: "WEEKLY", days: days}, nil
	case has("day", "daily", "days"):
		return rule{freq: "DAILY"}, nil
	}
	return rule{}, errUnknownRule
}

// dayNumber reads "25", "25th", "1st", "2nd", "3rd".
func dayNumber(w string) (int, bool) {
	for _, suffix := range [...]string{"st", "nd", "rd", "th"} {
		if len(w) > 2 && strings.HasSuffix(w, suffix) {
			w = w[:len(w)-2]
			break
		}
	}
	n, err := strconv.Atoi(w)
	return n, err == nil && len(w) <= 2
}

// maxSearchDays bounds the search for the first occurrence: every rule has
// one within eight years (a yearly 2月29日).
const maxSearchDays = 8*366 + 1

// parseRepeat reads a repeating appointment: the rule and times from 日時,
// the period from 期間. Start and end are the first occurrence on or after
// the period start; UNTIL is the period's last day at 23:59:59 JST, in UTC.
func parseRepeat(n *Notice, when, period string, ref time.Time) error {
	ruleText, times := splitRule(strings.TrimSpace(fold(when)))
	r, err := parseRule(ruleText)
	if err != nil {
		return fmt.Errorf("日時 %q: %w", clipString(when), err)
	}
	if period == "" {
		return fmt.Errorf("日時 %q repeats but the mail has no 期間 line", clipString(when))
	}
	first, last, open, err := parsePeriod(period, ref)
	if err != nil {
		return fmt.Errorf("期間 %q: %w", clipString(period), err)
	}
	n.PeriodStart = Date{first.y, time.Month(first.m), first.d}
	if !open {
		n.PeriodEnd = Date{last.y, time.Month(last.m), last.d}
	}
	occ, found := first, false
	for range maxSearchDays {
		if !open && last.before(occ) {
			break
		}
		if r.occurs(occ) {
			found = true
			break
		}
		occ = occ.addDays(1)
	}
	if !found {
		return fmt.Errorf("日時 %q: no occurrence within 期間 %q", clipString(when), clipString(period))
	}

	left, right := splitRange(times)
	sp, err := parsePoint(left)
	if err == nil {
		var ep point
		if ep, err = parsePoint(right); err == nil {
			switch {
			case sp.hasDate || ep.hasDate:
				err = errors.New("a date among the times of a repeat rule")
			case sp.allDay || ep.allDay || !sp.hasTime:
				n.Start, n.End, n.AllDay = occ.at(0, 0), occ.addDays(1).at(0, 0), true
			default:
				n.Start = occ.at(sp.hour, sp.minute)
				n.End = n.Start
				if ep.hasTime {
					if n.End = occ.at(ep.hour, ep.minute); n.End.Before(n.Start) {
						n.End = n.End.AddDate(0, 0, 1) // past midnight
					}
				}
			}
		}
	}
	if err != nil {
		return fmt.Errorf("日時 %q: %w", clipString(when), err)
	}
	line := "RRULE:" + r.rrule()
	if !open {
		line += ";UNTIL=" + last.at(23, 59).Add(59*time.Second).UTC().Format("20060102T150405Z")
	}
	n.Recurrence = []string{line}
	return nil
}

// parsePeriod reads a 期間 value: its first and last day. open is true when
// the period has no end.
func parsePeriod(period string, ref time.Time) (first, last civil, open bool, err error) {
	left, right := splitRange(fold(period))
	from, err := parsePoint(left)
	if err == nil && !from.hasDate {
		err = errors.New("no start date")
	}
	if err == nil {
		first, err = resolveYear(from.date, ref)
	}
	if err != nil {
		return first, last, false, err
	}
	if right == "" {
		return first, first, true, nil
	}
	to, err := parsePoint(right)
	if err == nil && !to.hasDate {
		err = errors.New("no end date")
	}
	if err == nil {
		last, err = resolveEnd(to.date, first)
	}
	if err == nil && last.before(first) {
		err = errors.New("ends before it starts")
	}
	return first, last, false, err
}
