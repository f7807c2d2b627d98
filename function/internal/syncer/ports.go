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
	// Start and End: instants for timed events; midnights in Asia/Tokyo for
	// all-day events, End exclusive.
	Start      time.Time
	End        time.Time
	AllDay     bool
	Recurrence []string

	// Identity, stored as private extended properties.
	Key    string // normalized-title key: finds the event an edit or delete refers to
	Notice string // id of the notice that last wrote the event

	Created   time.Time // set by the calendar
	Cancelled bool      // a deleted event still known to the calendar
}

// Calendar is where events go. Lookups only ever return events this tool
// created (marked by a private extended property); writes never invite or
// notify anyone.
type Calendar interface {
	// Get returns the event with the given id, including a cancelled one, or
	// ErrNotFound.
	Get(ctx context.Context, id string) (Event, error)
	// FindByKey returns the live events (series, not expanded instances)
	// whose identity key is key.
	FindByKey(ctx context.Context, key string) ([]Event, error)
	// FindBySlot returns the live events that start at start and end at end.
	FindBySlot(ctx context.Context, start, end time.Time, allDay bool) ([]Event, error)
	// Insert creates the event with the id given in ev.ID. An id that already
	// exists (even cancelled) gives ErrExists.
	Insert(ctx context.Context, ev Event) (Event, error)
	// Update replaces the event's fields.
	Update(ctx context.Context, ev Event) (Event, error)
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
	// or has expired. Only a person can fix it, by running authorize again.
	ErrInvalidGrant = errors.New("google refused the refresh token (invalid_grant): run `garoon-sync authorize` and store the new token with `garoon-sync secret put`")
)
