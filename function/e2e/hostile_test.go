package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// named is a test mail and what it is.
type named struct {
	name string
	raw  []byte
}

// hostileMails are mails from the Garoon sender built to hurt a parser or
// the memory of a 128 MB function.
func hostileMails(t *testing.T) []named {
	t.Helper()
	head := func(id, extra string) string {
		return "From: " + garoon + "\r\nDate: Fri, 20 Nov 2026 12:00:00 +0900\r\nMessage-ID: <hostile-" + id + "@e2e>\r\n" +
			"Subject: =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("[登録] 会議：攻撃")) + "?=\r\nMIME-Version: 1.0\r\n" + extra
	}
	body := "日時　　：2026年12月01日（火） 10:00 ～ 2026年12月01日（火） 11:00\r\n予定　　：会議:攻撃\r\n"
	var out []named
	add := func(name string, raw []byte) { out = append(out, named{name, raw}) }

	// A memo of 9.9 MB (base64 UTF-8): under the fetch limit (10 MiB), over
	// the parser's 4 MiB. And one of 2.8 MB the parser reads whole.
	memo := func(size int) []byte {
		line := "長いメモの行です。議事録をそのまま貼り付けました。\r\n"
		text := body + "メモ　　：\r\n" + strings.Repeat(line, size/len(line))
		return []byte(head("memo-"+strconv.Itoa(size>>20), "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") +
			wrap76(base64.StdEncoding.EncodeToString([]byte(text))))
	}
	add("10 MB memo", memo(7_400_000))
	add("2.8 MB memo", memo(2_100_000))
	add("15 MB body (over the fetch limit)", []byte(head("15mb", "Content-Type: text/plain; charset=UTF-8\r\n\r\n")+body+strings.Repeat("x", 15<<20)))
	add("9 MB body on one line", []byte(head("oneline", "Content-Type: text/plain; charset=UTF-8\r\n\r\n")+body+strings.Repeat("あ", 3<<20)))
	var subj strings.Builder
	for range 20_000 {
		subj.WriteString(" =?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("長い件名")) + "?=\r\n")
	}
	add("1 MB subject", []byte("From: "+garoon+"\r\nMessage-ID: <hostile-subject@e2e>\r\nSubject: [登録]\r\n"+subj.String()+"\r\n"+body))

	nested := head("nested", "Content-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i < 50; i++ {
		nested += fmt.Sprintf("--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	nested += "--b49\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body + "\r\n"
	for i := 49; i >= 0; i-- {
		nested += fmt.Sprintf("--b%d--\r\n", i)
	}
	add("multipart nested 50 deep", []byte(nested))
	var wide strings.Builder
	wide.WriteString(head("wide", "Content-Type: multipart/mixed; boundary=w\r\n\r\n"))
	for range 10_000 {
		wide.WriteString("--w\r\nContent-Type: application/octet-stream\r\n\r\nAAAA\r\n")
	}
	wide.WriteString("--w\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body + "--w--\r\n")
	add("multipart with 10,000 parts", []byte(wide.String()))
	add("multipart without a boundary", []byte(head("noboundary", "Content-Type: multipart/mixed\r\n\r\n")+body))

	add("unknown charset", []byte(head("klingon", "Content-Type: text/plain; charset=x-klingon\r\n\r\n")+body))
	add("invalid Shift_JIS bytes", append([]byte(head("badsjis", "Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")),
		bytes.Repeat([]byte{0x81, 0xff, 0xa0, 0x82, 0x0a}, 2000)...))
	add("broken ISO-2022-JP escapes", []byte(head("badjis", "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n")+
		strings.Repeat("\x1b$B\x24\x22\x1b(\x1b$(Q!!\x1b", 2000)+"\r\n"))
	add("invalid UTF-8", append([]byte(head("badutf8", "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")),
		bytes.Repeat([]byte{0xe6, 0x97, 0xc0, 0xff, 0xfe, 0x0d, 0x0a}, 2000)...))
	add("base64 garbage", []byte(head("b64", "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")+"!!!not base64 at all!!!\r\n===\r\n"))
	add("quoted-printable garbage", []byte(head("qp", "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")+"=ZZ=E3=8=\r\n=\r\n"))
	add("encoded-word in an unknown charset", []byte("From: "+garoon+"\r\nMessage-ID: <hostile-ew@e2e>\r\nSubject: =?x-unknown?B?W+eZu+mMsl0=?=\r\n\r\n"+body))
	add("NUL bytes", []byte(head("nul", "Content-Type: text/plain; charset=UTF-8\r\n\r\n")+strings.Repeat("\x00", 4096)+body))
	add("headers only", []byte(head("headonly", "")))
	add("no header end", []byte("From: "+garoon+"\r\nSubject: [登録] x"))
	add("dates out of range", []byte(head("dates", "Content-Type: text/plain; charset=UTF-8\r\n\r\n")+
		"日時　　：99999年99月99日（火） 99:99 ～ 0000年00月00日（火） 25:61\r\n予定　　：会議:攻撃\r\n"))
	return out
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

// TestHostileMails: hostile mails among valid notices go through the full
// pipeline. Each is ignored or reported (failed, then marked so it is not
// reported again), the valid notices are applied, the run goes on, and the
// function's memory stays bounded.
func TestHostileMails(t *testing.T) {
	w := newWorld(t, functionTimeout)
	hostile := hostileMails(t)
	var valid []string
	for i, h := range hostile {
		title := fmt.Sprintf("正常な予定%02d", i)
		valid = append(valid, title)
		w.notice(i, "登録", title, day(i))
		w.dove.deliver(h.raw)
	}
	_, failed := w.drain(t, 4)
	peak := w.fn.peakRSS()
	t.Logf("bootstrap peak RSS (VmHWM) %s", mb(peak))
	if peak == 0 || peak > memoryLimit {
		t.Errorf("peak RSS %s, want under %s", mb(peak), mb(memoryLimit))
	}
	evs := map[string]bool{}
	for _, ev := range w.cal.Events() {
		evs[ev.Summary] = true
		if len(ev.Description) > 32<<10 {
			t.Errorf("event %q has a %d byte description", ev.Summary, len(ev.Description))
		}
	}
	for _, title := range valid {
		if !evs[title] {
			t.Errorf("valid notice %q not applied", title)
		}
	}
	// Each hostile mail's fate, by its Message-ID.
	outcomes := w.outcomes()
	byID := w.messageIDs()
	for _, h := range hostile {
		id := messageID(h.raw)
		uid, ok := byID[id]
		if !ok {
			t.Errorf("%s: not in the mailbox", h.name)
			continue
		}
		fate := strings.Join(outcomes[uid], ",")
		if fate == "" {
			fate = "not fetched (larger than the fetch limit)"
		}
		t.Logf("%-36s %s", h.name, fate)
	}
	if failed == 0 {
		t.Errorf("no hostile mail was reported")
	}
	if big := byID["hostile-15mb@e2e"]; big == 0 || len(outcomes[big]) != 0 {
		t.Errorf("the 15 MB mail was fetched: %v", outcomes[big])
	}
}

// TestFuzzCorpus: the parser's corpus (its test mails, the shared
// examples, committed fuzz inputs and, when `make fuzz` ran on this
// machine, the generated corpus) plus seeded mutations of the test mails,
// through the full pipeline.
func TestFuzzCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: hundreds of mails")
	}
	// The corpus holds more deletes than the mass-delete guard allows: it
	// would stop the run before anything is applied (the guard has its own
	// tests).
	w := newWorld(t, functionTimeout, "GAROON_SYNC_MAX_DELETES=-1")
	corpus := fuzzCorpus(t)
	for _, m := range corpus {
		w.dove.deliver(m.raw)
	}
	// The server's own count of what the sync should consider.
	want := w.dove.search(&imap.SearchCriteria{
		Header:  []imap.SearchCriteriaHeaderField{{Key: "From", Value: garoon}},
		Smaller: 10 << 20,
	})
	seen, failed := w.drain(t, 5)
	peak := w.fn.peakRSS()
	ops := map[string]int{}
	for _, o := range w.outcomes() {
		for _, op := range o {
			ops[op]++
		}
	}
	t.Logf("%d corpus mails, %d from the sender: %d seen, %d failed (reported), outcomes %v, %d events; bootstrap peak RSS %s",
		len(corpus), len(want), seen, failed, ops, len(w.cal.Events()), mb(peak))
	if seen != len(want) {
		t.Errorf("the runs saw %d mails, the server has %d from the sender", seen, len(want))
	}
	if peak == 0 || peak > memoryLimit {
		t.Errorf("peak RSS %s, want under %s", mb(peak), mb(memoryLimit))
	}
	w.wantMarked(len(want))
}

// drain runs until a run sees nothing, at most max runs, and checks every
// run: it went on to the end (nothing deferred for an earlier failure), it
// failed exactly when it reported failed mails, and every mail it saw has
// one outcome. It returns the mails seen and failed over all runs.
func (w *world) drain(t *testing.T, max int) (seen, failed int) {
	t.Helper()
	for run := 1; ; run++ {
		r := w.invoke()
		t.Logf("run %d: %v", run, r)
		if r.n("seen") == 0 {
			break
		}
		if run == max {
			t.Fatalf("still mails after %d runs", max)
		}
		seen += r.n("seen")
		failed += r.n("failed")
		if r.n("deferred") != 0 {
			t.Errorf("run %d deferred %d notices", run, r.n("deferred"))
		}
		if (r.err() != "") != (r.n("failed") > 0) {
			t.Errorf("run %d: error %q with %d failed", run, r.err(), r.n("failed"))
		}
		if sum := r.n("created") + r.n("updated") + r.n("deleted") + r.n("skipped") + r.n("ignored") + r.n("failed") + r.n("attention"); sum != r.n("seen") {
			t.Errorf("run %d: outcomes add up to %d of %d mails", run, sum, r.n("seen"))
		}
	}
	for uid, ops := range w.outcomes() {
		if len(ops) != 1 {
			t.Errorf("mail %d had %d outcomes: %v", uid, len(ops), ops)
		}
	}
	return seen, failed
}

// messageIDs maps Message-ID → UID, as the server sees them.
func (w *world) messageIDs() map[string]uint32 {
	w.t.Helper()
	c := w.dove.dial()
	defer c.Close()
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	must(w.t, err)
	out := map[string]uint32{}
	for _, m := range msgs {
		if m.Envelope != nil {
			out[m.Envelope.MessageID] = uint32(m.UID)
		}
	}
	return out
}

func messageID(raw []byte) string {
	_, rest, ok := bytes.Cut(raw, []byte("Message-ID: <"))
	if !ok {
		return ""
	}
	id, _, _ := bytes.Cut(rest, []byte(">"))
	return string(id)
}

// fuzzCorpus gathers the parser's corpus and mutations of it. Every mail
// gets the Garoon sender's From if its own lost it, so the server's search
// hands it to the parser.
func fuzzCorpus(t *testing.T) []named {
	t.Helper()
	var seeds, out []named
	for _, pattern := range []string{
		"../internal/garoon/testdata/examples/*.eml",
		"../cmd/garoon-sync/demo/*.eml",
	} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			must(t, err)
			seeds = append(seeds, named{filepath.Base(p), b})
		}
	}
	if len(seeds) < 20 {
		t.Fatalf("only %d seed mails: is the parser's testdata there?", len(seeds))
	}
	out = append(out, seeds...)
	dirs := []string{"../internal/garoon/testdata/fuzz/FuzzParse"}
	if cache, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
		dirs = append(dirs, filepath.Join(strings.TrimSpace(string(cache)), "fuzz", "garoon-calendar-sync", "function", "internal", "garoon", "FuzzParse"))
	}
	generated := 0
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"))
		slices.Sort(paths)
		for _, p := range paths {
			raw, ok := fuzzInput(p)
			if ok && generated < 300 {
				out = append(out, named{"fuzz/" + filepath.Base(p), raw})
				generated++
			}
		}
	}
	rng := rand.New(rand.NewPCG(20261124, 1))
	for i := range 200 {
		s := seeds[rng.IntN(len(seeds))]
		out = append(out, named{fmt.Sprintf("mutant%03d/%s", i, s.name), mutate(rng, s.raw)})
	}
	for i, m := range out {
		if !bytes.Contains(m.raw, []byte(garoon)) {
			out[i].raw = append([]byte("From: "+garoon+"\r\n"), m.raw...)
		}
	}
	t.Logf("corpus: %d seed mails, %d fuzz inputs, 200 mutants", len(seeds), generated)
	return out
}

