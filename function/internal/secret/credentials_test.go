package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"garoon-calendar-sync/function/internal/secret"
)

const (
	password     = "abcdefghijklmnop"
	refreshToken = "1//0e-refresh-token-value"
	clientSecret = "GOCSPX-client-secret-value"
	clientID     = "1234-client.apps.googleusercontent.com"
)

// full is a complete secret, with the optional keys left out.
const full = `{
  "gmail_address": "taro@example.com",
  "gmail_password": "abcd efgh ijkl mnop",
  "garoon_sender": "garoon@example.co.jp",
  "google_refresh_token": "1//0e-refresh-token-value",
  "google_client_id": "1234-client.apps.googleusercontent.com",
  "google_client_secret": "GOCSPX-client-secret-value"
}`

var want = secret.Credentials{
	GmailAddress:       "taro@example.com",
	GmailPassword:      password,
	GaroonSender:       "garoon@example.co.jp",
	GoogleRefreshToken: refreshToken,
	GoogleClientID:     clientID,
	GoogleClientSecret: clientSecret,
	CalendarID:         "primary",
	IMAPMailbox:        "INBOX",
	TimeZone:           "Asia/Tokyo",
	SeriesDelete:       "flag",
	GmailAuth:          "password",
}

// with returns full with key set to value (a JSON literal), or removed if
// value is "".
func with(key, value string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(full), &m); err != nil {
		panic(err)
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key] = json.RawMessage(value)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    func(*secret.Credentials) // edits want; nil with wantErr
		wantErr []string                  // substrings of the error
	}{
		{name: "full, defaults", in: full, want: func(*secret.Credentials) {}},
		{name: "mailbox", in: with("imap_mailbox", `" Garoon "`),
			want: func(c *secret.Credentials) { c.IMAPMailbox = "Garoon" }},
		{name: "calendar id", in: with("calendar_id", `"team@group.calendar.google.com"`),
			want: func(c *secret.Credentials) { c.CalendarID = "team@group.calendar.google.com" }},
		{name: "empty optional key gets the default", in: with("calendar_id", `"  "`), want: func(*secret.Credentials) {}},
		{name: "null optional key gets the default", in: with("imap_mailbox", `null`), want: func(*secret.Credentials) {}},
		{name: "unknown keys ignored", in: with("region", `"ap-northeast-1"`), want: func(*secret.Credentials) {}},
		{name: "values trimmed", in: with("gmail_address", `"  taro@example.com\n"`), want: func(*secret.Credentials) {}},
		{name: "password with full-width and tab spaces", in: with("gmail_password", `"abcd\u3000efgh\tijkl  mnop"`), want: func(*secret.Credentials) {}},
		{name: "password without spaces", in: with("gmail_password", `"abcdefghijklmnop"`), want: func(*secret.Credentials) {}},

		// Gmail login: the old six keys use the app password; without one,
		// or with gmail_auth "oauth", the Google token serves Gmail too.
		{name: "no password: oauth", in: with("gmail_password", ""),
			want: func(c *secret.Credentials) { c.GmailPassword, c.GmailAuth = "", "oauth" }},
		{name: "gmail_auth oauth wins over a password", in: with("gmail_auth", `"oauth"`),
			want: func(c *secret.Credentials) { c.GmailAuth = "oauth" }},
		{name: "gmail_auth password", in: with("gmail_auth", `" password "`), want: func(*secret.Credentials) {}},
		{name: "gmail_auth password without a password", in: `{"gmail_auth":"password","gmail_address":"taro@example.com","garoon_sender":"g@example.jp","google_refresh_token":"x","google_client_id":"y","google_client_secret":"z"}`,
			wantErr: []string{`secret: missing required key "gmail_password"`}},
		{name: "gmail_auth unknown", in: with("gmail_auth", `"xoauth2"`), wantErr: []string{`key "gmail_auth": "xoauth2" is neither "password" nor "oauth"`}},
		{name: "gmail_auth not a string", in: with("gmail_auth", `true`), wantErr: []string{`key "gmail_auth" must be a string`}},
		{name: "missing key", in: with("google_refresh_token", ""), wantErr: []string{`secret: missing required key "google_refresh_token"`}},
		{name: "empty key", in: with("garoon_sender", `""`), wantErr: []string{`missing required key "garoon_sender"`}},
		{name: "blank key", in: with("garoon_sender", `"   "`), wantErr: []string{`missing required key "garoon_sender"`}},
		{name: "null key", in: with("google_client_id", `null`), wantErr: []string{`missing required key "google_client_id"`}},
		{name: "all missing", in: `{}`, wantErr: []string{`missing required keys "gmail_address", "garoon_sender", "google_refresh_token", "google_client_id", "google_client_secret"`}},
		{name: "not a string", in: with("gmail_password", `12345`), wantErr: []string{`key "gmail_password" must be a string`}},
		{name: "empty input", in: " \n", wantErr: []string{"secret: empty", `"gmail_address"`}},
		{name: "array", in: `["a"]`, wantErr: []string{"secret: not a JSON object"}},
		{name: "null", in: `null`, wantErr: []string{"secret: not a JSON object"}},
		{name: "bad JSON", in: `{"gmail_password": "hunter2-secret"`, wantErr: []string{"secret: not valid JSON"}},
		{name: "bad JSON, not quoted", in: `gmail_password=hunter2-secret`, wantErr: []string{"secret: not valid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := secret.Parse([]byte(tt.in))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, got %+v", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				for _, leak := range []string{"hunter2", "abcd", refreshToken, clientSecret} {
					if strings.Contains(err.Error(), leak) {
						t.Errorf("error %q echoes the input", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := want
			tt.want(&w)
			if got != w {
				t.Errorf("got  %#v\nwant %#v", got, w)
				t.Logf("password %q", got.GmailPassword)
			}
		})
	}
}

func TestToJSONRoundTrip(t *testing.T) {
	c := want
	c.CalendarID = "team@group.calendar.google.com"
	b, err := c.ToJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := secret.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if back != c {
		t.Errorf("round trip: %#v", back)
	}
	if bytes.Contains(b, []byte("imap_mailbox")) {
		t.Errorf("default mailbox written: %s", b)
	}
}

// TestToJSONGmailAuth: gmail_auth is written exactly when the other keys do
// not imply it, and every form parses back to the same credentials.
func TestToJSONGmailAuth(t *testing.T) {
	for _, tt := range []struct {
		name           string
		password, auth string
		wantKey        string // gmail_auth in the JSON, "" for none
	}{
		{"password", password, "password", ""},
		{"oauth, no password", "", "oauth", ""},
		{"oauth with a password kept", password, "oauth", "oauth"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := want
			c.GmailPassword, c.GmailAuth = tt.password, tt.auth
			b, err := c.ToJSON()
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m["gmail_auth"] != tt.wantKey {
				t.Errorf("gmail_auth %q, want %q", m["gmail_auth"], tt.wantKey)
			}
			if _, ok := m["gmail_password"]; ok != (tt.password != "") {
				t.Errorf("gmail_password written: %v", ok)
			}
			back, err := secret.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if back != c {
				t.Errorf("round trip: %#v", back)
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	c := want
	secrets := []string{password, refreshToken, clientSecret, clientID}

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out = append(out, fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c))
	}
	out = append(out, fmt.Sprint(c), fmt.Sprintln(c), c.String(), c.GoString())
	// Nested in an exported field, fmt still calls the methods.
	out = append(out, fmt.Sprintf("%+v", struct{ Creds secret.Credentials }{c}))

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "creds", c, "ptr", &c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "creds", c)
	out = append(out, logs.String())

	js, err := json.Marshal(struct{ C secret.Credentials }{c})
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(js))

	for _, s := range out {
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%q leaks %q", s, sec)
			}
		}
	}
	for _, s := range []string{out[0], logs.String(), string(js)} {
		if !strings.Contains(s, "taro@example.com") || !strings.Contains(s, "garoon@example.co.jp") || !strings.Contains(s, "[redacted]") {
			t.Errorf("%q: want the address and sender shown, secrets marked redacted", s)
		}
	}
	if !strings.Contains(logs.String(), `"gmail_password":"[redacted]"`) {
		t.Errorf("slog JSON uses other names: %s", logs.String())
	}
}
