// Package imapmail is the Mailbox adapter over IMAP (github.com/emersion/go-imap/v2).
//
// A run costs a constant number of round trips whatever the mailbox size:
// LOGIN (or AUTHENTICATE XOAUTH2), SELECT, one UID SEARCH, one batched UID FETCH of BODY.PEEK[] (never
// setting \Seen), one batched UID STORE of the processed keyword, LOGOUT.
// One run is bounded in mails (Config.MaxMails, oldest first) and in bytes
// (Config.MaxBytes); what is left comes next run.
package imapmail

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"garoon-calendar-sync/function/internal/garoon"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

const (
	// DefaultMaxMails bounds the mails of one run; the oldest (lowest UID)
	// go first, the rest next run.
	DefaultMaxMails = 500
	// DefaultMaxBytes bounds the mail bytes one run holds in memory: the
	// function has 128 MB, and anyone can send a large mail with the Garoon
	// sender's From. A Garoon notice is a few kilobytes.
	DefaultMaxBytes = 24 << 20

	dialTimeout   = 30 * time.Second
	logoutTimeout = 5 * time.Second
)

// ErrAuth means the server refused the password login. It says what
// happened; the caller names the remedy for where the password is kept
// (runner.Fix, the CLI's hints).
var ErrAuth = errors.New("IMAP login refused: Gmail takes an app password here " +
	"(https://myaccount.google.com/apppasswords), not the Google account password, and refuses any login while IMAP is off for the account")

// ErrTokenRefused means the server refused the OAuth access token
// (AUTHENTICATE XOAUTH2). The refresh token itself works (else the error
// wraps syncer.ErrInvalidGrant): its consent lacks the Gmail scope, or
// IMAP is off for the account. The caller names the remedy.
var ErrTokenRefused = errors.New("IMAP login refused the OAuth access token: the Google consent does not include Gmail (" +
	contract.GmailScope + "), or IMAP is off for the account")

// ErrMailboxChanged means the mailbox's UIDVALIDITY changed between Fetch
// and MarkProcessed: the mailbox was recreated and the UIDs may now name
// other mails, so nothing was marked.
var ErrMailboxChanged = errors.New("IMAP mailbox was recreated (UIDVALIDITY changed) since the mails were fetched; nothing was marked, the next run fetches them again")

// Config configures the adapter.
type Config struct {
	Addr     string // host:port, implicit TLS
	Username string
	Password string // LOGIN password (a Gmail app password), when Tokens is nil
	// Tokens, when set, logs in with SASL XOAUTH2 and an OAuth access token
	// instead of the password.
	Tokens   Tokens
	Mailbox  string      // default INBOX
	TLS      *tls.Config // nil: system roots; ServerName defaults to Addr's host
	Keyword  string      // default contract.ProcessedKeyword
	MaxMails int         // mails per run; default DefaultMaxMails
	MaxBytes int64       // mail bytes per run; default DefaultMaxBytes
	Logger   *slog.Logger
}

// Tokens supplies OAuth access tokens (gcal.Calendar does: one refresh
// serves the Calendar and Gmail). Drop tells it the server refused token,
// so the next AccessToken gets a new one.
type Tokens interface {
	AccessToken(ctx context.Context) (string, error)
	DropAccessToken(token string)
}

// Client is a syncer.Mailbox for one run: it connects on first use and
// keeps the connection for MarkProcessed. Close it when the run is over.
// It is not safe for concurrent use.
type Client struct {
	cfg  Config
	sess *session
	// uidValidity is the UIDVALIDITY the UIDs of the last Fetch belong to;
	// 0 before any Fetch.
	uidValidity uint32
}

type session struct {
	imap        *imapclient.Client
	conn        *boundedConn
	uidValidity uint32
}

var _ syncer.Mailbox = (*Client)(nil)

// New returns a client; nothing is dialled yet.
func New(cfg Config) *Client {
	if cfg.Mailbox == "" {
		cfg.Mailbox = contract.DefaultIMAPMailbox
	}
	if cfg.Keyword == "" {
		cfg.Keyword = contract.ProcessedKeyword
	}
	if cfg.MaxMails <= 0 {
		cfg.MaxMails = DefaultMaxMails
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg}
}

