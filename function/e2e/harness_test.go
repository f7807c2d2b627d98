// Package e2e proves the shipped Lambda binary against real, independent
// protocol implementations: Dovecot (IMAP over implicit TLS, the Debian
// package dovecot-imapd) and the AWS Lambda Runtime Interface Emulator, with
// Secrets Manager and Google's token and Calendar endpoints served by the
// fakes of internal/fake through the endpoint overrides of shared/contract
// (GAROON_SYNC_IMAP_ADDR, GAROON_SYNC_TOKEN_URL, …). Every server
// listens on 127.0.0.1; the test starts and stops them all.
//
// Each scenario asserts the final calendar and mailbox, and the logs and
// metrics a run leaves, not only the invocation's answer. The scenarios run
// one after the other: the emulator's Runtime API port (9001) is fixed.
package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/fake/fakesecrets"
	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/shared/contract"
)

var (
	binDir string

	setupOnce    sync.Once
	setupErr     error
	dovecotBin   string
	bootstrapBin string
	rieBin       string
)

func TestMain(m *testing.M) {
	var err error
	binDir, err = os.MkdirTemp("", "garoon-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// requireServers finds Dovecot and builds the bootstrap and the emulator,
// once. Without Dovecot it skips loudly, except in CI (CI set), which must
// never skip this suite.
func requireServers(t *testing.T) {
	t.Helper()
	var dovecotErr error
	setupOnce.Do(func() {
		dovecotBin, dovecotErr = dovecotBinary()
		if dovecotErr != nil {
			setupErr = dovecotErr
			return
		}
		if bootstrapBin, setupErr = buildBootstrap(binDir); setupErr == nil {
			rieBin, setupErr = buildRIE()
		}
	})
	if dovecotBin == "" {
		msg := "DOVECOT IS NOT INSTALLED: the end-to-end suite needs the real IMAP server " +
			"(apt-get install dovecot-imapd openssl; .ci/run installs it)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED: " + msg)
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// world is one scenario's servers: Dovecot, the fakes, the function.
type world struct {
	t    *testing.T
	dove *dovecot
	cal  *fakecal.Server
	sm   *fakesecrets.Server
	fn   *lambda
	// imapConns counts the function's IMAP connections (OAuth worlds).
	imapConns *connCounter
	// private are strings of delivered mails (titles, names, memos) that
	// must not reach the logs at the default level.
	private []string
}

const (
	secretName = "garoon-calendar-sync/e2e"
	garoon     = "no-reply@cybozu.com"
)

// newWorld starts everything for a function with the given timeout; env
// adds to or overrides the function's environment.
func newWorld(t *testing.T, timeout time.Duration, env ...string) *world {
	t.Helper()
	return startWorld(t, false, timeout, env...)
}

// newOAuthWorld is newWorld whose secret has no app password and says
// gmail_auth "oauth": the function logs in to Dovecot with SASL XOAUTH2 and
// the access token of the Google consent, which covers Calendar and Gmail.
func newOAuthWorld(t *testing.T, timeout time.Duration, env ...string) *world {
	t.Helper()
	return startWorld(t, true, timeout, env...)
}

func startWorld(t *testing.T, oauth bool, timeout time.Duration, env ...string) *world {
	t.Helper()
	requireServers(t)
	w := &world{t: t, private: []string{"山田 太郎", "資料①を持参", "資料(1)を持参"}}
	var err error
	w.cal, err = fakecal.Start()
	must(t, err)
	t.Cleanup(func() { w.cal.Close() })
	keys := map[string]string{
		contract.KeyGmailAddress: imapUser, contract.KeyGmailPassword: imapPass, contract.KeyGaroonSender: garoon,
		contract.KeyGoogleRefreshToken: fakecal.RefreshToken, contract.KeyGoogleClientID: fakecal.ClientID,
		contract.KeyGoogleClientSecret: fakecal.ClientSecret,
	}
	if oauth {
		w.cal.GrantScopes(fakecal.CalendarScope, fakecal.GmailScope)
		w.dove = startDovecotOAuth(t, dovecotBin, introspection(t, w.cal))
		w.imapConns = countConns(t, w.dove.addr())
		delete(keys, contract.KeyGmailPassword)
		keys[contract.KeyGmailAuth] = contract.GmailAuthOAuth
	} else {
		w.dove = startDovecot(t, dovecotBin)
	}
	js, _ := json.Marshal(keys)
	w.sm, err = fakesecrets.Start(map[string]string{secretName: string(js)})
	must(t, err)
	t.Cleanup(func() { w.sm.Close() })
	base := map[string]string{
		"PATH":                            os.Getenv("PATH"),
		contract.EnvSecretID:              secretName,
		"AWS_REGION":                      "ap-northeast-1",
		"AWS_ACCESS_KEY_ID":               "AKIDE2E",
		"AWS_SECRET_ACCESS_KEY":           "e2e-dummy-key",
		contract.EnvSecretsManagerURL:     w.sm.URL,
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_LAMBDA_FUNCTION_NAME":        "garoon-calendar-sync-e2e",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(timeout.Seconds())),
		contract.EnvIMAPAddr:              w.dove.addr(),
		contract.EnvIMAPCAFile:            w.dove.caFile,
		contract.EnvCalendarEndpoint:      w.cal.Endpoint,
		contract.EnvTokenURL:              w.cal.TokenURL,
		contract.EnvEnvironment:           "e2e",
	}
	if w.imapConns != nil {
		base[contract.EnvIMAPAddr] = w.imapConns.addr()
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		base[k] = v
	}
	var list []string
	for _, k := range slices.Sorted(maps.Keys(base)) {
		list = append(list, k+"="+base[k])
	}
	w.fn = startLambda(t, rieBin, bootstrapBin, list)
	// Registered last, so it runs first: while the logs are complete.
	t.Cleanup(w.checkLogs)
	return w
}

// notice delivers the i-th Garoon notice (see notice) and remembers its
// title as private.
func (w *world) notice(i int, tag, title, when string, extra ...string) {
	w.t.Helper()
	w.private = append(w.private, title)
	w.dove.deliver(notice(w.t, i, garoon, tag, title, when, extra...))
}

// result is one invocation: the response, and the run's summary log line.
type result struct {
	resp    map[string]any // the handler's counts, or Lambda's error object
	summary map[string]any // nil when the run did not reach the handler's end
}

// n is a count of the run, from the summary line: a failed invocation's
// response is Lambda's error object, without the counts.
func (r result) n(key string) int {
	if v, ok := r.summary[key].(float64); ok {
		return int(v)
	}
	if v, ok := r.resp[key].(float64); ok {
		return int(v)
	}
	return -1
}

// err is the invocation's errorMessage, "" when it succeeded.
func (r result) err() string {
	s, _ := r.resp["errorMessage"].(string)
	return s
}

func (r result) String() string {
	if r.summary == nil {
		return fmt.Sprint(r.resp)
	}
	return fmt.Sprintf("seen=%d created=%d updated=%d deleted=%d skipped=%d ignored=%d deferred=%d failed=%d error=%q",
		r.n("seen"), r.n("created"), r.n("updated"), r.n("deleted"), r.n("skipped"), r.n("ignored"), r.n("deferred"), r.n("failed"), r.err())
}

// invoke is one scheduled invocation that must reach the end of the
// handler: exactly one summary line, whose counts the response repeats.
func (w *world) invoke() result {
	w.t.Helper()
	id := w.fn.nextRequestID()
	raw, err := w.fn.post(id)
	must(w.t, err)
	return w.finish(id, raw)
}

// invokeAsync invokes in the background; the function it returns waits for
// the answer and checks it as invoke does.
func (w *world) invokeAsync() func() result {
	id := w.fn.nextRequestID()
	type answer struct {
		raw []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		raw, err := w.fn.post(id)
		done <- answer{raw, err}
	}()
	return func() result {
		w.t.Helper()
		a := <-done
		must(w.t, a.err)
		return w.finish(id, a.raw)
	}
}

func (w *world) finish(id string, raw []byte) result {
	w.t.Helper()
	r := w.response(id, raw)
	var lines []map[string]any
	for range 150 { // the runtime's output reaches us through the emulator's pipe
		if lines = w.summaries(id); len(lines) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(lines) != 1 {
		w.t.Fatalf("invocation %s: %d summary lines, want 1; response %v\nlogs:\n%s", id, len(lines), r.resp, w.logs())
	}
	r.summary = lines[0]
	// `garoon-sync doctor` reads this line back from CloudWatch Logs.
	line, _ := json.Marshal(r.summary)
	logged, ok := runner.ParseSummaryLine(line)
	skipped := r.summary["message"] == runner.SummarySkippedMessage
	if !ok || logged.OK != (r.err() == "" && !skipped) || !skipped && (logged.Seen != r.n("seen") || logged.Failed != r.n("failed")) || logged.Time.IsZero() {
		w.t.Errorf("doctor cannot read the summary line %s: %+v", line, logged)
	}
	if msg := r.err(); skipped {
		if msg != "" || r.resp["not_run"] != r.summary["not_run"] || r.resp["fix"] != r.summary["fix"] {
			w.t.Errorf("skipped run: response %v, summary line %v", r.resp, r.summary)
		}
	} else if msg == "" {
		for _, k := range []string{"seen", "created", "updated", "deleted", "skipped", "ignored", "deferred", "failed"} {
			if r.resp[k] != r.summary[k] {
				w.t.Errorf("response %s=%v, summary line %v", k, r.resp[k], r.summary[k])
			}
		}
	} else if r.summary["message"] != "sync run failed" || r.summary["error"] != msg {
		w.t.Errorf("failed invocation %q, summary line %v", msg, r.summary)
	}
	return r
}

// invokeRaw invokes and returns the response, whatever became of the run:
// a runtime the emulator stopped at the timeout leaves no summary line, and
// the emulator answers in plain text ("Task timed out after 12.00 seconds").
func (w *world) invokeRaw() (result, string) {
	w.t.Helper()
	id := w.fn.nextRequestID()
	raw, err := w.fn.post(id)
	must(w.t, err)
	var r result
	if json.Unmarshal(raw, &r.resp) != nil {
		r.resp = map[string]any{"errorMessage": string(raw)}
	}
	return r, id
}

func (w *world) response(id string, raw []byte) result {
	w.t.Helper()
	var r result
	if err := json.Unmarshal(raw, &r.resp); err != nil {
		w.t.Fatalf("invocation %s: %v: %q\nlogs:\n%s", id, err, raw, w.logs())
	}
	return r
}

func (w *world) logs() string { return w.fn.out.String() }

// summaries are the summary lines of one invocation.
func (w *world) summaries(requestID string) []map[string]any {
	var out []map[string]any
	for _, m := range jsonLines(w.logs()) {
		if msg := m["message"]; (msg == "sync run" || msg == "sync run failed" || msg == runner.SummarySkippedMessage) && m["requestId"] == requestID {
			out = append(out, m)
		}
	}
	return out
}

// outcomes maps each mail's UID to what the runs did with it, from the
// per-notice log lines (op: create, update, delete, skip, ignore, fail…).
func (w *world) outcomes() map[uint32][]string {
	out := map[uint32][]string{}
	for _, m := range jsonLines(w.logs()) {
		uid, ok := m["uid"].(float64)
		if op, _ := m["op"].(string); ok && op != "" {
			out[uint32(uid)] = append(out[uint32(uid)], op)
		}
	}
	return out
}

var accessToken = regexp.MustCompile(`(^|[^A-Za-z0-9_-])at-[0-9]+\b`)

// checkLogs runs after every scenario: no secret and no mail content in the
// logs, and an EMF record only for the runs the invalid_grant alarm must
// see.
func (w *world) checkLogs() {
	t := w.t
	logs := w.logs()
	for _, s := range []string{imapPass, compactPass, fakecal.RefreshToken, fakecal.ClientSecret, "Bearer "} {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain a secret (%.4s…)", s)
		}
	}
	if m := accessToken.FindString(logs); m != "" {
		t.Errorf("the logs contain an access token: %q", m)
	}
	for _, s := range w.private {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the logs contain mail content at the default level: %q", s)
		}
	}
	// Custom metrics cost $0.30 a month each: only InvalidGrant, only when
	// Google refused the token, at the level no log setting drops.
	var emf, invalidGrants int
	for _, m := range jsonLines(logs) {
		if msg := m["message"]; msg == "sync run failed" && m["invalid_grant"] == true {
			invalidGrants++
		}
		aws, ok := m["_aws"].(map[string]any)
		if !ok {
			continue
		}
		emf++
		b, _ := json.Marshal(aws["CloudWatchMetrics"])
		var dirs []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
		if err := json.Unmarshal(b, &dirs); err != nil || len(dirs) != 1 {
			t.Errorf("EMF record without one metric directive: %v", m)
			continue
		}
		var names []string
		for _, mt := range dirs[0].Metrics {
			names = append(names, mt.Name)
		}
		if dirs[0].Namespace != contract.MetricNamespace || !slices.Equal(names, []string{contract.MetricInvalidGrant}) || m[contract.MetricInvalidGrant] != 1.0 ||
			fmt.Sprint(dirs[0].Dimensions) != "[["+contract.MetricDimension+"]]" || m[contract.MetricDimension] != "e2e" || m["level"] != "FATAL" {
			t.Errorf("EMF record %v: want namespace %s, dimension %s=e2e, only %s=1, level FATAL", m, contract.MetricNamespace, contract.MetricDimension, contract.MetricInvalidGrant)
		}
	}
	if emf != invalidGrants {
		t.Errorf("%d EMF records for %d invalid_grant runs", emf, invalidGrants)
	}
}

const processed = imap.Flag(contract.ProcessedKeyword)

// wantMarked checks the mailbox: exactly want mails carry the processed
// keyword, and none is \Seen (the user still reads them).
func (w *world) wantMarked(want int) []uint32 {
	w.t.Helper()
	var marked []uint32
	for uid, flags := range w.dove.mailState() {
		if slices.Contains(flags, imap.FlagSeen) {
			w.t.Errorf("mail %d is \\Seen", uid)
		}
		if slices.Contains(flags, processed) {
			marked = append(marked, uid)
		}
	}
	if len(marked) != want {
		w.t.Errorf("%d mails marked %s, want %d", len(marked), processed, want)
	}
	slices.Sort(marked)
	return marked
}

// wantEvents checks the calendar holds exactly the titles, one live event
// each: no duplicate, nothing lost.
func (w *world) wantEvents(titles ...string) map[string]fakecal.Event {
	w.t.Helper()
	byTitle := map[string]fakecal.Event{}
	for _, ev := range w.cal.Events() {
		if _, dup := byTitle[ev.Summary]; dup {
			w.t.Errorf("duplicate event %q", ev.Summary)
		}
		byTitle[ev.Summary] = ev
	}
	for _, title := range titles {
		if _, ok := byTitle[title]; !ok {
			w.t.Errorf("event %q missing", title)
		}
	}
	if len(byTitle) != len(titles) {
		w.t.Errorf("%d distinct events, want %d", len(byTitle), len(titles))
	}
	return byTitle
}

// wantQuiet checks every calendar write told Google not to notify anyone and
// invited no one.
func (w *world) wantQuiet() {
	w.t.Helper()
	writes := 0
	defer func() {
		if writes == 0 {
			w.t.Error("wantQuiet checked no write")
		}
	}()
	for _, r := range w.cal.Requests() {
		switch r.Kind {
		case fakecal.KindInsert, fakecal.KindUpdate, fakecal.KindPatch, fakecal.KindDelete:
			writes++
			if r.Query.Get("sendUpdates") != "none" {
				w.t.Errorf("%s %s without sendUpdates=none", r.Method, r.Path)
			}
			if strings.Contains(string(r.Body), `"attendees"`) {
				w.t.Errorf("a write carries attendees: %s", r.Body)
			}
		}
	}
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
