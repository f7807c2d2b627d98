package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"garoon-calendar-sync/function/internal/fake/fakeca"
	"garoon-calendar-sync/function/internal/fake/fakecal"
)

// The IMAP account: an app password as Google shows it, in groups of four.
const (
	imapUser = "garoon@example.com"
	imapPass = "abcd efgh ijkl mnop"
)

// dovecotBinary finds Dovecot on PATH or where Debian installs it (sbin is
// not on every user's PATH).
func dovecotBinary() (string, error) {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("dovecot not found on PATH nor in /usr/sbin")
}

// dovecot is a real Dovecot in the foreground as an unprivileged process
// tree, on 127.0.0.1 with implicit TLS only (a CA made for this run), one
// passwd-file user and a Maildir.
type dovecot struct {
	t       *testing.T
	bin     string
	dir     string
	port    int
	caFile  string
	pool    *x509.CertPool
	cmd     *exec.Cmd
	maildir string
	uid     int
	gid     int
	seq     int
}

func startDovecot(t *testing.T, bin string) *dovecot { return startDovecotOAuth(t, bin, "") }

// startDovecotOAuth is startDovecot that also takes SASL XOAUTH2 when
// introspectURL is set: Dovecot's oauth2 passdb (built into Debian's
// dovecot-core 2.3.19) POSTs token=<access token> to introspectURL (RFC
// 7662 style, introspection_mode = post) and accepts the login when the
// answer has "active": true and "email" equal to the user
// (https://doc.dovecot.org/2.3/configuration_manual/authentication/oauth2/).
// App-password logins keep their own passdb, restricted to PLAIN and LOGIN.
func startDovecotOAuth(t *testing.T, bin, introspectURL string) *dovecot {
	t.Helper()
	// Not t.TempDir: Dovecot's unprivileged processes must traverse the
	// path, and its unix sockets need a short one.
	dir, err := os.MkdirTemp("/tmp", "gs-dove-")
	must(t, err)
	must(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &dovecot{t: t, bin: bin, dir: dir, port: freePort(t), uid: os.Getuid(), gid: os.Getgid()}
	login, internal := currentUser(), currentUser()
	if os.Getuid() == 0 {
		// Dovecot refuses to run mail or login processes as root.
		mail, err := user.Lookup("mail")
		if err != nil {
			t.Fatalf("dovecot as root needs the mail user: %v", err)
		}
		d.uid, _ = strconv.Atoi(mail.Uid)
		d.gid, _ = strconv.Atoi(mail.Gid)
		login, internal = "dovenull", "dovecot"
	}
	d.maildir = filepath.Join(dir, "mail", "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		must(t, os.MkdirAll(filepath.Join(d.maildir, sub), 0o755))
	}
	chownAll(t, filepath.Join(dir, "mail"), d.uid, d.gid)

	// A CA for this run and a server certificate it signed: only the CA
	// goes to the function, through GAROON_SYNC_IMAP_CA_FILE, as a test
	// server's would.
	ca, err := fakeca.New("garoon-calendar-sync e2e CA")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "cert.pem"), ca.ServerPEM, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "key.pem"), ca.KeyPEM, 0o600))
	d.caFile = filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(d.caFile, ca.PEM, 0o644))
	d.pool = ca.Pool

	// Gmail accepts the app password with or without its spaces; this
	// server knows it without, as the user's secret may hold either.
	must(t, os.WriteFile(filepath.Join(dir, "passwd"),
		fmt.Appendf(nil, "%s:{PLAIN}%s:%d:%d::%s\n", imapUser, compactPass, d.uid, d.gid, filepath.Join(dir, "mail")), 0o644))
	if introspectURL != "" {
		must(t, os.WriteFile(filepath.Join(dir, "oauth2.conf.ext"), []byte(dovecotOAuth2Conf(introspectURL)), 0o644))
	}
	conf := dovecotConf(dir, d.port, login, internal, introspectURL != "")
	must(t, os.WriteFile(filepath.Join(dir, "dovecot.conf"), []byte(conf), 0o644))
	d.start()
	t.Cleanup(d.stop)
	return d
}

// dovecotConf is the server's whole configuration: IMAPS on port with the
// run's certificate, app-password logins (PLAIN, LOGIN) from the passwd
// file and, with oauth, XOAUTH2 logins checked by the oauth2 passdb
// (dovecotOAuth2Conf, in dir/oauth2.conf.ext).
func dovecotConf(dir string, port int, login, internal string, oauth bool) string {
	mechanisms, oauthPassdb := "plain", ""
	if oauth {
		mechanisms = "plain xoauth2"
		oauthPassdb = fmt.Sprintf(`passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = %s/oauth2.conf.ext
}
`, dir)
	}
	return fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/run
instance_name = gs-e2e-%[2]d
protocols = imap
listen = 127.0.0.1
log_path = %[1]s/dovecot.log
default_login_user = %[3]s
default_internal_user = %[4]s
default_internal_group = %[4]s
ssl = required
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
auth_mechanisms = %[5]s
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
%[6]suserdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/passwd
}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {
  chroot =
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = %[2]d
    ssl = yes
  }
}
service anvil {
  chroot =
}
`, dir, port, login, internal, mechanisms, oauthPassdb)
}

const compactPass = "abcdefghijklmnop"

// dovecotOAuth2Conf is the oauth2 passdb's settings file: every XOAUTH2
// login is checked by POSTing the token to introspectURL.
func dovecotOAuth2Conf(introspectURL string) string {
	return `introspection_mode = post
