// Package e2e proves the shipped Lambda binary against real, independent
// protocol implementations: Dovecot (IMAP over implicit TLS) and the AWS
// Lambda Runtime Interface Emulator, with Secrets Manager and Google's
// token and Calendar endpoints served by local fakes through the overrides of
// DESIGN.md. Everything listens on 127.0.0.1.
package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"garoon-calendar-sync/function/internal/fake"
)

// rieVersion is the emulator's module pseudo-version (the module has no tags).
const rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"

var (
	bootstrapBin string // host build of ./function/cmd/bootstrap
	rieBin       string
	setupErr     error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "garoon-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	setupErr = buildBinaries(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildBinaries builds the bootstrap for the host (the arm64 one is the same
// main) and the emulator from the Go module proxy, cached across runs.
func buildBinaries(dir string) error {
	bootstrapBin = filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bootstrapBin, "garoon-calendar-sync/function/cmd/bootstrap")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build bootstrap: %v\n%s", err, out)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	bin := filepath.Join(cache, "garoon-calendar-sync", "rie-"+rieVersion)
	rieBin = filepath.Join(bin, "aws-lambda-rie")
	if _, err := os.Stat(rieBin); err == nil {
		return nil
	}
	cmd = exec.Command("go", "install", "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@"+rieVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOWORK=off", "GOFLAGS=")
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the Lambda runtime interface emulator: %v\n%s", err, out)
	}
	return nil
}