// LoadCA reads a PEM file of CA certificates to trust besides the system's
// (GAROON_SYNC_IMAP_CA_FILE).
func LoadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read IMAP CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("IMAP CA file %s has no PEM certificate in it", path)
	}
	return pool, nil
}

// Fetch implements syncer.Mailbox: one UID SEARCH, then one UID FETCH.
//
// IMAP's SINCE compares dates in the server's time zone, so the search
// starts a day before since: Fetch may return mails up to a day older than
// since, never fewer. The sender is searched by its address; a non-ASCII
// address (which Gmail's SEARCH does not take) is searched by its ASCII
// part and matched here.
func (c *Client) Fetch(ctx context.Context, sender string, since time.Time) ([]syncer.Mail, error) {
	s, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	defer context.AfterFunc(ctx, func() { s.imap.Close() })()

	criteria := &imap.SearchCriteria{
		NotFlag: []imap.Flag{imap.Flag(c.cfg.Keyword)},
		Smaller: garoon.MaxMailBytes + 1, // larger mails are not fetched at all: the parser would not read them
	}
	if !since.IsZero() {
		y, m, d := since.Date()
		criteria.Since = time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
	}
	term, match := searchFrom(sender)
	if term != "" {
		criteria.Header = []imap.SearchCriteriaHeaderField{{Key: "From", Value: term}}
	}
	t0 := time.Now()
	data, err := s.imap.UIDSearch(criteria, nil).Wait()
	if err != nil {
		c.drop()
		return nil, c.callError(ctx, "UID SEARCH", err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	c.uidValidity = s.uidValidity
	c.cfg.Logger.Debug("imap search", "found", len(uids), "took", time.Since(t0))
	if len(uids) > c.cfg.MaxMails {
		c.cfg.Logger.Info("imap: more mails than one run takes; the rest come next run", "found", len(uids), "max", c.cfg.MaxMails)
		uids = uids[:c.cfg.MaxMails]
	}
	if len(uids) == 0 {
		return nil, nil
	}
	return c.fetch(ctx, s, uids, match)
}

// fetch streams the bodies of uids, keeping those that fit the run's byte
// budget (oldest first; a mail that does not fit is left for the next run,
// and later, smaller ones may still fit).
func (c *Client) fetch(ctx context.Context, s *session, uids []imap.UID, match func(raw []byte) bool) ([]syncer.Mail, error) {
	t0 := time.Now()
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := s.imap.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section},
	})
	budget := c.cfg.MaxBytes
	out := make([]syncer.Mail, 0, len(uids))
	var left, others int
	var readErr error
	for readErr == nil {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		var m syncer.Mail
		m, readErr = readMail(msg, min(budget, garoon.MaxMailBytes))
		switch {
		case readErr != nil, m.UID == 0:
		case m.Raw == nil:
			left++
		case match != nil && !match(m.Raw):
			others++
		default:
			budget -= int64(len(m.Raw))
			out = append(out, m)
		}
	}
	if readErr != nil {
		// A body literal and imapclient's reading goroutine share one
		// buffer: once a literal read failed, nothing more may be read
		// from the command (not even by cmd.Close). The connection goes.
		c.drop()
		return nil, c.callError(ctx, fmt.Sprintf("UID FETCH of %d mails", len(uids)), readErr)
	}
	if err := cmd.Close(); err != nil {
		c.drop()
		return nil, c.callError(ctx, fmt.Sprintf("UID FETCH of %d mails", len(uids)), err)
	}
	slices.SortFunc(out, func(a, b syncer.Mail) int { return cmp.Compare(a.UID, b.UID) })
	c.cfg.Logger.Debug("imap fetch", "mails", len(out), "bytes", c.cfg.MaxBytes-budget, "other_senders", others, "took", time.Since(t0))
	if left > 0 {
		c.cfg.Logger.Info("imap: mails over this run's byte budget are left for the next run", "left", left, "max_bytes", c.cfg.MaxBytes)
	}
	return out, nil
}

// readMail reads one message of the FETCH response. A body larger than limit
// is skipped (Raw stays nil): the next Next discards it unread.
func readMail(msg *imapclient.FetchMessageData, limit int64) (syncer.Mail, error) {
	var m syncer.Mail
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			m.UID = uint32(item.UID)
		case imapclient.FetchItemDataInternalDate:
			m.Received = item.Time
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil || m.Raw != nil || item.Literal.Size() > limit {
				continue
			}
			raw := make([]byte, item.Literal.Size())
			if _, err := io.ReadFull(item.Literal, raw); err != nil {
				return m, err
			}
			m.Raw = raw
		}
	}
	return m, nil
}

