package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"musae/midi"
)

func dirNames(t *testing.T, dir string) []string {
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

// TestSampleFolder re-samples fewer melodies into a folder: the files of the earlier run
// go, other files stay.
func TestSampleFolder(t *testing.T) {
	model := tinyModel(t, "mel2-tiny", 8)
	dir := filepath.Join(t.TempDir(), "out")
	mustMusae(t, "sample", "--model", model, "-n", "12", "--wav", "-o", dir)
	for _, keep := range []string{"notes.txt", "sample-x.mid", "all.midi", "sample-3.txt"} {
		if err := os.WriteFile(filepath.Join(dir, keep), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustMusae(t, "sample", "--model", model, "-n", "3", "-o", dir)
	want := []string{"all.mid", "all.midi", "notes.txt", "sample-01.mid", "sample-02.mid", "sample-03.mid", "sample-3.txt", "sample-x.mid"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("folder holds %v, want %v", got, want)
	}
	all, err := midi.ReadFile(filepath.Join(dir, "all.mid"))
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Tracks) == 0 {
		t.Error("all.mid has no tracks")
	}
}

func TestSampleOutputs(t *testing.T) {
	melody := tinyModel(t, "mel2-tiny", 8)
	digits := tinyModel(t, "mnist-conv", 4)
	dir := t.TempDir()

	one := filepath.Join(dir, "one.mid")
	out := mustMusae(t, "sample", "--model", melody, "-n", "3", "-o", one)
	if st, err := os.Stat(one); err != nil || !st.Mode().IsRegular() {
		t.Fatalf("-o one.mid made no file: %v", err)
	}
	if !strings.Contains(out, one+": all 3 in sequence") {
		t.Errorf("sample said:\n%s", out)
	}
	for _, tc := range []struct {
		argv []string
		say  string
	}{
		{[]string{"sample", "--model", melody, "-o", filepath.Join(dir, "m.png")}, "melodies are written as MIDI files"},
		{[]string{"sample", "--model", digits, "-o", filepath.Join(dir, "d.mid")}, "digits are written as a PNG picture (.png)"},
		{[]string{"sample", "--model", digits, "-o", filepath.Join(dir, "d")}, "digits are written as a PNG picture (.png)"},
		{[]string{"sample", "--model", digits, "-n", "10001", "-o", filepath.Join(dir, "d.png")}, "at most 10000 digits"},
		{[]string{"sample", "--model", melody, "-n", "100001", "-o", filepath.Join(dir, "m")}, "at most 100000 melodies"},
		{[]string{"sample", "--model", melody, "-n", "1001", "-o", one}, "at most 1000"},
	} {
		if code, _, errb := musae(t, tc.argv...); code != exitUsage || !strings.Contains(errb, tc.say) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.argv[3:], code, errb, exitUsage, tc.say)
		}
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"one.mid"}) {
		t.Errorf("the refusals left %v", got)
	}
}

// TestSampleSeed: the same seed gives the same bytes, across more than one batch.
func TestSampleSeed(t *testing.T) {
	model := tinyModel(t, "mel2-tiny", 8)
	dir := t.TempDir()
	read := func(seed, name string) []byte {
		out := filepath.Join(dir, seed+name)
		mustMusae(t, "sample", "--model", model, "-n", "150", "--temperature", "1", "--seed", seed, "-o", out)
		return mustValue(os.ReadFile(filepath.Join(out, "sample-150.mid")))
	}
	a, b, c := read("5", "a"), read("5", "b"), read("6", "a")
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different files")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same file")
	}
}

// TestTemperatureHelp: the help of --temperature is its usage text alone, which names the
// true defaults; pflag adds nothing such as "(default -1)".
func TestTemperatureHelp(t *testing.T) {
	for _, verb := range []string{"sample", "interpolate", "decode", "similar", "arith"} {
		cmd, _, err := newRootCmd(builtinDomains()).Find([]string{verb})
		if err != nil {
			t.Fatal(err)
		}
		usage := cmd.Flags().Lookup("temperature").Usage
		out := mustMusae(t, verb, "--help")
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "--temperature ") && !strings.HasSuffix(line, usage) {
				t.Errorf("%s --help: %q, want it to end at the usage text %q", verb, line, usage)
			}
		}
	}
}

