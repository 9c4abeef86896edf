//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

func openUnnamed(string) *os.File { return nil }

func link(*os.File, string) (string, error) { return "", errors.New("unreachable") }
