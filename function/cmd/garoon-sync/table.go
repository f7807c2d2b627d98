package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"garoon-calendar-sync/function/internal/syncer"
)

// table prints rows aligned by display width: Japanese characters take two
// terminal cells, which text/tabwriter does not know. The last column may
// wrap: its long cells continue on the next lines, under it.
type table struct {
	header []string
	rows   [][]string
	// wrapLast is the width in cells the last column wraps at; 0: no wrap.
	wrapLast int
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	var rows [][]string
	for _, r := range t.rows {
		last := len(r) - 1
		if t.wrapLast == 0 || last < 0 {
			rows = append(rows, r)
			continue
		}
		for i, part := range wrap(r[last], t.wrapLast) {
			row := make([]string, len(r))
			if i == 0 {
				copy(row, r)
			}
			row[last] = part
			rows = append(rows, row)
		}
	}
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], cells(c))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-cells(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.header)
	for _, r := range rows {
		line(r)
	}
}

// wrap splits s into lines of at most n cells, at spaces where it can,
// anywhere in a word longer than a line (Japanese text has no spaces).
func wrap(s string, n int) []string {
	var lines []string
	var cur strings.Builder
	used := 0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		used = 0
	}
	for word := range strings.SplitSeq(s, " ") {
		wc := cells(word)
		if used > 0 && used+1+wc > n {
			flush()
		}
		if used > 0 {
			cur.WriteByte(' ')
			used++
		}
		for _, r := range word {
			rc := cells(string(r))
			if used+rc > n && used > 0 {
				flush()
			}
			cur.WriteRune(r)
			used += rc
		}
	}
	flush()
	return lines
}

// cells is the number of terminal cells s takes.
func cells(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// clip shortens s to at most n cells.
func clip(s string, n int) string {
	if cells(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		c := cells(string(r))
		if used+c > n-1 {
			break
		}
		b.WriteRune(r)
		used += c
	}
	return b.String() + "…"
}

// when formats an appointment's time for people, in the zone start
// carries: "2026-12-07 10:00–11:00", "2026-12-07 終日". The parser builds a
// notice's times in the user's Garoon zone, so a run's steps show as in
// Garoon; whenHeader names the zone.
func when(start, end time.Time, allDay bool) string {
	if start.IsZero() {
		return ""
	}
	const day = "2006-01-02"
	s, e := start, end.In(start.Location())
	if allDay {
		last := e.AddDate(0, 0, -1)
		if !last.After(s) {
			return s.Format(day) + " 終日"
		}
		return s.Format(day) + "–" + last.Format("01-02") + " 終日"
	}
	if e.Format(day) == s.Format(day) {
		return s.Format(day+" 15:04") + "–" + e.Format("15:04")
	}
	return s.Format(day+" 15:04") + "–" + e.Format("01-02 15:04")
}

// whenHeader is the header of a column of when's shown in loc: "WHEN
// (Asia/Tokyo)"; "WHEN" for nil (no times).
func whenHeader(loc *time.Location) string {
	if loc == nil {
		return "WHEN"
	}
	return "WHEN (" + loc.String() + ")"
}

func shortID(id string) string {
	if utf8.RuneCountInString(id) > 10 {
		return id[:10] + "…"
	}
	return id
}

// writeSteps prints what a run did (or would do) with each mail.
func writeSteps(w io.Writer, rep *syncer.Report) {
	if len(rep.Steps) == 0 {
		return
	}
	var zone *time.Location // the steps' zone: the user's Garoon zone
	for _, st := range rep.Steps {
		if !st.Start.IsZero() {
			zone = st.Start.Location()
			break
		}
	}
	t := &table{header: []string{"UID", "ACTION", "KIND", whenHeader(zone), "TITLE", "EVENT", "WHY"}, wrapLast: 60}
	for _, st := range rep.Steps {
		title := st.Title
		if st.Repeats {
			title += " (繰り返し)"
		}
		t.add(fmt.Sprint(st.UID), string(st.Op), string(st.Kind), when(st.Start, st.End, st.AllDay),
			clip(title, 28), shortID(st.EventID), st.Reason)
	}
	t.write(w)
}

// summary is the one-line outcome of a run.
func summary(rep *syncer.Report) string {
	verb := ""
	if rep.DryRun {
		verb = " (dry run: nothing was changed)"
	}
	var counts []string // attention only when there is any: doctor lists them
	for _, c := range rep.List()[1:] {
		if c.Key != "attention" || c.N > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", c.N, c.Word))
		}
	}
	return fmt.Sprintf("%d mails: %s%s", rep.Seen, strings.Join(counts, ", "), verb)
}

// writeJSON prints v as indented JSON (run --json, doctor --json), without
// HTML escaping: titles keep their & < >.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
