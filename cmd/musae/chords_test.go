package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"musae/midi"
)

// runArgs runs the command line and returns its exit code and output.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestSampleChords: mel2-chords samples a melody as long as the progression, a lead sheet
// with its chords, the progression given as text or in a file; without --chords it says
// what it needs, and mel2-tiny refuses --chords.
func TestSampleChords(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.abc")
	code, stdout, stderr := runArgs(t, "sample", "--model", "mel2-chords", "--chords", "C Am F#m G*2 G7*2 C Am Dm G", "-n", "1", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if rows := regexp.MustCompile(`(?m)^\s+\d+ \|`).FindAllString(stdout, -1); len(rows) != 8 {
		t.Errorf("%d bars shown, want 8:\n%s", len(rows), stdout)
	}
	abc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	syms := regexp.MustCompile(`"[^"]*"`).FindAllString(string(abc), -1)
	if len(syms) != 9 || !strings.Contains(string(abc), `"G7"`) {
		t.Errorf("chord symbols %v, want the 9 of the progression:\n%s", syms, abc)
	}
	prog := filepath.Join(dir, "verse.txt")
	if err := os.WriteFile(prog, []byte("C Am # verse\nF G\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mid := filepath.Join(dir, "s.mid")
	if code, _, stderr := runArgs(t, "sample", "--model", "mel2-chords", "--chords", "@"+prog, "-n", "1", "-o", mid); code != 0 {
		t.Fatalf("--chords @file: exit %d: %s", code, stderr)
	}
	// The MIDI file carries the chords, which a melody verb reads back.
	code, stdout, stderr = runArgs(t, "reconstruct", "--model", "mel2-chords", mid, "-o", filepath.Join(dir, "r.mid"))
	if code != 0 || !strings.Contains(stdout, "chords estimated a beat at a time from track 1") {
		t.Errorf("reconstructing a sample under its own chords: exit %d\n%s%s", code, stdout, stderr)
	}
	// With no --model, --chords picks the built-in model that takes them.
	if code, stdout, stderr := runArgs(t, "sample", "--chords", "C Am F G", "-n", "1", "-o", filepath.Join(dir, "d.mid")); code != 0 || !strings.Contains(stdout, "from mel2-chords") {
		t.Errorf("sample --chords with no --model: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "mel2-chords"}, "mel2-chords needs --chords"},
		{[]string{"--chords", "C", "--meter", "3/4"}, "mel2-meters takes no --chords"},
		{[]string{"--model", "mel2-chords", "--chords", "C Hm"}, `--chords "C Hm"`},
		{[]string{"--model", "mel2-chords", "--chords", "@" + filepath.Join(dir, "none.txt")}, "none.txt"},
		{[]string{"--model", "mel2-tiny", "--chords", "C"}, "mel2-tiny takes no --chords"},
		{[]string{"--model", "mel2-chords", "--chords", "C", "--key", "H"}, `--key "H"`},
	} {
		code, _, stderr := runArgs(t, append([]string{"sample", "-n", "1", "-o", filepath.Join(dir, "x.mid")}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 saying %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestInterpolateChords morphs two melodies without chords under a fixed progression: each
// is encoded under it (no chords of its own), every step decodes under it, and --key moves
// the steps and their chords to D major (or B minor).
func TestInterpolateChords(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.mid"), filepath.Join(dir, "b.mid")
	up, down := make(midi.Melody, 32), make(midi.Melody, 32)
	for i := 0; i < 32; i += 4 {
		up[i], down[i] = midi.NoteOnClass(60+i/2), midi.NoteOnClass(76-i/2)
	}
	if err := midi.WriteFile(a, 120, up); err != nil {
		t.Fatal(err)
	}
	if err := midi.WriteFile(b, 120, down); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "i.abc")
	code, stdout, stderr := runArgs(t, "interpolate", "--model", "mel2-chords", a, b, "--chords", "C Am", "--steps", "3", "--key", "D", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	abc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(abc), "K:D\n") && !strings.Contains(string(abc), "K:Bm\n") {
		t.Errorf("not in D major or B minor:\n%s", abc)
	}
	if n := len(regexp.MustCompile(`"[^"]*"`).FindAllString(string(abc), -1)); n != 6 {
		t.Errorf("%d chord symbols, want 2 for each of 3 steps:\n%s", n, abc)
	}
	code, _, stderr = runArgs(t, "interpolate", "--model", "mel2-chords", a, b, "-o", out)
	if code != exitUsage || !strings.Contains(stderr, "a.mid: mel2-chords needs --chords") {
		t.Errorf("without --chords: exit %d, %q", code, stderr)
	}
}

// TestSampleChordsKey: lead sheets sampled over C Am F G C Am F G have C major's signature
// (C major or A minor) where the melodies' notes alone gave F, D and G major (seeds 3, 5,
// 7 and 8); export and inspect of a sample take its key from its notes and its chord
// track; --key writes the key's signature into the MIDI file, which export then keeps.
func TestSampleChordsKey(t *testing.T) {
	dir := t.TempDir()
	for _, seed := range []string{"3", "5", "7", "8"} {
		out := filepath.Join(dir, "s"+seed+".musicxml")
		if code, _, stderr := runArgs(t, "sample", "--model", "mel2-chords", "--chords", "C Am F G C Am F G", "--seed", seed, "-n", "1", "-o", out); code != 0 {
			t.Fatalf("seed %s: exit %d: %s", seed, code, stderr)
		}
		doc, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if key := regexp.MustCompile(`<key>.*</key>`).FindString(string(doc)); !strings.Contains(key, "<fifths>0</fifths>") {
			t.Errorf("seed %s: %s, want C major's signature", seed, key)
		}
	}
	mid := filepath.Join(dir, "s.mid")
	if code, _, stderr := runArgs(t, "sample", "--model", "mel2-chords", "--chords", "C Am F G C Am F G", "--seed", "5", "-n", "1", "-o", mid); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runArgs(t, "export", mid, "--format", "abc", "-o", "-")
	if code != 0 || !regexp.MustCompile(`K:(C|Am)\n`).MatchString(stdout) || !strings.Contains(stderr, "estimated from the notes and chords estimated a beat at a time from track 1") {
		t.Errorf("export of a sample: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runArgs(t, "inspect", mid, "--track", "0")
	if code != 0 || !regexp.MustCompile(`key (C major|A minor) \(estimated from the notes and chords estimated a beat at a time from track 1\)`).MatchString(stdout) {
		t.Errorf("inspect of a sample: exit %d\n%s%s", code, stdout, stderr)
	}
	moved := filepath.Join(dir, "gb.mid")
	if code, _, stderr := runArgs(t, "sample", "--model", "mel2-chords", "--chords", "C Am F G", "--key", "Gb", "--seed", "3", "-n", "1", "-o", moved); code != 0 {
		t.Fatalf("--key Gb: exit %d: %s", code, stderr)
	}
	code, stdout, stderr = runArgs(t, "export", moved, "--format", "abc", "-o", "-")
	if code != 0 || !regexp.MustCompile(`K:(Gb|Ebm)\n`).MatchString(stdout) || strings.Contains(stderr, "no key signature") {
		t.Errorf("export of a sample moved to Gb: exit %d\n%s%s", code, stdout, stderr)
	}
}
