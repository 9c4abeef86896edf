package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// modes runs f with unnamed temporary files (where the system has them) and with the
// named fallback.
func modes(t *testing.T, f func(t *testing.T)) {
	for _, named := range []bool{false, true} {
		name := "unnamed"
		if named {
			name = "named"
		}
		t.Run(name, func(t *testing.T) {
			old := disableUnnamed
			disableUnnamed = named
			defer func() { disableUnnamed = old }()
			f(t)
		})
	}
}

func TestWrite(t *testing.T) {
	modes(t, func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "x.png")
		if err := WriteBytes(path, []byte("first")); err != nil {
			t.Fatal(err)
		}
		if err := WriteDurable(path, func(w io.Writer) error { _, err := io.WriteString(w, "second"); return err }); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || string(b) != "second" {
			t.Fatalf("read back %q, %v; want second", b, err)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm()&0o044 == 0 {
			t.Errorf("mode %v: the file should be readable by others", fi.Mode())
		}
		if got := names(t, dir); len(got) != 1 {
			t.Errorf("folder holds %v, want only x.png", got)
		}

		// A failed write leaves the old file and nothing else.
		boom := errors.New("boom")
		err = Write(path, func(w io.Writer) error { io.WriteString(w, "partial"); return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("Write = %v, want boom", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "second" {
			t.Errorf("after a failed write the file holds %q, want second", b)
		}
		if got := names(t, dir); len(got) != 1 {
			t.Errorf("after a failed write the folder holds %v, want only x.png", got)
		}
		if err := WriteBytes(filepath.Join(dir, "missing", "y"), nil); err == nil {
			t.Error("writing into a missing folder succeeded")
		}
	})
}

// TestKilledMidWrite kills a writer with SIGKILL while its file is half written, and
// checks that the folder holds nothing afterwards: no temporary file survives.
func TestKilledMidWrite(t *testing.T) {
	if dir := os.Getenv("ATOMICFILE_KILL_DIR"); dir != "" {
		// The child: write half a file, say so, and wait to be killed.
		Write(filepath.Join(dir, "out.png"), func(w io.Writer) error {
			w.Write(make([]byte, 1<<20))
			w.(*bufio.Writer).Flush()
			os.Stdout.WriteString("ready\n")
			time.Sleep(time.Minute)
			return nil
		})
		os.Exit(3)
	}
	if runtime.GOOS != "linux" {
		t.Skip("unnamed temporary files are Linux's; elsewhere a kill leaves the named one")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledMidWrite$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_KILL_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q, %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("after SIGKILL mid-write the folder holds %v, want nothing", got)
	}
}

// TestModeFollowsUmask: both ways of writing give the mode os.Create gives, 0666 less the
// umask, under a umask other than the usual 022 (set in a child process, before the
// package reads it).
func TestModeFollowsUmask(t *testing.T) {
	if os.Getenv("ATOMICFILE_UMASK_CHILD") != "" {
		dir := t.TempDir()
		ref, err := os.Create(filepath.Join(dir, "ref"))
		if err != nil {
			t.Fatal(err)
		}
		ref.Close()
		want, _ := os.Stat(ref.Name())
		for _, named := range []bool{false, true} {
			disableUnnamed = named
			path := filepath.Join(dir, fmt.Sprintf("out-%v", named))
			if err := WriteBytes(path, []byte("x")); err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != want.Mode().Perm() {
				t.Errorf("named temporary %v: mode %v, os.Create gives %v", named, fi.Mode().Perm(), want.Mode().Perm())
			}
		}
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("sets the umask of a child process through the shell")
	}
	cmd := exec.Command("sh", "-c", `umask 027 && exec "$0" -test.run='^TestModeFollowsUmask$' -test.v`, os.Args[0])
	cmd.Env = append(os.Environ(), "ATOMICFILE_UMASK_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestModeFollowsUmask") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
