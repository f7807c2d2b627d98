package gcal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// tokenSource caches the access token and refreshes it with the refresh
// token when it expires. Unlike oauth2.Config.Client it refreshes with the
// context of the API call that needs the token, so a slow token endpoint
// cannot outlive the caller's deadline.
type tokenSource struct {
	conf   oauth2.Config
	client *http.Client // for the token endpoint

	mu      sync.Mutex
	refresh string
	tok     *oauth2.Token
}

func (s *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok.Valid() {
		return s.tok, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.client)
	tok, err := s.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: s.refresh}).Token()
	if err != nil {
		return nil, s.tokenError(ctx, err)
	}
	if tok.RefreshToken != "" {
		s.refresh = tok.RefreshToken // Google may rotate it
	}
	s.tok = tok
	return tok, nil
}

// drop forgets tok if it is still the cached token: the API refused it.
func (s *tokenSource) drop(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == tok {
		s.tok = nil
	}
}

// tokenError is a failed token refresh. Its message is built from the OAuth
// error code and description only: the raw response and the request (which
// holds the refresh token and client secret) never reach it.
type tokenError struct {
	msg       string
	err       error // syncer.ErrInvalidGrant, or a network or context error; may be nil
	temporary bool
}

func (e *tokenError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *tokenError) Unwrap() error { return e.err }

func (s *tokenSource) tokenError(ctx context.Context, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		// A network error or a malformed answer. Neither message holds the
		// request body: oauth2 reports the token URL and the cause.
		return &tokenError{msg: "oauth token refresh", err: err, temporary: ctx.Err() == nil && retryable(err)}
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	desc := s.scrub(re.ErrorDescription)
	if len(desc) > 200 {
		desc = desc[:200] + "…"
	}
	if re.ErrorCode == "invalid_grant" {
		msg := "oauth token refresh"
		if desc != "" {
			msg += " (" + desc + ")"
		}
		return &tokenError{msg: msg, err: syncer.ErrInvalidGrant}
	}
	detail := cmp.Or(re.ErrorCode, "no OAuth error code")
	if desc != "" {
		detail += ": " + desc
	}
	if re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" {
		return &tokenError{msg: fmt.Sprintf("google refused the OAuth client (%s): check %s and %s in the secret",
			detail, contract.KeyGoogleClientID, contract.KeyGoogleClientSecret)}
	}
	return &tokenError{
		msg:       fmt.Sprintf("oauth token endpoint answered HTTP %d (%s)", status, detail),
		temporary: status == http.StatusTooManyRequests || status >= 500,
	}
}

// scrub removes the credentials from text a server sent back, in case it
// echoes the request.
func (s *tokenSource) scrub(text string) string {
	for _, secret := range []string{s.refresh, s.conf.ClientSecret} {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return text
}

// authTransport adds the access token to each API request.
type authTransport struct {
	tokens *tokenSource
	base   http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.tokens.token(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	r := req.Clone(req.Context())
	tok.SetAuthHeader(r)
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		t.tokens.drop(tok)
	}
	return resp, err
}
