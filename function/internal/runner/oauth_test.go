package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// newOAuthRig is newRig with Gmail read over XOAUTH2: the secret says
// gmail_auth "oauth", the consent granted Calendar and Gmail, and the fake
// IMAP server accepts the access tokens the fake token endpoint issued with
// Gmail's scope.
func newOAuthRig(t *testing.T, scopes ...string) *rig {
	r := newRig(t)
	r.c.GmailAuth = contract.GmailAuthOAuth
	r.cal.GrantScopes(scopes...)
	r.imap.AcceptTokensOf(r.cal)
	return r
}

func TestGmailOverOAuth(t *testing.T) {
	r := newOAuthRig(t, fakecal.CalendarScope, fakecal.GmailScope)
	r.deliver("登録", "定例", jan15)
	r.imap.ResetCommands()
	r.cal.ResetRequests()
	if rep := r.mustRun(); rep.Created != 1 {
		t.Fatalf("%+v", rep)
	}
	if m, _ := r.marked(); m != 1 || len(r.events()) != 1 {
		t.Fatalf("%d marked, events %q", m, r.events())
	}
	cmds := r.imap.Commands()
	if cmds["AUTHENTICATE"] != 1 || cmds["LOGIN"] != 0 {
		t.Errorf("IMAP %v: want one AUTHENTICATE and no LOGIN", cmds)
	}
	// One refresh serves the IMAP login and every Calendar call of the run.
	if n := r.cal.Count(fakecal.KindToken); n != 1 {
		t.Errorf("%d token requests in one run, want 1", n)
	}
	if strings.Contains(r.logs.String(), "at-1") || strings.Contains(r.logs.String(), fakecal.RefreshToken) {
		t.Errorf("a token reached the logs:\n%s", r.logs)
	}
}

// TestPasswordSecretKeepsLogin: the old six keys log in with the app
// password even when the token could serve Gmail.
func TestPasswordSecretKeepsLogin(t *testing.T) {
	r := newRig(t)
	r.cal.GrantScopes(fakecal.CalendarScope, fakecal.GmailScope)
	r.imap.AcceptTokensOf(r.cal)
	r.deliver("登録", "定例", jan15)
	r.imap.ResetCommands()
	r.mustRun()
	if cmds := r.imap.Commands(); cmds["LOGIN"] != 1 || cmds["AUTHENTICATE"] != 0 {
		t.Errorf("IMAP %v: want LOGIN only", cmds)
	}
}

func TestGmailOverOAuthFailures(t *testing.T) {
	t.Run("consent without Gmail", func(t *testing.T) {
		r := newOAuthRig(t, fakecal.CalendarScope)
		r.deliver("登録", "定例", jan15)
		_, err := r.run()
		if !errors.Is(err, imapmail.ErrTokenRefused) || errors.Is(err, syncer.ErrInvalidGrant) {
			t.Fatalf("err = %v", err)
		}
		if got := NewSummary("prod", nil, err).Fix; got != contract.FixInvalidGrantGmail("prod") {
			t.Errorf("fix %q", got)
		}
		if m, _ := r.marked(); m != 0 || r.cal.Count(fakecal.KindInsert) != 0 {
			t.Errorf("%d marked, %d inserts after a refused login", m, r.cal.Count(fakecal.KindInsert))
		}
	})
	t.Run("invalid_grant on the Gmail side", func(t *testing.T) {
		r := newOAuthRig(t, fakecal.CalendarScope, fakecal.GmailScope)
		r.deliver("登録", "定例", jan15)
		r.cal.InvalidGrant(true)
		rep, err := r.run()
		if !errors.Is(err, syncer.ErrInvalidGrant) || strings.Contains(err.Error(), fakecal.RefreshToken) {
			t.Fatalf("err = %v", err)
		}
		if n := r.imap.Commands()["AUTHENTICATE"]; n != 0 {
			t.Errorf("%d AUTHENTICATE without a token", n)
		}
		// The same summary flag, fix and metric as when the Calendar meets it;
		// the fix asks for Gmail again.
		sum := NewSummary("prod", rep, err)
		if !sum.InvalidGrant || sum.Fix != contract.FixInvalidGrantGmail("prod") {
			t.Errorf("summary %+v", sum)
		}
		var buf bytes.Buffer
		if err := WriteMetrics(&buf, "prod", err, time.Now()); err != nil {
			t.Fatal(err)
		}
		var rec map[string]any
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil || rec[contract.MetricInvalidGrant] != 1.0 {
			t.Errorf("metrics %v %s", err, buf.String())
		}
		if m, _ := r.marked(); m != 0 {
			t.Error("marked after invalid_grant")
		}
	})
}
