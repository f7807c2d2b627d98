package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	fs2 "io/fs"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"garoon-calendar-sync/shared/contract"
)

// EnvAuthURL overrides Google's authorization endpoint (tests).
const EnvAuthURL = "GAROON_SYNC_AUTH_URL"

const authorizeUsage = `Usage: garoon-sync authorize [--gmail] --client-secret credentials.json [--out FILE | --json]
       garoon-sync authorize [--gmail] --client-id ID --client-secret SECRET [--out FILE | --json]

Gets a Google refresh token for the Calendar: opens the consent page in your
browser (or prints its address), receives Google's answer on 127.0.0.1, and
exchanges it with PKCE. credentials.json is the OAuth client of type
"Desktop app" downloaded from Google Cloud Console (APIs & Services →
Credentials).

With --gmail the same consent also covers Gmail (scope
https://mail.google.com/), and the function reads Gmail over IMAP with
this token (XOAUTH2) instead of an app password: the secret then needs no
gmail_password. With --out, --gmail also writes gmail_auth "oauth", so an
app password already stored is no longer used.

Prints the refresh token on stdout, or with --json the three secret keys
(google_refresh_token, google_client_id, google_client_secret; with
--gmail also gmail_auth), or with --out merges them into FILE (mode 0600) for ` + "`garoon-sync secret put --from-file FILE`" + `.

If the OAuth consent screen is in "Testing" mode, Google expires the refresh
token after 7 days: publish the app (OAuth consent screen → Publish app).

Examples:
  garoon-sync authorize --client-secret credentials.json --out token.json
  garoon-sync authorize --gmail --client-secret credentials.json --out token.json
  garoon-sync secret put --env prod --from-file token.json && rm token.json

Flags:
`

// openBrowser is replaced in tests.
var openBrowser = func(url string) error {
	switch runtime.GOOS {
	case "darwin":
		return exec.Command("open", url).Start()
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", url).Start()
	}
	return exec.Command("xdg-open", url).Start()
}

func cmdAuthorize(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("authorize")
	clientSecret := fs.String("client-secret", "", "the Desktop OAuth client JSON file, or with --client-id the client secret")
	clientID := fs.String("client-id", "", "OAuth client id (with --client-secret SECRET)")
	out := fs.String("out", "", "merge the three secret keys into this JSON file (mode 0600)")
	asJSON := fs.Bool("json", false, "print the three secret keys as JSON")
	gmail := fs.Bool("gmail", false, "also ask for Gmail (IMAP over OAuth, no app password needed)")
	noBrowser := fs.Bool("no-browser", false, "only print the address to open")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the consent")
	if code, ok := parseFlags(fs, authorizeUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "garoon-sync authorize: unexpected argument %q (see garoon-sync authorize --help)\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := oauthConfig(*clientID, *clientSecret)
	if err != nil {
		fmt.Fprintf(stderr, "garoon-sync authorize: %v\n", err)
		if errors.Is(err, fs2.ErrNotExist) {
			return exitFail
		}
		return exitUsage
	}
	if *gmail {
		cfg.Scopes = append(cfg.Scopes, contract.GmailScope)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	tok, err := authorize(ctx, cfg, !*noBrowser, stderr)
	if err == nil {
		err = checkGranted(tok, cfg.Scopes)
	}
	if err != nil {
		fmt.Fprintf(stderr, "garoon-sync authorize: %v\n", err)
		return exitFail
	}
	if exp, ok := tok.Extra("refresh_token_expires_in").(float64); ok && exp <= 7*24*3600 {
		fmt.Fprintln(stderr, "warning: this refresh token expires in 7 days: the OAuth consent screen is in \"Testing\" mode. "+
			"Publish the app (Google Cloud Console → OAuth consent screen → Publish app), then run authorize again.")
	}
	keys := map[string]string{
		contract.KeyGoogleRefreshToken: tok.RefreshToken,
		contract.KeyGoogleClientID:     cfg.ClientID,
		contract.KeyGoogleClientSecret: cfg.ClientSecret,
	}
	if *gmail {
		keys[contract.KeyGmailAuth] = contract.GmailAuthOAuth
	}
	switch {
	case *out != "":
		if err := mergeJSONFile(*out, keys); err != nil {
			fmt.Fprintf(stderr, "garoon-sync authorize: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stderr, "wrote %s to %s\n", strings.Join(slices.Sorted(maps.Keys(keys)), ", "), *out)
	case *asJSON:
		b, _ := json.Marshal(keys)
		fmt.Fprintln(stdout, string(b))
	default:
		fmt.Fprintln(stdout, tok.RefreshToken)
	}
	return exitOK
}

// oauthConfig reads the client from Google's JSON file, or from the flags.
func oauthConfig(clientID, clientSecret string) (*oauth2.Config, error) {
	var cfg *oauth2.Config
	b, err := os.ReadFile(clientSecret)
	if clientID == "" && clientSecret != "" && err != nil {
		// Without --client-id, --client-secret names Google's file.
		if errors.Is(err, fs2.ErrNotExist) {
			return nil, &reworded{fmt.Sprintf("%s does not exist: download the OAuth client of type \"Desktop app\" as JSON "+
				"(Google Cloud Console → APIs & Services → Credentials → the client → Download JSON) and give its path", clientSecret), err}
		}
		return nil, err
	}
	if err == nil {
		var file struct {
			Installed *struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
				AuthURI      string `json:"auth_uri"`
				TokenURI     string `json:"token_uri"`
			} `json:"installed"`
			Web json.RawMessage `json:"web"`
		}
		if err := json.Unmarshal(b, &file); err != nil {
			return nil, fmt.Errorf("%s: not a Google OAuth client file", clientSecret)
		}
		if file.Installed == nil {
			if file.Web != nil {
				return nil, fmt.Errorf("%s is a \"Web application\" client: create an OAuth client of type \"Desktop app\"", clientSecret)
			}
			return nil, fmt.Errorf("%s: no \"installed\" client in it", clientSecret)
		}
		cfg = &oauth2.Config{ClientID: file.Installed.ClientID, ClientSecret: file.Installed.ClientSecret, Endpoint: google.Endpoint}
		if file.Installed.AuthURI != "" {
			cfg.Endpoint.AuthURL = file.Installed.AuthURI
		}
		if file.Installed.TokenURI != "" {
			cfg.Endpoint.TokenURL = file.Installed.TokenURI
		}
	} else if clientID != "" && clientSecret != "" {
		cfg = &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, Endpoint: google.Endpoint}
	} else {
		return nil, errors.New("give --client-secret FILE (the Desktop OAuth client's JSON from Google Cloud Console), or --client-id ID and --client-secret SECRET")
	}
	if v := os.Getenv(EnvAuthURL); v != "" {
		cfg.Endpoint.AuthURL = v
	}
	if v := os.Getenv(contract.EnvTokenURL); v != "" {
		cfg.Endpoint.TokenURL = v
	}
	cfg.Scopes = []string{contract.CalendarScope}
	return cfg, nil
}

// checkGranted refuses a token whose consent left out a scope that was
// asked for: Google's consent page lets a person untick each one, and the
// token endpoint's "scope" field lists "the scopes of access granted by the
// access_token" (https://developers.google.com/identity/protocols/oauth2/native-app,
// "Step 5: Exchange authorization code for refresh and access tokens").
// No scope field: nothing to check.
func checkGranted(tok *oauth2.Token, want []string) error {
	s, ok := tok.Extra("scope").(string)
	if !ok {
		return nil
	}
	granted := strings.Fields(s)
	var missing []string
	for _, w := range want {
		if !slices.Contains(granted, w) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the consent did not grant %s: run authorize again and leave every box on Google's consent page ticked", strings.Join(missing, ", "))
	}
	return nil
}

// authorize runs the installed-app flow: loopback redirect, state, PKCE.
func authorize(ctx context.Context, cfg *oauth2.Config, browser bool, stderr io.Writer) (*oauth2.Token, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	cfg.RedirectURL = "http://" + ln.Addr().String() + "/callback"
	state := randomString()
	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.ApprovalForce, oauth2.S256ChallengeOption(verifier))

	done := make(chan callbackResult, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: callbackHandler(state, done)}
	go srv.Serve(ln) // ends with Shutdown; its error is then http.ErrServerClosed
	defer srv.Shutdown(context.Background())

	what := "write to your Google Calendar"
	if slices.Contains(cfg.Scopes, contract.GmailScope) {
		what += " and read your Gmail over IMAP"
	}
	fmt.Fprintf(stderr, "Open this address to let garoon-sync %s:\n\n  %s\n\n", what, authURL)
	if browser {
		if err := openBrowser(authURL); err != nil {
			fmt.Fprintln(stderr, "(could not open a browser; open the address yourself)")
		}
	}
	var res callbackResult
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("no answer from the browser: %w", ctx.Err())
	}
	if res.err != nil {
		return nil, res.err
	}
	return exchange(ctx, cfg, res.code, verifier)
}

