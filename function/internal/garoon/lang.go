package garoon

import "time"

// The words of Garoon's four UI languages, as its locale resource files
// write them (docs/garoon-mails.md §2–§5; Garoon source
// locale/{ja,en,zh,zh-tw}/message/grn/schedule.csp, forwardmail_* keys, and
// locale/<lang>/message/fw/date.csp for weekday and month names).

// Language codes, as Garoon names its locales.
const (
	langJA   = "ja"
	langEN   = "en"
	langZH   = "zh"
	langZHTW = "zh-tw"
)

// field is a body line's meaning.
type field int

const (
	fieldNone        field = iota
	fieldWhen              // forwardmail_date: 日時
	fieldPeriod            // forwardmail_date_limit: 期間
	fieldCandidate         // forwardmail_datecandidate: 日時候補
	fieldAppointment       // forwardmail_event: 予定
	fieldCompany           // the four company lines (会社名, 郵便番号, 住所, 電話番号)
	fieldAttendees         // forwardmail_members / forwardMailMembersAttendees: 参加者
	fieldRSVP              // 出席, 欠席, 未回答: subsets of 参加者, not read
	fieldFacilities        // forwardmail_faciliteies: 施設
	fieldMemo              // forwardmail_memo: メモ
	fieldAttachments       // forwardmail_files: 添付ファイル
)

var fieldNames = [...]string{
	fieldNone: "", fieldWhen: "date line", fieldPeriod: "period", fieldCandidate: "candidates",
	fieldAppointment: "appointment", fieldCompany: "company", fieldAttendees: "attendees",
	fieldRSVP: "attendance subset", fieldFacilities: "facilities", fieldMemo: "memo",
	fieldAttachments: "attachments",
}

func (f field) String() string { return fieldNames[f] }

// language holds one UI language's words.
type language struct {
	code string
	// labels maps a body label, with its U+3000 padding removed, to its
	// field. CJK labels end in "：" (U+FF1A), English ones in ": ".
	labels map[string]field
	// padding starts every line of a candidate block after the first
	// (forwardmail_datepadding): 5 × U+3000, or 10 spaces in English.
	padding string
	// allDay are the suffixes that mark an all-day date line
	// (event_date_YMDW_HM_YMDW_HM_all, event_date_repeat_all,
	// event_date_repeat_HM_HM_all).
	allDay []string
	// wdayShort and wdayFull are WDayShort0..6 and WDayFull0..6, Sunday first.
	wdayShort, wdayFull [7]string
	// repeat words (getRepeatData, view_util.csp L1321–1365).
	everyDay, everyWeekday, everyWeek, everyMonth, monthEnd, dayWord string
	nth                                                              [4]string // 1st–4th
	last                                                             string
	ruleWeekdays                                                     [7]string // sunday … saturday
	sep                                                              string    // the repeat separator: " " in en only
	// timeUnits are the hour and minute marks of the language's own time
	// format (10時30分, 10点30分, 10點30分); "" when it has none.
	hourMark, minuteMark string
	// dayFirst and monthFirst are per mail, on a copy (mailDateOrder): the
	// English user's numeric dates are DD/MM, or MM/DD.
	dayFirst, monthFirst bool
}