// fuzzInput reads the []byte argument of a "go test fuzz v1" file.
func fuzzInput(path string) ([]byte, bool) {
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
		return nil, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if lit, ok := strings.CutPrefix(line, "[]byte("); ok {
			s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
			return []byte(s), err == nil && len(s) > 0
		}
	}
	return nil, false
}

// mutate applies a few random byte-level edits, the kind a fuzzer makes.
func mutate(rng *rand.Rand, raw []byte) []byte {
	m := slices.Clone(raw)
	for range 1 + rng.IntN(6) {
		if len(m) < 2 {
			break
		}
		i := rng.IntN(len(m))
		switch rng.IntN(7) {
		case 0: // flip bits
			m[i] ^= byte(1 << rng.IntN(8))
		case 1: // truncate
			m = m[:i]
		case 2: // duplicate a chunk
			j := min(len(m), i+rng.IntN(512))
			m = slices.Insert(m, j, m[i:j]...)
		case 3: // delete a chunk
			m = slices.Delete(m, i, min(len(m), i+rng.IntN(64)))
		case 4: // an odd byte
			m[i] = []byte{0x00, 0x1b, 0x80, 0xff, '=', '\r', '\n', '?'}[rng.IntN(8)]
		case 5: // the header/body split goes
			m = bytes.Replace(m, []byte("\r\n\r\n"), []byte("\r\n"), 1)
		case 6: // a hostile header up front
			m = append([]byte("Content-Type: multipart/mixed; boundary=\""+strings.Repeat("-", rng.IntN(200))+"\"\r\n"), m...)
		}
	}
	return m
}

