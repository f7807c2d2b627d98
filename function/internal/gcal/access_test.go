package gcal_test

import (
	"errors"
	"slices"
	"testing"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/syncer"
)

// TestAccessTokenIsShared: the token AccessToken hands out (to Gmail's
// XOAUTH2 login) is the one the Calendar calls use, from one refresh; a
// dropped token is refreshed once; the scopes are the token endpoint's.
func TestAccessTokenIsShared(t *testing.T) {
	srv := startFake(t)
	srv.GrantScopes(fakecal.GmailScope, fakecal.CalendarScope)
	cal := newCal(t, srv)
	ctx := ctxT(t)

	tok, err := cal.AccessToken(ctx)
	if err != nil || !srv.TokenHasScope(tok, fakecal.GmailScope) {
		t.Fatalf("AccessToken: %q %v", tok, err)
	}
	if _, err := cal.AccessRole(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := cal.AccessToken(ctx)
	if n := srv.Count(fakecal.KindToken); n != 1 || again != tok {
		t.Errorf("%d token requests (tokens %q, %q), want 1 shared", n, tok, again)
	}
	scopes, known, err := cal.GrantedScopes(ctx)
	if err != nil || !known || !slices.Equal(scopes, []string{fakecal.GmailScope, fakecal.CalendarScope}) {
		t.Errorf("GrantedScopes = %q %v %v", scopes, known, err)
	}

	cal.DropAccessToken("some-other-token") // not the cached one: kept
	if again, _ := cal.AccessToken(ctx); again != tok || srv.Count(fakecal.KindToken) != 1 {
		t.Errorf("dropping another token refreshed")
	}
	cal.DropAccessToken(tok)
	if fresh, err := cal.AccessToken(ctx); err != nil || fresh == tok || srv.Count(fakecal.KindToken) != 2 {
		t.Errorf("after drop: %q %v, %d token requests", fresh, err, srv.Count(fakecal.KindToken))
	}
}

func TestAccessTokenInvalidGrant(t *testing.T) {
	srv := startFake(t)
	srv.InvalidGrant(true)
	cal := newCal(t, srv)
	if _, err := cal.AccessToken(ctxT(t)); !errors.Is(err, syncer.ErrInvalidGrant) {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := cal.GrantedScopes(ctxT(t)); !errors.Is(err, syncer.ErrInvalidGrant) {
		t.Fatalf("GrantedScopes err = %v", err)
	}
}
