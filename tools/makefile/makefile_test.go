// Package makefile checks what `make build` does, without building.
package makefile

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBuildModeIsExecutable: Lambda runs the bootstrap as a user other
// than the file's owner, so it must be world-executable; go build leaves
// the mode to the umask (0700 under umask 077). make build sets it.
func TestBuildModeIsExecutable(t *testing.T) {
	out, err := exec.Command("make", "-C", "../..", "-n", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	build, chmod := -1, -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if strings.Contains(l, "go build") && strings.Contains(l, "-o dist/function/bootstrap") {
			build = i
		}
		if l == "chmod 0755 dist/function/bootstrap" {
			chmod = i
		}
	}
	if build < 0 || chmod < build {
		t.Errorf("make build does not chmod 0755 the bootstrap after building it:\n%s", out)
	}
}
