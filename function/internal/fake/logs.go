package fake

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LogsServer is a fake of the part of Amazon CloudWatch Logs' JSON 1.1 API
// that `garoon-sync doctor` reads: FilterLogEvents over one log group, with
// startTime/endTime, paging, and the JSON filter patterns
// `{ $.field = "value" }` joined by `||` (anything else is refused, as an
// unsupported pattern should be in a test). Point aws-sdk-go-v2 at URL
// (BaseEndpoint, or AWS_ENDPOINT_URL_CLOUDWATCH_LOGS) with any static
// credentials: requests must be SigV4-signed, the signature is not checked.
// It is safe for concurrent use.
type LogsServer struct {
	URL string

	srv *http.Server

	mu       sync.Mutex
	groups   map[string][]LogEvent
	deny     bool
	pageSize int
	counts   map[string]int
}

// LogEvent is one stored log event.
type LogEvent struct {
	Stream  string
	Time    time.Time
	Message string
}

// StartLogs starts the fake on a loopback port with the given (empty) log
// groups. Close it when done.
func StartLogs(groups ...string) (*LogsServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake logs: %w", err)
	}
	s := &LogsServer{URL: "http://" + ln.Addr().String(), groups: map[string][]LogEvent{}, counts: map[string]int{}, pageSize: 100}
	for _, g := range groups {
		s.groups[g] = nil
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *LogsServer) Close() error { return s.srv.Close() }

// Put appends an event to the group, creating the group if needed.
func (s *LogsServer) Put(group string, ev LogEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[group] = append(s.groups[group], ev)
}

// Writer returns a writer that stores each Write as one event of the group
// and stream, timed when written: what a line-per-record logger (slog's
// JSON handler) produces becomes one event per record, as in Lambda.
func (s *LogsServer) Writer(group, stream string) *LogsWriter {
	return &LogsWriter{s: s, group: group, stream: stream}
}

// LogsWriter is the io.Writer of Writer.
type LogsWriter struct {
	s             *LogsServer
	group, stream string
}

func (w *LogsWriter) Write(p []byte) (int, error) {
	w.s.Put(w.group, LogEvent{Stream: w.stream, Time: time.Now(), Message: strings.TrimRight(string(p), "\n")})
	return len(p), nil
}

// Deny makes every request fail with AccessDeniedException.
func (s *LogsServer) Deny(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = on
}

// PageSize caps the events per FilterLogEvents answer (default 100), to
// exercise paging.
func (s *LogsServer) PageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = max(n, 1)
}

// Count is the number of requests for an operation ("FilterLogEvents"),
// failed ones included.
func (s *LogsServer) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

var (
	logsTerm    = regexp.MustCompile(`^\$\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"$`)
	logsPattern = regexp.MustCompile(`^\{(.*)\}$`)
)

// logsFilter compiles the supported subset of filter patterns: "" or
// { $.a = "x" || $.b = "y" }.
func logsFilter(pattern string) (func(msg string) bool, error) {
	pattern = strings.TrimSpace(pattern)
	if pattern == "" {
		return func(string) bool { return true }, nil
	}
	m := logsPattern.FindStringSubmatch(pattern)
	if m == nil {
		return nil, fmt.Errorf("fake logs: unsupported filter pattern %q", pattern)
	}
	type term struct{ field, value string }
	var terms []term
	for part := range strings.SplitSeq(m[1], "||") {
		t := logsTerm.FindStringSubmatch(strings.TrimSpace(part))
		if t == nil {
			return nil, fmt.Errorf("fake logs: unsupported filter pattern %q", pattern)
		}
		terms = append(terms, term{t[1], t[2]})
	}
	return func(msg string) bool {
		var obj map[string]any
		if json.Unmarshal([]byte(msg), &obj) != nil {
			return false
		}
		for _, t := range terms {
			if v, ok := obj[t.field].(string); ok && v == t.value {
				return true
			}
		}
		return false
	}, nil
}

func (s *LogsServer) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := awsOperation(w, r, "Logs_20140328.")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	if !awsAllowed(w, r, s.deny, "logs:"+op) {
		return
	}
	if op != "FilterLogEvents" {
		smError(w, "UnknownOperationException", "fake logs: unsupported operation "+op)
		return
	}
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		StartTime     *int64 `json:"startTime"`
		EndTime       *int64 `json:"endTime"`
		FilterPattern string `json:"filterPattern"`
		Limit         int    `json:"limit"`
		NextToken     string `json:"nextToken"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		smError(w, "SerializationException", "fake logs: bad JSON body")
		return
	}
	events, ok := s.groups[in.LogGroupName]
	if !ok {
		smError(w, "ResourceNotFoundException", "The specified log group does not exist.")
		return
	}
	match, err := logsFilter(in.FilterPattern)
	if err != nil {
		smError(w, "InvalidParameterException", err.Error())
		return
	}
	var hits []LogEvent
	for _, ev := range events {
		ms := ev.Time.UnixMilli()
		if in.StartTime != nil && ms < *in.StartTime || in.EndTime != nil && ms > *in.EndTime || !match(ev.Message) {
			continue
		}
		hits = append(hits, ev)
	}
	slices.SortStableFunc(hits, func(a, b LogEvent) int { return a.Time.Compare(b.Time) })
	offset := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "o"))
		if err != nil || n < 0 || n > len(hits) {
			smError(w, "InvalidParameterException", "The specified nextToken is invalid.")
			return
		}
		offset = n
	}
	size := s.pageSize
	if in.Limit > 0 {
		size = min(size, in.Limit)
	}
	end := min(offset+size, len(hits))
	out := []map[string]any{}
	for i, ev := range hits[offset:end] {
		out = append(out, map[string]any{
			"logStreamName": ev.Stream, "timestamp": ev.Time.UnixMilli(), "ingestionTime": ev.Time.UnixMilli(),
			"message": ev.Message, "eventId": strconv.Itoa(offset + i),
		})
	}
	res := map[string]any{"events": out, "searchedLogStreams": []any{}}
	if end < len(hits) {
		res["nextToken"] = "o" + strconv.Itoa(end)
	}
	smWrite(w, res)
}
