// Package secret loads the credentials the sync needs: one JSON object, kept
// in a Secrets Manager secret (the Lambda) or a local file (the CLI). Its
// keys are those of the original manual setup (shared/contract).
//
// Credentials never print their secrets: fmt, slog and encoding/json all see
// a redacted form. ToJSON is the one explicit way to write them out.
package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"

	"garoon-calendar-sync/shared/contract"
)

// Credentials are the secret's values, trimmed and with defaults applied.
// The type is comparable, so a caller can tell whether they changed.
type Credentials struct {
	GmailAddress       string
	GmailPassword      string // Gmail app password, spaces removed
	GaroonSender       string
	GoogleRefreshToken string
	GoogleClientID     string
	GoogleClientSecret string
	CalendarID         string // default "primary"
	IMAPMailbox        string // default "INBOX"
	TimeZone           string // IANA name, default "Asia/Tokyo"
	SeriesDelete       string // "flag" (default) or "all"
	// GmailAuth is how the function logs in to Gmail, resolved:
	// "password" (gmail_password) or "oauth" (XOAUTH2 with the Google token).
	GmailAuth string
}

// GmailOAuth reports whether Gmail is read with an OAuth access token from
// GoogleRefreshToken rather than with the app password.
func (c Credentials) GmailOAuth() bool { return c.GmailAuth == contract.GmailAuthOAuth }

// Parse reads the secret's JSON object. Every missing or empty required key
// is named in the error; unknown keys are ignored. Errors never quote the
// input.
func Parse(data []byte) (Credentials, error) {
	c, err := parse(data)
	if err != nil {
		return Credentials{}, fmt.Errorf("secret: %w", err)
	}
	return c, nil
}

func parse(data []byte) (Credentials, error) {
	raw, err := decodeObject(data)
	if err != nil {
		return Credentials{}, err
	}
	var c Credentials
	fields := c.destinations()
	if err := readStrings(raw, fields); err != nil {
		return Credentials{}, err
	}
	// Google shows app passwords in groups of four ("abcd efgh ijkl mnop"),
	// and people paste them that way, sometimes with full-width spaces.
	c.GmailPassword = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, c.GmailPassword)
	if err := c.chooseGmailAuth(); err != nil {
		return Credentials{}, err
	}
	var missing []string
	for _, f := range fields {
		if *f.dst == "" && isRequired(f.key, c.GmailAuth) {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return Credentials{}, fmt.Errorf("missing required %s", plural("key", missing))
	}
	return c, c.applyOptional()
}

// decodeObject reads data as a JSON object, with an error that says what
// is wrong without quoting the input.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("empty: expected a JSON object with the keys %s", quoteAll(contract.RequiredKeys))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("not valid JSON (syntax error at byte %d)", syn.Offset)
		}
		return nil, errors.New("not a JSON object")
	}
	if raw == nil {
		return nil, errors.New("not a JSON object")
	}
	return raw, nil
}

// secretField is one key of the secret and where its value goes.
type secretField struct {
	key string
	dst *string
}

// destinations are the secret's keys, each bound to its field of c (the
// same order as fields, which reads them back redacted).
func (c *Credentials) destinations() []secretField {
	return []secretField{
		{contract.KeyGmailAddress, &c.GmailAddress},
		{contract.KeyGmailPassword, &c.GmailPassword},
		{contract.KeyGaroonSender, &c.GaroonSender},
		{contract.KeyGoogleRefreshToken, &c.GoogleRefreshToken},
		{contract.KeyGoogleClientID, &c.GoogleClientID},
		{contract.KeyGoogleClientSecret, &c.GoogleClientSecret},
		{contract.KeyCalendarID, &c.CalendarID},
		{contract.KeyIMAPMailbox, &c.IMAPMailbox},
		{contract.KeyTimeZone, &c.TimeZone},
		{contract.KeySeriesDelete, &c.SeriesDelete},
		{contract.KeyGmailAuth, &c.GmailAuth},
	}
}

