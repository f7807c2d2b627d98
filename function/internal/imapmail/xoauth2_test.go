package imapmail

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"

	"garoon-calendar-sync/function/internal/syncer"
)

// The example of https://developers.google.com/gmail/imap/xoauth2-protocol
// ("Initial client response"): the user, the token, and the base64 of the
// initial client response as the page prints it (line breaks removed).
const (
	googleExampleUser   = "someuser@example.com"
	googleExampleToken  = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
	googleExampleBase64 = "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
	// The page's error challenge: {"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}.
	googleExampleError = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K"
)

func TestXOAuth2InitialResponseIsGooglesExample(t *testing.T) {
	mech, ir, err := (&xoauth2{user: googleExampleUser, token: googleExampleToken}).Start()
	if err != nil || mech != "XOAUTH2" {
		t.Fatalf("Start: %q %v", mech, err)
	}
	// imapclient sends the initial response base64-encoded (RFC 4648).
	if got := base64.StdEncoding.EncodeToString(ir); got != googleExampleBase64 {
		t.Errorf("initial response\n got %s\nwant %s", got, googleExampleBase64)
	}
}

func TestXOAuth2ErrorChallenge(t *testing.T) {
	challenge, err := base64.StdEncoding.DecodeString(googleExampleError)
	if err != nil {
		t.Fatal(err)
	}
	a := &xoauth2{user: googleExampleUser, token: googleExampleToken}
	resp, err := a.Next(challenge)
	var e *xoauth2Error
	if resp != nil || !errors.As(err, &e) || e.Status != "401" || e.Scope != "https://mail.google.com/" {
		t.Fatalf("Next: %q %#v", resp, err)
	}
	if msg := err.Error(); msg != "XOAUTH2 refused, status 401, wants scope https://mail.google.com/" || strings.Contains(msg, googleExampleToken) {
		t.Errorf("message %q", msg)
	}
	if _, err := a.Next([]byte("not json")); !errors.As(err, &e) || e.Status != "unreadable error challenge" {
		t.Errorf("unreadable challenge: %v", err)
	}
}

// tokens is an imapmail.Tokens that hands out token, or err.
type tokens struct {
	mu      sync.Mutex
	token   string
	err     error
	calls   int
	dropped []string
}

func (s *tokens) AccessToken(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.token, s.err
}

func (s *tokens) DropAccessToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped = append(s.dropped, token)
}

func TestOAuthLogin(t *testing.T) {
	const good = "ya29.good-access-token"
	accept := func(tok string) bool { return tok == good }

	t.Run("accepted", func(t *testing.T) {
		srv, cfg := start(t)
		srv.AcceptTokens(accept)
		appendAll(t, srv, mail(cybozu, 1))
		ts := &tokens{token: good}
		cfg.Password, cfg.Tokens = "", ts
		c := newClient(t, cfg)
		got, err := c.Fetch(ctx, cybozu, weekAgo)
		if err != nil || len(got) != 1 {
			t.Fatalf("Fetch: %v %v", got, err)
		}
		if err := c.MarkProcessed(ctx, uids(got)); err != nil {
			t.Fatal(err)
		}
		cmds := srv.Commands()
		if cmds["AUTHENTICATE"] != 1 || cmds["LOGIN"] != 0 || ts.calls != 1 {
			t.Errorf("commands %v, token calls %d: want one AUTHENTICATE, no LOGIN, one token", cmds, ts.calls)
		}
	})
	t.Run("token refused", func(t *testing.T) {
		srv, cfg := start(t)
		srv.AcceptTokens(accept)
		ts := &tokens{token: "ya29.calendar-only-token"}
		cfg.Password, cfg.Tokens = "", ts
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if !errors.Is(err, ErrTokenRefused) || errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "does not include Gmail (https://mail.google.com/)") || strings.Contains(err.Error(), "garoon-sync") ||
			!strings.Contains(err.Error(), "status 400") || strings.Contains(err.Error(), ts.token) {
			t.Fatalf("err = %v", err)
		}
		if fmt.Sprint(ts.dropped) != "[ya29.calendar-only-token]" {
			t.Errorf("dropped %v: the refused token must be forgotten", ts.dropped)
		}
	})
	t.Run("invalid_grant", func(t *testing.T) {
		srv, cfg := start(t)
		srv.AcceptTokens(accept)
		ts := &tokens{err: fmt.Errorf("oauth token refresh: %w", syncer.ErrInvalidGrant)}
		cfg.Password, cfg.Tokens = "", ts
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if !errors.Is(err, syncer.ErrInvalidGrant) || !strings.Contains(err.Error(), "get an OAuth access token") {
			t.Fatalf("err = %v", err)
		}
		if n := srv.Commands()["AUTHENTICATE"]; n != 0 {
			t.Errorf("%d AUTHENTICATE sent without a token", n)
		}
	})
	t.Run("too many connections", func(t *testing.T) {
		srv, cfg := start(t)
		srv.AcceptTokens(accept)
		srv.FailLoginWith(&imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlert, Text: "Too many simultaneous connections. (Failure)"})
		cfg.Password, cfg.Tokens = "", &tokens{token: good}
		_, err := newClient(t, cfg).Fetch(ctx, cybozu, weekAgo)
		if errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), "Gmail allows 15") {
			t.Fatalf("err = %v", err)
		}
	})
}
