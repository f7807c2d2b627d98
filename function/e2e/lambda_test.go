package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rieVersion is the emulator's module pseudo-version (the module has no tags).
const rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"

const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// buildBootstrap builds ./function/cmd/bootstrap for the host, with the
// shipped build's tag: the arm64 binary is the same main.
func buildBootstrap(dir string) (string, error) {
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "garoon-calendar-sync/function/cmd/bootstrap")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the bootstrap: %v\n%s", err, out)
	}
	return bin, nil
}

// buildRIE installs the emulator from the Go module proxy into the user's
// cache, once: later runs reuse it.
func buildRIE() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "garoon-calendar-sync", "rie-"+rieVersion)
	bin := filepath.Join(dir, "aws-lambda-rie")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	// Outside the workspace: `go install pkg@version` builds the module on
	// its own, with its own go.mod.
	cmd := exec.Command("go", "install", rieModule+"@"+rieVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the Lambda Runtime Interface Emulator (%s@%s): %v\n%s", rieModule, rieVersion, err, out)
	}
	return bin, nil
}

// lambda is the bootstrap under the Runtime Interface Emulator, invoked over
// HTTP as EventBridge Scheduler invokes the real function.
type lambda struct {
	t    *testing.T
	rie  string
	boot string
	port int
	env  []string
	cmd  *exec.Cmd
	out  *logBuffer
	seq  int
}

// logBuffer collects the emulator's and the function's output: what
// CloudWatch Logs would receive.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *logBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *logBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startLambda(t *testing.T, rie, boot string, env []string) *lambda {
	t.Helper()
	t.Cleanup(lockRuntimeAPI(t))
	l := &lambda{t: t, rie: rie, boot: boot, env: env, out: &logBuffer{}}
	l.start()
	t.Cleanup(l.stop)
	return l
}

// lockRuntimeAPI takes a machine-wide lock on the Runtime API port and
// returns its release. Two test processes (make test in two clones, or
// go test -count=2 of several packages) would otherwise start emulators
// that fight over 127.0.0.1:9001, and one's runtime could take the other's
// invocations.
func lockRuntimeAPI(t *testing.T) func() {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "garoon-calendar-sync-runtime-api-9001.lock"), os.O_CREATE|os.O_RDONLY, 0o644)
	must(t, err)
	start := time.Now()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if err != syscall.EWOULDBLOCK || time.Since(start) > 5*time.Minute {
			f.Close()
			t.Fatalf("lock the Runtime API port: %v (waited %v)", err, time.Since(start).Round(time.Second))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := time.Since(start); d > time.Second {
		t.Logf("waited %v for another test process's emulator", d.Round(time.Millisecond))
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}

// start is a cold start: a new emulator, which starts the bootstrap on the
// first invocation.
func (l *lambda) start() {
	l.t.Helper()
	waitRuntimeAPIFree(l.t)
	l.port = freePort(l.t)
	l.cmd = exec.Command(l.rie, "--runtime-interface-emulator-address", fmt.Sprintf("127.0.0.1:%d", l.port), l.boot)
	l.cmd.Env = l.env
	l.cmd.Stdout, l.cmd.Stderr = l.out, l.out
	l.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(l.t, l.cmd.Start())
	for range 200 {
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
	pid := l.bootstrapPID()
	_ = syscall.Kill(-l.cmd.Process.Pid, syscall.SIGKILL)
	if pid != 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL) // in case the emulator gave it a group of its own
	}
	_ = l.cmd.Wait()
	l.cmd = nil
	waitRuntimeAPIFree(l.t)
}

// restart is a new sandbox: the next invocation is a cold start.
func (l *lambda) restart() {
	l.t.Helper()
	l.stop()
	l.start()
}

// waitRuntimeAPIFree waits until no emulator holds the Runtime API's fixed
// port, 127.0.0.1:9001: only one emulator can run at a time, so the
// scenarios run one after the other.
func waitRuntimeAPIFree(t *testing.T) {
	t.Helper()
	for range 1500 { // 30 s: a test process without the lock may hold it
		ln, err := net.Listen("tcp", "127.0.0.1:9001")
		if err == nil {
			ln.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("127.0.0.1:9001 (the Lambda Runtime API port) stays in use: another emulator is running")
}

// schedulerEvent is the payload EventBridge Scheduler's Lambda target sends
// for a schedule without an input: the function ignores it.
const schedulerEvent = `{"version":"0","id":"8e5aa8c2-5b4c-4a2f-9a5e-000000000000","detail-type":"Scheduled Event","source":"aws.scheduler",` +
	`"account":"123456789012","time":"2026-11-24T00:15:00Z","region":"ap-northeast-1","resources":["arn:aws:scheduler:ap-northeast-1:123456789012:schedule/default/garoon-calendar-sync-e2e"],"detail":"{}"}`

// post invokes the function with a request id of its own and returns the
// raw response body.
func (l *lambda) post(requestID string) ([]byte, error) {
	req, err := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", l.port), strings.NewReader(schedulerEvent))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amzn-RequestId", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func (l *lambda) nextRequestID() string {
	l.seq++
	return fmt.Sprintf("e2e-%d-%04d", os.Getpid(), l.seq)
}

// bootstrapPID finds the runtime process the emulator started (0: none).
func (l *lambda) bootstrapPID() int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err == nil && exe == l.boot {
			return pid
		}
	}
	return 0
}

// peakRSS is the bootstrap's peak resident set (VmHWM) in bytes since its
// cold start, 0 if no bootstrap runs. The emulator's REPORT line cannot
// say: it prints the memory size as "Max Memory Used".
func (l *lambda) peakRSS() int64 {
	pid := l.bootstrapPID()
	if pid == 0 {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// jsonLines are the JSON objects among the output's lines.
func jsonLines(out string) []map[string]any {
	var recs []map[string]any
	for line := range strings.SplitSeq(out, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			recs = append(recs, m)
		}
	}
	return recs
}
