package gcal

import (
	"context"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// AccessToken returns a current access token of the refresh token, the one
// the Calendar calls use: a run that reads Gmail over XOAUTH2 (imapmail)
// shares it, so one refresh serves both. Failures are retried like API
// calls; an error wraps syncer.ErrInvalidGrant when Google refused the
// refresh token.
func (c *Calendar) AccessToken(ctx context.Context) (string, error) {
	var tok *oauth2.Token
	err := c.call(ctx, "token", func() (err error) {
		tok, err = c.tokens.token(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// DropAccessToken forgets the cached access token if it is still token: a
// server (Gmail) refused it, so the next AccessToken refreshes.
func (c *Calendar) DropAccessToken(token string) {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	if c.tokens.tok != nil && c.tokens.tok.AccessToken == token {
		c.tokens.tok = nil
	}
}

// GrantedScopes returns the scopes the current access token carries, from
// the "scope" field of the token endpoint's answer. Google documents it as
// "the scopes of access granted by the access_token expressed as a list of
// space-delimited, case-sensitive strings"
// (https://developers.google.com/identity/protocols/oauth2/native-app,
// "Refreshing an access token"); a refresh gets the scopes of the consent
// the refresh token came from. ok is false when the answer has no scope
// field (nothing is known, which is not "no scopes").
func (c *Calendar) GrantedScopes(ctx context.Context) (scopes []string, ok bool, err error) {
	if _, err := c.AccessToken(ctx); err != nil {
		return nil, false, err
	}
	c.tokens.mu.Lock()
	tok := c.tokens.tok
	c.tokens.mu.Unlock()
	if tok == nil {
		return nil, false, nil
	}
	s, ok := tok.Extra("scope").(string)
	if !ok {
		return nil, false, nil
	}
	scopes = strings.Fields(s)
	slices.Sort(scopes)
	return scopes, true, nil
}
