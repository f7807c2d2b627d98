// Package garoon turns one Cybozu Garoon schedule-notification e-mail, as
// IMAP BODY[] returns it, into a Notice: what Garoon meant (add, edit, delete,
// confirm) and the appointment it describes. It is pure: no network, no clock.
// The mail format is described in shared/garoon/FORMAT.md.
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

// JST is Asia/Tokyo. Garoon bodies carry no zone marker: every time is JST.
// A fixed zone (Japan has had no DST since 1951) keeps the parser free of the
// tz database.
var JST = time.FixedZone("JST", 9*60*60)

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

	// Start and End are in JST. For an all-day appointment they are
	// midnights (JST) and End is exclusive: a one-day event on Jan 15 has
	// Start 2024-01-15 and End 2024-01-16. For a start-only appointment End
	// equals Start.
	Start  time.Time
	End    time.Time
	AllDay bool
	// Recurrence holds RRULE lines ("RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=...");
	// empty when the appointment does not repeat.
	Recurrence []string

	Attendees  []string
	Facilities []string
	Memo       string

	// Envelope data, for identity and ordering (not part of the JSON contract).
	MessageID string    // Message-ID header, without angle brackets
	Date      time.Time // Date header, in JST; zero if absent or unparsable
	From      string    // address inside <>, lower case
	Subject   string    // decoded subject
}
