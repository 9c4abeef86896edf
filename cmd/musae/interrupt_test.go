package main

import (
	goimage "image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"musae/midi"
)

// TestMain lets a test run the test binary as the musae command (MUSAE_TEST_ARGS holds
// its arguments, split at tabs), so that signals reach a real process.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("MUSAE_TEST_ARGS"); ok {
		os.Args = append([]string{"musae"}, strings.Split(args, "\t")...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestInterrupt sends SIGINT to long runs of the verbs that loop: each must exit 130
// within 2 s and leave only complete files.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CLI as subprocesses for a few seconds")
	}
	pop := "../../../shared/data/melodies/pop909"
	for _, tc := range []struct {
		name string
		argv []string
		need string        // a folder the run needs, or ""
		wait time.Duration // how long the run works before the signal
	}{
		{"sample melodies", []string{"sample", "--domain", "melody", "-n", "100000", "-o", "OUT"}, "", time.Second},
		{"sample digits", []string{"sample", "--domain", "mnist", "-n", "10000", "-o", "OUT/d.png"}, "", time.Second},
		{"manifold", []string{"manifold", "-n", "200", "-o", "OUT/m.png"}, "", time.Second},
		// The corpus loads from the cache in a fraction of a second; then its windows are scored.
		{"eval melodies", []string{"eval", "--domain", "melody", "--data", pop, "--split", "all"}, pop, 2 * time.Second},
		{"eval digits", []string{"eval", "--domain", "mnist", "--split", "train"}, "", 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.need != "" {
				if _, err := os.Stat(tc.need); err != nil {
					t.Skipf("not here: %v", err)
				}
			}
			out := t.TempDir()
			argv := strings.ReplaceAll(strings.Join(tc.argv, "\t"), "OUT", out)
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "MUSAE_TEST_ARGS="+argv)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Some verbs print nothing before they end: give each time to begin its work.
			go io.Copy(io.Discard, stdout)
			time.Sleep(tc.wait)
			start := time.Now()
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running 10 s after SIGINT")
			}
			took := time.Since(start)
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupt {
				t.Fatalf("exit %d, want %d; stderr %s", code, exitInterrupt, stderr.String())
			}
			if took > 2*time.Second {
				t.Errorf("stopped %v after SIGINT, want under 2 s", took)
			}
			t.Logf("stopped %v after SIGINT", took)
			n := 0
			for _, name := range dirNames(t, out) {
				path := filepath.Join(out, name)
				switch filepath.Ext(name) {
				case ".mid":
					if _, err := midi.ReadFile(path); err != nil {
						t.Errorf("a broken file is left: %v", err)
					}
				case ".png":
					f, err := os.Open(path)
					if err == nil {
						_, _, err = goimage.Decode(f)
						f.Close()
					}
					if err != nil {
						t.Errorf("a broken picture is left: %s: %v", name, err)
					}
				default:
					t.Errorf("left %s", name)
				}
				n++
			}
			t.Logf("%d complete files left", n)
		})
	}
}
