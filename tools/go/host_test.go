// SPDX-License-Identifier: LGPL-2.1-or-later

package msocket_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"msocket.invalid/msocket"
)

func TestHostOpenErrors(t *testing.T) {
	_, err := msocket.Open("/nonexistent/stack")
	var pe *os.PathError
	if !errors.As(err, &pe) || !errors.Is(err, syscall.ENOENT) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file: %#v", err)
	}
	// Any file that is not a stack file.
	_, err = msocket.Open("/")
	if !errors.As(err, &pe) || !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("Open of a directory: %v", err)
	}
	_, err = msocket.Open("/dev/null")
	if !errors.Is(err, syscall.EOPNOTSUPP) {
		t.Errorf("Open of /dev/null: %v", err)
	}
}

func TestHostIsStack(t *testing.T) {
	if !msocket.IsStack(0o160644) || msocket.IsStack(0o100644) || msocket.IsStack(0o140644) {
		t.Error("IsStack")
	}
}

// No goroutine of this module locks itself to its thread: that is the
// point of msocket. Every Go file of the module is read.
func TestHostNoThreadLocking(t *testing.T) {
	needle := "runtime." + "LockOSThread"
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		n++
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(text), "\n") {
			if strings.Contains(line, needle) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d: %s", path, i+1, line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d Go files found", n)
	}
}