// TestManyLargeMails: a dozen 9.9 MB mails with the Garoon sender's From
// (anyone can write that header) next to a valid notice. Each is under the
// adapter's 10 MiB fetch limit. In a 128 MB function, a batch that does not
// fit is an out-of-memory kill on every run, with nothing marked, until the
// mails leave the lookback window. The adapter bounds a run's bytes
// (imapmail.Config.MaxBytes): the mails take a few runs.
func TestManyLargeMails(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 120 MB of mail")
	}
	w := newWorld(t, functionTimeout)
	line := "0123456789abcdef\r\n"
	for i := range 12 {
		w.dove.deliver(fmt.Appendf(nil, "From: %s\r\nMessage-ID: <large-%d@e2e>\r\nSubject: =?UTF-8?B?%s?=\r\n\r\n%s", garoon, i,
			base64.StdEncoding.EncodeToString([]byte("[登録] 会議：大きな添付")), strings.Repeat(line, 9_900_000/len(line))))
	}
	w.notice(0, "登録", "通常の会議", day(0))
	seen, failed := w.drain(t, 15)
	peak := w.fn.peakRSS()
	t.Logf("12 × 9.9 MB + 1 notice: %d seen, %d failed; bootstrap peak RSS (VmHWM) %s", seen, failed, mb(peak))
	// A [登録] subject over a body without a date line is ignored, not
	// failed (docs/garoon-mails.md §1): the large mails are seen and marked.
	if seen != 13 || failed != 0 || len(w.cal.Events()) != 1 {
		t.Errorf("want every mail seen once, none failed and the notice applied: %d seen, %d failed, %d events", seen, failed, len(w.cal.Events()))
	}
	w.wantEvents("通常の会議")
	w.wantMarked(13)
	if peak == 0 || peak > memoryLimit {
		t.Errorf("peak RSS %s, want under %s: imapmail.Fetch must bound the bytes of a batch", mb(peak), mb(memoryLimit))
	}
}
