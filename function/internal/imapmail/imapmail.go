// Package imapmail is the Mailbox adapter over IMAP (github.com/emersion/go-imap/v2).
// A run costs a constant number of round trips whatever the mailbox size:
// LOGIN, SELECT, one UID SEARCH, one batched UID FETCH of BODY.PEEK[] (never
// setting \Seen), and one batched UID STORE of the processed keyword.
package imapmail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// DefaultMaxMails bounds one run; older mails go first, the rest next run.
const DefaultMaxMails = 500

// MaxMailSize: larger mails are not fetched at all. A Garoon notice is a few
// kilobytes; a 128 MB function must not buffer a stranger's attachment.
const MaxMailSize = 10 << 20

// ErrAuth means the server refused the login.
var ErrAuth = errors.New("IMAP login refused: for Gmail, use an app password " +
	"(Google Account → Security → 2-Step Verification → App passwords, https://myaccount.google.com/apppasswords), " +
	"not your Google password, and check that IMAP is enabled in Gmail's settings")

// Config configures the adapter.
type Config struct {
	Addr     string // host:port, implicit TLS
	Username string
	Password string
	Mailbox  string      // default INBOX
	TLS      *tls.Config // nil: system roots, ServerName from Addr
	Keyword  string      // default contract.ProcessedKeyword
	MaxMails int         // default DefaultMaxMails
	Logger   *slog.Logger
}

// Client is a Mailbox for one run: it connects on first use and keeps the
// connection for MarkProcessed. Close it when the run is over.
type Client struct {
	cfg         Config
	conn        *imapclient.Client
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
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg}
}

// LoadCA reads a PEM file of CA certificates to trust besides the system's.
func LoadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", path)
	}
	return pool, nil
}

// connect dials with TLS under ctx, logs in and selects the mailbox.
func (c *Client) connect(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	tlsCfg := c.cfg.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tlsCfg.ServerName == "" {
		host, _, _ := net.SplitHostPort(c.cfg.Addr)
		tlsCfg = tlsCfg.Clone()
		tlsCfg.ServerName = host
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 30 * time.Second}, Config: tlsCfg}
	raw, err := d.DialContext(ctx, "tcp", c.cfg.Addr)
	if err != nil {
		return fmt.Errorf("connect to IMAP server %s: %w", c.cfg.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		// A hung server must not outlive the run.
		_ = raw.SetDeadline(dl)
	}
	conn := imapclient.New(raw, nil)
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Now()) })
	defer stop()

	if err := conn.WaitGreeting(); err != nil {
		conn.Close()
		return fmt.Errorf("IMAP server %s: greeting: %w", c.cfg.Addr, ctxErr(ctx, err))
	}
	if err := conn.Login(c.cfg.Username, c.cfg.Password).Wait(); err != nil {
		conn.Close()
		return loginError(c.cfg.Addr, c.cfg.Username, ctxErr(ctx, err))
	}
	sel, err := conn.Select(c.cfg.Mailbox, nil).Wait()
	if err != nil {
		conn.Close()
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return fmt.Errorf("IMAP mailbox %q not found on %s (set imap_mailbox in the secret; Gmail labels are mailboxes): %w", c.cfg.Mailbox, c.cfg.Addr, err)
		}
		return fmt.Errorf("select IMAP mailbox %q: %w", c.cfg.Mailbox, ctxErr(ctx, err))
	}
	if len(sel.PermanentFlags) > 0 && !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) &&
		!slices.Contains(sel.PermanentFlags, imap.Flag(c.cfg.Keyword)) {
		conn.Close()
		return fmt.Errorf("IMAP mailbox %q does not allow the keyword %s (PERMANENTFLAGS has no \\*): this server cannot record what was processed", c.cfg.Mailbox, c.cfg.Keyword)
	}
	if c.uidValidity != 0 && sel.UIDValidity != c.uidValidity {
		conn.Close()
		return fmt.Errorf("IMAP mailbox %q was recreated (UIDVALIDITY %d → %d) during the run; not marking mails by stale UIDs", c.cfg.Mailbox, c.uidValidity, sel.UIDValidity)
	}
	c.uidValidity = sel.UIDValidity
	c.conn = conn
	c.cfg.Logger.Debug("imap connected", "addr", c.cfg.Addr, "mailbox", c.cfg.Mailbox, "messages", sel.NumMessages)
	return nil
}

