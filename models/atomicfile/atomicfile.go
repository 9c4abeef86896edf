// Package atomicfile writes files so that a reader sees the old file or the whole new one,
// never a half-written one, and so that no temporary file outlives its writer, even one
// killed with SIGKILL mid-write.
//
// On Linux the data goes to an unnamed file (O_TMPFILE) in the target's folder, which the
// kernel frees if the process dies; only once it is complete is it given a name, through
// /proc/self/fd, and renamed over the target. The name exists for two system calls (link,
// rename) instead of the whole write. Where O_TMPFILE is unsupported (another system, an
// old kernel, a file system without it, no /proc) it falls back to a named temporary file
// beside the target, removed on every error but left behind by a kill.
//
// It imports nothing of musae, so that midi and image, which know nothing of models, write
// their files through it too; it sits below models only because the top level is fixed.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// Write calls write with a buffered writer to a new file and, when write succeeds, puts
// the file in place of path, readable by all (0644 less the umask, as os.Create makes it).
// On an error path is untouched and nothing is left behind.
func Write(path string, write func(io.Writer) error) error {
	return writeFile(path, false, write)
}

// WriteDurable is Write with the file synced to the disk before it takes path's place, for
// files whose loss costs work (checkpoints).
func WriteDurable(path string, write func(io.Writer) error) error {
	return writeFile(path, true, write)
}

// WriteBytes writes data to path as Write does.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

func writeFile(path string, durable bool, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f := openUnnamed(dir)
	named := false
	if f == nil {
		if f, err = os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*"); err != nil {
			return err
		}
		named = true
	}
	tmp := "" // the name the file has, once it has one
	if named {
		tmp = f.Name()
	}
	defer func() {
		if err != nil {
			f.Close()
			if tmp != "" {
				os.Remove(tmp)
			}
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if named {
		// CreateTemp makes the file private; an output gets the mode os.Create would give
		// it (0666 less the umask), as the unnamed file does.
		if err := f.Chmod(0o666 &^ umask()); err != nil {
			return err
		}
	}
	if durable {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if !named {
		if tmp, err = link(f, path); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if durable {
		// The rename is durable once the folder's entry is on disk too.
		return syncDir(dir)
	}
	return nil
}

// syncDir flushes the folder's entries to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
