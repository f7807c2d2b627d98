package imapmail

import (
	"encoding/json"
	"strings"
)

// xoauth2 is a SASL client of Gmail's XOAUTH2 mechanism
// (https://developers.google.com/gmail/imap/xoauth2-protocol): the initial
// client response is
//
//	"user=" {User} "^Aauth=Bearer " {Access Token} "^A^A"
//
// (^A is 0x01), which imapclient base64-encodes and sends with
// AUTHENTICATE XOAUTH2, in the same line when the server has SASL-IR (Gmail
// has). On failure the server answers with a challenge holding a JSON
// object with "status", "schemes" and "scope".
//
// It is ours because github.com/emersion/go-sasl has no XOAUTH2 client, only
// OAUTHBEARER (RFC 7628), which Gmail also takes; XOAUTH2 is the mechanism
// Google documents for IMAP and the one Dovecot's oauth2 passdb serves
// alike, so tests against Dovecot prove the same bytes Gmail receives.
type xoauth2 struct {
	user, token string
}

const xoauth2Mechanism = "XOAUTH2"

func (a *xoauth2) Start() (mech string, ir []byte, err error) {
	return xoauth2Mechanism, []byte("user=" + a.user + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

// Next gets the server's error challenge (a successful exchange has none)
// and ends the exchange with it: imapclient then returns it from
// Authenticate, and the caller closes the connection rather than sending the
// empty response the protocol page asks for, which imapclient would encode
// as "=" (RFC 4959's empty initial response), not as the empty line.
func (a *xoauth2) Next(challenge []byte) ([]byte, error) {
	e := &xoauth2Error{}
	if err := json.Unmarshal(challenge, e); err != nil {
		e.Status = "unreadable error challenge"
	}
	return nil, e
}

// xoauth2Error is the server's refusal of the token. Its fields name no
// secret: a status code, the schemes and the scope the server wants.
type xoauth2Error struct {
	Status  string `json:"status"`
	Schemes string `json:"schemes"`
	Scope   string `json:"scope"`
}

func (e *xoauth2Error) Error() string {
	parts := []string{"XOAUTH2 refused, status " + e.Status}
	if e.Scope != "" {
		parts = append(parts, "wants scope "+e.Scope)
	}
	return strings.Join(parts, ", ")
}