introspection_url = ` + introspectURL + `
force_introspection = yes
username_attribute = email
active_attribute = active
active_value = true
`
}

// introspection is the token-introspection endpoint Dovecot asks (Google
// offers none; Gmail checks its tokens itself): a token is active when the
// fake token endpoint issued it with Gmail's scope, and belongs to imapUser.
func introspection(t *testing.T, cal *fakecal.Server) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.ParseForm() != nil {
			http.Error(w, "POST a form", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if !cal.TokenHasScope(r.PostForm.Get("token"), fakecal.GmailScope) {
			fmt.Fprint(w, `{"active":false}`)
			return
		}
		fmt.Fprintf(w, `{"active":true,"email":%q,"scope":%q}`, imapUser, fakecal.GmailScope)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/introspect"
}

func currentUser() string {
	u, err := user.Current()
	if err != nil {
		return "nobody"
	}
	return u.Username
}

// start runs Dovecot and waits until it completes a TLS handshake with a
// client that trusts only this run's CA.
func (d *dovecot) start() {
	d.t.Helper()
	d.cmd = exec.Command(d.bin, "-F", "-c", filepath.Join(d.dir, "dovecot.conf"))
	d.cmd.Stdout, d.cmd.Stderr = io.Discard, io.Discard
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(d.t, d.cmd.Start())
	for range 200 {
		c, err := tls.Dial("tcp", d.addr(), d.tlsConfig())
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	d.t.Fatalf("dovecot did not start:\n%s", d.log())
}

// stop is a clean shutdown (SIGTERM to the master); it returns when the
// master's pid file is gone, so the next start does not find it running.
func (d *dovecot) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	_ = d.cmd.Wait()
	d.cmd = nil
	for range 250 {
		if _, err := os.Stat(filepath.Join(d.dir, "run", "master.pid")); os.IsNotExist(err) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.t.Errorf("dovecot left its pid file behind:\n%s", d.log())
}

// crash kills the master and every Dovecot process with SIGKILL: the
// connections drop at once, as when a server dies.
func (d *dovecot) crash() {
	d.t.Helper()
	must(d.t, syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL))
	_ = d.cmd.Wait()
	d.cmd = nil
	// The stale pid file names a dead process: Dovecot starts over it.
}

func (d *dovecot) log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	return string(b)
}

// waitLog reports whether the log has s, waiting up to 5 s: Dovecot's
// processes write to it asynchronously, so a line can land after the
// client has its answer.
func (d *dovecot) waitLog(s string) bool {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(d.log(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// logins is how many IMAP logins the server has logged.
func (d *dovecot) logins() int {
	return strings.Count(d.log(), "imap-login: Info: Login: user=<"+imapUser+">")
}

func (d *dovecot) addr() string { return fmt.Sprintf("127.0.0.1:%d", d.port) }

func (d *dovecot) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: d.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// deliver puts a mail into Maildir/new as a local delivery agent would.
// Dovecot takes the file's mtime as the received date (IMAP INTERNALDATE),
// which the sync's SINCE window is about: now, unless a time is given.
func (d *dovecot) deliver(raw []byte, received ...time.Time) {
	d.t.Helper()
	d.seq++
	now := time.Now()
	name := fmt.Sprintf("%d.M%07dP%d.e2e", now.Unix(), d.seq, os.Getpid())
	p := filepath.Join(d.maildir, "new", name)
	must(d.t, os.WriteFile(p, raw, 0o644))
	must(d.t, os.Chown(p, d.uid, d.gid))
	if len(received) > 0 {
		must(d.t, os.Chtimes(p, received[0], received[0]))
	}
}

// dial logs in as the user: a mail client's view of the mailbox.
func (d *dovecot) dial() *imapclient.Client {
	d.t.Helper()
	c, err := imapclient.DialTLS(d.addr(), &imapclient.Options{TLSConfig: d.tlsConfig()})
	must(d.t, err)
	must(d.t, c.Login(imapUser, compactPass).Wait())
	_, err = c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	must(d.t, err)
	return c
}

// mailState is uid → flags for every mail in INBOX.
func (d *dovecot) mailState() map[uint32][]imap.Flag {
	d.t.Helper()
	c := d.dial()
	defer c.Close()
	out := map[uint32][]imap.Flag{}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil { // an empty mailbox has no message 1
		return out
	}
	for _, m := range msgs {
		out[uint32(m.UID)] = m.Flags
	}
	return out
}

// search is the server's own answer to a query, independent of the adapter.
func (d *dovecot) search(c *imap.SearchCriteria) []uint32 {
	d.t.Helper()
	cl := d.dial()
	defer cl.Close()
	data, err := cl.UIDSearch(c, nil).Wait()
	must(d.t, err)
	var out []uint32
	for _, u := range data.AllUIDs() {
		out = append(out, uint32(u))
	}
	slices.Sort(out)
	return out
}

func chownAll(t *testing.T, root string, uid, gid int) {
	t.Helper()
	must(t, filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	}))
}
