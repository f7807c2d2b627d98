package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"garoon-calendar-sync/function/internal/syncer"
)

// table prints rows aligned by display width: Japanese characters take two
// terminal cells, which text/tabwriter does not know. A cell may hold
// several lines ("\n"): the row then takes that many lines, the other cells
// blank below their first.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	widths := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		for i, c := range r {
			for l := range strings.SplitSeq(c, "\n") {
				widths[i] = max(widths[i], cells(l))
			}
		}
	}
	line := func(r []string) {
		split := make([][]string, len(r))
		n := 1
		for i, c := range r {
			split[i] = strings.Split(c, "\n")
			n = max(n, len(split[i]))
		}
		for k := range n {
			var b strings.Builder
			for i := range r {
				c := ""
				if k < len(split[i]) {
					c = split[i][k]
				}
				b.WriteString(c)
				if i < len(r)-1 {
					b.WriteString(strings.Repeat(" ", widths[i]-cells(c)+2))
				}
			}
			fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		}
	}
	line(t.header)
	for _, r := range t.rows {
		line(r)
	}
}

// wrap breaks s into lines of at most n cells, at spaces where it can, and
// joins them with "\n": a long reason stays whole in a narrow column.
func wrap(s string, n int) string {
	var lines []string
	for cells(s) > n {
		// the longest prefix that fits, then back to its last space
		cut, used := 0, 0
		for i, r := range s {
			c := cells(string(r))
			if used+c > n {
				break
			}
			used += c
			cut = i + utf8.RuneLen(r)
		}
		if sp := strings.LastIndexByte(s[:cut], ' '); sp > 0 {
			cut = sp
		}
		lines = append(lines, strings.TrimRight(s[:cut], " "))
		s = strings.TrimLeft(s[cut:], " ")
	}
	return strings.Join(append(lines, s), "\n")
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

// when formats an appointment's time for people: "12/07 (月) 10:00-11:00".
func when(start, end time.Time, allDay bool) string {
	if start.IsZero() {
		return ""
	}
	const day = "2006-01-02"
	s := start.In(jst)
	if allDay {
		last := end.In(jst).AddDate(0, 0, -1)
		if !last.After(s) {
			return s.Format(day) + " 終日"
		}
		return s.Format(day) + "–" + last.Format("01-02") + " 終日"
	}
	e := end.In(jst)
	if e.Format(day) == s.Format(day) {
		return s.Format(day+" 15:04") + "–" + e.Format("15:04")
	}
	return s.Format(day+" 15:04") + "–" + e.Format("01-02 15:04")
}

var jst = time.FixedZone("JST", 9*3600)

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
	t := &table{header: []string{"UID", "ACTION", "KIND", "WHEN (JST)", "TITLE", "EVENT", "WHY"}}
	for _, st := range rep.Steps {
		title := st.Title
		if st.Repeats {
			title += " (繰り返し)"
		}
		t.add(fmt.Sprint(st.UID), string(st.Op), string(st.Kind), when(st.Start, st.End, st.AllDay),
			clip(title, 28), shortID(st.EventID), wrap(st.Reason, 60))
	}
	t.write(w)
}

// summary is the one-line outcome of a run.
func summary(rep *syncer.Report) string {
	verb := ""
	if rep.DryRun {
		verb = " (dry run: nothing was changed)"
	}
	return fmt.Sprintf("%d mails: %d created, %d updated, %d deleted, %d unchanged, %d ignored, %d deferred, %d failed%s",
		rep.Seen, rep.Created, rep.Updated, rep.Deleted, rep.Skipped, rep.Ignored, rep.Deferred, rep.Failed, verb)
}
