package fakeimap

import (
	"bytes"
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"

	"garoon-calendar-sync/function/internal/fake/fakeca"
	"garoon-calendar-sync/function/internal/fake/fakecal"
)

// Server is an in-process IMAP server (go-imap v2's imapmemserver)
// speaking implicit TLS on 127.0.0.1 with a self-signed certificate, with one
// user and an INBOX that accepts custom keywords (PERMANENTFLAGS has \*).
//
// Like Gmail it offers AUTHENTICATE PLAIN and XOAUTH2 besides LOGIN; an
// XOAUTH2 login needs an access token that AcceptTokens accepts.
//
// It counts the commands clients send and injects the faults a real server
// shows: a connection cut in the middle of a FETCH response, a FETCH that
// never answers, refused logins, a mailbox recreated under a new
// UIDVALIDITY, and a mailbox that refuses keywords.
//
// Inspection (Messages, WithFlag) goes through a second, plain listener that
// is neither counted nor subject to the faults.
type Server struct {
	Addr     string         // host:port, implicit TLS
	CAPEM    []byte         // the certificate to trust, PEM
	CertPool *x509.CertPool // the same, as a pool

	user, pass  string
	mem         *imapmemserver.User
	srv         *imapserver.Server
	inspectAddr string
	closed      chan struct{}
	closeOnce   sync.Once

	mu         sync.Mutex
	commands   map[string]int
	conns      map[*imapConn]struct{}
	dropFetch  int
	stallFetch int
	loginErr   *imap.Error
	noKeywords bool
	tokenOK    func(token string) bool // XOAUTH2; nil refuses every token
}

// Start starts a server with one user whose INBOX is empty.
func Start(user, pass string) (*Server, error) {
	ca, err := fakeca.New("garoon-sync fake IMAP")
	if err != nil {
		return nil, err
	}
	s := &Server{
		CAPEM: ca.PEM, CertPool: ca.Pool, user: user, pass: pass,
		closed:   make(chan struct{}),
		commands: map[string]int{},
		conns:    map[*imapConn]struct{}{},
	}
	mem := imapmemserver.New()
	s.mem = imapmemserver.NewUser(user, pass)
	if err := s.mem.Create("INBOX", nil); err != nil {
		return nil, err
	}
	mem.AddUser(s.mem)
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess := mem.NewSession()
			if ic, ok := c.NetConn().(*imapConn); ok {
				return &faultySession{Session: sess, srv: s, conn: ic}, nil, nil
			}
			return sess, nil, nil // the inspection listener
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}}, // like Gmail
		InsecureAuth: true,                               // the public listener is TLS; the other is loopback inspection
		Logger:       log.New(io.Discard, "", 0),
	})
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	inspect, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tcp.Close()
		return nil, err
	}
	ln := tls.NewListener(tcp, &tls.Config{Certificates: []tls.Certificate{ca.Server}, MinVersion: tls.VersionTLS12})
	s.Addr, s.inspectAddr = tcp.Addr().String(), inspect.Addr().String()
	go s.srv.Serve(&countingListener{Listener: ln, srv: s}) // ends with Close
	go s.srv.Serve(inspect)                                 // ends with Close
	return s, nil
}

// Close stops the server and drops its connections.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	s.CloseConnections()
	return s.srv.Close()
}

// CloseConnections drops every open client connection (a server restart
// or an idle timeout, from the client's point of view); the mailbox stays.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	conns := slices.Collect(maps.Keys(s.conns))
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// Append adds a mail to INBOX with the given internal date. UIDs are given
// in order from 1 (and from 1 again after RecreateInbox).
func (s *Server) Append(raw []byte, received time.Time) error {
	_, err := s.mem.Append("INBOX", literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: received})
	return err
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// RecreateInbox deletes INBOX and creates it again, empty, under a new
// UIDVALIDITY (what a server does when a mailbox is restored or rebuilt:
// the old UIDs now name nothing, or other mails). Open connections are
// dropped, as they still see the old mailbox.
func (s *Server) RecreateInbox() error {
	if err := s.mem.Delete("INBOX"); err != nil {
		return err
	}
	if err := s.mem.Create("INBOX", nil); err != nil {
		return err
	}
	s.CloseConnections()
	return nil
}

// WriteCAFile writes the server's certificate to dir/imap-ca.pem, for
// GAROON_SYNC_IMAP_CA_FILE.
func (s *Server) WriteCAFile(dir string) (string, error) {
	p := filepath.Join(dir, "imap-ca.pem")
	return p, os.WriteFile(p, s.CAPEM, 0o644)
}

// Commands returns how many of each command clients sent, by name in upper
// case, counted on the wire: LOGIN, SELECT, SEARCH, FETCH, STORE, LOGOUT,
// CAPABILITY, … A UID command counts under its base name (UID FETCH is
// FETCH). Inspection through Messages is not counted.
func (s *Server) Commands() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.commands)
}

// ResetCommands forgets the counts.
func (s *Server) ResetCommands() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = map[string]int{}
}

// DropOnFetch makes the next n FETCH commands lose their connection in the
// middle of the response: the server writes half of its first write and
// closes.
func (s *Server) DropOnFetch(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropFetch = n
}

