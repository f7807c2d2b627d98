package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/shared/contract"
)

// fakeGoogle is an OAuth authorization server: /auth answers at once (the
// user consents), /token checks the code and the PKCE verifier.
type fakeGoogle struct {
	*httptest.Server
	mu         sync.Mutex
	challenge  string
	deny       bool
	badState   bool
	testingApp bool
	scope      string // the scope parameter of the last /auth request
	untick     string // a scope the person unticks on the consent page
}

func startFakeGoogle(t *testing.T) *fakeGoogle {
	g := &fakeGoogle{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		switch r.URL.Path {
		case "/auth":
			q := r.URL.Query()
			redirect, _ := url.Parse(q.Get("redirect_uri"))
			if q.Get("client_id") != "cid.apps.googleusercontent.com" || redirect.Hostname() != "127.0.0.1" ||
				q.Get("code_challenge_method") != "S256" || q.Get("access_type") != "offline" ||
				q.Get("scope") != contract.CalendarScope && q.Get("scope") != contract.CalendarScope+" "+contract.GmailScope {
				http.Error(w, "bad auth request: "+r.URL.RawQuery, 400)
				return
			}
			g.challenge, g.scope = q.Get("code_challenge"), q.Get("scope")
			back := redirect.Query()
			back.Set("state", q.Get("state"))
			if g.badState {
				back.Set("state", "forged")
			}
			if g.deny {
				back.Set("error", "access_denied")
			} else {
				back.Set("code", "the-code")
			}
			redirect.RawQuery = back.Encode()
			http.Redirect(w, r, redirect.String(), http.StatusFound)
		case "/token":
			r.ParseForm()
			sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
			id, secret, _ := r.BasicAuth()
			if id == "" {
				id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
			}
			if r.Form.Get("code") != "the-code" || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || secret != "csecret-value" || id != "cid.apps.googleusercontent.com" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				fmt.Fprint(w, `{"error":"invalid_grant"}`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			extra := ""
			if g.testingApp {
				extra = `,"refresh_token_expires_in":604799`
			}
			// Google's answer lists the scopes granted, which are those asked
			// for less any the person unticked.
			var granted []string
			for _, sc := range strings.Fields(g.scope) {
				if sc != g.untick {
					granted = append(granted, sc)
				}
			}
			fmt.Fprintf(w, `{"access_token":"at-value","token_type":"Bearer","expires_in":3599,"refresh_token":"rt-value","scope":%q%s}`, strings.Join(granted, " "), extra)
		}
	}))
	t.Cleanup(g.Close)
	t.Setenv(EnvAuthURL, g.URL+"/auth")
	t.Setenv("GAROON_SYNC_TOKEN_URL", g.URL+"/token")
	old := openBrowser
	openBrowser = func(u string) error { // the browser: follow Google's redirect to the loopback
		go http.Get(u)
		return nil
	}
	t.Cleanup(func() { openBrowser = old })
	return g
}

func clientFile(t *testing.T, kind string) string {
	p := filepath.Join(t.TempDir(), "credentials.json")
	os.WriteFile(p, []byte(`{"`+kind+`":{"client_id":"cid.apps.googleusercontent.com","client_secret":"csecret-value","auth_uri":"https://example.invalid/auth","token_uri":"https://example.invalid/token"}}`), 0o600)
	return p
}

func TestAuthorize(t *testing.T) {
	g := startFakeGoogle(t)
	creds := clientFile(t, "installed")

	out, errOut, code := run("authorize", "--client-secret", creds)
	if code != exitOK || out != "rt-value\n" || strings.Contains(errOut, "csecret-value") || strings.Contains(errOut, "Testing") {
		t.Fatalf("exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}

	g.testingApp = true
	target := filepath.Join(t.TempDir(), "secret.json")
	os.WriteFile(target, []byte(`{"gmail_address":"you@gmail.com"}`), 0o644)
	_, errOut, code = run("authorize", "--client-secret", creds, "--out", target)
	if code != exitOK || !strings.Contains(errOut, `"Testing" mode`) {
		t.Fatalf("--out: exit %d %s", code, errOut)
	}
	var m map[string]string
	b, _ := os.ReadFile(target)
	json.Unmarshal(b, &m)
	if st, _ := os.Stat(target); m["gmail_address"] != "you@gmail.com" || m["google_refresh_token"] != "rt-value" ||
		m["google_client_secret"] != "csecret-value" || st.Mode().Perm() != 0o600 {
		t.Fatalf("merged file: %v %v", m, st.Mode())
	}

	out, _, code = run("authorize", "--client-id", "cid.apps.googleusercontent.com", "--client-secret", "csecret-value", "--json")
	if code != exitOK || json.Unmarshal([]byte(out), &m) != nil || m["google_refresh_token"] != "rt-value" {
		t.Fatalf("--json: %d %s", code, out)
	}

	g.deny = true
	if _, errOut, code := run("authorize", "--client-secret", creds); code != exitFail || !strings.Contains(errOut, "declined") {
		t.Fatalf("denied: %d %s", code, errOut)
	}
	g.deny, g.badState = false, true
	if _, errOut, code := run("authorize", "--client-secret", creds, "--timeout", "2s"); code != exitFail || !strings.Contains(errOut, "state does not match") {
		t.Fatalf("bad state: %d %s", code, errOut)
	}
	if _, errOut, code := run("authorize", "--client-secret", clientFile(t, "web")); code != exitUsage || !strings.Contains(errOut, "Desktop app") {
		t.Fatalf("web client: %d %s", code, errOut)
	}
}

// TestAuthorizeGmail: --gmail asks for Calendar and Gmail in one consent and
// writes a secret that parses as OAuth login without gmail_password; a
// consent with Gmail unticked is refused.
func TestAuthorizeGmail(t *testing.T) {
	g := startFakeGoogle(t)
	creds := clientFile(t, "installed")
	target := filepath.Join(t.TempDir(), "secret.json")
	os.WriteFile(target, []byte(`{"gmail_address":"you@gmail.com","gmail_password":"abcdefghijklmnop","garoon_sender":"garoon@example.co.jp"}`), 0o600)

	_, errOut, code := run("authorize", "--gmail", "--client-secret", creds, "--out", target)
	if code != exitOK || g.scope != contract.CalendarScope+" "+contract.GmailScope || !strings.Contains(errOut, "read your Gmail") {
		t.Fatalf("exit %d, scope %q\n%s", code, g.scope, errOut)
	}
	b, _ := os.ReadFile(target)
	c, err := secret.Parse(b)
	if err != nil || !c.GmailOAuth() || c.GoogleRefreshToken != "rt-value" {
		t.Fatalf("secret after --gmail: %v %+v", err, c)
	}

	// Without --gmail only the Calendar is asked for, and an OAuth secret
	// would keep gmail_auth: authorize does not touch it.
	if _, errOut, code := run("authorize", "--client-secret", creds, "--out", target); code != exitOK || g.scope != contract.CalendarScope {
		t.Fatalf("without --gmail: exit %d scope %q %s", code, g.scope, errOut)
	}

	g.untick = contract.GmailScope
	out, errOut, code := run("authorize", "--gmail", "--client-secret", creds, "--json")
	if code != exitFail || out != "" || !strings.Contains(errOut, "did not grant "+contract.GmailScope) || strings.Contains(errOut, "rt-value") {
		t.Fatalf("unticked Gmail: exit %d stdout %q\n%s", code, out, errOut)
	}
}
