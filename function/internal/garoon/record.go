package garoon

import "time"

// Record is a Notice in the JSON schema of the parser's contract (v2): what
// `garoon-sync parse` prints.
type Record struct {
	File        string            `json:"file,omitempty"`
	Action      Action            `json:"action"`
	Kind        Kind              `json:"kind"`
	Reason      string            `json:"reason,omitempty"`
	Language    string            `json:"language"`
	Title       string            `json:"title"`
	Menu        string            `json:"menu"`
	Start       string            `json:"start"`
	End         string            `json:"end"`
	AllDay      bool              `json:"all_day"`
	Recurrence  []string          `json:"recurrence"`
	PeriodStart string            `json:"period_start"`
	PeriodEnd   string            `json:"period_end"`
	Candidates  []CandidateRecord `json:"candidates"`
	Attendees   []string          `json:"attendees"`
	Facilities  []string          `json:"facilities"`
	Memo        string            `json:"memo"`
	Attachments []string          `json:"attachments"`
}

// CandidateRecord is a Candidate in the JSON contract.
type CandidateRecord struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	AllDay   bool   `json:"all_day"`
	Facility string `json:"facility"`
}

// Record returns the notice in the JSON contract. Lists are never null; an
// ignored notice has only action, kind and reason.
func (n *Notice) Record() Record {
	r := Record{Action: n.Action, Kind: n.Kind, Recurrence: []string{}, Candidates: []CandidateRecord{},
		Attendees: []string{}, Facilities: []string{}, Attachments: []string{}}
	if n.Action == ActionIgnore {
		r.Reason = n.Reason
		return r
	}
	r.Language, r.Title, r.Menu, r.AllDay, r.Memo = n.Language, n.Title, n.Menu, n.AllDay, n.Memo
	r.Start, r.End = formatSlot(n.Start, n.End, n.AllDay)
	r.PeriodStart, r.PeriodEnd = n.PeriodStart.String(), n.PeriodEnd.String()
	for _, c := range n.Candidates {
		s, e := formatSlot(c.Start, c.End, c.AllDay)
		r.Candidates = append(r.Candidates, CandidateRecord{Start: s, End: e, AllDay: c.AllDay, Facility: c.Facility})
	}
	r.Recurrence = append(r.Recurrence, n.Recurrence...)
	r.Attendees = append(r.Attendees, n.Attendees...)
	r.Facilities = append(r.Facilities, n.Facilities...)
	r.Attachments = append(r.Attachments, n.Attachments...)
	return r
}

// formatSlot writes a start and end in their own zone's offset (the
// recipient's Garoon zone), or as dates for all-day slots. The offset is
// always numeric: +00:00 in London's winter, not RFC 3339's "Z", which
// reads as UTC rather than the zone's offset (docs/garoon-mails.md §9).
func formatSlot(start, end time.Time, allDay bool) (string, string) {
	if start.IsZero() {
		return "", ""
	}
	layout := offsetLayout
	if allDay {
		layout = time.DateOnly
	}
	return start.Format(layout), end.Format(layout)
}

// offsetLayout is RFC 3339 with seconds and a numeric offset.
const offsetLayout = "2006-01-02T15:04:05-07:00"