// TestOutputExtensions: a verb refuses an output whose extension is the other domain's,
// instead of writing MIDI into a .png or a picture into a .mid.
func TestOutputExtensions(t *testing.T) {
	dir := t.TempDir()
	melody := tinyModel(t, "mel2-tiny", 8)
	digits := tinyModel(t, "mnist-conv", 4)
	tunes := writeTunes(t, dir)
	pngs := writeDigits(t, dir, 4)
	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, mid := filepath.Join(outDir, "x.png"), filepath.Join(outDir, "x.mid")
	for _, tc := range []struct {
		argv []string
		say  string
	}{
		{[]string{"interpolate", tunes[0], tunes[1], "--model", melody, "-o", png}, "melodies are written as a MIDI file (.mid)"},
		{[]string{"interpolate", pngs[0], pngs[1], "--model", digits, "-o", mid}, "digits are written as a PNG picture (.png)"},
		{[]string{"reconstruct", tunes[0], "--model", melody, "-o", png}, "melodies are written as a MIDI file (.mid)"},
		{[]string{"reconstruct", pngs[0], "--model", digits, "-o", mid}, "digits are written as a PNG picture (.png)"},
		{[]string{"similar", pngs[0], "--model", digits, "-o", mid}, "digits are written as a PNG picture (.png)"},
		{[]string{"interpolate", tunes[0], tunes[1], tunes[2], tunes[0], "--grid", "40x40", "--model", melody, "-o", mid}, "at most 1000 of them"},
	} {
		if code, _, errb := musae(t, tc.argv...); code != exitUsage || !strings.Contains(errb, tc.say) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.argv[:1], code, errb, exitUsage, tc.say)
		}
	}
	if got := dirNames(t, outDir); len(got) != 0 {
		t.Errorf("the refusals wrote %v", got)
	}
}

// TestBenchSeed: bench draws its initial weights and data from --seed. Its output is
// timings, so the test can only check that the seed is taken.
func TestBenchSeed(t *testing.T) {
	out := mustMusae(t, "bench", "mel2-tiny", "--seed", "3", "--seconds", "0.01", "--batch", "2")
	if !strings.Contains(out, "batch 2 examples") {
		t.Errorf("bench said:\n%s", out)
	}
}

// TestBenchEveryModel steps every canonical model once or more, those that take conditions
// on their own samples under them (a meter, chords), and refuses a condition a model does
// not take.
func TestBenchEveryModel(t *testing.T) {
	extra := map[string][]string{"mel2-chords": {"--chords", "C G"}, "hier16-meters": {"--meter", "6/8"}}
	for _, name := range builtinDomains().Models() {
		argv := append([]string{"bench", name, "--seconds", "0.001", "--batch", "2"}, extra[name]...)
		if out := mustMusae(t, argv...); !strings.Contains(out, "model "+name+"\n") || !strings.Contains(out, "examples_per_second") {
			t.Errorf("%v said:\n%s", argv, out)
		}
	}
	if code, _, errb := musae(t, "bench", "mel2-tiny", "--meter", "3/4", "--seconds", "0.001"); code == 0 || !strings.Contains(errb, "mel2-tiny takes no --meter") {
		t.Errorf("bench mel2-tiny --meter 3/4: exit %d, %q", code, errb)
	}
}

// TestSampleDomainOfConditions samples melodies when a condition only they take is given
// without --domain or --model: the default melody model, in the meter asked for.
func TestSampleDomainOfConditions(t *testing.T) {
	out := filepath.Join(t.TempDir(), "jig.mid")
	say := mustMusae(t, "sample", "--meter", "6/8", "-n", "1", "-o", out)
	if !strings.Contains(say, "from mel2-meters") {
		t.Errorf("sample --meter 6/8 said %q", say)
	}
	f, err := midi.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if ms := f.Meters(); len(ms) == 0 || ms[0].String() != "6/8" {
		t.Errorf("%s is in %v, want 6/8", out, ms)
	}
	if code, _, errb := musae(t, "sample", "-n", "1"); code != exitUsage || !strings.Contains(errb, "say which domain") {
		t.Errorf("sample with no domain, model or condition: exit %d, %s", code, errb)
	}
}