// StallFetch makes the next n FETCH commands never answer: the server holds
// the connection open until it is closed (CloseConnections, Close).
func (s *Server) StallFetch(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stallFetch = n
}

// FailLogin makes LOGIN fail as Gmail does for a wrong password:
// NO [AUTHENTICATIONFAILED] Invalid credentials (Failure).
func (s *Server) FailLogin(on bool) {
	var err *imap.Error
	if on {
		err = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Invalid credentials (Failure)"}
	}
	s.FailLoginWith(err)
}

// FailLoginWith makes LOGIN answer with err (e.g. Gmail's
// NO [ALERT] Too many simultaneous connections. (Failure)); nil restores
// normal logins.
func (s *Server) FailLoginWith(err *imap.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginErr = err
}

// AcceptTokens makes AUTHENTICATE XOAUTH2 of the user accept the access
// tokens for which ok is true; nil (the default) refuses them all.
func (s *Server) AcceptTokens(ok func(token string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenOK = ok
}

// AcceptTokensOf accepts the access tokens cal's token endpoint issued with
// Gmail's scope, https://mail.google.com/, as Gmail does.
func (s *Server) AcceptTokensOf(cal *fakecal.Server) {
	s.AcceptTokens(func(token string) bool { return cal.TokenHasScope(token, fakecal.GmailScope) })
}

// DisallowKeywords makes SELECT announce PERMANENTFLAGS without \*, as a
// server that stores only the system flags does.
func (s *Server) DisallowKeywords(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noKeywords = on
}

// Message is a mail's state in the fake mailbox.
type Message struct {
	UID   uint32
	Flags []string // sorted
}

// Has reports whether the mail has flag (a keyword or a system flag such
// as \Seen), ignoring case as IMAP does.
func (m Message) Has(flag string) bool {
	return slices.ContainsFunc(m.Flags, func(f string) bool { return strings.EqualFold(f, flag) })
}

// Messages returns every mail in INBOX with its flags, in UID order.
func (s *Server) Messages() ([]Message, error) {
	c, err := imapclient.DialInsecure(s.inspectAddr, nil)
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
			slices.Sort(msg.Flags)
			out = append(out, msg)
		}
	}
	_ = c.Logout().Wait()
	slices.SortFunc(out, func(a, b Message) int { return cmp.Compare(a.UID, b.UID) })
	return out, nil
}

// WithFlag returns the UIDs of the mails that have flag, in order.
func (s *Server) WithFlag(flag string) ([]uint32, error) {
	msgs, err := s.Messages()
	if err != nil {
		return nil, err
	}
	var uids []uint32
	for _, m := range msgs {
		if m.Has(flag) {
			uids = append(uids, m.UID)
		}
	}
	return uids, nil
}

func (s *Server) count(name string) {
	s.mu.Lock()
	s.commands[name]++
	s.mu.Unlock()
}

// take decrements *n and reports whether it was positive.
func (s *Server) take(n *int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *n <= 0 {
		return false
	}
	*n--
	return true
}

// countingListener hands the server connections that count what clients
// send and can be cut.
type countingListener struct {
	net.Listener
	srv *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ic := &imapConn{Conn: c, srv: l.srv, done: make(chan struct{})}
	l.srv.mu.Lock()
	l.srv.conns[ic] = struct{}{}
	l.srv.mu.Unlock()
	return ic, nil
}

// imapConn is one client connection, above TLS.
type imapConn struct {
	net.Conn
	srv  *Server
	cmds commandScanner // only the server's reading goroutine uses it

	mu        sync.Mutex
	cut       bool // the next write is cut in half and the connection closed
	done      chan struct{}
	closeOnce sync.Once
}

func (c *imapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for _, name := range c.cmds.scan(p[:n]) {
		c.srv.count(name)
	}
	return n, err
}

func (c *imapConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	cut := c.cut
	c.mu.Unlock()
	if !cut {
		return c.Conn.Write(p)
	}
	n, _ := c.Conn.Write(p[:max(1, len(p)/2)])
	c.Close()
	return n, net.ErrClosed
}

func (c *imapConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.srv.mu.Lock()
		delete(c.srv.conns, c)
		c.srv.mu.Unlock()
	})
	return c.Conn.Close()
}

// commandScanner finds the command names in the bytes a client sends:
// "tag NAME …" or "tag UID NAME …" lines, skipping the literals
// ({n} or {n+}) that commands such as APPEND and LOGIN may carry.
type commandScanner struct {
	line    []byte // the current line segment, up to maxKeep bytes
	skip    int64  // literal bytes still to skip
	counted bool   // the current command's name was read; the segments after its literals are not commands
}

const maxKeep = 256

func (s *commandScanner) scan(p []byte) []string {
	var names []string
	for len(p) > 0 {
		if s.skip > 0 {
			n := min(s.skip, int64(len(p)))
			s.skip -= n
			p = p[n:]
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.keep(p)
			return names
		}
		s.keep(p[:i])
		p = p[i+1:]
		seg := bytes.TrimSuffix(s.line, []byte("\r"))
		s.line = s.line[:0]
		if !s.counted {
			if name := commandName(seg); name != "" {
				names = append(names, name)
			}
			s.counted = true
		}
		if n, ok := literalSize(seg); ok {
			s.skip = n
			continue
		}
		s.counted = false
	}
	return names
}