// MarkProcessed implements syncer.Mailbox: one UID STORE +FLAGS.SILENT.
// If the connection was lost since Fetch, it reconnects once; it refuses
// (ErrMailboxChanged) if the mailbox's UIDVALIDITY changed meanwhile.
func (c *Client) MarkProcessed(ctx context.Context, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	set := imap.UIDSet{}
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	reused := c.sess != nil
	err := c.store(ctx, set)
	var ie *imap.Error
	if err != nil && reused && !errors.As(err, &ie) && !errors.Is(err, ErrMailboxChanged) && ctx.Err() == nil {
		// The connection died since the fetch (a server restart, an idle
		// timeout). STORE +FLAGS is idempotent, so sending it again is safe
		// even if the first one was applied.
		c.cfg.Logger.Warn("imap store failed; reconnecting once", "error", err)
		c.drop()
		err = c.store(ctx, set)
	}
	if err != nil {
		c.drop()
		if errors.Is(err, ErrMailboxChanged) {
			return err
		}
		return fmt.Errorf("mark %d mails %s: %w", len(uids), c.cfg.Keyword, err)
	}
	return nil
}

func (c *Client) store(ctx context.Context, set imap.UIDSet) error {
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	if c.uidValidity != 0 && s.uidValidity != c.uidValidity {
		return fmt.Errorf("%w (mailbox %q on %s: UIDVALIDITY was %d, now %d)", ErrMailboxChanged, c.cfg.Mailbox, c.cfg.Addr, c.uidValidity, s.uidValidity)
	}
	defer context.AfterFunc(ctx, func() { s.imap.Close() })()
	t0 := time.Now()
	flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(c.cfg.Keyword)}}
	if err := s.imap.Store(set, flags, nil).Close(); err != nil {
		return c.callError(ctx, "UID STORE", err)
	}
	c.cfg.Logger.Debug("imap store", "keyword", c.cfg.Keyword, "took", time.Since(t0))
	return nil
}

// Close logs out and closes the connection. A connection already gone is
// not an error.
func (c *Client) Close() error {
	s := c.sess
	if s == nil {
		return nil
	}
	c.sess = nil
	s.conn.limit(time.Now().Add(logoutTimeout))
	_ = s.imap.Logout().Wait()
	if err := s.imap.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// session returns the open connection, bound to ctx's deadline, or opens
// one: dial, TLS, greeting, LOGIN, SELECT.
func (c *Client) session(ctx context.Context) (*session, error) {
	if s := c.sess; s != nil {
		select {
		case <-s.imap.Closed():
			c.drop() // the server hung up while we were idle
		default:
			s.conn.bound(ctx)
			return s, nil
		}
	}
	s, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.sess = s
	return s, nil
}

func (c *Client) dial(ctx context.Context) (*session, error) {
	addr := c.cfg.Addr
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("IMAP address %q: want host:port, e.g. %s: %w", addr, contract.DefaultIMAPAddr, err)
	}
	// The access token first: without one (invalid_grant) there is no
	// point in connecting.
	var token string
	if c.cfg.Tokens != nil {
		if token, err = c.cfg.Tokens.AccessToken(ctx); err != nil {
			// syncer.ErrInvalidGrant stays inspectable: the same error,
			// metric and fix as when the Calendar side meets it.
			return nil, fmt.Errorf("login as %s on %s: get an OAuth access token: %w", c.cfg.Username, addr, err)
		}
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.cfg.TLS != nil {
		tlsCfg = c.cfg.TLS.Clone()
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = host
	}
	t0 := time.Now()
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: dialTimeout}, Config: tlsCfg}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, dialError(ctx, addr, err)
	}
	conn := &boundedConn{Conn: raw}
	conn.bound(ctx)
	cl := imapclient.New(conn, nil)
	defer context.AfterFunc(ctx, func() { cl.Close() })()
	fail := func(err error) (*session, error) {
		cl.Close()
		return nil, err
	}
	if err := cl.WaitGreeting(); err != nil {
		if msg := refusal(err); msg != "" {
			return fail(fmt.Errorf("IMAP server %s refused the connection: %s: %w", addr, msg, err))
		}
		return fail(c.callError(ctx, "greeting", err))
	}
	c.cfg.Logger.Debug("imap connected", "addr", addr, "took", time.Since(t0))
	if err := c.login(ctx, cl, token); err != nil {
		return fail(err)
	}
	sel, err := cl.Select(c.cfg.Mailbox, nil).Wait()
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return fail(fmt.Errorf("IMAP mailbox %q not found on %s (imap_mailbox in the secret names it; Gmail labels are mailboxes, e.g. \"Garoon\"): %w", c.cfg.Mailbox, addr, err))
		}
		return fail(c.callError(ctx, fmt.Sprintf("SELECT %q", c.cfg.Mailbox), err))
	}
	// No PERMANENTFLAGS means every flag can be stored (RFC 3501 7.1).
	if len(sel.PermanentFlags) > 0 && !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) &&
		!slices.ContainsFunc(sel.PermanentFlags, func(f imap.Flag) bool { return strings.EqualFold(string(f), c.cfg.Keyword) }) {
		return fail(fmt.Errorf("IMAP mailbox %q on %s does not accept the keyword %s (its PERMANENTFLAGS %v have no \\*): "+
			"this server cannot record which mails were processed; use a server or mailbox that stores keywords (Gmail does)",
			c.cfg.Mailbox, addr, c.cfg.Keyword, sel.PermanentFlags))
	}
	c.cfg.Logger.Debug("imap selected", "mailbox", c.cfg.Mailbox, "messages", sel.NumMessages, "uidvalidity", sel.UIDValidity, "took", time.Since(t0))
	return &session{imap: cl, conn: conn, uidValidity: sel.UIDValidity}, nil
}

