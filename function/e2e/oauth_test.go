package e2e

import (
	"strings"
	"testing"

	"garoon-calendar-sync/function/internal/fake/fakecal"
	"garoon-calendar-sync/shared/contract"
)

// TestGmailOverOAuth: with no app password in the secret, the function
// logs in to a real Dovecot with SASL XOAUTH2 and the access token of the
// one Google consent, syncs, and refreshes the token once for IMAP and
// Calendar together. A consent without Gmail and a revoked grant fail the
// run with `authorize --gmail`, the latter with the invalid_grant flag and
// metric; nothing is written or marked; a new grant recovers.
func TestGmailOverOAuth(t *testing.T) {
	w := newOAuthWorld(t, functionTimeout)
	w.notice(0, "登録", "定例", day(0))
	r := w.invoke()
	if r.err() != "" || r.n("created") != 1 {
		t.Fatalf("run 1: %v\n%s\ndovecot:\n%s", r, w.logs(), w.dove.log())
	}
	w.wantEvents("定例")
	w.wantMarked(1)
	if !w.dove.waitLog("Login: user=<" + imapUser + ">, method=XOAUTH2") {
		t.Errorf("dovecot logged no XOAUTH2 login:\n%s", w.dove.log())
	}
	if w.imapConns.count() == 0 {
		t.Fatal("the function's IMAP connections do not go through the counter")
	}
	if n := w.cal.Count(fakecal.KindToken); n != 1 {
		t.Errorf("%d token refreshes for one run, want 1 (IMAP and Calendar share the token)", n)
	}
	w.notice(1, "登録", "別件", day(1))
	if r = w.invoke(); r.err() != "" || r.n("created") != 1 || w.cal.Count(fakecal.KindToken) != 1 {
		t.Fatalf("warm run 2: %v, %d token requests (want the cached token)", r, w.cal.Count(fakecal.KindToken))
	}

	// The person authorizes again without Gmail: the old token dies, the
	// new one lacks the scope. Dovecot refuses it.
	w.notice(2, "登録", "三件目", day(2))
	w.cal.GrantScopes(fakecal.CalendarScope)
	w.cal.ExpireTokens()
	for i := range 2 { // the cached token, then a fresh one without Gmail
		r = w.invoke()
		if msg := r.err(); !strings.Contains(msg, "does not include Gmail") || r.summary["invalid_grant"] == true ||
			r.summary["fix"] != contract.FixInvalidGrantGmail("e2e") {
			t.Fatalf("consent without Gmail, run %d: %v", i, r)
		}
	}

	// The grant is revoked (the refused token was forgotten, so this run
	// refreshes): invalid_grant, its metric, the fix with --gmail, and no
	// connection to the IMAP server without a token.
	w.cal.GrantScopes(fakecal.CalendarScope, fakecal.GmailScope)
	w.cal.InvalidGrant(true)
	before := w.imapConns.count()
	r = w.invoke()
	if msg := r.err(); !strings.Contains(msg, "invalid_grant") || r.summary["invalid_grant"] != true ||
		r.summary["fix"] != contract.FixInvalidGrantGmail("e2e") || !strings.Contains(w.logs(), `"InvalidGrant":1`) {
		t.Fatalf("invalid_grant: %v", r)
	}
	if n := w.imapConns.count() - before; n != 0 {
		t.Errorf("%d IMAP connections without an access token:\n%s", n, w.dove.log())
	}
	if n := w.cal.Count(fakecal.KindInsert); n != 2 {
		t.Errorf("%d inserts, want the first two runs' only", n)
	}
	w.wantMarked(2)

	w.cal.InvalidGrant(false)
	if r = w.invoke(); r.err() != "" || r.n("created") != 1 {
		t.Fatalf("after a new grant: %v", r)
	}
	w.wantEvents("定例", "別件", "三件目")
	w.wantMarked(3)
}
