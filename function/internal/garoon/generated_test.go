package garoon

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/Los_Angeles without a system tz database

	"garoon-calendar-sync/function/internal/testmail"
)

// The generated table: every language × every date format × every time
// format × every kind of date line. Each mail is built from Garoon's
// templates as docs/garoon-mails.md quotes them (§3–§5: the
// locale resource strings with their &&placeholders&&), filled with known
// values; the expected record is written from those values by the rules of
// docs/garoon-mails.md §9, never from the parser's output.

// locale is one language's templates, copied from the locale files
// (locale/<lang>/message/grn/schedule.csp, fw/date.csp).
type locale struct {
	lang                                              string
	charsets                                          []string // the charsets a user of this language can receive
	tags                                              map[Kind]string
	date, period, candidate, padding, event, members  string
	accepted, declined, pending, facilities, memo     string
	files, company                                    string
	allDayNormal, repeatAll                           string // suffixes of _YMDW_HM_YMDW_HM_all and _repeat_all
	dateFormats, timeFormats                          []string
	wdayShort, wdayFull                               [7]string
	everyday, weekday, everyweek, everymonth, lastday string
	nth                                               [4]string
	last, dayWord, sep                                string
	weekdays                                          [7]string
	names, menuTitle, facilityNames                   [2]string
}

const u3 = "\u3000"

