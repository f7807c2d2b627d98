package main

import (
	"time"
)

// The "did not run" alarm (see NewSyncStack) watches the function's
// invocations. Its window must outlast the longest pause the schedule
// itself makes (a weekend, for a MON-FRI schedule), or it would fire every
// Friday night. These helpers work the pauses out from the cron fields.

// gaps are the pauses between two consecutive runs of a schedule over a
// week (Asia/Tokyo has no daylight saving time, so local minutes are real
// minutes).
type gaps struct {
	shortest, longest time.Duration
}

const minutesPerWeek = 7 * 24 * 60

// scheduleGaps enumerates the minutes of a week at which s starts a run.
// The fields are valid (parseEnvironment checked them); a schedule that
// never runs has zero gaps.
func scheduleGaps(s Schedule) gaps {
	minutes, err1 := cronValues(s.Minute, 0, 59, nil, true)
	hours, err2 := cronValues(s.Hours, 0, 23, nil, true)
	days, err3 := cronValues(s.WeekDays, 1, 7, weekDayNumbers, false)
	if err1 != nil || err2 != nil || err3 != nil {
		return gaps{}
	}
	var runs []int // minute of the week, Sunday 00:00 = 0
	for d := 1; d <= 7; d++ {
		if !days[d] {
			continue
		}
		for h := range 24 {
			if !hours[h] {
				continue
			}
			for m := range 60 {
				if minutes[m] {
					runs = append(runs, ((d-1)*24+h)*60+m)
				}
			}
		}
	}
	if len(runs) == 0 {
		return gaps{}
	}
	var g gaps
	for i, r := range runs {
		next := runs[(i+1)%len(runs)]
		if next <= r {
			next += minutesPerWeek // wraps to the next week
		}
		d := time.Duration(next-r) * time.Minute
		if g.shortest == 0 || d < g.shortest {
			g.shortest = d
		}
		g.longest = max(g.longest, d)
	}
	return g
}

// maxDidNotRun is CloudWatch's limit on an alarm's evaluation range:
// "Period multiplied by EvaluationPeriods can't be more than 604,800
// seconds. For alarms with a period of less than one hour, the total
// evaluation period can't be longer than one day" (PutMetricAlarm, Period;
// docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
const maxDidNotRun = 7 * 24 * time.Hour

// didNotRunDefault is three schedule periods for a schedule that runs at a
// steady pace (every 5 minutes: 15 minutes), and in general the longest
// pause plus two periods: a MON-FRI schedule waits out the weekend.
func didNotRunDefault(g gaps) time.Duration {
	return min(g.longest+2*g.shortest, maxDidNotRun)
}

// didNotRunPeriods splits a "did not run" window into CloudWatch alarm
// periods: one-minute periods up to a day (the alarm then fires within a
// minute of the window's end), hourly periods beyond (CloudWatch allows
// more than a day only for periods of an hour or more), rounding up.
func didNotRunPeriods(window time.Duration) (period time.Duration, n int) {
	if window <= 24*time.Hour {
		return time.Minute, int((window + time.Minute - 1) / time.Minute)
	}
	return time.Hour, int((window + time.Hour - 1) / time.Hour)
}
