package fakecal

import (
	"strings"
	"testing"
	"time"
)

// The expected dates below are read off a printed calendar, not computed.
func TestRuleOccurrences(t *testing.T) {
	jst := zone
	for _, tt := range []struct {
		rule  string
		first string // YYYY-MM-DD, the first occurrence (10:00 JST)
		want  string // the occurrences' dates, space separated
	}{
		{"FREQ=DAILY;UNTIL=20240105T145959Z", "2024-01-01", "0101 0102 0103 0104 0105"},
		{"FREQ=DAILY;INTERVAL=2;COUNT=3", "2024-01-01", "0101 0103 0105"},
		// 平日 (weekdays): Garoon's rule as WEEKLY on MO-FR
		{"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20240109T145959Z", "2024-01-04", "0104 0105 0108 0109"},
		{"FREQ=WEEKLY;BYDAY=MO;UNTIL=20240205T145959Z", "2024-01-08", "0108 0115 0122 0129 0205"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20240205T145959Z", "2024-01-08", "0108 0122 0205"},
		// 第２火曜日: Jan 9, Feb 13, Mar 12, Apr 9 2024
		{"FREQ=MONTHLY;BYDAY=2TU;UNTIL=20240430T145959Z", "2024-01-09", "0109 0213 0312 0409"},
		// 最終金曜日: Jan 26, Feb 23, Mar 29 2024
		{"FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20240331T145959Z", "2024-01-26", "0126 0223 0329"},
		// 毎月 月末: Jan 31, Feb 29 (leap), Mar 31, Apr 30
		{"FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20240430T145959Z", "2024-01-31", "0131 0229 0331 0430"},
		// 毎月 31 日 skips the months without a 31st
		{"FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20240531T145959Z", "2024-01-31", "0131 0331 0531"},
		{"FREQ=MONTHLY;BYMONTHDAY=25;UNTIL=20240325", "2024-01-25", "0125 0225 0325"},
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20320301T000000Z", "2024-02-29", "0229 0229 0229"}, // 2024, 2028, 2032,
		// UNTIL before the time of day of the last date excludes it
		{"FREQ=DAILY;UNTIL=20240102T005959Z", "2024-01-01", "0101"},
	} {
		r, err := parseRecurrence([]string{"RRULE:" + tt.rule})
		if err != nil {
			t.Errorf("%s: %v", tt.rule, err)
			continue
		}
		first, _ := time.ParseInLocation("2006-01-02 15:04", tt.first+" 10:00", jst)
		var got []string
		for _, o := range r.occurrences(first, time.Hour, time.Time{}, time.Time{}) {
			if o.Hour() != 10 || o.Location() != jst {
				t.Errorf("%s: occurrence %v not at 10:00 JST", tt.rule, o)
			}
			got = append(got, o.Format("0102"))
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("%s from %s:\n got  %s\n want %s", tt.rule, tt.first, g, tt.want)
		}
	}
}

func TestRuleRefusesWhatItDoesNotModel(t *testing.T) {
	for _, rec := range [][]string{
		{"RRULE:FREQ=HOURLY"},
		{"RRULE:FREQ=WEEKLY;BYSETPOS=1"},
		{"RRULE:FREQ=WEEKLY", "EXDATE:20240101T000000Z"},
		{"RRULE:BYDAY=MO"},
		{"RRULE:FREQ=MONTHLY;BYDAY=6MO"},
	} {
		if _, err := parseRecurrence(rec); err == nil {
			t.Errorf("%q accepted", rec)
		}
	}
}

func TestRuleExpandsInTheEventsZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	r, _ := parseRecurrence([]string{"RRULE:FREQ=WEEKLY;BYDAY=SU;COUNT=2"})
	// DST starts in New York on 2024-03-10: the wall clock stays 10:00.
	first := time.Date(2024, 3, 3, 10, 0, 0, 0, ny)
	occ := r.occurrences(first, time.Hour, time.Time{}, time.Time{})
	if len(occ) != 2 || occ[0].UTC().Hour() != 15 || occ[1].UTC().Hour() != 14 {
		t.Errorf("occurrences %v", occ)
	}
}
