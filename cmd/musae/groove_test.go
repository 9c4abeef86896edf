package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"musae/midi"
)

// TestGrooveEndToEnd trains a groove2 model for one short epoch on a few beats and runs
// the generic verbs and groove and drumify on it through the command line.
func TestGrooveEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a second")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "groove")
	var info strings.Builder
	info.WriteString("midi_filename,split\n")
	for i, name := range []string{"a", "b", "c", "d", "v1", "v2"} {
		beatFile(t, filepath.Join(data, name+".mid"), 3+i%3, i%2 == 1)
		split := "train"
		if name[0] == 'v' {
			split = "validation"
		}
		info.WriteString(name + ".mid," + split + "\n")
	}
	os.WriteFile(filepath.Join(data, "info.csv"), []byte(info.String()), 0o644)
	a, b := filepath.Join(data, "a.mid"), filepath.Join(data, "b.mid")
	ck := filepath.Join(dir, "groove.safetensors")
	runOK := func(argv ...string) string {
		t.Helper()
		code, out, errb := musae(t, argv...)
		if code != exitOK {
			t.Fatalf("musae %s exited %d: %s", strings.Join(argv, " "), code, errb)
		}
		return out
	}
	runOK("train", "--config", "groove2", "--data", data, "--epochs", "1", "--batch", "4", "-o", ck)
	readGroove := func(path string) midi.Groove {
		t.Helper()
		f, err := midi.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		g, err := f.Groove(midi.DrumOptions{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return g
	}
	samples := filepath.Join(dir, "samples")
	runOK("sample", "--model", ck, "-n", "2", "--temperature", "1", "--wav", "-o", samples)
	for _, f := range []string{"sample-01.mid", "all.wav"} {
		if _, err := os.Stat(filepath.Join(samples, f)); err != nil {
			t.Error(err)
		}
	}
	z := filepath.Join(dir, "z.json")
	runOK("encode", a, b, "--model", ck, "-o", z)
	runOK("decode", z, "-o", filepath.Join(dir, "dec.mid"))
	if out := runOK("interpolate", a, b, "--model", ck, "--steps", "3", "--wav", "-o", filepath.Join(dir, "morph.mid")); !strings.Contains(out, "step 3 of 3") {
		t.Errorf("interpolate:\n%s", out)
	}
	if out := runOK("reconstruct", a, "--model", ck, "-o", filepath.Join(dir, "rec.mid")); !strings.Contains(out, "steps equal") {
		t.Errorf("reconstruct:\n%s", out)
	}
	runOK("similar", a, "--model", ck, "-n", "2", "-o", filepath.Join(dir, "similar"))
	out := runOK("eval", "--model", ck)
	for _, want := range []string{"humanise_hit_f1 1.0000", "humanise_baseline_velocity_mae ", "drumify_hit_f1 ", "drumify_baseline_timing_mae ", "reconstruct_timing_mae "} {
		if !strings.Contains(out, want) {
			t.Errorf("eval lacks %q:\n%s", want, out)
		}
	}

	// groove keeps the beat's hits and writes a WAV beside the MIDI file.
	g := filepath.Join(dir, "g.mid")
	out = runOK("groove", a, "--model", ck, "--wav", "-o", g)
	if !strings.Contains(out, "wrote "+g+" and "+withExt(g, ".wav")) {
		t.Errorf("groove:\n%s", out)
	}
	in := readGroove(a)[:midi.WindowSteps]
	if got := readGroove(g); !slices.Equal(got.Drums(), in.Drums()) {
		t.Errorf("groove changed the hits:\n%v\nof\n%v", got, in)
	}
	// drumify takes a rhythm on any instrument.
	piano := filepath.Join(dir, "rhythm.mid")
	mel := make(midi.Melody, midi.WindowSteps)
	for s := range mel {
		mel[s] = midi.NoteOff
		if s%2 == 0 {
			mel[s] = midi.NoteOnClass(60)
		}
	}
	if err := midi.WriteFile(piano, 120, mel); err != nil {
		t.Fatal(err)
	}
	dr := filepath.Join(dir, "d.mid")
	runOK("drumify", piano, "--model", ck, "--temperature", "1", "-o", dr)
	f, err := midi.ReadFile(dr)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range f.Notes() {
		if n.Channel != midi.DrumChannel {
			t.Fatalf("drumify wrote a note off channel 10: %+v", n)
		}
	}
	// A model of another domain, a bad temperature and an output that is not MIDI are
	// refused as usage errors.
	for _, argv := range [][]string{
		{"groove", a, "--model", "mel2-tiny"},
		{"drumify", piano, "--model", ck, "--temperature", "-1"},
		{"groove", a, "--model", ck, "-o", filepath.Join(dir, "g.png")},
		{"drumify", filepath.Join(data, "info.csv"), "--model", ck},
	} {
		if code, _, errb := musae(t, argv...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", argv, code, exitUsage, errb)
		}
	}
}

// TestGrooveBuiltin: groove and drumify work with no --model (the built-in groove2), and
// drumify of a steady 8th-note rhythm on a piano key gives a beat with kick, snare and hats.
func TestGrooveBuiltin(t *testing.T) {
	dir := t.TempDir()
	beat := filepath.Join(dir, "beat.mid")
	beatFile(t, beat, 2, false)
	out := filepath.Join(dir, "g.mid")
	if code, stdout, errb := musae(t, "groove", beat, "-o", out); code != exitOK || !strings.Contains(stdout, "groove by groove2") {
		t.Fatalf("groove: exit %d\n%s%s", code, stdout, errb)
	}
	piano := filepath.Join(dir, "rhythm.mid")
	mel := make(midi.Melody, midi.WindowSteps)
	for s := range mel {
		mel[s] = midi.NoteOff
		if s%2 == 0 {
			mel[s] = midi.NoteOnClass(60)
		}
	}
	if err := midi.WriteFile(piano, 120, mel); err != nil {
		t.Fatal(err)
	}
	dr := filepath.Join(dir, "d.mid")
	if code, stdout, errb := musae(t, "drumify", piano, "-o", dr); code != exitOK {
		t.Fatalf("drumify: exit %d\n%s%s", code, stdout, errb)
	}
	f, err := midi.ReadFile(dr)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Drums(midi.DrumOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kick, snare, hats int
	for s := range d {
		if d.Hits(s, midi.Kick) {
			kick++
		}
		if d.Hits(s, midi.Snare) {
			snare++
		}
		if d.Hits(s, midi.ClosedHat) || d.Hits(s, midi.OpenHat) || d.Hits(s, midi.Ride) {
			hats++
		}
	}
	if kick == 0 || snare == 0 || hats == 0 {
		t.Errorf("drumify of 8th notes: %d kicks, %d snares, %d hats or rides:\n%v", kick, snare, hats, d)
	}
}
