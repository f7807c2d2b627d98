// Package garoon turns one Cybozu Garoon schedule-notification e-mail, as
// IMAP BODY[] returns it, into a Notice: what Garoon meant (add, edit, delete,
// confirm) and the appointment it describes. It is pure: no network, no clock.
// The mail format is described in docs/garoon-mails.md, written from
// Garoon's own server code.
package garoon

import "time"

// Kind is the kind of notice, from the subject tag.
type Kind string

// Notice kinds.
const (
	KindAdd     Kind = "add"
	KindEdit    Kind = "edit"
	KindDelete  Kind = "delete"
	KindConfirm Kind = "confirm"
	KindOther   Kind = "other"
)

// Action is what the calendar should do with a notice.
type Action string

// Actions.
const (
	ActionUpsert Action = "upsert"
	ActionDelete Action = "delete"
	ActionIgnore Action = "ignore"
)

// JST is Asia/Tokyo, the one definition of the zone in the tree: Garoon's
// default time zone (docs/garoon-mails.md §4.2), which Parse assumes when
// Options.Zone is nil, the calendar's default zone (gcal), and the zone the
// CLI shows the calendar's dates in. Without a tz database it is the equal
// fixed zone (Japan has had no daylight saving time since 1951); the
// binaries embed time/tzdata.
var JST = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*60*60)
}()

// Options tell Parse what it cannot read from the mail itself.
type Options struct {
	// Sender is the Garoon sender address (the secret's garoon_sender);
	// empty accepts cybozu.com's senders or Garoon's X-Mailer (FORMAT §1).
	Sender string
	// Zone is the recipient's Garoon time zone: Garoon writes times in it
	// with no marker. nil means Asia/Tokyo.
	Zone *time.Location
	// Explain fills Notice.Explain with what each body line gave.
	Explain bool
}

// Explained is one body line and what the parser took from it.
type Explained struct {
	Line    int    // 1-based line number in the decoded body
	Text    string // the line
	Meaning string // in plain words
}

// Date is a calendar day with no time zone. 期間 (the period of a repeating
// appointment) is printed as the appointment's own dates and never
// converted, so it is kept as a day, not an instant.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// In is the first instant of d in loc: midnight, or the end of a
// daylight-saving gap at midnight.
func (d Date) In(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	// Where the clocks jump at midnight (Azores, Havana, Santiago, Beirut,
	// Cairo on their daylight-saving day) 00:00 does not exist, and
	// time.Date answers with a time of the day before; the day starts at
	// the end of the gap instead.
	for i := 0; i < 12 && DateOf(t) != d; i++ {
		t = t.Add(15 * time.Minute)
	}
	return t
}

// String is YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.In(time.UTC).Format(time.DateOnly)
}

// Candidate is one proposed slot of a tentative appointment (日時候補).
type Candidate struct {
	Start, End time.Time // like Notice.Start and End
	AllDay     bool
	Facility   string // the facility heading the candidate sits under, or ""
}

// Notice is one parsed mail.
type Notice struct {
	Kind   Kind
	Action Action
	// Reason says why an ignored mail was ignored (`sender "x@y" is not the
	// Garoon sender …`, "forwarded/reply: …", "attendance reply [出席]",
	// "not a schedule notice [承認]"). Empty for acted-on notices.
	Reason string

	Title string
	Menu  string

	// Start and End are in the recipient's zone (Options.Zone). For an
	// all-day appointment they are midnights and End is exclusive: a one-day event on Jan 15 has
	// Start 2024-01-15 and End 2024-01-16. For a start-only appointment End
	// equals Start.
	Start  time.Time
	End    time.Time
	AllDay bool
	// Recurrence holds RRULE lines ("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=...");
	// empty when the appointment does not repeat.
	Recurrence []string

	// PeriodStart and PeriodEnd are the literal 期間 dates of a repeating
	// notice; zero when the appointment does not repeat.
	PeriodStart, PeriodEnd Date
	// Candidates are the proposed slots of a tentative appointment, in mail
	// order; Start and End are the first one's.
	Candidates []Candidate

	// Language of the notice: "ja", "en", "zh" or "zh-tw".
	Language string

	Attendees   []string // 参加者, never the RSVP subsets
	Facilities  []string
	Memo        string
	Attachments []string

	// Envelope data, for identity and ordering (not part of the JSON contract).
	MessageID string    // Message-ID header, without angle brackets
	Date      time.Time // Date header, in the zone; zero if absent or unparsable
	From      string    // address inside <>, lower case
	Subject   string    // decoded subject

	// Explain lists every body line and its meaning, with Options.Explain.
	Explain []Explained
}