// readStrings stores each key's trimmed string; absent and null keys stay
// empty; every key that is not a string is named in one error.
func readStrings(raw map[string]json.RawMessage, fields []secretField) error {
	var notString []string
	for _, f := range fields {
		v, ok := raw[f.key]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			notString = append(notString, f.key)
			continue
		}
		*f.dst = strings.TrimSpace(*f.dst)
	}
	if len(notString) > 0 {
		return fmt.Errorf("%s must be a string", plural("key", notString))
	}
	return nil
}

// chooseGmailAuth settles how Gmail is read: as gmail_auth says, else the
// app password when there is one (the original six-key secret keeps
// working), else the Google token.
func (c *Credentials) chooseGmailAuth() error {
	switch c.GmailAuth {
	case "":
		c.GmailAuth = contract.GmailAuthPassword
		if c.GmailPassword == "" {
			c.GmailAuth = contract.GmailAuthOAuth
		}
	case contract.GmailAuthPassword, contract.GmailAuthOAuth:
	default:
		return fmt.Errorf("key %q: %q is neither %q nor %q", contract.KeyGmailAuth, c.GmailAuth, contract.GmailAuthPassword, contract.GmailAuthOAuth)
	}
	return nil
}

// applyOptional fills the optional keys' defaults and checks their values.
func (c *Credentials) applyOptional() error {
	if c.CalendarID == "" {
		c.CalendarID = contract.DefaultCalendarID
	}
	if c.IMAPMailbox == "" {
		c.IMAPMailbox = contract.DefaultIMAPMailbox
	}
	if c.TimeZone == "" {
		c.TimeZone = contract.DefaultTimeZone
	}
	if err := CheckTimeZone(c.TimeZone); err != nil {
		return fmt.Errorf("key %q: %w", contract.KeyTimeZone, err)
	}
	if c.SeriesDelete == "" {
		c.SeriesDelete = contract.SeriesDeleteFlag
	}
	if err := CheckSeriesDelete(c.SeriesDelete); err != nil {
		return fmt.Errorf("key %q: %w", contract.KeySeriesDelete, err)
	}
	return nil
}

// CheckTimeZone says what is wrong with a garoon_time_zone value, if
// anything. The CLI's `secret check` uses it too, so both judge alike.
func CheckTimeZone(zone string) error {
	if _, err := time.LoadLocation(zone); err != nil {
		return fmt.Errorf("%q is not an IANA time zone name (e.g. Asia/Tokyo)", zone)
	}
	return nil
}

// CheckSeriesDelete says what is wrong with a series_delete value, if
// anything.
func CheckSeriesDelete(v string) error {
	switch v {
	case contract.SeriesDeleteFlag, contract.SeriesDeleteAll:
		return nil
	}
	return fmt.Errorf("%q is neither %q nor %q", v, contract.SeriesDeleteFlag, contract.SeriesDeleteAll)
}

// isRequired: every key of contract.RequiredKeys, gmail_password only for
// app-password login.
func isRequired(key, gmailAuth string) bool {
	if key == contract.KeyGmailPassword {
		return gmailAuth == contract.GmailAuthPassword
	}
	for _, k := range contract.RequiredKeys {
		if k == key {
			return true
		}
	}
	return false
}

// plural is `key "a"` or `keys "a", "b"`.
func plural(noun string, keys []string) string {
	if len(keys) == 1 {
		return noun + " " + strconv.Quote(keys[0])
	}
	return noun + "s " + quoteAll(keys)
}

func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, ", ")
}

