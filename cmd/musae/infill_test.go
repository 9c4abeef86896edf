package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"musae/midi"
)

func TestParseBars(t *testing.T) {
	keep, err := parseBars("1-4, 13-16", 16)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]bool, 16)
	for _, b := range []int{0, 1, 2, 3, 12, 13, 14, 15} {
		want[b] = true
	}
	if !slices.Equal(keep, want) {
		t.Errorf("1-4,13-16: %v", keep)
	}
	if s := keepRanges(keep); s != "1-4, 13-16" {
		t.Errorf("keepRanges %q", s)
	}
	if s := keepRanges([]bool{true, false, true, true}); s != "1, 3-4" {
		t.Errorf("keepRanges %q", s)
	}
	for _, bad := range []string{"0-4", "4-1", "1-17", "x", "1,,2", "3-"} {
		if _, err := parseBars(bad, 16); err == nil || !strings.Contains(err.Error(), "is not a bar or range") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// writeTune writes a melody of bars bars (a rising figure each bar) to a MIDI file.
func writeTune(t *testing.T, bars int) string {
	t.Helper()
	m := make(midi.Melody, bars*midi.StepsPerBar)
	for b := range bars {
		for k, p := range []int{60, 62, 64, 67} {
			m[b*midi.StepsPerBar+4*k] = midi.NoteOnClass(p + b%5)
		}
	}
	path := filepath.Join(t.TempDir(), "tune.mid")
	if err := midi.WriteFile(path, 120, m); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInfillCLI runs infill and continue end to end with an untrained hierarchical model:
// the kept bars come back unchanged, marked, and the file is written; a 2-bar model, a
// flat one and bad flags are refused with exit 2.
func TestInfillCLI(t *testing.T) {
	hier := tinyModel(t, "hier16-tiny", 0)
	song := writeTune(t, 20)
	out := filepath.Join(t.TempDir(), "in.mid")
	stdout := mustMusae(t, "infill", song, "--keep", "1-4,13-16", "--model", hier, "--steps", "3", "-o", out)
	if !strings.Contains(stdout, "keeping bars 1-4, 13-16") || strings.Count(stdout, "  kept") != 16 || strings.Count(stdout, "  new") != 8 {
		t.Errorf("infill output:\n%s", stdout)
	}
	f, err := midi.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Melody(midi.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := midi.ReadFile(song)
	want, _ := in.Melody(midi.ExtractOptions{})
	if !slices.Equal(got[:4*midi.StepsPerBar], want[:4*midi.StepsPerBar]) {
		t.Errorf("bars 1-4 changed:\n%v\nwant\n%v", got[:64], want[:64])
	}

	motif := writeTune(t, 4)
	cont := filepath.Join(t.TempDir(), "cont.mid")
	stdout = mustMusae(t, "continue", motif, "--bars", "16", "--model", hier, "--steps", "3", "-o", cont)
	if !strings.Contains(stdout, "keeping bars 1-4") || !strings.Contains(stdout, "music in the first 4") {
		t.Errorf("continue output:\n%s", stdout)
	}
	if _, err := os.Stat(cont); err != nil {
		t.Error(err)
	}

	flat := tinyModel(t, "flat16-tiny", 0)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"infill", song, "--model", hier}, "--keep 1-4,13-16"},
		{[]string{"infill", song, "--keep", "1-17", "--model", hier}, "not a bar or range of bars from 1 to 16"},
		{[]string{"infill", song, "--keep", "1-8,9-16", "--model", hier}, "keeps all 16 bars: leave some to write"},
		{[]string{"infill", song, "--keep", "1-4", "--model", flat}, "infilling needs a hierarchical one"},
		{[]string{"infill", song, "--keep", "1", "--model", "mel2-tiny"}, "cannot be infilled"},
		{[]string{"continue", motif, "--bars", "8", "--model", hier}, "--bars 8: hier16-tiny writes phrases of 16 bars"},
		{[]string{"continue", motif, "--bars", "7"}, "--bars 7: the models here take 16 (16-bar melodies) bars"},
		{[]string{"continue", motif, "--motif", "16", "--model", hier}, "continue keeps 1 to 15"},
	} {
		code, _, stderr := musae(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %s; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestBarsFlag: --bars N picks the domain whose examples are N bars long, and refuses a
// length no model has or a --domain of another length.
func TestBarsFlag(t *testing.T) {
	reg := builtinDomains()
	for _, tc := range []struct {
		bars   int
		domain string
		want   string
		err    string
	}{
		{2, "", "melody", ""},
		{16, "", "melody16", ""},
		{16, "melody16", "melody16", ""},
		{16, "melody", "", "--bars 16 and --domain melody disagree"},
		{4, "", "", "--bars 4: the models here take 2 (melodies), 2 (drum beats) or 16 (16-bar melodies) bars"},
	} {
		got, err := domainOfBars(reg, tc.bars, tc.domain, []string{"x.mid"}, nil)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("--bars %d --domain %q: %q, %v; want %q, %q", tc.bars, tc.domain, got, err, tc.want, tc.err)
		}
	}
}