func (s *commandScanner) keep(b []byte) {
	// The start says which command it is; the end whether a literal
	// follows. Keep both ends of a long line.
	s.line = append(s.line, b...)
	if len(s.line) > 2*maxKeep {
		s.line = append(s.line[:maxKeep], s.line[len(s.line)-maxKeep:]...)
	}
}

// commandName reads "tag NAME" or "tag UID NAME"; anything else (an IDLE's
// DONE, a SASL response) is not a command.
func commandName(line []byte) string {
	f := strings.Fields(string(line[:min(len(line), maxKeep)]))
	if len(f) < 2 {
		return ""
	}
	name := strings.ToUpper(f[1])
	if name == "UID" && len(f) > 2 {
		name = strings.ToUpper(f[2])
	}
	for _, r := range name {
		if (r < 'A' || r > 'Z') && r != '-' {
			return ""
		}
	}
	return name
}

// literalSize reads the {n} or {n+} that ends a line before a literal.
func literalSize(line []byte) (int64, bool) {
	if !bytes.HasSuffix(line, []byte("}")) {
		return 0, false
	}
	i := bytes.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(string(line[i+1:len(line)-1]), "+"), 10, 64)
	return n, err == nil && n >= 0
}

// faultySession wraps the memory server's session to inject faults.
type faultySession struct {
	imapserver.Session
	srv  *Server
	conn *imapConn
}

func (f *faultySession) Login(user, pass string) error {
	f.srv.mu.Lock()
	loginErr := f.srv.loginErr
	f.srv.mu.Unlock()
	if loginErr != nil {
		return loginErr
	}
	return f.Session.Login(user, pass)
}

// AuthenticateMechanisms: what Gmail announces, less PLAIN-CLIENTTOKEN and
// OAUTHBEARER.
func (f *faultySession) AuthenticateMechanisms() []string { return []string{"PLAIN", "XOAUTH2"} }

func (f *faultySession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthorizationFailed, Text: "SASL identity not supported"}
			}
			return f.Login(username, password)
		}), nil
	case "XOAUTH2":
		return &xoauth2Server{sess: f}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// xoauth2Server is the server side of Gmail's XOAUTH2
// (https://developers.google.com/gmail/imap/xoauth2-protocol): the client
// sends "user=" {User} "^Aauth=Bearer " {Access Token} "^A^A"; a refused
// token gets a challenge holding {"status","schemes","scope"} JSON, then,
// after the client's (empty) response, NO [AUTHENTICATIONFAILED].
type xoauth2Server struct {
	sess    *faultySession
	refused bool
}

func (x *xoauth2Server) Next(response []byte) ([]byte, bool, error) {
	if x.refused {
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Invalid credentials (Failure)"}
	}
	if response == nil {
		return []byte{}, false, nil // no SASL-IR: ask for the initial response
	}
	srv := x.sess.srv
	srv.mu.Lock()
	loginErr, tokenOK := srv.loginErr, srv.tokenOK
	srv.mu.Unlock()
	if loginErr != nil {
		return nil, true, loginErr
	}
	var user, token string
	for field := range strings.SplitSeq(string(response), "\x01") {
		switch k, v, _ := strings.Cut(field, "="); k {
		case "user":
			user = v
		case "auth":
			if rest, ok := strings.CutPrefix(v, "Bearer "); ok {
				token = rest
			}
		}
	}
	if user != srv.user || token == "" || tokenOK == nil || !tokenOK(token) {
		x.refused = true
		return []byte(`{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, x.sess.Session.Login(srv.user, srv.pass)
}

func (f *faultySession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := f.Session.Select(mailbox, options)
	f.srv.mu.Lock()
	noKeywords := f.srv.noKeywords
	f.srv.mu.Unlock()
	if err == nil && noKeywords {
		data.PermanentFlags = []imap.Flag{imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagSeen, imap.FlagDraft}
	}
	return data, err
}

func (f *faultySession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if f.srv.take(&f.srv.stallFetch) {
		select {
		case <-f.conn.done:
		case <-f.srv.closed:
		}
		return errors.New("fake IMAP: stalled FETCH ended by closing the connection")
	}
	if f.srv.take(&f.srv.dropFetch) {
		f.conn.mu.Lock()
		f.conn.cut = true
		f.conn.mu.Unlock()
	}
	return f.Session.Fetch(w, numSet, options)
}

func (f *faultySession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	f.srv.mu.Lock()
	noKeywords := f.srv.noKeywords
	f.srv.mu.Unlock()
	if noKeywords && slices.ContainsFunc(flags.Flags, func(f imap.Flag) bool { return !strings.HasPrefix(string(f), `\`) }) {
		// What such a server does varies; refusing is the plainest.
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "keywords are not supported"}
	}
	return f.Session.Store(w, numSet, flags, options)
}
