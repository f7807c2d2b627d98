package syncer

import (
	"slices"
	"strings"

	"garoon-calendar-sync/function/internal/garoon"
)

// Limits that keep one hostile mail from producing an event the calendar
// refuses: Google rejects very long descriptions and locations.
const (
	maxDescription = 8000
	maxLocation    = 1000
	maxSummary     = 1000
)

// eventFor is the calendar event a notice asks for. Garoon attendees go into
// the description, never into the event's attendees: a sync tool must not
// send invitations.
func eventFor(n *garoon.Notice, id, noticeID string) Event {
	var d strings.Builder
	if n.Menu != "" {
		d.WriteString("予定メニュー: " + n.Menu + "\n")
	}
	if len(n.Attendees) > 0 {
		d.WriteString("参加者: " + strings.Join(n.Attendees, ", ") + "\n")
	}
	if len(n.Facilities) > 0 {
		d.WriteString("施設: " + strings.Join(n.Facilities, ", ") + "\n")
	}
	if n.Memo != "" {
		if d.Len() > 0 {
			d.WriteString("\n")
		}
		d.WriteString(n.Memo + "\n")
	}
	if d.Len() > 0 {
		d.WriteString("\n")
	}
	d.WriteString("(garoon-calendar-sync: Garoon の通知メールから登録)")
	return Event{
		ID:          id,
		Summary:     garoon.Clip(n.Title, maxSummary),
		Description: garoon.Clip(d.String(), maxDescription),
		Location:    garoon.Clip(strings.Join(n.Facilities, ", "), maxLocation),
		Start:       n.Start,
		End:         n.End,
		AllDay:      n.AllDay,
		Recurrence:  slices.Clone(n.Recurrence),
		Key:         TitleKey(n.Title),
		Notice:      noticeID,
	}
}

// sameContent reports whether writing want over have would change nothing a
// person sees.
func sameContent(have, want Event) bool {
	return have.Summary == want.Summary &&
		have.Description == want.Description &&
		have.Location == want.Location &&
		have.Start.Equal(want.Start) &&
		have.End.Equal(want.End) &&
		have.AllDay == want.AllDay &&
		slices.Equal(have.Recurrence, want.Recurrence) &&
		have.Key == want.Key &&
		have.Tentative == want.Tentative &&
		have.Attention == want.Attention
}
