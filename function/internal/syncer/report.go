package syncer

import (
	"fmt"
	"strings"
	"time"

	"garoon-calendar-sync/function/internal/garoon"
)

// Op is what a run did (or, in a dry run, would do) with one mail.
type Op string

// Ops.
const (
	OpCreate           Op = "create"
	OpUpdate           Op = "update"
	OpDelete           Op = "delete"
	OpCancelOccurrence Op = "cancel-occurrence"
	// OpAttention: kept and marked for a person to check (an unscoped
	// delete of a repeating appointment).
	OpAttention Op = "attention"
	OpSkip      Op = "skip"   // nothing to change: already applied or already gone
	OpIgnore    Op = "ignore" // not a schedule notice
	OpDefer     Op = "defer"  // left unmarked for the next run
	OpFail      Op = "fail"
)

// Step is the outcome for one mail.
type Step struct {
	UID     uint32      `json:"uid"`
	Op      Op          `json:"op"`
	Kind    garoon.Kind `json:"kind,omitempty"`
	Title   string      `json:"title,omitempty"`
	Start   time.Time   `json:"start,omitzero"`
	End     time.Time   `json:"end,omitzero"`
	AllDay  bool        `json:"all_day,omitempty"`
	Repeats bool        `json:"repeats,omitempty"`
	EventID string      `json:"event_id,omitempty"`
	Reason  string      `json:"reason,omitempty"`
	Err     error       `json:"-"`
}

// Report is the outcome of a run, in the order the mails were applied.
type Report struct {
	DryRun bool   `json:"dry_run"`
	Steps  []Step `json:"steps"`
	Counts
	Marked   int           `json:"marked"`
	Duration time.Duration `json:"duration_ns"`
}

// Counts say what became of a run's mails: the one definition of a run's
// counts, which the summary line, the Lambda's response, `run --json` and
// the CLI's sentences all take from here (List).
//
// A mail with nothing to change goes by three names, each fixed where it
// shows: the step's op is "skip" (OpSkip), the count's key is "skipped"
// (the summary line's and the JSON's key, which doctor reads back), and the
// CLI's word is "unchanged". Internal names follow the key (Skipped).
type Counts struct {
	Seen     int `json:"seen"`
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Deleted  int `json:"deleted"`
	Skipped  int `json:"skipped"` // already applied, or already gone
	Ignored  int `json:"ignored"`
	Deferred int `json:"deferred"`
	Failed   int `json:"failed"`
	// Attention counts the events kept and marked for a person to check.
	Attention int `json:"attention"`
}

// Count is one of a run's counts with its two names: Key, its JSON and
// log key (a contract: the same as Counts' json tag), and Word, what the
// CLI calls it in a sentence.
type Count struct {
	Key  string
	Word string
	N    int
}

// List is the counts in their fixed order, Seen first, Attention last.
func (c Counts) List() []Count {
	return []Count{
		{"seen", "mails", c.Seen},
		{"created", "created", c.Created},
		{"updated", "updated", c.Updated},
		{"deleted", "deleted", c.Deleted},
		{"skipped", "unchanged", c.Skipped},
		{"ignored", "ignored", c.Ignored},
		{"deferred", "deferred", c.Deferred},
		{"failed", "failed", c.Failed},
		{"attention", "to check", c.Attention},
	}
}

// Brief is the counts in a few words, the zeros left out: "no new mails",
// "3 mails: 1 created, 1 updated, 1 ignored".
func (c Counts) Brief() string {
	if c.Seen == 0 && c.Failed == 0 {
		return "no new mails"
	}
	out := fmt.Sprintf("%d mails", c.Seen)
	sep := ": "
	for _, n := range c.List()[1:] {
		if n.N > 0 {
			out += fmt.Sprintf("%s%d %s", sep, n.N, n.Word)
			sep = ", "
		}
	}
	return out
}

func (r *Report) add(st Step) {
	r.Steps = append(r.Steps, st)
	switch st.Op {
	case OpCreate:
		r.Created++
	case OpUpdate:
		r.Updated++
	case OpDelete, OpCancelOccurrence:
		r.Deleted++
	case OpAttention:
		r.Attention++
	case OpSkip:
		r.Skipped++
	case OpIgnore:
		r.Ignored++
	case OpDefer:
		r.Deferred++
	case OpFail:
		r.Failed++
	}
}

// deferAll reports the items as deferred: left unmarked for the next run,
// for the reason why.
func (r *Report) deferAll(items []item, why string) {
	for _, it := range items {
		r.add(it.step(OpDefer, "", why))
	}
}

func (r *Report) firstFailure() string {
	for _, st := range r.Steps {
		if st.Op == OpFail {
			return st.Reason
		}
	}
	return ""
}

// rruleUntil returns the UNTIL of the first RRULE line, if any.
func rruleUntil(lines []string) (time.Time, bool) {
	for _, l := range lines {
		rule, ok := strings.CutPrefix(l, "RRULE:")
		if !ok {
			continue
		}
		for part := range strings.SplitSeq(rule, ";") {
			v, ok := strings.CutPrefix(part, "UNTIL=")
			if !ok {
				continue
			}
			for _, layout := range []string{"20060102T150405Z", "20060102"} {
				if t, err := time.Parse(layout, v); err == nil {
					if layout == "20060102" {
						t = t.Add(24*time.Hour - time.Second)
					}
					return t, true
				}
			}
		}
	}
	return time.Time{}, false
}
