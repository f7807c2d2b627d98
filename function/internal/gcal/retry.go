package gcal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/api/googleapi"
)

// call runs one API call with bounded retries: exponential backoff with full
// jitter on rate limits, server errors and network errors. It stops early
// when ctx is done or the next wait would pass ctx's deadline, returning the
// last error.
//
// A write retried after a failure whose first attempt did reach Google is
// safe: an insert then gets 409 (the id is the caller's), which the engine
// counts as done; update and delete are idempotent.
func (c *Calendar) call(ctx context.Context, op string, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		var terr *tokenError
		if errors.As(err, &terr) {
			err = terr // drop the *url.Error around it: its message names the API URL, not the cause
		}
		if ctx.Err() != nil {
			return err
		}
		if !retryable(err) {
			return err
		}
		if attempt >= c.retry.MaxAttempts {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := c.backoff(attempt, err)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return fmt.Errorf("%w (no time left to retry)", err)
		}
		c.log.WarnContext(ctx, "calendar: retrying", "op", op, "attempt", attempt, "status", code(err), "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (stopped retrying: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// backoff is the wait before retry number attempt: a random duration up to
// BaseDelay·2^(attempt-1), capped at MaxDelay, and at least what a
// Retry-After header asks for (also capped).
func (c *Calendar) backoff(attempt int, err error) time.Duration {
	limit := c.retry.BaseDelay << min(attempt-1, 30)
	if limit <= 0 || limit > c.retry.MaxDelay {
		limit = c.retry.MaxDelay
	}
	wait := rand.N(limit + 1)
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && gerr.Header != nil {
		if s, perr := strconv.Atoi(gerr.Header.Get("Retry-After")); perr == nil && s > 0 {
			wait = max(wait, min(time.Duration(s)*time.Second, c.retry.MaxDelay))
		}
	}
	return wait
}

// retryable reports whether trying the same call again may succeed.
func retryable(err error) bool {
	var terr *tokenError
	if errors.As(err, &terr) {
		return terr.temporary
	}
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		switch gerr.Code {
		case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		case http.StatusUnauthorized:
			// The access token was refused before it expired (revoked,
			// or the clock is off); the transport has dropped it and
			// the next attempt fetches a new one.
			return true
		case http.StatusForbidden:
			for _, e := range gerr.Errors {
				if e.Reason == "rateLimitExceeded" || e.Reason == "userRateLimitExceeded" {
					return true
				}
			}
		}
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// *url.Error is itself a net.Error: judge what it wraps.
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var nerr net.Error
	return errors.As(err, &nerr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
