package main

import (
	"errors"
	"os"
	"path/filepath"
)

// writeFileAtomic replaces path with data, mode 0600, so that a reader sees
// either the old file or the whole new one: the data goes to a temporary
// file in the same directory, which is then renamed over path. A shell that
// sources demo --serve's env file the moment it appears, or an authorize
// interrupted while it writes the secret file, never finds half a file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return writeError(path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return writeError(path, err)
	}
	return nil
}

// writeError names the file the person asked for, not the temporary one.
func writeError(path string, err error) error {
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err
	} else if le := (*os.LinkError)(nil); errors.As(err, &le) {
		err = le.Err
	}
	return &os.PathError{Op: "write", Path: path, Err: err}
}
