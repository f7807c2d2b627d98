package syncer

import (
	"context"
	"errors"
	"time"
)

// Mail is one message as the mailbox returns it.
type Mail struct {
	UID      uint32
	Raw      []byte    // RFC 5322 bytes, as IMAP BODY[] returns them
	Received time.Time // IMAP INTERNALDATE
}

// Mailbox is where notices come from. Implementations keep the number of
// round trips constant per run: one search plus one batched fetch, and one
// batched store.
type Mailbox interface {
	// Fetch returns the mails from sender received on or after since that
	// are not yet marked processed, without setting \Seen.
	Fetch(ctx context.Context, sender string, since time.Time) ([]Mail, error)
	// MarkProcessed marks the mails processed (an IMAP keyword, not \Seen).
	MarkProcessed(ctx context.Context, uids []uint32) error
}

// Event is a calendar event this tool created, in the calendar's terms.
type Event struct {
	ID          string
	Summary     string
	Description string
	Location    string
	// Start and End: instants for timed events; midnights in the user's
	// Garoon time zone for all-day events, End exclusive.
	Start      time.Time
	End        time.Time
	AllDay     bool
	Recurrence []string

	// Identity, stored as private extended properties.
	Key    string // normalized-title key: finds the event an edit or delete refers to
	Notice string // id of the notice that last wrote the event

	// Tentative is Google's status "tentative": a candidate slot of a
	// Garoon tentative appointment (仮予定).
	Tentative bool
	// Attention, when set, says the event needs a person's look (stored as
	// the private property garoonSyncAttention; AttentionAmbiguousDelete).
	Attention string

	// SeriesID and OriginalStart are set on one occurrence (a Google
	// instance) of a repeating event: the series' id and the start the
	// occurrence has by the rule.
	SeriesID      string
	OriginalStart time.Time

	Created   time.Time // set by the calendar
	Cancelled bool      // a deleted event still known to the calendar
}

// AttentionAmbiguousDelete marks a repeating event that Garoon sent a
// delete for which the mail cannot scope (this occurrence, this and the
// following ones, or all look the same): it is kept and marked instead.
const AttentionAmbiguousDelete = "ambiguous-delete"

// Calendar is where events go. Lookups only ever return events this tool
// created (marked by a private extended property); writes never invite or
// notify anyone.
type Calendar interface {
	// Get returns the event with the given id, including a cancelled one, or
	// ErrNotFound.
	Get(ctx context.Context, id string) (Event, error)
	// FindByKey returns the live events whose identity key is key: single
	// events, series (not expanded) and the occurrences changed on their
	// own (exceptions, with SeriesID set).
	FindByKey(ctx context.Context, key string) ([]Event, error)
	// FindBySlot returns the live events that start at start and end at end.
	FindBySlot(ctx context.Context, start, end time.Time, allDay bool) ([]Event, error)
	// Insert creates the event with the id given in ev.ID. An id that already
	// exists (even cancelled) gives ErrExists.
	Insert(ctx context.Context, ev Event) (Event, error)
	// Patch writes the fields Garoon owns (summary, description, location,
	// start, end, recurrence unless ev is an occurrence, status and this
	// tool's private properties) and leaves everything else a person may
	// have set (colour, reminders, their own properties) as it is. ev.ID
	// may name an occurrence (an instance id from Instance or Occurrences):
	// that one occurrence is changed, the series is not.
	Patch(ctx context.Context, ev Event) (Event, error)
	// Instance returns the occurrence of the repeating event seriesID whose
	// start by the rule is originalStart (a cancelled one too, Cancelled
	// set), or ErrNotFound when the rule has no such occurrence.
	Instance(ctx context.Context, seriesID string, originalStart time.Time, allDay bool) (Event, error)
	// Instances returns the occurrences of the repeating event seriesID
	// that start between from and to, the cancelled ones too (Cancelled
	// set), each with its OriginalStart (events.instances, showDeleted).
	Instances(ctx context.Context, seriesID string, from, to time.Time) ([]Event, error)
	// Occurrences returns what this tool created that a person sees between
	// from and to: single events and the live occurrences of repeating
	// events (SeriesID set), as the calendar expands them.
	Occurrences(ctx context.Context, from, to time.Time) ([]Event, error)
	// Delete deletes the event; an event already gone is success.
	Delete(ctx context.Context, id string) error
	// CancelOccurrence cancels the one occurrence of a repeating event that
	// starts at start; an occurrence already gone is success.
	CancelOccurrence(ctx context.Context, seriesID string, start time.Time, allDay bool) error
}

// Errors the adapters return, so the engine can tell them apart.
var (
	ErrNotFound = errors.New("event not found")
	ErrExists   = errors.New("event already exists")
	// ErrRejected means the calendar refused this one event for good (HTTP
	// 400): retrying cannot help, so the notice is reported and not retried.
	ErrRejected = errors.New("calendar rejected the event")
	// ErrInvalidGrant means Google refused the refresh token: it was revoked
	// or has expired. Only a person can fix it, by authorizing again; the
	// caller names the command (runner.Fix), the engine knows no CLI.
	ErrInvalidGrant = errors.New("google refused the refresh token (invalid_grant)")
)
