//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

func openUnnamed(string) *os.File { return nil }

// umask is the usual mask: the mode of the named file cannot follow the process's here.
func umask() os.FileMode { return 0o022 }

func link(*os.File, string) (string, error) { return "", errors.New("unreachable") }
