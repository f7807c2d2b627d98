package garoon

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// The date line of a notice (_getEventDateTime, notification.csp
// L977–1269; docs/garoon-mails.md §4.3):
//
//	normal      D T ～ E T            (the end date is written even on the same day)
//	start only  D T
//	all-day     D 00:00 ～ E 23:59（終日）   en （All day）, zh/zh-tw （終日）
//	banner      D ～ E
//	candidate   D T ～ E T            one per line of a 日時候補 block
//
// All times are in the recipient's Garoon time zone, with no marker. The
// range separator is ～ (U+FF5E) in every language; a decoder that maps
// Shift_JIS 0x8160 to 〜 (U+301C, WHATWG) yields that instead.

// slot is a parsed date line.
type slot struct {
	start, end time.Time
	allDay     bool
}

// allDaySuffixes mark an all-day line in any language.
// "?All day?" is "（All day）" in ISO-8859-1 and US-ASCII (see splitRange).
var allDaySuffixes = [...]string{"（終日）", "（All day）", " (All day)", "（整天）", "?All day?"}

// splitRange cuts "A ～ B" (spaces optional); right is "" without a
// separator. In ISO-8859-1 and US-ASCII, which lack ～ and are offered to
// English users only, Garoon writes "?" instead (cb_mail_convert_encoding's
// substitute character).
func splitRange(v string, l *language) (left, right string, ok bool) {
	seps := [...]string{"～", "〜", "?"}
	n := 2
	if l.code == langEN {
		n = 3
	}
	for _, sep := range seps[:n] {
		if i := strings.Index(v, sep); i >= 0 {
			return strings.TrimRight(v[:i], " "), strings.TrimLeft(v[i+len(sep):], " "), true
		}
	}
	return v, "", false
}

// point is one side of a range: a date and maybe a time.
type point struct {
	date    dateText
	hasDate bool
	time    clock
	hasTime bool
}

// readPoint reads "D", "D T" or "T" (whole string).
func readPoint(s string, l *language) (point, error) {
	var p point
	if s == "" {
		return p, errors.New("empty")
	}
	if _, err := readTimeOnly(s); err == nil {
		c, _, _ := readTime(s)
		return point{time: c, hasTime: true}, nil
	}
	d, rest, err := readDate(s, l)
	if err != nil {
		return p, err
	}
	p.date, p.hasDate = d, true
	if rest == "" {
		return p, nil
	}
	rest, ok := cut(rest, " ")
	if !ok {
		return p, fmt.Errorf("unexpected %q after the date", clip(rest))
	}
	c, rest, err := readTime(rest)
	if err != nil {
		return p, err
	}
	if rest != "" {
		return p, fmt.Errorf("unexpected %q after the time", clip(rest))
	}
	p.time, p.hasTime = c, true
	return p, nil
}

// readTimeOnly reads s as one time and nothing else.
func readTimeOnly(s string) (clock, error) {
	c, rest, err := readTime(s)
	if err == nil && rest != "" {
		err = fmt.Errorf("unexpected %q after the time", clip(rest))
	}
	return c, err
}

