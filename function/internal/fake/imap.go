package fake

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAPServer is an in-process IMAP server (go-imap v2's imapmemserver)
// speaking implicit TLS on 127.0.0.1 with a self-signed certificate, with one
// user and an INBOX. It counts the commands it receives and can drop a
// connection in the middle of a FETCH or refuse logins.
type IMAPServer struct {
	Addr     string         // host:port
	CAPEM    []byte         // the certificate to trust, PEM
	CertPool *x509.CertPool // the same, as a pool

	user, pass string
	mem        *imapmemserver.User
	srv        *imapserver.Server
	ln         net.Listener

	mu        sync.Mutex
	commands  map[string]int
	dropFetch int
	failLogin bool
	conns     []net.Conn
}

// StartIMAP starts a server with one user whose INBOX is empty.
func StartIMAP(user, pass string) (*IMAPServer, error) {
	cert, caPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	s := &IMAPServer{CAPEM: caPEM, CertPool: pool, user: user, pass: pass, commands: map[string]int{}}
	mem := imapmemserver.New()
	s.mem = imapmemserver.NewUser(user, pass)
	if err := s.mem.Create("INBOX", nil); err != nil {
		return nil, err
	}
	mem.AddUser(s.mem)
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s.mu.Lock()
			s.conns = append(s.conns, c.NetConn())
			s.mu.Unlock()
			return &countingSession{Session: mem.NewSession(), srv: s, conn: c.NetConn()}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}}, // like Gmail
		InsecureAuth: true,                               // the listener itself is TLS
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	s.ln, s.Addr = ln, ln.Addr().String()
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

// Close stops the server and drops its connections.
func (s *IMAPServer) Close() error {
	s.CloseConnections()
	return s.srv.Close()
}

// CloseConnections drops every open client connection (a server restart
// from the client's point of view); the mailbox stays.
func (s *IMAPServer) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// Append adds a mail to INBOX with the given internal date and returns its UID.
func (s *IMAPServer) Append(raw []byte, received time.Time) error {
	_, err := s.mem.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: received})
	return err
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// WriteCAFile writes the server's certificate to dir/imap-ca.pem, for
// GAROON_SYNC_IMAP_CA_FILE.
func (s *IMAPServer) WriteCAFile(dir string) (string, error) {
	p := filepath.Join(dir, "imap-ca.pem")
	return p, os.WriteFile(p, s.CAPEM, 0o644)
}

// Commands returns how many of each command the server received (LOGIN,
// SELECT, SEARCH, FETCH, STORE, …), counted per session call.
func (s *IMAPServer) Commands() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.commands))
	for k, v := range s.commands {
		out[k] = v
	}
	return out
}

// ResetCommands forgets the counts.
func (s *IMAPServer) ResetCommands() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = map[string]int{}
}

// DropOnFetch makes the next n FETCH commands lose their connection before
// answering.
func (s *IMAPServer) DropOnFetch(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropFetch = n
}

// FailLogin makes LOGIN fail as with a wrong password.
func (s *IMAPServer) FailLogin(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLogin = on
}

// Message is a mail's state in the fake mailbox.
type Message struct {
	UID   uint32
	Flags []string
}

// Messages returns every mail's UID and flags, read over IMAP like a mail
// client would.
func (s *IMAPServer) Messages() ([]Message, error) {
	c, err := imapclient.DialTLS(s.Addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: s.CertPool}})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.Login(s.user, s.pass).Wait(); err != nil {
		return nil, err
	}
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, err
	}
	var out []Message
	if sel.NumMessages > 0 {
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			msg := Message{UID: uint32(m.UID)}
			for _, f := range m.Flags {
				msg.Flags = append(msg.Flags, string(f))
			}
			sort.Strings(msg.Flags)
			out = append(out, msg)
		}
	}
	_ = c.Logout().Wait()
	// This inspection is not part of what the code under test sent.
	s.mu.Lock()
	for _, k := range []string{"LOGIN", "SELECT", "FETCH"} {
		s.commands[k]--
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, nil
}

// countingSession wraps the memory server's session to count commands and
// inject faults.
type countingSession struct {
	imapserver.Session
	srv  *IMAPServer
	conn net.Conn
}

func (c *countingSession) count(name string) {
	c.srv.mu.Lock()
	c.srv.commands[name]++
	c.srv.mu.Unlock()
}

func (c *countingSession) Login(user, pass string) error {
	c.count("LOGIN")
	c.srv.mu.Lock()
	fail := c.srv.failLogin
	c.srv.mu.Unlock()
	if fail {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Invalid credentials (Failure)"}
	}
	return c.Session.Login(user, pass)
}

func (c *countingSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	c.count("SELECT")
	return c.Session.Select(mailbox, options)
}

func (c *countingSession) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	c.count("SEARCH")
	return c.Session.Search(kind, criteria, options)
}

func (c *countingSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	c.count("FETCH")
	c.srv.mu.Lock()
	drop := c.srv.dropFetch > 0
	if drop {
		c.srv.dropFetch--
	}
	c.srv.mu.Unlock()
	if drop {
		c.conn.Close()
		return errors.New("connection dropped by the fake")
	}
	return c.Session.Fetch(w, numSet, options)
}

func (c *countingSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	c.count("STORE")
	return c.Session.Store(w, numSet, flags, options)
}

// selfSigned makes an ECDSA certificate for 127.0.0.1 and localhost.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "garoon-sync fake IMAP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("fake IMAP certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
