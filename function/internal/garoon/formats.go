package garoon

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The date and time formats a Garoon user can choose (docs/garoon-mails.md
// §4.1; Garoon source locale/<lang>/message/fw/date.csp, keys date_formats
// and time_formats). Each date is written in the recipient's long date
// format, each time in their time format:
//
//	ja     2019年04月05日  2019年04月05日（金）  2019/04/05  2019/04/05（金）
//	       04月05日  04月05日（金）  04/05（金）
//	zh     2019年04月05日  2019年04月05日（星期五）  2019/04/05（周五）
//	zh-tw  2019-04-05（周五）  04月05日  04月05日（星期五）  04/05（周五）  04-05（周五）
//	en     Fri, April 05, 2019  Fri, 05 April, 2019  04/05/2019(Fri)  05/04/2019(Fri)
//	       Fri, April 05  Fri, 05 April  04/05(Fri)  05/04(Fri)
//	time   10:30  10:30 AM  10時30分 (ja)  10点30分 (zh)  10點30分 (zh-tw)
//
// A year outside 1970–2037 is written "--" and its weekday left empty
// (cb_date_datetime2array, fw/date.csp L415–528).

// errBlankYear is a date whose year Garoon wrote as "--".
var errBlankYear = errors.New(`the year is "--": Garoon writes no year outside 1970–2037`)

// dateText is a date as written: the year is 0 when the format has none;
// day and month may be swapped in English numeric formats (swap true when
// the other reading, DD/MM, is possible too).
type dateText struct {
	year, month, day int
	swap             bool
	// dayFirst: the mail's other dates show the user writes DD/MM, so a
	// date that reads both ways and fits both weekdays is DD/MM
	// (language.dayFirst, set by mailDateOrder).
	dayFirst bool
	// monthFirst: the mail's other dates show MM/DD; no DD/MM reading.
	monthFirst bool
	weekday    time.Weekday
	hasWeekday bool
}

// digits reads a run of ASCII digits (at most 4) at the start of s.
func digits(s string) (n, width int) {
	for width < len(s) && width < 5 && '0' <= s[width] && s[width] <= '9' {
		n = n*10 + int(s[width]-'0')
		width++
	}
	if width == 5 {
		return 0, 0
	}
	return n, width
}

// cut removes prefix p from s.
func cut(s, p string) (string, bool) {
	if strings.HasPrefix(s, p) {
		return s[len(p):], true
	}
	return s, false
}

// readDate reads one date in l's formats at the start of s and returns
// the text after it.
func readDate(s string, l *language) (dateText, string, error) {
	if l.code == langEN {
		d, rest, err := readDateEN(s)
		d.dayFirst, d.monthFirst = l.dayFirst, l.monthFirst
		return d, rest, err
	}
	return readDateCJK(s, l)
}

func readDateCJK(s string, l *language) (dateText, string, error) {
	var d dateText
	blank := false
	n, w := digits(s)
	switch {
	case strings.HasPrefix(s, "--"):
		blank, s = true, s[2:]
	case w == 4:
		d.year, s = n, s[4:]
	case w == 2:
		// a year-less format: month first
	default:
		return d, s, fmt.Errorf("no date at %q", clip(s))
	}
	if d.year != 0 || blank {
		sep := separatorAt(s, "年", "/", "-")
		if sep == "" {
			return d, s, fmt.Errorf("no date at %q", clip(s))
		}
		s = s[len(sep):]
		if d.month, w = digits(s); w != 2 {
			return d, s, fmt.Errorf("no month at %q", clip(s))
		}
		s = s[2:]
		want := sep
		if sep == "年" {
			want = "月"
		}
		var ok bool
		if s, ok = cut(s, want); !ok {
			return d, s, fmt.Errorf("no day at %q", clip(s))
		}
		if d.day, w = digits(s); w != 2 {
			return d, s, fmt.Errorf("no day at %q", clip(s))
		}
		s = s[2:]
		if sep == "年" {
			if s, ok = cut(s, "日"); !ok {
				return d, s, fmt.Errorf("no 日 at %q", clip(s))
			}
		}
	} else {
		d.month = n
		s = s[2:]
		sep := separatorAt(s, "月", "/", "-")
		if sep == "" {
			return d, s, fmt.Errorf("no date at %q", clip(s))
		}
		s = s[len(sep):]
		if d.day, w = digits(s); w != 2 {
			return d, s, fmt.Errorf("no day at %q", clip(s))
		}
		s = s[2:]
		if sep == "月" {
			var ok bool
			if s, ok = cut(s, "日"); !ok {
				return d, s, fmt.Errorf("no 日 at %q", clip(s))
			}
		}
	}
	if rest, ok := cut(s, "（"); ok {
		end := strings.Index(rest, "）")
		if end < 0 {
			return d, s, fmt.Errorf("unclosed weekday at %q", clip(s))
		}
		if name := rest[:end]; name != "" {
			wd, ok := l.weekdayIn(name)
			if !ok {
				return d, s, fmt.Errorf("unknown weekday %q", name)
			}
			d.weekday, d.hasWeekday = wd, true
		}
		s = rest[end+len("）"):]
	}
	if blank {
		return d, s, errBlankYear
	}
	return d, s, nil
}

func readDateEN(s string) (dateText, string, error) {
	var d dateText
	en := languages[1]
	if n, w := digits(s); w == 2 {
		// 04/05/2019(Fri), 05/04/2019(Fri), 04/05(Fri), 05/04(Fri)
		a := n
		s = s[2:]
		var ok bool
		if s, ok = cut(s, "/"); !ok {
			return d, s, fmt.Errorf("no date at %q", clip(s))
		}
		b, w := digits(s)
		if w != 2 {
			return d, s, fmt.Errorf("no date at %q", clip(s))
		}
		s = s[2:]
		blank := false
		if rest, ok := cut(s, "/"); ok {
			y, w := digits(rest)
			switch {
			case w == 4:
				d.year, s = y, rest[4:]
			case strings.HasPrefix(rest, "--"):
				blank, s = true, rest[2:]
			default:
				return d, s, fmt.Errorf("no year at %q", clip(rest))
			}
		}
		// MM/DD is the first reading; DD/MM is possible when both fit.
		d.month, d.day = a, b
		d.swap = a != b && a <= 12 && b <= 12
		if a > 12 && b <= 12 {
			d.month, d.day = b, a
		}
		if rest, ok := cut(s, "("); ok {
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return d, s, fmt.Errorf("unclosed weekday at %q", clip(s))
			}
			if name := rest[:end]; name != "" {
				wd, ok := en.weekdayIn(name)
				if !ok {
					return d, s, fmt.Errorf("unknown weekday %q", name)
				}
				d.weekday, d.hasWeekday = wd, true
			}
			s = rest[end+1:]
		}
		if blank {
			return d, s, errBlankYear
		}
		return d, s, nil
	}
	// Fri, April 05, 2019 / Fri, 05 April, 2019 / Fri, April 05 / Fri, 05 April
	if i := strings.IndexByte(s, ','); i >= 0 && i <= len("Wednesday") {
		if name := s[:i]; name != "" {
			wd, ok := en.weekdayIn(name)
			if !ok {
				return d, s, fmt.Errorf("unknown weekday %q", name)
			}
			d.weekday, d.hasWeekday = wd, true
		}
		s = s[i+1:]
	} else {
		return d, s, fmt.Errorf("no date at %q", clip(s))
	}
	var ok bool
	if s, ok = cut(s, " "); !ok {
		return d, s, fmt.Errorf("no date at %q", clip(s))
	}
	month := func() bool {
		for i, m := range englishMonths {
			if strings.HasPrefix(s, m) {
				d.month, s = i+1, s[len(m):]
				return true
			}
		}
		return false
	}
	if month() {
		// April 05
		if s, ok = cut(s, " "); !ok {
			return d, s, fmt.Errorf("no day at %q", clip(s))
		}
		n, w := digits(s)
		if w != 2 {
			return d, s, fmt.Errorf("no day at %q", clip(s))
		}
		d.day, s = n, s[2:]
	} else {
		// 05 April
		n, w := digits(s)
		if w != 2 {
			return d, s, fmt.Errorf("no date at %q", clip(s))
		}
		d.day, s = n, s[2:]
		if s, ok = cut(s, " "); !ok || !month() {
			return d, s, fmt.Errorf("no month at %q", clip(s))
		}
	}
	if rest, ok := cut(s, ", "); ok {
		if y, w := digits(rest); w == 4 {
			d.year, s = y, rest[4:]
		} else if strings.HasPrefix(rest, "--") {
			return d, rest[2:], errBlankYear
		}
	}
	return d, s, nil
}

