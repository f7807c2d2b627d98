package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.json")
	if err := os.WriteFile(path, []byte("old, readable by all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if err != nil || string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("got %q %v, mode %v; want \"new\", mode 0600", b, err, fi.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}

	// A directory that does not exist: an error naming it, nothing written.
	missing := filepath.Join(dir, "no-such-dir", "demo.env")
	if err := writeFileAtomic(missing, []byte("x")); err == nil || !os.IsNotExist(err) ||
		err.Error() != "write "+missing+": no such file or directory" {
		t.Errorf("missing directory: %v", err)
	}
}
