package atomicfile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// disableUnnamed makes the package use named temporary files, as on systems without
// O_TMPFILE; tests set it to check the fallback.
var disableUnnamed = os.Getenv("MUSAE_ATOMICFILE_NAMED") != ""

// umask is the process's file mode creation mask, read once (reading it means setting it).
var umask = sync.OnceValue(func() os.FileMode {
	m := unix.Umask(0)
	unix.Umask(m)
	return os.FileMode(m)
})

var procFD = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
})

// openUnnamed opens an unnamed file in dir, or returns nil where the system or the file
// system cannot, so that the caller falls back to a named one.
func openUnnamed(dir string) *os.File {
	if disableUnnamed || !procFD() {
		return nil
	}
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o666)
	if err != nil {
		// EISDIR and EOPNOTSUPP are how kernels and file systems without O_TMPFILE answer;
		// any other error (a missing folder, no permission) the fallback meets and reports.
		return nil
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, "(unnamed)"))
}

// link gives the unnamed file f a temporary name beside path and returns it.
func link(f *os.File, path string) (string, error) {
	src := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	for range 100 {
		tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp"+strconv.FormatUint(rand.Uint64()%1e9, 10))
		err := unix.Linkat(unix.AT_FDCWD, src, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return "", &os.LinkError{Op: "link", Old: src, New: tmp, Err: err}
		}
		return tmp, nil
	}
	return "", fmt.Errorf("link %s: no free temporary name beside it", path)
}