func loginError(addr, user string, err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) {
		text := strings.ToLower(ie.Text)
		switch {
		case ie.Code == imap.ResponseCodeAuthenticationFailed || strings.Contains(text, "invalid credentials") ||
			strings.Contains(text, "authentication failed") || strings.Contains(text, "application-specific password"):
			return fmt.Errorf("login as %s on %s: %w (server said: %s)", user, addr, ErrAuth, ie.Text)
		case strings.Contains(text, "too many simultaneous connections") || ie.Code == imap.ResponseCodeLimit:
			return fmt.Errorf("login as %s on %s: the server limits simultaneous connections (Gmail allows 15 per account; close other mail clients or wait): %w", user, addr, err)
		}
		if ie.Type == imap.StatusResponseTypeNo {
			return fmt.Errorf("login as %s on %s: %w (server said: %s)", user, addr, ErrAuth, ie.Text)
		}
	}
	return fmt.Errorf("login as %s on %s: %w", user, addr, err)
}

// ctxErr prefers the context's error: a deadline cut the connection.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// Fetch implements syncer.Mailbox: one UID SEARCH, then one UID FETCH.
func (c *Client) Fetch(ctx context.Context, sender string, since time.Time) ([]syncer.Mail, error) {
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.abort() })
	defer stop()
	criteria := &imap.SearchCriteria{
		Since:   since,
		NotFlag: []imap.Flag{imap.Flag(c.cfg.Keyword)},
		Smaller: MaxMailSize,
	}
	// Gmail's SEARCH rejects non-ASCII strings without CHARSET; an ASCII
	// sender is searched on the server, anything else filtered here.
	if isASCII(sender) && sender != "" {
		criteria.Header = []imap.SearchCriteriaHeaderField{{Key: "From", Value: sender}}
	}
	data, err := c.conn.UIDSearch(criteria, nil).Wait()
	if err != nil {
		c.drop()
		return nil, fmt.Errorf("IMAP search: %w", ctxErr(ctx, err))
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	if len(uids) > c.cfg.MaxMails {
		c.cfg.Logger.Info("imap: more mails than one run takes; the rest come next run", "found", len(uids), "max", c.cfg.MaxMails)
		uids = uids[:c.cfg.MaxMails]
	}
	c.cfg.Logger.Debug("imap search", "found", len(uids))
	if len(uids) == 0 {
		return nil, nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.conn.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		c.drop()
		return nil, fmt.Errorf("IMAP fetch of %d mails: %w", len(uids), ctxErr(ctx, err))
	}
	out := make([]syncer.Mail, 0, len(msgs))
	for _, m := range msgs {
		raw := m.FindBodySection(section)
		if raw == nil {
			continue
		}
		if !isASCII(sender) && !strings.Contains(strings.ToLower(headerFrom(raw)), strings.ToLower(sender)) {
			continue
		}
		out = append(out, syncer.Mail{UID: uint32(m.UID), Raw: raw, Received: m.InternalDate})
	}
	slices.SortFunc(out, func(a, b syncer.Mail) int { return int(a.UID) - int(b.UID) })
	return out, nil
}

// MarkProcessed implements syncer.Mailbox: one UID STORE +FLAGS.SILENT.
func (c *Client) MarkProcessed(ctx context.Context, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	if err := c.connect(ctx); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.abort() })
	defer stop()
	set := imap.UIDSet{}
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(c.cfg.Keyword)}}
	err := c.conn.Store(set, flags, nil).Close()
	if err != nil && ctx.Err() == nil {
		// The connection died since the fetch (a server restart, an idle
		// timeout): reconnect once. connect refuses if UIDVALIDITY changed,
		// so the UIDs still name the same mails.
		c.cfg.Logger.Warn("imap store failed; reconnecting once", "error", err)
		c.drop()
		if err = c.connect(ctx); err == nil {
			err = c.conn.Store(set, flags, nil).Close()
		}
	}
	if err != nil {
		c.drop()
		return fmt.Errorf("IMAP store of %s on %d mails: %w", c.cfg.Keyword, len(uids), ctxErr(ctx, err))
	}
	return nil
}

// Close logs out and closes the connection.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	conn := c.conn
	c.conn = nil
	_ = conn.Logout().Wait()
	return conn.Close()
}

// drop forgets a connection that failed, so the next call reconnects.
func (c *Client) drop() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

func (c *Client) abort() {
	if c.conn != nil {
		c.conn.Close()
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// headerFrom returns the raw From header of a mail.
func headerFrom(raw []byte) string {
	s := string(raw[:min(len(raw), 64<<10)])
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if len(line) > 5 && strings.EqualFold(line[:5], "from:") {
			return line[5:]
		}
	}
	return ""
}