var locales = []locale{{
	lang:     "ja",
	charsets: []string{"Shift_JIS", "ISO-2022-JP", "EUC-JP", "UTF-8"},
	tags:     map[Kind]string{KindAdd: "登録", KindEdit: "変更", KindDelete: "削除", KindConfirm: "確定"},
	date:     "日時" + u3 + u3 + "：&&date&&\r\n", period: "期間" + u3 + u3 + "：&&start_date&&～&&end_date&&\r\n",
	candidate: "日時候補：&&date&&\r\n", padding: u3 + u3 + u3 + u3 + u3 + "&&date&&\r\n",
	event: "予定" + u3 + u3 + "：&&title&&\r\n", members: "参加者" + u3 + "：&&members&&\r\n",
	accepted: "出席" + u3 + u3 + "：&&members&&\r\n", declined: "欠席" + u3 + u3 + "：&&members&&\r\n",
	pending: "未回答" + u3 + "：&&members&&\r\n", facilities: "施設" + u3 + u3 + "：&&facilities&&\r\n",
	memo: "メモ" + u3 + u3 + "：\r\n&&memo&&", files: "\r\n添付ファイル：&&files&&",
	company:      "会社名" + u3 + "：サイボウズ\r\n郵便番号：103-0027\r\n住所" + u3 + u3 + "：東京都中央区\r\n電話番号：03-0000-0000\r\n",
	allDayNormal: "（終日）", repeatAll: "（終日）",
	dateFormats: []string{"&&year&&年&&mon&&月&&mday&&日", "&&year&&年&&mon&&月&&mday&&日（&&wdayshort&&）",
		"&&year&&/&&mon&&/&&mday&&", "&&year&&/&&mon&&/&&mday&&（&&wdayshort&&）", "&&mon&&月&&mday&&日",
		"&&mon&&月&&mday&&日（&&wdayshort&&）", "&&mon&&/&&mday&&（&&wdayshort&&）"},
	timeFormats: []string{"&&hours&&:&&minutes00&&", "&&hours12&&:&&minutes00&& &&notationshort&&", "&&hours&&時&&minutes00&&分"},
	wdayShort:   [7]string{"日", "月", "火", "水", "木", "金", "土"},
	wdayFull:    [7]string{"日", "月", "火", "水", "木", "金", "土"},
	everyday:    "毎日", weekday: "毎日（土日を除く）", everyweek: "毎週", everymonth: "毎月", lastday: "毎月 月末",
	nth: [4]string{"第１", "第２", "第３", "第４"}, last: "最終", dayWord: "日",
	weekdays:      [7]string{"日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日"},
	names:         [2]string{"山田 太郎", "佐藤 花子"},
	menuTitle:     [2]string{"会議", "定例ミーティング"},
	facilityNames: [2]string{"会議室A", "会議室B"},
}, {
	lang:     "en",
	charsets: []string{"UTF-8", "ISO-8859-1", "US-ASCII"},
	tags:     map[Kind]string{KindAdd: "Add", KindEdit: "Edit", KindDelete: "Delete", KindConfirm: "Set"},
	date:     "Date and time: &&date&&\r\n", period: "Period: &&start_date&&～&&end_date&&\r\n",
	candidate: "Proposed date and time: &&date&&\r\n", padding: "          &&date&&\r\n",
	event: "Appointment: &&title&&\r\n", members: "Attendees: &&members&&\r\n",
	accepted: "Accepted: &&members&&\r\n", declined: "Declined: &&members&&\r\n", pending: "Pending: &&members&&\r\n",
	facilities: "Facilities: &&facilities&&\r\n", memo: "Notes: \r\n&&memo&&", files: "\r\nAttachments: &&files&&",
	company:      "Company name: Cybozu\r\nPostcode: 103-0027\r\nAddress: Tokyo\r\nPhone number: 03-0000-0000\r\n",
	allDayNormal: "（All day）", repeatAll: " (All day)",
	dateFormats: []string{"&&wdayshort&&, &&monthfull&& &&mday&&, &&year&&", "&&wdayshort&&, &&mday&& &&monthfull&&, &&year&&",
		"&&mon&&/&&mday&&/&&year&&(&&wdayshort&&)", "&&mday&&/&&mon&&/&&year&&(&&wdayshort&&)",
		"&&wdayshort&&, &&monthfull&& &&mday&&", "&&wdayshort&&, &&mday&& &&monthfull&&",
		"&&mon&&/&&mday&&(&&wdayshort&&)", "&&mday&&/&&mon&&(&&wdayshort&&)"},
	timeFormats: []string{"&&hours&&:&&minutes00&&", "&&hours12&&:&&minutes00&& &&notationshort&&"},
	wdayShort:   [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	wdayFull:    [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	everyday:    "Every day", weekday: "Every weekday", everyweek: "Every week", everymonth: "Every month",
	lastday: "Every last day of month", nth: [4]string{"1st", "2nd", "3rd", "4th"}, last: "Last", dayWord: "Day", sep: " ",
	weekdays:      [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	names:         [2]string{"Taro Yamada", "Hanako Sato"},
	menuTitle:     [2]string{"Meeting", "Weekly sync"},
	facilityNames: [2]string{"Room A", "Room B"},
}, {
	lang:     "zh",
	charsets: []string{"GB2312", "UTF-8"},
	tags:     map[Kind]string{KindAdd: "登记", KindEdit: "更改", KindDelete: "删除", KindConfirm: "确定"},
	date:     "日期和时间：&&date&&\r\n", period: "期间" + u3 + u3 + u3 + "：&&start_date&&～&&end_date&&\r\n",
	candidate: "候选时间" + u3 + "：&&date&&\r\n", padding: u3 + u3 + u3 + u3 + u3 + "&&date&&\r\n",
	event: "预定" + u3 + u3 + u3 + "：&&title&&\r\n", members: "参加者" + u3 + u3 + "：&&members&&\r\n",
	accepted: "出席" + u3 + u3 + u3 + "：&&members&&\r\n", declined: "缺席" + u3 + u3 + u3 + "：&&members&&\r\n",
	pending: "未答复" + u3 + u3 + "：&&members&&\r\n", facilities: "设备" + u3 + u3 + u3 + "：&&facilities&&\r\n",
	memo: "备注" + u3 + u3 + u3 + "：\r\n&&memo&&", files: "\r\n附件：&&files&&",
	company:      "公司名称" + u3 + "：赛博思\r\n邮政编码" + u3 + "：200000\r\n地址" + u3 + u3 + u3 + "：上海\r\n电话号码" + u3 + "：021-0000\r\n",
	allDayNormal: "（終日）", repeatAll: "（整天）",
	dateFormats: []string{"&&year&&年&&mon&&月&&mday&&日", "&&year&&年&&mon&&月&&mday&&日（&&wdayfull&&）",
		"&&year&&/&&mon&&/&&mday&&（&&wdayshort&&）", "&&year&&-&&mon&&-&&mday&&（&&wdayshort&&）", "&&mon&&月&&mday&&日",
		"&&mon&&月&&mday&&日（&&wdayfull&&）", "&&mon&&/&&mday&&（&&wdayshort&&）", "&&mon&&-&&mday&&（&&wdayshort&&）"},
	timeFormats: []string{"&&hours&&:&&minutes00&&", "&&hours12&&:&&minutes00&& &&notationshort&&", "&&hours&&点&&minutes00&&分"},
	wdayShort:   [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
	wdayFull:    [7]string{"星期天", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
	everyday:    "每日", weekday: "每日（周六周日除外）", everyweek: "每周", everymonth: "每月", lastday: "每月 月末",
	nth: [4]string{"第1", "第2", "第3", "第4"}, last: "最终", dayWord: "日",
	weekdays:      [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
	names:         [2]string{"周 杰", "吴 婷"},
	menuTitle:     [2]string{"会议", "月度例会"},
	facilityNames: [2]string{"5号会议室", "6号会议室"},
}, {
	lang:     "zh-tw",
	charsets: []string{"UTF-8"},
	tags:     map[Kind]string{KindAdd: "登記", KindEdit: "更改", KindDelete: "刪除", KindConfirm: "確定"},
	date:     "日期和時間：&&date&&\r\n", period: "期間" + u3 + u3 + u3 + "：&&start_date&&～&&end_date&&\r\n",
	candidate: "候選時間" + u3 + "：&&date&&\r\n", padding: u3 + u3 + u3 + u3 + u3 + "&&date&&\r\n",
	event: "預定" + u3 + u3 + u3 + "：&&title&&\r\n", members: "參加者" + u3 + u3 + "：&&members&&\r\n",
	accepted: "出席" + u3 + u3 + u3 + "：&&members&&\r\n", declined: "缺席" + u3 + u3 + u3 + "：&&members&&\r\n",
	pending: "未答覆" + u3 + u3 + "：&&members&&\r\n", facilities: "設備" + u3 + u3 + u3 + "：&&facilities&&\r\n",
	memo: "備註" + u3 + u3 + u3 + "：\r\n&&memo&&", files: "\r\n附件：&&files&&",
	company:      "公司名稱" + u3 + "：賽博思\r\n郵遞區號" + u3 + "：100\r\n地址" + u3 + u3 + u3 + "：台北\r\n電話號碼" + u3 + "：02-0000\r\n",
	allDayNormal: "（終日）", repeatAll: "（整天）",
	dateFormats: []string{"&&year&&年&&mon&&月&&mday&&日", "&&year&&年&&mon&&月&&mday&&日（&&wdayfull&&）",
		"&&year&&/&&mon&&/&&mday&&（&&wdayshort&&）", "&&year&&-&&mon&&-&&mday&&（&&wdayshort&&）", "&&mon&&月&&mday&&日",
		"&&mon&&月&&mday&&日（&&wdayfull&&）", "&&mon&&/&&mday&&（&&wdayshort&&）", "&&mon&&-&&mday&&（&&wdayshort&&）"},
	timeFormats: []string{"&&hours&&:&&minutes00&&", "&&hours12&&:&&minutes00&& &&notationshort&&", "&&hours&&點&&minutes00&&分"},
	wdayShort:   [7]string{"週日", "週一", "週二", "週三", "週四", "週五", "週六"},
	wdayFull:    [7]string{"星期天", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
	everyday:    "每日", weekday: "每日（週六週日除外）", everyweek: "每週", everymonth: "每月", lastday: "每月 月末",
	nth: [4]string{"第1", "第2", "第3", "第4"}, last: "最終", dayWord: "日",
	weekdays:      [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
	names:         [2]string{"蔡 宗翰", "許 雅婷"},
	menuTitle:     [2]string{"會議", "專案進度檢討"},
	facilityNames: [2]string{"會議室A", "會議室B"},
}}

// fill replaces &&name&& placeholders in order.
func fill(tmpl string, kv ...string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		tmpl = strings.ReplaceAll(tmpl, "&&"+kv[i]+"&&", kv[i+1])
	}
	return tmpl
}

// renderDate is cb_date_format with a date format (fw/date.csp).
func (lc *locale) renderDate(format string, t time.Time) string {
	return fill(format, "year", strconv.Itoa(t.Year()), "mon", fmt.Sprintf("%02d", int(t.Month())),
		"mday", fmt.Sprintf("%02d", t.Day()), "monthfull", t.Month().String(),
		"wdayshort", lc.wdayShort[t.Weekday()], "wdayfull", lc.wdayFull[t.Weekday()])
}

// renderTime is cb_date_format with a time format.
func renderTime(format string, t time.Time) string {
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	notation := "AM"
	if t.Hour() >= 12 {
		notation = "PM"
	}
	return fill(format, "hours", fmt.Sprintf("%02d", t.Hour()), "hours12", fmt.Sprintf("%02d", h12),
		"minutes00", fmt.Sprintf("%02d", t.Minute()), "notationshort", notation)
}

// genCase is one generated mail and the record the spec says it gives.
type genCase struct {
	name string
	zone *time.Location
	mail testmail.Mail
	want Record
}

var (
	tokyo, _      = time.LoadLocation("Asia/Tokyo")
	losAngeles, _ = time.LoadLocation("America/Los_Angeles")
)

// dateOnly is a day at midnight in loc.
func dateOnly(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// generatedCases builds the whole table.
func generatedCases(tb testing.TB) []genCase {
	var out []genCase
	kinds := []Kind{KindAdd, KindEdit, KindDelete}
	n := 0
	for li := range locales {
		lc := &locales[li]
		for di, df := range lc.dateFormats {
			yearless := !strings.Contains(df, "&&year&&")
			for ti, tf := range lc.timeFormats {
				for _, typ := range appointmentTypes {
					n++
					loc := tokyo
					if n%5 == 0 {
						loc = losAngeles
					}
					c := lc.build(tb, typ, df, tf, loc, n)
					c.name = fmt.Sprintf("%s/date%d/time%d/%s", lc.lang, di, ti, typ)
					kind := kinds[n%len(kinds)]
					if typ == "normal" && n%7 == 0 {
						kind = KindConfirm
					}
					c.mail.Subject = "[" + lc.tags[kind] + "] " + lc.menuTitle[0] + ":" + lc.menuTitle[1]
					c.want.Kind, c.want.Action = kind, ActionUpsert
					if kind == KindDelete {
						c.want.Action = ActionDelete
					}
					c.mail.Charset = lc.charsets[n%len(lc.charsets)]
					// The Date header: a week before the appointment, so that a
					// year-less date has one nearest year.
					sent := c.sent.Add(-7 * 24 * time.Hour)
					c.mail.Date = sent.Format(time.RFC1123Z)
					if yearless && c.sent.Month() == time.January {
						c.mail.Date = sent.Add(-20 * 24 * time.Hour).Format(time.RFC1123Z) // across New Year
					}
					out = append(out, c.genCase)
				}
			}
		}
	}
	return out
}

var appointmentTypes = []string{"normal", "start-only", "all-day", "all-day-3-days", "banner", "overnight",
	"repeat-day", "repeat-weekday", "repeat-week", "repeat-nth", "repeat-last", "repeat-month-day",
	"repeat-month-end", "repeat-start-only", "repeat-all-day", "repeat-this-only", "tentative", "tentative-facilities"}

type built struct {
	genCase
	sent time.Time // the appointment's first day, for the Date header
}

// build renders one appointment type in the given formats.
func (lc *locale) build(tb testing.TB, typ, df, tf string, loc *time.Location, n int) built {
	date := func(t time.Time) string { return lc.renderDate(df, t) }
	clock := func(t time.Time) string { return renderTime(tf, t) }
	rfc := func(t time.Time) string { return t.Format(time.RFC3339) }
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	until := func(t time.Time) string {
		return "UNTIL=" + time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, loc).UTC().Format("20060102T150405Z")
	}
	// Days chosen so that en MM/DD and DD/MM readings differ in weekday.
	base := []time.Time{
		time.Date(2027, 4, 5, 9, 30, 0, 0, loc),   // Mon; 05/04 would be a Tuesday
		time.Date(2027, 5, 18, 13, 0, 0, 0, loc),  // Tue
		time.Date(2027, 1, 13, 15, 45, 0, 0, loc), // Wed, early January (year-less across New Year)
		time.Date(2026, 12, 9, 0, 5, 0, 0, loc),   // Wed, just past midnight
		time.Date(2027, 10, 2, 12, 0, 0, 0, loc),  // Sat, noon (12:00 PM)
	}[n%5]
	start, end := base, base.Add(90*time.Minute)
	b := built{sent: base}
	b.zone = loc
	w := Record{Language: lc.lang, Menu: lc.menuTitle[0], Title: lc.menuTitle[1], Recurrence: []string{},
		Candidates: []CandidateRecord{}, Attendees: []string{lc.names[0], lc.names[1]}, Facilities: []string{},
		Attachments: []string{}}
	var when string // the date line(s)
	dateLine := func(v string) string { return fill(lc.date, "date", v) }
	repeat := func(cond, times string, first, last time.Time, rrule string, wantStart, wantEnd string, allDay bool) {
		when = dateLine(cond+times) + fill(lc.period, "start_date", date(first), "end_date", date(last))
		w.Recurrence = []string{"RRULE:" + rrule + ";" + until(last)}
		w.PeriodStart, w.PeriodEnd = day(first), day(last)
		w.Start, w.End, w.AllDay = wantStart, wantEnd, allDay
	}
	weekly := func(prefix string, wd time.Weekday) string { return prefix + lc.sep + lc.sep + lc.weekdays[wd] }
	timed := " " + clock(start) + " ～ " + clock(end)
	periodEnd := start.AddDate(0, 3, 0)
	switch typ {
	case "normal":
		when = dateLine(date(start) + " " + clock(start) + " ～ " + date(end) + " " + clock(end))
		w.Start, w.End = rfc(start), rfc(end)
	case "start-only":
		when = dateLine(date(start) + " " + clock(start))
		w.Start, w.End = rfc(start), rfc(start)
	case "all-day", "all-day-3-days":
		last := start
		if typ == "all-day-3-days" {
			last = start.AddDate(0, 0, 2)
		}
		d0 := dateOnly(start.Year(), start.Month(), start.Day(), loc)
		d1 := dateOnly(last.Year(), last.Month(), last.Day(), loc)
		when = dateLine(date(d0) + " " + clock(d0) + " ～ " + date(d1) + " " + clock(d1.Add(23*time.Hour+59*time.Minute)) + lc.allDayNormal)
		w.Start, w.End, w.AllDay = day(d0), day(d1.AddDate(0, 0, 1)), true
	case "banner":
		last := start.AddDate(0, 0, 4)
		when = dateLine(date(start) + " ～ " + date(last))
		w.Start, w.End, w.AllDay = day(start), day(last.AddDate(0, 0, 1)), true
	case "overnight":
		e := start.Add(14 * time.Hour)
		when = dateLine(date(start) + " " + clock(start) + " ～ " + date(e) + " " + clock(e))
		w.Start, w.End = rfc(start), rfc(e)
	case "repeat-day":
		repeat(lc.everyday, timed, start, periodEnd, "FREQ=DAILY", rfc(start), rfc(end), false)
	case "repeat-weekday":
		s := start
		for s.Weekday() == time.Saturday || s.Weekday() == time.Sunday {
			s = s.AddDate(0, 0, 1)
		}
		repeat(lc.weekday, timed, start, periodEnd, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", rfc(s), rfc(s.Add(90*time.Minute)), false)
	case "repeat-week":
		// the period starts two days before the first occurrence
		first := start.AddDate(0, 0, -2)
		repeat(weekly(lc.everyweek, start.Weekday()), timed, first, periodEnd,
			"FREQ=WEEKLY;BYDAY="+rruleDays[start.Weekday()], rfc(start), rfc(end), false)
	case "repeat-nth":
		nth := (start.Day()-1)/7 + 1
		repeat(weekly(lc.nth[nth-1], start.Weekday()), timed, start, periodEnd,
			"FREQ=MONTHLY;BYDAY="+strconv.Itoa(nth)+rruleDays[start.Weekday()], rfc(start), rfc(end), false)
	case "repeat-last":
		// the last such weekday of the month of start
		s := time.Date(start.Year(), start.Month()+1, 1, start.Hour(), start.Minute(), 0, 0, loc).AddDate(0, 0, -1)
		for s.Weekday() != start.Weekday() {
			s = s.AddDate(0, 0, -1)
		}
		repeat(weekly(lc.last, start.Weekday()), timed, start, periodEnd,
			"FREQ=MONTHLY;BYDAY=-1"+rruleDays[start.Weekday()], rfc(s), rfc(s.Add(90*time.Minute)), false)
	case "repeat-month-day":
		cond := lc.everymonth + " " + strconv.Itoa(start.Day()) + " " + lc.dayWord
		repeat(cond, timed, start.AddDate(0, 0, -start.Day()+1), periodEnd,
			"FREQ=MONTHLY;BYMONTHDAY="+strconv.Itoa(start.Day()), rfc(start), rfc(end), false)
	case "repeat-month-end":
		s := time.Date(start.Year(), start.Month()+1, 1, start.Hour(), start.Minute(), 0, 0, loc).AddDate(0, 0, -1)
		repeat(lc.lastday, timed, start, periodEnd, "FREQ=MONTHLY;BYMONTHDAY=-1", rfc(s), rfc(s.Add(90*time.Minute)), false)
	case "repeat-start-only":
		repeat(weekly(lc.everyweek, start.Weekday()), " "+clock(start), start, periodEnd,
			"FREQ=WEEKLY;BYDAY="+rruleDays[start.Weekday()], rfc(start), rfc(start), false)
	case "repeat-all-day":
		d0 := dateOnly(start.Year(), start.Month(), start.Day(), loc)
		repeat(weekly(lc.everyweek, start.Weekday()), lc.repeatAll, start, periodEnd,
			"FREQ=WEEKLY;BYDAY="+rruleDays[start.Weekday()], day(d0), day(d0.AddDate(0, 0, 1)), true)
	case "repeat-this-only":
		// "this occurrence only": the rule with 期間 D～D
		repeat(weekly(lc.everyweek, start.Weekday()), timed, start, start,
			"FREQ=WEEKLY;BYDAY="+rruleDays[start.Weekday()], rfc(start), rfc(end), false)
	case "tentative", "tentative-facilities":
		second := start.AddDate(0, 0, 3).Add(2 * time.Hour)
		slot := func(t time.Time) string {
			return date(t) + " " + clock(t) + " ～ " + date(t.Add(time.Hour)) + " " + clock(t.Add(time.Hour))
		}
		cand := func(t time.Time, fac string) CandidateRecord {
			return CandidateRecord{Start: rfc(t), End: rfc(t.Add(time.Hour)), Facility: fac}
		}
		if typ == "tentative" {
			when = fill(lc.candidate, "date", slot(start)) + fill(lc.padding, "date", slot(second))
			w.Candidates = []CandidateRecord{cand(start, ""), cand(second, "")}
		} else {
			f0, f1 := lc.facilityNames[0], lc.facilityNames[1]
			when = fill(lc.candidate, "date", f0) + fill(lc.padding, "date", slot(start)) +
				fill(lc.padding, "date", f1) + fill(lc.padding, "date", slot(start)) + fill(lc.padding, "date", slot(second))
			w.Candidates = []CandidateRecord{cand(start, f0), cand(start, f1), cand(second, f1)}
		}
		w.Start, w.End = rfc(start), rfc(start.Add(time.Hour))
	default:
		tb.Fatalf("unknown type %s", typ)
	}

	body := when + fill(lc.event, "title", lc.menuTitle[0]+":"+lc.menuTitle[1])
	if n%3 == 0 {
		body += lc.company
	}
	members := lc.names[0] + "," + lc.names[1]
	body += fill(lc.members, "members", members)
	if n%4 == 1 {
		body += fill(lc.accepted, "members", lc.names[0]) + fill(lc.declined, "members", "") + fill(lc.pending, "members", lc.names[1])
	}
	if n%2 == 0 && !strings.HasPrefix(typ, "tentative-") {
		body += fill(lc.facilities, "facilities", lc.facilityNames[0]+","+lc.facilityNames[1])
		w.Facilities = []string{lc.facilityNames[0], lc.facilityNames[1]}
	}
	memo := ""
	switch n % 3 {
	case 1:
		// a memo with a line that looks like a label, and a blank line inside
		memo = "line 1\r\n" + strings.TrimSuffix(fill(lc.members, "members", "x"), "\r\n") + "\r\n\r\nline 4"
		w.Memo = "line 1\n" + strings.TrimSuffix(fill(lc.members, "members", "x"), "\r\n") + "\n\nline 4"
	case 2:
		memo = "one line"
		w.Memo = "one line"
	}
	body += fill(lc.memo, "memo", memo)
	if n%5 == 2 {
		body += fill(lc.files, "files", "a.pdf,b c.xlsx")
		w.Attachments = []string{"a.pdf", "b c.xlsx"}
	}
	b.mail = testmail.Mail{Body: body}
	b.want = w
	return b
}

func TestGeneratedMails(t *testing.T) {
	cases := generatedCases(t)
	perLang := map[string]int{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := c.mail.Bytes()
			n, err := Parse(raw, Options{Zone: c.zone})
			if err != nil {
				t.Fatalf("%v\n%s", err, c.mail.Body)
			}
			got, _ := json.Marshal(n.Record())
			want, _ := json.Marshal(c.want)
			if string(got) != string(want) {
				t.Errorf("charset %s, zone %s\n%s\n got %s\nwant %s", c.mail.Charset, c.zone, c.mail.Body, got, want)
			}
		})
		perLang[c.want.Language]++
	}
	if len(cases) < 1000 {
		t.Errorf("only %d generated cases", len(cases))
	}
	t.Logf("generated cases by language: %v", perLang)
}