// login is LOGIN with the password, or AUTHENTICATE XOAUTH2 with the
// access token when the config has Tokens.
func (c *Client) login(ctx context.Context, cl *imapclient.Client, token string) error {
	if c.cfg.Tokens == nil {
		if err := cl.Login(c.cfg.Username, c.cfg.Password).Wait(); err != nil {
			return c.loginError(ctx, err)
		}
		return nil
	}
	err := cl.Authenticate(&xoauth2{user: c.cfg.Username, token: token})
	if err == nil {
		return nil
	}
	var refused *xoauth2Error
	var ie *imap.Error
	switch {
	case errors.As(err, &refused):
		c.cfg.Tokens.DropAccessToken(token)
		return fmt.Errorf("login as %s on %s: %w (server said: %s)", c.cfg.Username, c.cfg.Addr, ErrTokenRefused, refused)
	case errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo && refusal(err) == "":
		c.cfg.Tokens.DropAccessToken(token)
		return fmt.Errorf("login as %s on %s: %w (server said: %s)", c.cfg.Username, c.cfg.Addr, ErrTokenRefused, ie.Text)
	}
	return c.loginError(ctx, err)
}

// drop forgets a connection that failed, so the next call reconnects.
func (c *Client) drop() {
	if c.sess != nil {
		c.sess.imap.Close()
		c.sess = nil
	}
}

func (c *Client) loginError(ctx context.Context, err error) error {
	addr, user := c.cfg.Addr, c.cfg.Username
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return c.callError(ctx, "LOGIN as "+user, err)
	}
	if msg := refusal(err); msg != "" {
		return fmt.Errorf("login as %s on %s: %s: %w", user, addr, msg, err)
	}
	if ie.Type == imap.StatusResponseTypeNo {
		return fmt.Errorf("login as %s on %s: %w (server said: %s)", user, addr, ErrAuth, ie.Text)
	}
	return fmt.Errorf("login as %s on %s: %w", user, addr, err)
}

// refusal explains the server refusing service for reasons other than the
// password (Gmail's texts), or returns "".
func refusal(err error) string {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return ""
	}
	text := strings.ToLower(ie.Text)
	switch {
	case strings.Contains(text, "too many simultaneous connections"):
		return "too many simultaneous connections (Gmail allows 15 IMAP connections per account; " +
			"close other mail clients or an old sync script, or wait for idle ones to time out; the next run tries again)"
	case strings.Contains(text, "bandwidth limits") || ie.Code == imap.ResponseCodeLimit:
		return "the account is over the server's command or bandwidth limit (wait; the next run tries again)"
	case ie.Code == imap.ResponseCodeUnavailable:
		return "the server is temporarily unavailable (the next run tries again)"
	}
	return ""
}

