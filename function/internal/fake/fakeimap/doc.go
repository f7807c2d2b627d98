// Package fakeimap stands in for Gmail's IMAP server on 127.0.0.1: an
// in-process server over implicit TLS that internal/imapmail talks to
// unchanged, in the adapters' tests and in `garoon-sync demo` (which is why
// nothing here imports "testing").
//
// The protocol is go-imap v2's own server (imapserver and imapmemserver,
// RFC 3501), not code of ours; what is Gmail's comes from Google's
// documentation: IMAP4rev1 only, LOGIN, AUTHENTICATE PLAIN and XOAUTH2
// (https://developers.google.com/gmail/imap/xoauth2-protocol), tokens
// accepted only with the https://mail.google.com/ scope. The faults it
// injects (a connection cut inside a FETCH, a FETCH that never answers, a
// refused login with Gmail's texts, a new UIDVALIDITY, no custom keywords)
// are the ones internal/imapmail handles, each described where it is set.
// Dovecot, in the end-to-end suite, is the check that the client also
// works against a server we did not write.
package fakeimap