// parseSlot reads a (non-repeating) date line value.
func parseSlot(v string, l *language, ref time.Time, loc *time.Location) (slot, error) {
	allDay := false
	for _, s := range allDaySuffixes {
		if strings.HasSuffix(v, s) {
			v, allDay = strings.TrimSuffix(v, s), true
			break
		}
	}
	left, right, ranged := splitRange(v, l)
	sp, err := readPoint(left, l)
	if err != nil {
		return slot{}, err
	}
	if !sp.hasDate {
		return slot{}, errors.New("no start date")
	}
	sd, err := resolveDate(sp.date, ref)
	if err != nil {
		return slot{}, err
	}
	var ep point
	ed := sd
	if ranged {
		if ep, err = readPoint(right, l); err != nil {
			return slot{}, err
		}
		if ep.hasDate {
			if ed, err = resolveEnd(ep.date, sd, ref); err != nil {
				return slot{}, err
			}
		}
	}
	var s slot
	switch {
	case allDay:
		if sp.hasTime && ep.hasTime {
			sd, ed = unshiftAllDay(sd, sp.time, ed, ep.time, loc)
		}
		s = slot{start: sd.In(loc), end: ed.addDays(1).In(loc), allDay: true}
	case !sp.hasTime && (!ranged || !ep.hasTime):
		// banner D ～ E (or a lone date): whole days
		s = slot{start: sd.In(loc), end: ed.addDays(1).In(loc), allDay: true}
	case !sp.hasTime || ranged && !ep.hasTime:
		return slot{}, errors.New("one side of the range has a time and the other has none")
	case !ranged:
		s = slot{start: sd.at(sp.time, loc)}
		s.end = s.start
	default:
		s = slot{start: sd.at(sp.time, loc), end: ed.at(ep.time, loc)}
		if !ep.hasDate && s.end.Before(s.start) {
			s.end = s.end.AddDate(0, 0, 1) // D 23:00 ～ 01:00
		}
	}
	if s.end.Before(s.start) || s.allDay && !s.end.After(s.start) {
		return slot{}, fmt.Errorf("ends before it starts (%s ～ %s)", s.start.Format("2006-01-02 15:04"), s.end.Format("2006-01-02 15:04"))
	}
	return s, nil
}

// unshiftAllDay finds the days of an all-day line, D 00:00 ～ E 23:59（終日）
// in the appointment's zone, that Garoon shows in the recipient's zone
// (loc) when the two differ: D 08:00 ～ E+1 07:59（終日） for an appointment
// in Tokyo seen from London, D-1 16:00 ～ E 15:59 seen from Los Angeles.
// The shift is the recipient's UTC offset minus the appointment zone's,
// and UTC offsets run from -12 to +14 hours, so it lies within
// [offset(loc) - 14 h, offset(loc) + 12 h]: of the days the shown start
// can belong to (that day, the next or the one before), the one whose
// shift lies there; when two do, the smaller shift. The end moves with the
// same shift.
func unshiftAllDay(sd Date, st clock, ed Date, et clock, loc *time.Location) (Date, Date) {
	const day = 24 * 60
	_, off := sd.at(clock{hour: 12}, loc).Zone()
	off /= 60
	lo, hi := off-14*60, off+12*60
	shown := st.hour*60 + st.minute
	best, bestShift := 0, 0
	found := false
	for _, k := range []int{0, 1, -1} { // start day = shown day + k
		shift := shown - k*day
		if shift < lo || shift > hi {
			continue
		}
		if !found || abs(shift) < abs(bestShift) {
			best, bestShift, found = k, shift, true
		}
	}
	if !found {
		return sd, ed
	}
	// E 23:59 + shift = ed at et: E = ed + (et - 23:59 - shift) / day.
	endDays := float64(et.hour*60+et.minute-(day-1)-bestShift) / day
	return sd.addDays(best), ed.addDays(int(math.Round(endDays)))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// parsePeriod reads a 期間 value, D～E: the appointment's own first and
// last day, never converted to the recipient's zone.
func parsePeriod(v string, l *language, ref time.Time) (first, last Date, err error) {
	left, right, ranged := splitRange(v, l)
	if !ranged {
		return first, last, errors.New("no ～ between the first and the last day")
	}
	var t dateText
	var rest string
	if t, rest, err = readDate(left, l); err != nil {
		return first, last, err
	}
	if rest != "" {
		return first, last, fmt.Errorf("unexpected %q after the first day", clip(rest))
	}
	if first, err = resolveDate(t, ref); err != nil {
		return first, last, err
	}
	if t, rest, err = readDate(right, l); err != nil {
		return first, last, err
	}
	if rest != "" {
		return first, last, fmt.Errorf("unexpected %q after the last day", clip(rest))
	}
	if last, err = resolveEnd(t, first, ref); err != nil {
		return first, last, err
	}
	if days(first, last) < 0 {
		return first, last, errors.New("ends before it starts")
	}
	return first, last, nil
}
