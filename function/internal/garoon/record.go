package garoon

// Record is a Notice in the JSON schema of FORMAT.md §5: what
// `garoon-sync parse` prints.
type Record struct {
	Action     Action   `json:"action"`
	Kind       Kind     `json:"kind"`
	Title      string   `json:"title"`
	Menu       string   `json:"menu"`
	Start      string   `json:"start"`
	End        string   `json:"end"`
	AllDay     bool     `json:"all_day"`
	Recurrence []string `json:"recurrence"`
	Attendees  []string `json:"attendees"`
	Facilities []string `json:"facilities"`
	Memo       string   `json:"memo"`
}

// Record returns the notice in the JSON contract. Lists are never null; an
// ignored notice has only action and kind.
func (n *Notice) Record() Record {
	r := Record{Action: n.Action, Kind: n.Kind, Recurrence: []string{}, Attendees: []string{}, Facilities: []string{}}
	if n.Action == ActionIgnore {
		return r
	}
	r.Title, r.Menu, r.AllDay, r.Memo = n.Title, n.Menu, n.AllDay, n.Memo
	layout := "2006-01-02T15:04:05-07:00"
	if n.AllDay {
		layout = "2006-01-02"
	}
	if !n.Start.IsZero() {
		r.Start, r.End = n.Start.In(JST).Format(layout), n.End.In(JST).Format(layout)
	}
	r.Recurrence = append(r.Recurrence, n.Recurrence...)
	r.Attendees = append(r.Attendees, n.Attendees...)
	r.Facilities = append(r.Facilities, n.Facilities...)
	return r
}