// callbackResult is what the consent page's redirect brought: the code, or
// why there is none.
type callbackResult struct {
	code string
	err  error
}

// callbackHandler answers the consent page's redirect to /callback: it
// checks the state, tells the browser's tab the outcome, and sends the
// first answer to done.
func callbackHandler(state string, done chan<- callbackResult) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res callbackResult
		switch {
		case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
			res.err = errors.New("the answer's state does not match this request: start again")
		case q.Get("error") == "access_denied":
			res.err = errors.New("you declined access on Google's consent page")
		case q.Get("error") != "":
			res.err = fmt.Errorf("the consent page answered %s", q.Get("error"))
		case q.Get("code") == "":
			res.err = errors.New("the consent page's answer has no code")
		default:
			res.code = q.Get("code")
		}
		if res.err != nil {
			http.Error(w, "garoon-sync: "+res.err.Error(), http.StatusBadRequest)
		} else {
			fmt.Fprintln(w, "garoon-sync: authorized. You can close this tab.")
		}
		select {
		case done <- res:
		default:
		}
	})
}

// exchange trades the code (and the PKCE verifier) for the tokens, and
// insists on a refresh token: the function has nothing else to work with.
func exchange(ctx context.Context, cfg *oauth2.Config, code, verifier string) (*oauth2.Token, error) {
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_client" {
		return nil, errors.New("google refused the OAuth client (invalid_client): check the client id and secret")
	}
	if err != nil {
		return nil, fmt.Errorf("exchange the code: %w", err)
	}
	if tok.RefreshToken == "" {
		return nil, errors.New("google returned no refresh token: remove the app's access at https://myaccount.google.com/permissions and run authorize again")
	}
	return tok, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mergeJSONFile writes keys into the JSON object in path, keeping its other
// keys, with mode 0600, replacing it whole (writeFileAtomic).
func mergeJSONFile(path string, keys map[string]string) error {
	obj := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &obj); err != nil {
			return fmt.Errorf("%s: not a JSON object of strings", path)
		}
	}
	for k, v := range keys {
		obj[k] = v
	}
	b, _ := json.MarshalIndent(obj, "", "  ")
	return writeFileAtomic(path, append(b, '\n'))
}
