package fakelogs

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

	"garoon-calendar-sync/function/internal/fake/internal/awsjson"
)

// Server is a fake of the part of Amazon CloudWatch Logs' JSON 1.1 API
// that `garoon-sync doctor` reads: FilterLogEvents over one log group, with
// startTime/endTime, paging, and the JSON filter patterns
// `{ $.field = "value" }` joined by `||` (anything else is refused, as an
// unsupported pattern should be in a test). Point aws-sdk-go-v2 at URL
// (BaseEndpoint, or AWS_ENDPOINT_URL_CLOUDWATCH_LOGS) with any static
// credentials: requests must be SigV4-signed, the signature is not checked.
// It is safe for concurrent use.
type Server struct {
	URL string

	srv *http.Server

	mu       sync.Mutex
	groups   map[string][]Event
	deny     bool
	pageSize int
	counts   map[string]int
}

// Event is one stored log event.
type Event struct {
	Stream  string
	Time    time.Time
	Message string
}

// Start starts the fake on a loopback port with the given (empty) log
// groups. Close it when done.
func Start(groups ...string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake logs: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), groups: map[string][]Event{}, counts: map[string]int{}, pageSize: 100}
	for _, g := range groups {
		s.groups[g] = nil
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Put appends an event to the group, creating the group if needed.
func (s *Server) Put(group string, ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[group] = append(s.groups[group], ev)
}

// Writer returns a writer that stores each Write as one event of the group
// and stream, timed when written: what a line-per-record logger (slog's
// JSON handler) produces becomes one event per record, as in Lambda.
func (s *Server) Writer(group, stream string) *Writer {
	return &Writer{s: s, group: group, stream: stream}
}

// Writer is the io.Writer of Writer.
type Writer struct {
	s             *Server
	group, stream string
}

func (w *Writer) Write(p []byte) (int, error) {
	w.s.Put(w.group, Event{Stream: w.stream, Time: time.Now(), Message: strings.TrimRight(string(p), "\n")})
	return len(p), nil
}

// Deny makes every request fail with AccessDeniedException.
func (s *Server) Deny(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = on
}

// PageSize caps the events per FilterLogEvents answer (default 100), to
// exercise paging.
func (s *Server) PageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = max(n, 1)
}

// Count is the number of requests for an operation ("FilterLogEvents"),
// failed ones included.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

var (
	filterTerm    = regexp.MustCompile(`^\$\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"$`)
	filterPattern = regexp.MustCompile(`^\{(.*)\}$`)
)

// compileFilter compiles the supported subset of filter patterns: "" or
// { $.a = "x" || $.b = "y" }.
func compileFilter(pattern string) (func(msg string) bool, error) {
	pattern = strings.TrimSpace(pattern)
	if pattern == "" {
		return func(string) bool { return true }, nil
	}
	m := filterPattern.FindStringSubmatch(pattern)
	if m == nil {
		return nil, fmt.Errorf("fake logs: unsupported filter pattern %q", pattern)
	}
	type term struct{ field, value string }
	var terms []term
	for part := range strings.SplitSeq(m[1], "||") {
		t := filterTerm.FindStringSubmatch(strings.TrimSpace(part))
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

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := awsjson.Operation(w, r, "Logs_20140328.")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	if !awsjson.Allowed(w, r, s.deny, "logs:"+op) {
		return
	}
	if op != "FilterLogEvents" {
		awsjson.Error(w, "UnknownOperationException", "fake logs: unsupported operation "+op)
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
		awsjson.Error(w, "SerializationException", "fake logs: bad JSON body")
		return
	}
	events, ok := s.groups[in.LogGroupName]
	if !ok {
		awsjson.Error(w, "ResourceNotFoundException", "The specified log group does not exist.")
		return
	}
	match, err := compileFilter(in.FilterPattern)
	if err != nil {
		awsjson.Error(w, "InvalidParameterException", err.Error())
		return
	}
	var hits []Event
	for _, ev := range events {
		ms := ev.Time.UnixMilli()
		if in.StartTime != nil && ms < *in.StartTime || in.EndTime != nil && ms > *in.EndTime || !match(ev.Message) {
			continue
		}
		hits = append(hits, ev)
	}
	slices.SortStableFunc(hits, func(a, b Event) int { return a.Time.Compare(b.Time) })
	offset := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "o"))
		if err != nil || n < 0 || n > len(hits) {
			awsjson.Error(w, "InvalidParameterException", "The specified nextToken is invalid.")
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
	awsjson.Write(w, res)
}