// clock is a time of day as written.
type clock struct{ hour, minute int }

// readTime reads one time of day at the start of s in any of the time
// formats: HH:MM, hh:MM AM|PM (ASCII in every language, 12:00 AM is
// midnight), HH時MM分, HH点MM分, HH點MM分.
func readTime(s string) (clock, string, error) {
	h, w := digits(s)
	if w != 2 {
		return clock{}, s, fmt.Errorf("no time at %q", clip(s))
	}
	s = s[2:]
	mark := ""
	for _, p := range [...]string{":", "時", "点", "點"} {
		if strings.HasPrefix(s, p) {
			mark = p
		}
	}
	if mark == "" {
		return clock{}, s, fmt.Errorf("no time at %q", clip(s))
	}
	s = s[len(mark):]
	m, w := digits(s)
	if w != 2 {
		return clock{}, s, fmt.Errorf("no minutes at %q", clip(s))
	}
	s = s[2:]
	if mark != ":" {
		var ok bool
		if s, ok = cut(s, "分"); !ok {
			return clock{}, s, fmt.Errorf("no 分 at %q", clip(s))
		}
	}
	if m > 59 {
		return clock{}, s, fmt.Errorf("minute out of range: %02d:%02d", h, m)
	}
	if mark == ":" {
		if rest, ok := cut(s, " AM"); ok {
			if h < 1 || h > 12 {
				return clock{}, s, fmt.Errorf("hour out of range: %02d:%02d AM", h, m)
			}
			return clock{h % 12, m}, rest, nil
		}
		if rest, ok := cut(s, " PM"); ok {
			if h < 1 || h > 12 {
				return clock{}, s, fmt.Errorf("hour out of range: %02d:%02d PM", h, m)
			}
			return clock{h%12 + 12, m}, rest, nil
		}
	}
	if h > 23 {
		return clock{}, s, fmt.Errorf("hour out of range: %02d:%02d", h, m)
	}
	return clock{h, m}, s, nil
}

// clip shortens a value quoted in an error or a reason.
func clip(s string) string { return Clip(s, 120) }

// separatorAt is the one of seps that s starts with, or "".
func separatorAt(s string, seps ...string) string {
	for _, p := range seps {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}
