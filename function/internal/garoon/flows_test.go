package garoon

import (
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/testmail"
)

// Hand-written fixtures: one mail for every user action of
// docs/garoon-mails.md §6 and every other notice Garoon
// sends from the same address (§8), each with the record the spec says it
// gives, written by hand.

type flow struct {
	name   string
	zone   *time.Location
	mail   testmail.Mail
	want   string // the whole record as JSON, for acted-on notices
	reason string // a part of the reason, for ignored ones
}

var utc = time.UTC

const (
	wk    = "日時　　：毎週月曜日 10:00 ～ 11:00\r\n"
	evt   = "予定　　：会議:定例\r\n"
	mem   = "参加者　：山田 太郎,佐藤 花子\r\n"
	memo0 = "メモ　　：\r\n"
	// the parts of a record that most fixtures share
	jaTail = `"candidates":[],"attendees":["山田 太郎","佐藤 花子"],"facilities":[],"memo":"","attachments":[]}`
)

var flows = []flow{
	// §6.1 add
	{name: "6.1 add a weekly series", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 会議:定例",
		Body: wk + "期間　　：2019年04月01日（月）～2019年09月30日（月）\r\n" + evt + mem + memo0},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"定例","menu":"会議","start":"2019-04-01T10:00:00+09:00","end":"2019-04-01T11:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190930T145959Z"],"period_start":"2019-04-01","period_end":"2019-09-30",` + jaTail},
	{name: "6.2 added to one occurrence: rule and D～D", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 会議:定例",
		Body: wk + "期間　　：2019年04月15日（月）～2019年04月15日（月）\r\n" + evt + mem + memo0},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"定例","menu":"会議","start":"2019-04-15T10:00:00+09:00","end":"2019-04-15T11:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190415T145959Z"],"period_start":"2019-04-15","period_end":"2019-04-15",` + jaTail},
	// §6.2 modify
	{name: "6.2 this occurrence only: rule with the new times and D～D", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[変更] 会議:定例",
		Body: "日時　　：毎週月曜日 16:00 ～ 17:00\r\n期間　　：2019年04月15日（月）～2019年04月15日（月）\r\n" + evt + mem + memo0 + "この日だけ夕方"},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"定例","menu":"会議","start":"2019-04-15T16:00:00+09:00","end":"2019-04-15T17:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190415T145959Z"],"period_start":"2019-04-15","period_end":"2019-04-15","candidates":[],"attendees":["山田 太郎","佐藤 花子"],"facilities":[],"memo":"この日だけ夕方","attachments":[]}`},
	{name: "6.2 this only, moved off the rule's weekday: the day of 期間", mail: testmail.Mail{Charset: "UTF-8", Subject: "[変更] 会議:定例",
		Body: wk + "期間　　：2019年04月16日（火）～2019年04月16日（火）\r\n" + evt + mem + memo0},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"定例","menu":"会議","start":"2019-04-16T10:00:00+09:00","end":"2019-04-16T11:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190416T145959Z"],"period_start":"2019-04-16","period_end":"2019-04-16",` + jaTail},
	{name: "6.2 this and following: D～end", mail: testmail.Mail{Charset: "ISO-2022-JP", Subject: "[変更] 会議:定例",
		Body: "日時　　：毎週月曜日 10:00 ～ 11:30\r\n期間　　：2019年04月22日（月）～2019年09月30日（月）\r\n" + evt + mem + memo0},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"定例","menu":"会議","start":"2019-04-22T10:00:00+09:00","end":"2019-04-22T11:30:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190930T145959Z"],"period_start":"2019-04-22","period_end":"2019-09-30",` + jaTail},
	{name: "6.2 all: the form's whole period, a new weekday", mail: testmail.Mail{Charset: "EUC-JP", Subject: "[変更] 会議:定例",
		Body: "日時　　：毎週火曜日 10:00 ～ 11:00\r\n期間　　：2019年04月01日（月）～2019年09月30日（月）\r\n" + evt + mem + memo0},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"定例","menu":"会議","start":"2019-04-02T10:00:00+09:00","end":"2019-04-02T11:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20190930T145959Z"],"period_start":"2019-04-01","period_end":"2019-09-30",` + jaTail},
	{name: "6.2 attendee removed by an edit: [削除] describing the new event", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[削除] 会議:定例",
		Body: "日時　　：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:30\r\n" + evt + "参加者　：山田 太郎\r\n" + memo0},
		want: `{"action":"delete","kind":"delete","language":"ja","title":"定例","menu":"会議","start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:30:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["山田 太郎"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "6.2 tentative edited: the whole candidate list", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[変更] Kickoff",
		Body: "日時候補：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:00\r\n　　　　　2019年04月15日（月） 14:00 ～ 2019年04月15日（月） 15:00\r\n予定　　：Kickoff\r\n参加者　：A,B\r\nメモ　　：\r\nx\r\n添付ファイル：a.pdf,b.xlsx"},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"Kickoff","menu":"","start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[{"start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"facility":""},{"start":"2019-04-15T14:00:00+09:00","end":"2019-04-15T15:00:00+09:00","all_day":false,"facility":""}],"attendees":["A","B"],"facilities":[],"memo":"x","attachments":["a.pdf","b.xlsx"]}`},
	{name: "6.2 banner edited", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[変更] 期間:展示会",
		Body: "日時　　：2019年04月12日（金） ～ 2019年04月14日（日）\r\n予定　　：期間:展示会\r\n" + mem + memo0},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"展示会","menu":"期間","start":"2019-04-12","end":"2019-04-15","all_day":true,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["山田 太郎","佐藤 花子"],"facilities":[],"memo":"","attachments":[]}`},
	// §6.3 drag and drop of an occurrence: a plain normal appointment
	{name: "6.3 occurrence dragged to another day", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[変更] 会議:定例",
		Body: "日時　　：2019年04月17日（水） 10:00 ～ 2019年04月17日（水） 11:00\r\n" + evt + mem + memo0},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"定例","menu":"会議","start":"2019-04-17T10:00:00+09:00","end":"2019-04-17T11:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["山田 太郎","佐藤 花子"],"facilities":[],"memo":"","attachments":[]}`},
	// §6.4 delete: one, following or all occurrences all mail the whole series
	{name: "6.4 repeat delete: rule and the full period", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[削除] 会議:定例",
		Body: wk + "期間　　：2019年04月01日（月）～2019年09月30日（月）\r\n" + evt + mem + memo0},
		want: `{"action":"delete","kind":"delete","language":"ja","title":"定例","menu":"会議","start":"2019-04-01T10:00:00+09:00","end":"2019-04-01T11:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190930T145959Z"],"period_start":"2019-04-01","period_end":"2019-09-30",` + jaTail},
	{name: "6.4 one tentative candidate deleted: its date only", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[削除] Kickoff",
		Body: "日時　　：2019年04月15日（月） 14:00 ～ 2019年04月15日（月） 15:00\r\n予定　　：Kickoff\r\n参加者　：A,B\r\nメモ　　：\r\n"},
		want: `{"action":"delete","kind":"delete","language":"ja","title":"Kickoff","menu":"","start":"2019-04-15T14:00:00+09:00","end":"2019-04-15T15:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A","B"],"facilities":[],"memo":"","attachments":[]}`},
	// §6.5, §6.6 leave and join
	{name: "6.5 someone left this and following", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[変更] 会議:定例",
		Body: wk + "期間　　：2019年05月06日（月）～2019年09月30日（月）\r\n" + evt + "参加者　：山田 太郎\r\n" + memo0},
		want: `{"action":"upsert","kind":"edit","language":"ja","title":"定例","menu":"会議","start":"2019-05-06T10:00:00+09:00","end":"2019-05-06T11:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190930T145959Z"],"period_start":"2019-05-06","period_end":"2019-09-30","candidates":[],"attendees":["山田 太郎"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "6.6 someone joined: appended last", mail: testmail.Mail{Charset: "UTF-8", Subject: "[Edit] Meeting:Weekly sync",
		Body: "Date and time: Every week  Monday 10:00 ～ 11:00\r\nPeriod: Mon, April 01, 2019～Mon, September 30, 2019\r\nAppointment: Meeting:Weekly sync\r\nAttendees: Taro Yamada,Hanako Sato,Olivia Brown\r\nNotes: \r\n"},
		want: `{"action":"upsert","kind":"edit","language":"en","title":"Weekly sync","menu":"Meeting","start":"2019-04-01T10:00:00+09:00","end":"2019-04-01T11:00:00+09:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20190930T145959Z"],"period_start":"2019-04-01","period_end":"2019-09-30","candidates":[],"attendees":["Taro Yamada","Hanako Sato","Olivia Brown"],"facilities":[],"memo":"","attachments":[]}`},
	// §6.7 tentative appointments
	{name: "6.7 tentative add with a facility OR search: no 施設 line", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 打合せ",
		Body: "日時候補：会議室A\r\n　　　　　2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:00\r\n　　　　　会議室B\r\n　　　　　2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:00\r\n　　　　　2019年04月15日（月） 14:00 ～ 2019年04月15日（月） 15:00\r\n予定　　：打合せ\r\n参加者　：A\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"打合せ","menu":"","start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[{"start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"facility":"会議室A"},{"start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"facility":"会議室B"},{"start":"2019-04-15T14:00:00+09:00","end":"2019-04-15T15:00:00+09:00","all_day":false,"facility":"会議室B"}],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "6.7 OR search in EUC-JP: a facility name with a character EUC-JP lacks ('?')", mail: testmail.Mail{Charset: "EUC-JP", Subject: "[登録] 打合せ",
		Body: "日時候補：𠮷会議室\r\n　　　　　2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:00\r\n予定　　：打合せ\r\n参加者　：A\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"打合せ","menu":"","start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[{"start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"facility":"?会議室"}],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "6.7 tentative confirmed", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[確定] 打合せ",
		Body: "日時　　：2019年04月15日（月） 14:00 ～ 2019年04月15日（月） 15:00\r\n予定　　：打合せ\r\n参加者　：A\r\n施設　　：会議室B\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"confirm","language":"ja","title":"打合せ","menu":"","start":"2019-04-15T14:00:00+09:00","end":"2019-04-15T15:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A"],"facilities":["会議室B"],"memo":"","attachments":[]}`},
	{name: "6.7 confirmed, candidate not found in an OR search: empty date line", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[確定] 打合せ",
		Body: "日時　　：\r\n予定　　：打合せ\r\n参加者　：A\r\nメモ　　：\r\n"},
		reason: "the date line is empty"},
	// §4.3 time zones: the recipient's zone, 期間 never converted
	{name: "4.3 all-day seen 9 hours ahead (event in UTC, recipient in Tokyo)", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 休み",
		Body: "日時　　：2019年04月12日（金） 09:00 ～ 2019年04月13日（土） 08:59（終日）\r\n予定　　：休み\r\n参加者　：A\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"休み","menu":"","start":"2019-04-12","end":"2019-04-13","all_day":true,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "4.3 all-day seen 9 hours behind (event in Tokyo, recipient in UTC)", zone: utc, mail: testmail.Mail{Charset: "UTF-8", Subject: "[登録] 休み",
		Body: "日時　　：2019年04月11日（木） 15:00 ～ 2019年04月12日（金） 14:59（終日）\r\n予定　　：休み\r\n参加者　：A\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"休み","menu":"","start":"2019-04-12","end":"2019-04-13","all_day":true,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "4.3 repeat all-day, recipient 8 hours ahead", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 締め",
		Body: "日時　　：毎月 月末 08:00 ～ 07:59（終日）\r\n期間　　：2019年04月01日（月）～2019年12月31日（火）\r\n予定　　：締め\r\n参加者　：A\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"締め","menu":"","start":"2019-04-30","end":"2019-05-01","all_day":true,"recurrence":["RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20191231T145959Z"],"period_start":"2019-04-01","period_end":"2019-12-31","candidates":[],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "4.3 weekly in Los Angeles: UNTIL is the period's last day in that zone", zone: losAngeles, mail: testmail.Mail{Charset: "UTF-8", Subject: "[Add] Sync",
		Body: "Date and time: Every week  Thursday 09:00 AM ～ 09:30 AM\r\nPeriod: Thu, April 01, 2027～Fri, April 30, 2027\r\nAppointment: Sync\r\nAttendees: A\r\nNotes: \r\n"},
		want: `{"action":"upsert","kind":"add","language":"en","title":"Sync","menu":"","start":"2027-04-01T09:00:00-07:00","end":"2027-04-01T09:30:00-07:00","all_day":false,"recurrence":["RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20270501T065959Z"],"period_start":"2027-04-01","period_end":"2027-04-30","candidates":[],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "4.3 banner in another zone looks timed", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 展示会",
		Body: "日時　　：2019年04月12日（金） 09:00 ～ 2019年04月15日（月） 08:59\r\n予定　　：展示会\r\n参加者　：\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"展示会","menu":"","start":"2019-04-12T09:00:00+09:00","end":"2019-04-15T08:59:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":[],"facilities":[],"memo":"","attachments":[]}`},
	// §2.2, §3 text is verbatim
	{name: "2.2 no menu and no title: --", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] --",
		Body: "日時　　：2019年04月12日（金） 10:00\r\n予定　　：--\r\n参加者　：A\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"--","menu":"","start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T10:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "2.2 HTML characters stay as typed", mail: testmail.Mail{Charset: "UTF-8", Subject: `[登録] 会議:R&D <設計> "案" 'x' &amp;`,
		Body: "日時　　：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:00\r\n予定　　：会議:R&D <設計> \"案\" 'x' &amp;\r\n参加者　：A&B\r\nメモ　　：\r\n<b>太字</b>"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"R&D <設計> \"案\" 'x' &amp;","menu":"会議","start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A&B"],"facilities":[],"memo":"<b>太字</b>","attachments":[]}`},
	{name: "1.3 a character Shift_JIS lacks arrives as 〓", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 会議:𠮷野家",
		Body: "日時　　：2019年04月12日（金） 12:00\r\n予定　　：会議:𠮷野家\r\n参加者　：A\r\nメモ　　：\r\n"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"〓野家","menu":"会議","start":"2019-04-12T12:00:00+09:00","end":"2019-04-12T12:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},
	{name: "3.1 company block, RSVP subsets, attachments after an empty memo", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 外出:訪問",
		Body: "日時　　：2019年04月12日（金） 13:00 ～ 2019年04月12日（金） 14:00\r\n予定　　：外出:訪問\r\n会社名　：サイボウズ\r\n郵便番号：\r\n住所　　：東京都\r\n電話番号：\r\n参加者　：山田 太郎,佐藤 花子,鈴木 一郎\r\n出席　　：山田 太郎\r\n欠席　　：\r\n未回答　：佐藤 花子,鈴木 一郎\r\nメモ　　：\r\n\r\n添付ファイル：地図.pdf"},
		want: `{"action":"upsert","kind":"add","language":"ja","title":"訪問","menu":"外出","start":"2019-04-12T13:00:00+09:00","end":"2019-04-12T14:00:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["山田 太郎","佐藤 花子","鈴木 一郎"],"facilities":[],"memo":"","attachments":["地図.pdf"]}`},
	{name: "1.4 long English subject, unencoded and folded", mail: testmail.Mail{Charset: "US-ASCII", Subject: "[Edit] Meeting:Quarterly planning review with the regional sales teams and partners",
		Body: "Date and time: Fri, April 12, 2019 10:00 AM ～ Fri, April 12, 2019 11:30 AM\r\nAppointment: Meeting:Quarterly planning review with the regional sales teams and partners\r\nAttendees: A\r\nNotes: \r\n"},
		want: `{"action":"upsert","kind":"edit","language":"en","title":"Quarterly planning review with the regional sales teams and partners","menu":"Meeting","start":"2019-04-12T10:00:00+09:00","end":"2019-04-12T11:30:00+09:00","all_day":false,"recurrence":[],"period_start":"","period_end":"","candidates":[],"attendees":["A"],"facilities":[],"memo":"","attachments":[]}`},

	// §8 other notices from the same sender
	{name: "8.1 RSVP ja", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[欠席] 佐藤 花子 (会議:定例)",
		Body: "日時　　　：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:30\r\n予定　　　：会議:定例\r\n回答者　　：佐藤 花子\r\n回答内容　：欠席\r\nメッセージ：\r\n出張のため欠席します\r\n"},
		reason: "attendance reply [欠席]"},
	{name: "8.1 RSVP en", mail: testmail.Mail{Charset: "UTF-8", Subject: "[Accepted] Hanako Sato (Meeting:Weekly sync)",
		Body: "Date and time: Fri, April 12, 2019 10:00 ～ Fri, April 12, 2019 11:30\r\nAppointment: Meeting:Weekly sync\r\nResponded by: Hanako Sato\r\nResponse: Accepted\r\nMessage: \r\nSee you\r\n"},
		reason: "attendance reply [Accepted]"},
	{name: "8.1 RSVP zh", mail: testmail.Mail{Charset: "GB2312", Subject: "[缺席] 吴 婷 (会议:例会)",
		Body: "日期和时间：2019年04月12日（星期五） 10:00 ～ 2019年04月12日（星期五） 11:30\r\n预定　　　：会议:例会\r\n答复者　　：吴 婷\r\n答复内容　：缺席\r\n留言　　　：\r\n\r\n"},
		reason: "attendance reply [缺席]"},
	{name: "8.1 RSVP zh-tw", mail: testmail.Mail{Charset: "UTF-8", Subject: "[出席] 許 雅婷 (會議:檢討)",
		Body: "日期和時間：2019年04月12日（星期五） 10:00 ～ 2019年04月12日（星期五） 11:30\r\n預定　　　：會議:檢討\r\n答覆者　　：許 雅婷\r\n答覆內容　：出席\r\n留言　　　：\r\n\r\n"},
		reason: "attendance reply [出席]"},
	{name: "8.2 facility usage request ja", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[施設の利用申請] 会議室A",
		Body: "施設　　：会議室A\r\n利用日時：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:30\r\n目的　　：定例\r\n申請者　：山田 太郎\r\n"},
		reason: "facility usage request [施設の利用申請]"},
	{name: "8.2 facility usage request en", mail: testmail.Mail{Charset: "UTF-8", Subject: "[Facility usage request] Room A",
		Body: "Facility: Room A\r\nDate and time: Fri, April 12, 2019 10:00 ～ Fri, April 12, 2019 11:30\r\nPurpose: sync\r\nApplicant: Taro Yamada\r\n"},
		reason: "facility usage request"},
	{name: "8.2 facility usage request zh", mail: testmail.Mail{Charset: "GB2312", Subject: "[设备的使用申请] 5号会议室",
		Body: "设备　　：5号会议室\r\n使用时间：2019年04月12日（星期五） 10:00 ～ 2019年04月12日（星期五） 11:30\r\n"},
		reason: "facility usage request"},
	{name: "8.2 facility usage request zh-tw", mail: testmail.Mail{Charset: "UTF-8", Subject: "[設備的使用申請] 會議室A",
		Body: "設備　　：會議室A\r\n使用時間：2019年04月12日（星期五） 10:00 ～ 2019年04月12日（星期五） 11:30\r\n"},
		reason: "facility usage request"},
	{name: "8.3 facility approved ja (title HTML-escaped once)", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[承認] 会議室A",
		Body: "施設　　：会議室A\r\n利用日時：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:30\r\n予定　　：会議:R&amp;D\r\n結果　　：承認\r\n処理者　：総務\r\nコメント：\r\n"},
		reason: "facility approval result"},
	{name: "8.3 facility rejected en", mail: testmail.Mail{Charset: "UTF-8", Subject: "[Rejected] Room A",
		Body: "Facility: Room A\r\nDate and time: Fri, April 12, 2019 10:00 ～ Fri, April 12, 2019 11:30\r\nAppointment: x\r\nResult: Rejected\r\nBy: admin\r\nComment: \r\n"},
		reason: "facility approval result"},
	{name: "8.3 facility rejected zh", mail: testmail.Mail{Charset: "GB2312", Subject: "[驳回] 5号会议室", Body: "设备　　：5号会议室\r\n"},
		reason: "facility approval result [驳回]"},
	{name: "8.3 facility approved zh-tw", mail: testmail.Mail{Charset: "UTF-8", Subject: "[批准] 會議室A", Body: "設備　　：會議室A\r\n"},
		reason: "facility approval result [批准]"},
	{name: "8.4 workflow, urgent (double space)", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[進行中]  至急：No. 12 経費精算(出張)",
		Body: "至急\n申請者：山田 太郎\n申請日：2019年04月12日（金） 10:00\n\n申請が届いています。\n"},
		reason: "workflow notice [進行中]"},
	{name: "8.4 workflow en", mail: testmail.Mail{Charset: "UTF-8", Subject: "[Complete] Expense report(Trip)",
		Body: "Applicant: Taro Yamada\nApplication date: Fri, April 12, 2019 10:00\n"},
		reason: "workflow notice [Complete]"},
	{name: "8.5 phone memo", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "電話メモ : 佐藤さんからの用件です。",
		Body: "佐藤様より電話がありました。\r\n"},
		reason: "phone memo or other notice without a tag"},
	{name: "1 a schedule tag whose body has no date line", mail: testmail.Mail{Charset: "Shift_JIS", Subject: "[登録] 会議室A",
		Body: "施設　　：会議室A\r\n予定　　：会議:定例\r\n"},
		reason: "no date line"},
	{name: "1 forwarded by a person", mail: testmail.Mail{Charset: "UTF-8", Subject: "Fwd: [登録] 会議:定例",
		Body: "日時　　：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:30\r\n予定　　：会議:定例\r\n参加者　：A\r\nメモ　　：\r\n"},
		reason: "forwarded/reply"},
	{name: "1 look-alike sender", mail: testmail.Mail{Charset: "UTF-8", From: "no-reply@cybozu.com.example.net", Subject: "[登録] 会議:定例",
		Body: "日時　　：2019年04月12日（金） 10:00 ～ 2019年04月12日（金） 11:30\r\n"},
		reason: `sender "no-reply@cybozu.com.example.net" is not the Garoon sender`},
}

func TestFlows(t *testing.T) {
	for _, f := range flows {
		t.Run(f.name, func(t *testing.T) {
			raw := f.mail.Bytes()
			if f.mail.From != "" {
				// a look-alike sender: no Garoon X-Mailer either
				raw = []byte(strings.Replace(string(raw), "X-Mailer: Cybozu(R) Garoon(R) Version 5.9.2\r\n", "", 1))
			}
			n, err := Parse(raw, Options{Zone: f.zone})
			if err != nil {
				t.Fatal(err)
			}
			got := recordJSON(n)
			if f.want == "" {
				if n.Action != ActionIgnore || n.Kind != KindOther || !strings.Contains(n.Reason, f.reason) {
					t.Errorf("got %s, want ignore with a reason saying %q", got, f.reason)
				}
				return
			}
			if got != f.want {
				t.Errorf("\n got %s\nwant %s", got, f.want)
			}
		})
	}
}