func dialError(ctx context.Context, addr string, err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case expired(ctx) && errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("connect to IMAP server %s: no answer before the deadline: %w", addr, err)
	case expired(ctx):
		return fmt.Errorf("connect to IMAP server %s: no answer before the deadline: %w (%w)", addr, context.DeadlineExceeded, err)
	case ctx.Err() != nil:
		return fmt.Errorf("connect to IMAP server %s: %w (%w)", addr, ctx.Err(), err)
	case errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return fmt.Errorf("connect to IMAP server %s: its TLS certificate is not trusted (for a test server, put its CA in %s): %w", addr, contract.EnvIMAPCAFile, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connect to IMAP server %s: connection refused (check %s; Gmail is %s): %w", addr, contract.EnvIMAPAddr, contract.DefaultIMAPAddr, err)
	}
	return fmt.Errorf("connect to IMAP server %s: %w", addr, err)
}

// callError names the server and what was being done, and says when the
// deadline (not the server) ended it: the conn's deadline may fire a moment
// before ctx reports it.
func (c *Client) callError(ctx context.Context, what string, err error) error {
	switch {
	case expired(ctx):
		return fmt.Errorf("IMAP server %s: %s: no answer before the deadline: %w (%w)", c.cfg.Addr, what, context.DeadlineExceeded, err)
	case ctx.Err() != nil:
		return fmt.Errorf("IMAP server %s: %s: %w (%w)", c.cfg.Addr, what, ctx.Err(), err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return fmt.Errorf("IMAP server %s: %s: the connection was lost: %w", c.cfg.Addr, what, err)
	}
	return fmt.Errorf("IMAP server %s: %s: %w", c.cfg.Addr, what, err)
}

func expired(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return errors.Is(ctx.Err(), context.DeadlineExceeded) || ok && !time.Now().Before(dl)
}

// boundedConn keeps every read and write deadline within the current
// call's context deadline. imapclient sets its own deadlines (30 s per
// response, none while idle); without the bound, a server that stops
// answering could outlive the Lambda invocation.
type boundedConn struct {
	net.Conn
	max atomic.Int64 // Unix nanoseconds; 0: no bound
}

// bound makes ctx's deadline (or none) the bound from now on.
func (c *boundedConn) bound(ctx context.Context) {
	dl, _ := ctx.Deadline()
	c.limit(dl)
}

func (c *boundedConn) limit(t time.Time) {
	var n int64
	if !t.IsZero() {
		n = t.UnixNano()
	}
	c.max.Store(n)
	_ = c.Conn.SetDeadline(t)
}

func (c *boundedConn) clamp(t time.Time) time.Time {
	n := c.max.Load()
	if n == 0 {
		return t
	}
	if m := time.Unix(0, n); t.IsZero() || t.After(m) {
		return m
	}
	return t
}

func (c *boundedConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *boundedConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *boundedConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.clamp(t)) }

// searchFrom returns the FROM search term for sender (its address, or the
// longest ASCII part of a non-ASCII one), and, when the server cannot match
// exactly, a check of a mail's From header to apply here.
func searchFrom(sender string) (term string, match func(raw []byte) bool) {
	addr := garoon.Address(sender)
	if addr == "" {
		return "", nil
	}
	if isASCII(addr) {
		return addr, nil
	}
	return longestASCII(addr), func(raw []byte) bool {
		// The sender as the parser reads it; a mail whose header cannot
		// be read is kept, for the engine to report as unreadable.
		from, ok := garoon.SenderOf(raw)
		return !ok || from == addr
	}
}

// longestASCII returns the longest run of printable ASCII in s ("@example.jp"
// of "通知@example.jp"), or "" if it is too short to narrow a search.
func longestASCII(s string) string {
	best, start := "", -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] > ' ' && s[i] < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start > len(best) {
			best = s[start:i]
		}
		start = -1
	}
	if len(best) < 3 {
		return ""
	}
	return best
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