var languages = [...]*language{
	{
		code: langJA,
		labels: map[string]field{
			"日時": fieldWhen, "期間": fieldPeriod, "日時候補": fieldCandidate, "予定": fieldAppointment,
			"会社名": fieldCompany, "郵便番号": fieldCompany, "住所": fieldCompany, "電話番号": fieldCompany,
			"参加者": fieldAttendees, "出席": fieldRSVP, "欠席": fieldRSVP, "未回答": fieldRSVP,
			"施設": fieldFacilities, "メモ": fieldMemo, "添付ファイル": fieldAttachments,
		},
		padding:   "\u3000\u3000\u3000\u3000\u3000",
		allDay:    []string{"（終日）"},
		wdayShort: [7]string{"日", "月", "火", "水", "木", "金", "土"},
		wdayFull:  [7]string{"日", "月", "火", "水", "木", "金", "土"},
		everyDay:  "毎日", everyWeekday: "毎日（土日を除く）", everyWeek: "毎週", everyMonth: "毎月",
		monthEnd: "毎月 月末", dayWord: "日",
		nth:          [4]string{"第１", "第２", "第３", "第４"},
		last:         "最終",
		ruleWeekdays: [7]string{"日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日"},
		hourMark:     "時", minuteMark: "分",
	},
	{
		code: langEN,
		labels: map[string]field{
			"Date and time": fieldWhen, "Period": fieldPeriod, "Proposed date and time": fieldCandidate,
			"Appointment": fieldAppointment, "Company name": fieldCompany, "Postcode": fieldCompany,
			"Address": fieldCompany, "Phone number": fieldCompany, "Attendees": fieldAttendees,
			"Accepted": fieldRSVP, "Declined": fieldRSVP, "Pending": fieldRSVP,
			"Facilities": fieldFacilities, "Notes": fieldMemo, "Attachments": fieldAttachments,
		},
		padding:   "          ",
		allDay:    []string{"（All day）", " (All day)"},
		wdayShort: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		wdayFull:  [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		everyDay:  "Every day", everyWeekday: "Every weekday", everyWeek: "Every week", everyMonth: "Every month",
		monthEnd: "Every last day of month", dayWord: "Day",
		nth:          [4]string{"1st", "2nd", "3rd", "4th"},
		last:         "Last",
		ruleWeekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		sep:          " ",
	},
	{
		code: langZH,
		labels: map[string]field{
			"日期和时间": fieldWhen, "期间": fieldPeriod, "候选时间": fieldCandidate, "预定": fieldAppointment,
			"公司名称": fieldCompany, "邮政编码": fieldCompany, "地址": fieldCompany, "电话号码": fieldCompany,
			"参加者": fieldAttendees, "出席": fieldRSVP, "缺席": fieldRSVP, "未答复": fieldRSVP,
			"设备": fieldFacilities, "备注": fieldMemo, "附件": fieldAttachments,
		},
		padding:   "\u3000\u3000\u3000\u3000\u3000",
		allDay:    []string{"（終日）", "（整天）"},
		wdayShort: [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
		wdayFull:  [7]string{"星期天", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
		everyDay:  "每日", everyWeekday: "每日（周六周日除外）", everyWeek: "每周", everyMonth: "每月",
		monthEnd: "每月 月末", dayWord: "日",
		nth:          [4]string{"第1", "第2", "第3", "第4"},
		last:         "最终",
		ruleWeekdays: [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
		hourMark:     "点", minuteMark: "分",
	},
	{
		code: langZHTW,
		labels: map[string]field{
			"日期和時間": fieldWhen, "期間": fieldPeriod, "候選時間": fieldCandidate, "預定": fieldAppointment,
			"公司名稱": fieldCompany, "郵遞區號": fieldCompany, "地址": fieldCompany, "電話號碼": fieldCompany,
			"參加者": fieldAttendees, "出席": fieldRSVP, "缺席": fieldRSVP, "未答覆": fieldRSVP,
			"設備": fieldFacilities, "備註": fieldMemo, "附件": fieldAttachments,
		},
		padding:   "\u3000\u3000\u3000\u3000\u3000",
		allDay:    []string{"（終日）", "（整天）"},
		wdayShort: [7]string{"週日", "週一", "週二", "週三", "週四", "週五", "週六"},
		wdayFull:  [7]string{"星期天", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
		everyDay:  "每日", everyWeekday: "每日（週六週日除外）", everyWeek: "每週", everyMonth: "每月",
		monthEnd: "每月 月末", dayWord: "日",
		nth:          [4]string{"第1", "第2", "第3", "第4"},
		last:         "最終",
		ruleWeekdays: [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"},
		hourMark:     "點", minuteMark: "分",
	},
}

func languageOf(code string) *language {
	for _, l := range languages {
		if l.code == code {
			return l
		}
	}
	return nil
}

// englishMonths are en monthfull (January…December).
var englishMonths = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// subjectTag is a subject tag's kind and the languages that use it
// (notify_entry, notify_modify, notify_delete, notify_fix).
type subjectTag struct {
	kind  Kind
	langs []string
}

var scheduleTags = map[string]subjectTag{
	"登録": {KindAdd, []string{langJA}}, "Add": {KindAdd, []string{langEN}},
	"登记": {KindAdd, []string{langZH}}, "登記": {KindAdd, []string{langZHTW}},
	"変更": {KindEdit, []string{langJA}}, "Edit": {KindEdit, []string{langEN}},
	"更改": {KindEdit, []string{langZH, langZHTW}},
	"削除": {KindDelete, []string{langJA}}, "Delete": {KindDelete, []string{langEN}},
	"删除": {KindDelete, []string{langZH}}, "刪除": {KindDelete, []string{langZHTW}},
	"確定": {KindConfirm, []string{langJA, langZHTW}}, "Set": {KindConfirm, []string{langEN}},
	"确定": {KindConfirm, []string{langZH}},
}

// otherTags are the tags of the other notices Garoon sends from the same
// address (docs/garoon-mails.md §8), with what they are.
var otherTags = map[string]string{
	// RSVP replies (forwardMailStatusAccepted / forwardMailStatusDeclined)
	"出席": "attendance reply", "欠席": "attendance reply", "Accepted": "attendance reply",
	"Declined": "attendance reply", "缺席": "attendance reply",
	// facility use request (forawrd_facility_rely_mail_title)
	"施設の利用申請": "facility usage request", "Facility usage request": "facility usage request",
	"设备的使用申请": "facility usage request", "設備的使用申請": "facility usage request",
	// facility approval results; workflow uses 承認/却下 and Approved/Rejected too
	"承認": "facility approval result or workflow notice", "却下": "facility approval result or workflow notice",
	"Approved": "facility approval result or workflow notice", "Rejected": "facility approval result or workflow notice",
	"批准": "facility approval result", "驳回": "facility approval result", "駁回": "facility approval result",
	// workflow status_1…status_7 (grn.workflow)
	"進行中": "workflow notice", "差し戻し": "workflow notice", "取り戻し": "workflow notice",
	"取り消し": "workflow notice", "完了": "workflow notice", "In progress": "workflow notice",
	"Sent back": "workflow notice", "Withdrawn": "workflow notice", "Cancelled": "workflow notice",
	"Complete": "workflow notice",
}

// weekdayIn finds a weekday name of l (short or full) equal to s.
func (l *language) weekdayIn(s string) (time.Weekday, bool) {
	for i := range 7 {
		if s == l.wdayShort[i] || s == l.wdayFull[i] {
			return time.Weekday(i), true
		}
	}
	return 0, false
}
