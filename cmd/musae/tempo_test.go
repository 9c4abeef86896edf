package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"musae/midi"
)

// TestInputTempoOutOfRange checks that an input at a tempo musae cannot write is read at
// the nearest one it can, saying so about the input, instead of failing when the output
// is written with an error that names the output.
func TestInputTempoOutOfRange(t *testing.T) {
	dir := t.TempDir()
	tunes := writeTunes(t, dir)
	fast := filepath.Join(dir, "fast.mid")
	// Two bars of quarter notes at 2000 qpm (30,000 µs a quarter).
	body := append([]byte{0, 0xFF, 0x51, 3, 0x00, 0x75, 0x30}, quarters(0, 60, 62, 64, 65, 67, 65, 64, 62)...)
	if err := os.WriteFile(fast, rawSMF(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "morph.mid")
	say := mustMusae(t, "interpolate", fast, tunes[1], "--model", "mel2-tiny", "--steps", "3", "-o", out)
	for _, want := range []string{
		"input A: " + fast + ", the first 2-bar window with notes (the file needed 1 repairs; first: byte 22: track 0: tempo of 2000 qpm is outside the 4..1000 qpm that musae writes; melodies from the file are written at 1000 qpm)",
		"wrote " + out + ": 3 steps at 1000 qpm",
	} {
		if !strings.Contains(say, want) {
			t.Errorf("output lacks %q:\n%s", want, say)
		}
	}
	f, err := midi.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if f.QPM != midi.MaxQPM {
		t.Errorf("%s is at %v qpm, want %d", out, f.QPM, midi.MaxQPM)
	}
}