// requireTools skips (loudly) or, in CI, fails when the real servers are
// missing: CI must never skip this suite.
func requireTools(t *testing.T) {
	t.Helper()
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	if _, err := exec.LookPath("dovecot"); err != nil {
		msg := "DOVECOT IS NOT INSTALLED: the end-to-end suite needs the real IMAP server (apt-get install dovecot-imapd; .ci/run does it)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED: " + msg)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// dovecot is a Dovecot instance in the foreground, on 127.0.0.1, implicit
// TLS only, with one passwd-file user and a Maildir.
type dovecot struct {
	t       *testing.T
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

const (
	imapUser = "garoon@example.com"
	imapPass = "abcd efgh ijkl mnop" // an app password as Google shows it
)

func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	// Not t.TempDir: Dovecot's unprivileged processes must traverse it.
	dir, err := os.MkdirTemp("/tmp", "gs-dove-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &dovecot{t: t, dir: dir, port: freePort(t), uid: os.Getuid(), gid: os.Getgid()}
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
		if err := os.MkdirAll(filepath.Join(d.maildir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	chownAll(t, filepath.Join(dir, "mail"), d.uid, d.gid)
	cert, key, caPEM := selfSigned(t)
	must(t, os.WriteFile(filepath.Join(dir, "cert.pem"), cert, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "key.pem"), key, 0o600))
	d.caFile = filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(d.caFile, caPEM, 0o644))
	d.pool = x509.NewCertPool()
	d.pool.AppendCertsFromPEM(caPEM)
	pass := strings.ReplaceAll(imapPass, " ", "")
	must(t, os.WriteFile(filepath.Join(dir, "passwd"),
		fmt.Appendf(nil, "%s:{PLAIN}%s:%d:%d::%s\n", imapUser, pass, d.uid, d.gid, filepath.Join(dir, "mail")), 0o644))
	conf := fmt.Sprintf(`base_dir = %[1]s/run
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
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
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
`, dir, d.port, login, internal)
	must(t, os.WriteFile(filepath.Join(dir, "dovecot.conf"), []byte(conf), 0o644))
	d.start()
	t.Cleanup(d.stop)
	return d
}

func currentUser() string {
	u, err := user.Current()
	if err != nil {
		return "nobody"
	}
	return u.Username
}

func (d *dovecot) start() {
	d.t.Helper()
	d.cmd = exec.Command("dovecot", "-F", "-c", filepath.Join(d.dir, "dovecot.conf"))
	d.cmd.Stdout, d.cmd.Stderr = io.Discard, io.Discard
	must(d.t, d.cmd.Start())
	for range 100 {
		c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", d.port), &tls.Config{RootCAs: d.pool, ServerName: "127.0.0.1"})
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	d.t.Fatalf("dovecot did not start:\n%s", log)
}

func (d *dovecot) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()
	d.cmd = nil
	for range 100 { // the master's pid file goes last
		if _, err := os.Stat(filepath.Join(d.dir, "run", "master.pid")); os.IsNotExist(err) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (d *dovecot) addr() string { return fmt.Sprintf("127.0.0.1:%d", d.port) }

// deliver puts a mail into Maildir/new, as the local delivery agent would,
// received now.
func (d *dovecot) deliver(raw []byte) {
	d.t.Helper()
	d.seq++
	name := fmt.Sprintf("%d.M%dP%d.e2e", time.Now().Unix(), d.seq, os.Getpid())
	p := filepath.Join(d.maildir, "new", name)
	must(d.t, os.WriteFile(p, raw, 0o644))
	must(d.t, os.Chown(p, d.uid, d.gid))
}

// mailState is what a mail client sees: uid → flags.
func (d *dovecot) mailState() map[uint32][]imap.Flag {
	d.t.Helper()
	c, err := imapclient.DialTLS(d.addr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: d.pool, ServerName: "127.0.0.1"}})
	must(d.t, err)
	defer c.Close()
	must(d.t, c.Login(imapUser, strings.ReplaceAll(imapPass, " ", "")).Wait())
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	must(d.t, err)
	out := map[uint32][]imap.Flag{}
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	must(d.t, err)
	for _, m := range msgs {
		out[uint32(m.UID)] = m.Flags
	}
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

func selfSigned(t *testing.T) (certPEM, keyPEM, caPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), certPEM
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// lambda is the bootstrap under the runtime interface emulator.
type lambda struct {
	t    *testing.T
	port int
	env  []string
	cmd  *exec.Cmd
	out  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startLambda(t *testing.T, env []string) *lambda {
	t.Helper()
	l := &lambda{t: t, env: env, out: &syncBuffer{}}
	l.start()
	t.Cleanup(l.stop)
	return l
}

func (l *lambda) start() {
	l.t.Helper()
	waitRuntimeAPIFree(l.t)
	l.port = freePort(l.t)
	l.cmd = exec.Command(rieBin, "--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", l.port), bootstrapBin)
	l.cmd.Env = l.env
	l.cmd.Stdout, l.cmd.Stderr = l.out, l.out
	l.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(l.t, l.cmd.Start())
	for range 100 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", l.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	l.stop()
	l.t.Fatalf("the emulator did not start:\n%s", l.out)
}

func (l *lambda) stop() {
	if l.cmd == nil || l.cmd.Process == nil {
		return
	}
	syscall.Kill(-l.cmd.Process.Pid, syscall.SIGKILL)
	if pid := l.bootstrapPID(); pid != 0 {
		syscall.Kill(pid, syscall.SIGKILL) // in case the emulator gave it a group of its own
	}
	l.cmd.Wait()
	l.cmd = nil
	waitRuntimeAPIFree(l.t)
}

// waitRuntimeAPIFree waits until no emulator holds the Runtime API's fixed
// port, 127.0.0.1:9001: only one emulator can run at a time.
func waitRuntimeAPIFree(t *testing.T) {
	t.Helper()
	for range 250 {
		ln, err := net.Listen("tcp", "127.0.0.1:9001")
		if err == nil {
			ln.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("127.0.0.1:9001 (the Lambda Runtime API port) stays in use: another emulator is running")
}

// invoke calls the function as EventBridge Scheduler does, and returns the
// response object: the handler's result, or Lambda's error object.
func (l *lambda) invoke() map[string]any {
	l.t.Helper()
	raw, err := l.post()
	must(l.t, err)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		l.t.Fatalf("invoke: %v: %s\nlogs:\n%s", err, raw, l.out)
	}
	return out
}

func (l *lambda) post() ([]byte, error) {
	body := `{"version":"0","detail-type":"Scheduled Event","source":"aws.scheduler","detail":{}}`
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", l.port), "application/json", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// bootstrapPID finds the runtime process the emulator started.
func (l *lambda) bootstrapPID() int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err == nil && exe == bootstrapBin {
			return pid
		}
	}
	return 0
}

// peakRSS is the bootstrap's VmHWM in bytes, 0 if unknown.
func (l *lambda) peakRSS() int64 {
	pid := l.bootstrapPID()
	if pid == 0 || runtime.GOOS != "linux" {
		return 0
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// world is one scenario's servers: Dovecot, the fakes, the function.
type world struct {
	t      *testing.T
	dove   *dovecot
	cal    *fake.CalendarServer
	sm     *fake.SecretsManagerServer
	fn     *lambda
	secret map[string]string
}

const secretName = "garoon-calendar-sync/e2e"

func newWorld(t *testing.T, timeout time.Duration) *world {
	t.Helper()
	requireTools(t)
	w := &world{t: t, dove: startDovecot(t)}
	var err error
	w.cal, err = fake.StartCalendar()
	must(t, err)
	t.Cleanup(func() { w.cal.Close() })
	w.secret = map[string]string{
		"gmail_address": imapUser, "gmail_password": imapPass, "garoon_sender": "no-reply@cybozu.com",
		"google_refresh_token": fake.CalendarRefreshToken, "google_client_id": fake.CalendarClientID,
		"google_client_secret": fake.CalendarClientSecret,
	}
	js, _ := json.Marshal(w.secret)
	w.sm, err = fake.StartSecretsManager(map[string]string{secretName: string(js)})
	must(t, err)
	t.Cleanup(func() { w.sm.Close() })
	w.fn = startLambda(t, []string{
		"PATH=" + os.Getenv("PATH"),
		"SECRET_ID=" + secretName,
		"AWS_REGION=ap-northeast-1",
		"AWS_ACCESS_KEY_ID=AKIDE2E", "AWS_SECRET_ACCESS_KEY=e2e-not-a-secret",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + w.sm.URL,
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(timeout.Seconds())),
		"GAROON_SYNC_IMAP_ADDR=" + w.dove.addr(),
		"GAROON_SYNC_IMAP_CA_FILE=" + w.dove.caFile,
		"GAROON_SYNC_CALENDAR_ENDPOINT=" + w.cal.Endpoint,
		"GAROON_SYNC_TOKEN_URL=" + w.cal.TokenURL,
		"GAROON_SYNC_ENV=e2e",
	})
	return w
}

// secretValues are the strings that must never appear in logs.
func (w *world) secretValues() []string {
	return []string{strings.ReplaceAll(imapPass, " ", ""), imapPass, fake.CalendarRefreshToken, fake.CalendarClientSecret}
}