// ToJSON is the secret's JSON object, secrets included: what `secret put`
// stores. Optional keys are written only when they differ from the default.
func (c Credentials) ToJSON() ([]byte, error) {
	m := map[string]string{
		contract.KeyGmailAddress:       c.GmailAddress,
		contract.KeyGaroonSender:       c.GaroonSender,
		contract.KeyGoogleRefreshToken: c.GoogleRefreshToken,
		contract.KeyGoogleClientID:     c.GoogleClientID,
		contract.KeyGoogleClientSecret: c.GoogleClientSecret,
	}
	if c.CalendarID != "" && c.CalendarID != contract.DefaultCalendarID {
		m[contract.KeyCalendarID] = c.CalendarID
	}
	if c.IMAPMailbox != "" && c.IMAPMailbox != contract.DefaultIMAPMailbox {
		m[contract.KeyIMAPMailbox] = c.IMAPMailbox
	}
	if c.TimeZone != "" && c.TimeZone != contract.DefaultTimeZone {
		m[contract.KeyTimeZone] = c.TimeZone
	}
	if c.SeriesDelete != "" && c.SeriesDelete != contract.SeriesDeleteFlag {
		m[contract.KeySeriesDelete] = c.SeriesDelete
	}
	if c.GmailPassword != "" {
		m[contract.KeyGmailPassword] = c.GmailPassword
	}
	// gmail_auth only where the other keys do not already imply it.
	if c.GmailOAuth() && c.GmailPassword != "" || c.GmailAuth == contract.GmailAuthPassword && c.GmailPassword == "" {
		m[contract.KeyGmailAuth] = c.GmailAuth
	}
	return json.MarshalIndent(m, "", "  ")
}

const redacted = "[redacted]"

func redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// field is one shown or redacted field of the printed forms.
type field struct{ name, key, value string }

func (c Credentials) fields() []field {
	return []field{
		{"GmailAddress", contract.KeyGmailAddress, c.GmailAddress},
		{"GmailPassword", contract.KeyGmailPassword, redact(c.GmailPassword)},
		{"GaroonSender", contract.KeyGaroonSender, c.GaroonSender},
		{"GoogleRefreshToken", contract.KeyGoogleRefreshToken, redact(c.GoogleRefreshToken)},
		{"GoogleClientID", contract.KeyGoogleClientID, redact(c.GoogleClientID)},
		{"GoogleClientSecret", contract.KeyGoogleClientSecret, redact(c.GoogleClientSecret)},
		{"CalendarID", contract.KeyCalendarID, c.CalendarID},
		{"IMAPMailbox", contract.KeyIMAPMailbox, c.IMAPMailbox},
		{"TimeZone", contract.KeyTimeZone, c.TimeZone},
		{"SeriesDelete", contract.KeySeriesDelete, c.SeriesDelete},
		{"GmailAuth", contract.KeyGmailAuth, c.GmailAuth},
	}
}

// String shows the address, the sender, the calendar and the mailbox, and
// whether each secret is set.
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range c.fields() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.value)
	}
	b.WriteByte('}')
	return b.String()
}

// GoString is the %#v form, redacted like String.
func (c Credentials) GoString() string {
	var b strings.Builder
	b.WriteString("secret.Credentials{")
	for i, f := range c.fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.name + ":" + strconv.Quote(f.value))
	}
	b.WriteByte('}')
	return b.String()
}

// Format makes every fmt verb use the redacted forms, %+v and %x included.
func (c Credentials) Format(s fmt.State, verb rune) {
	switch {
	case verb == 'v' && s.Flag('#'):
		fmt.Fprint(s, c.GoString())
	case verb == 'v' && s.Flag('+'):
		var b strings.Builder
		b.WriteByte('{')
		for i, f := range c.fields() {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(f.name + ":" + f.value)
		}
		b.WriteByte('}')
		fmt.Fprint(s, b.String())
	case verb == 'q':
		fmt.Fprint(s, strconv.Quote(c.String()))
	default:
		fmt.Fprint(s, c.String())
	}
}

// LogValue is the slog form: the contract's key names, secrets redacted.
func (c Credentials) LogValue() slog.Value {
	fs := c.fields()
	attrs := make([]slog.Attr, len(fs))
	for i, f := range fs {
		attrs[i] = slog.String(f.key, f.value)
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON is redacted too, so that an accidental json.Marshal (a
// response, a debug dump) cannot leak the secret. Use ToJSON to write it.
func (c Credentials) MarshalJSON() ([]byte, error) {
	m := make(map[string]string, 8)
	for _, f := range c.fields() {
		m[f.key] = f.value
	}
	return json.Marshal(m)
}
