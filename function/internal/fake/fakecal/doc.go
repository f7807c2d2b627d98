// Package fakecal stands in for the Google Calendar API v3 (the events
// collection) and Google's OAuth 2.0 token endpoint, on 127.0.0.1, so that
// internal/gcal and everything above it run unchanged against it: the
// adapters' tests, the end-to-end suite and `garoon-sync demo` (which is
// why nothing here imports "testing").
//
// Its behaviour comes from Google's documentation, cited where used: the
// events reference (list, get, insert, update, patch, delete, instances,
// https://developers.google.com/workspace/calendar/api/v3/reference/events),
// the recurring events guide
// (https://developers.google.com/workspace/calendar/api/guides/recurringevents),
// the error guide for the JSON error envelope and its reasons
// (https://developers.google.com/workspace/calendar/api/guides/errors), and
// RFC 6749 §5.2 for the token endpoint's error codes (invalid_client,
// invalid_grant). What Google does not document (the order of checks, the
// exact message texts) is the plainest reading, and the fake refuses what
// it does not model (see recur.go) rather than guess.
package fakecal
