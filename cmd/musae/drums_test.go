package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"musae/midi"
)

// beatFile writes bars bars of a beat: kick on 1 and 3, snare on 2 and 4, 8th-note hats;
// funky adds kicks off the beat and an open hi-hat.
func beatFile(t *testing.T, path string, bars int, funky bool) {
	t.Helper()
	d := make(midi.Drums, bars*16)
	for s := range d {
		if s%2 == 0 {
			d[s] |= 1 << midi.ClosedHat
		}
		switch s % 16 {
		case 0, 8:
			d[s] |= 1 << midi.Kick
		case 4, 12:
			d[s] |= 1 << midi.Snare
		case 10, 7:
			if funky {
				d[s] |= 1 << midi.Kick
			}
		case 14:
			if funky {
				d[s] = d[s]&^(1<<midi.ClosedHat) | 1<<midi.OpenHat
			}
		}
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := midi.WriteDrumsFile(path, 100, d); err != nil {
		t.Fatal(err)
	}
}

// TestDrumsEndToEnd trains a drums2 model for one short epoch on a few beats and runs
// every verb on it through the command line.
func TestDrumsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a second")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "groove")
	var info strings.Builder
	info.WriteString("midi_filename,split\n")
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "v1", "v2"} {
		beatFile(t, filepath.Join(data, name+".mid"), 3+i%3, i%2 == 1)
		split := "train"
		if name[0] == 'v' {
			split = "validation"
		}
		info.WriteString(name + ".mid," + split + "\n")
	}
	os.WriteFile(filepath.Join(data, "info.csv"), []byte(info.String()), 0o644)
	a, b := filepath.Join(data, "a.mid"), filepath.Join(data, "b.mid")
	ck := filepath.Join(dir, "drums.safetensors")
	runOK := func(argv ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(context.Background(), argv, &out, &errb); code != 0 {
			t.Fatalf("musae %s exited %d: %s", strings.Join(argv, " "), code, errb.String())
		}
		return out.String()
	}
	runOK("train", "--domain", "drums", "--config", "drums2", "--data", data, "--epochs", "1", "--batch", "4", "-o", ck)

	readDrums := func(path string) midi.Drums {
		t.Helper()
		f, err := midi.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range f.Notes() {
			if n.Channel != midi.DrumChannel {
				t.Fatalf("%s: a note off channel 10: %+v", path, n)
			}
		}
		d, err := f.Drums(midi.DrumOptions{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return d
	}
	samples := filepath.Join(dir, "samples")
	out := runOK("sample", "--model", ck, "-n", "3", "--temperature", "1", "--wav", "-o", samples)
	for _, f := range []string{"sample-01.mid", "sample-01.wav", "all.mid", "all.wav"} {
		if _, err := os.Stat(filepath.Join(samples, f)); err != nil {
			t.Errorf("sample: %v\n%s", err, out)
		}
	}
	if d := readDrums(filepath.Join(samples, "all.mid")); len(d) > 3*32+2*16 {
		t.Errorf("all.mid has %d steps, want at most 3 beats and 2 bars between", len(d))
	}

	// .mid files are melodies or drums: the model says which, and --domain drums is accepted.
	z := filepath.Join(dir, "z.json")
	runOK("encode", a, b, "--model", ck, "-o", z)
	runOK("encode", a, "--domain", "drums", "--model", ck, "-o", filepath.Join(dir, "z1.json"))
	var out2, errb bytes.Buffer
	if code := run(context.Background(), []string{"encode", a, "--domain", "mnist", "--model", ck, "-o", z}, &out2, &errb); code != 2 {
		t.Errorf("encode a .mid as digits: exit %d, %s", code, errb.String())
	}
	runOK("decode", z, "-o", filepath.Join(dir, "dec.mid"))
	readDrums(filepath.Join(dir, "dec.mid"))
	out = runOK("interpolate", a, b, "--model", ck, "--steps", "3", "--wav", "-o", filepath.Join(dir, "morph.mid"))
	if !strings.Contains(out, "step 3 of 3") {
		t.Errorf("interpolate:\n%s", out)
	}
	readDrums(filepath.Join(dir, "morph.mid"))
	out = runOK("reconstruct", a, "--model", ck, "-o", filepath.Join(dir, "rec.mid"))
	if !strings.Contains(out, "kick") || !strings.Contains(out, "steps equal") {
		t.Errorf("reconstruct does not show the grids:\n%s", out)
	}
	out = runOK("eval", "--model", ck)
	for _, want := range []string{"validation split", "teacher_forced ", "sampled ", "silence_baseline "} {
		if !strings.Contains(out, want) {
			t.Errorf("eval lacks %q:\n%s", want, out)
		}
	}
	runOK("similar", a, "--model", ck, "-n", "2", "-o", filepath.Join(dir, "similar"))
	runOK("arith", "a - b + a", "a="+a, "b="+b, "--model", ck, "-o", filepath.Join(dir, "arith.mid"))
	attrs := filepath.Join(dir, "attrs.json")
	out = runOK("attribute", "compute", "--model", ck, "--data", data, "-o", attrs)
	for _, want := range []string{"density", "syncopation", "openness"} {
		if !strings.Contains(out, want) {
			t.Errorf("attribute compute lacks %s:\n%s", want, out)
		}
	}
	runOK("attribute", "apply", a, "--model", ck, "--attrs", attrs, "--name", "syncopation", "--amount", "2", "-o", filepath.Join(dir, "sync.mid"))
	out = runOK("attribute", "measure", "--model", ck, "--attrs", attrs, "--data", data, "--name", "density", "-n", "4")
	if !strings.Contains(out, "hits per window") {
		t.Errorf("attribute measure:\n%s", out)
	}
}

// TestInputOfAnotherDomain: a beat given where a melody is read (both are .mid) is
// refused with the domain that reads it, and the converse; a file no domain reads gets no
// such hint.
func TestInputOfAnotherDomain(t *testing.T) {
	dir := t.TempDir()
	beat := filepath.Join(dir, "beat.mid")
	beatFile(t, beat, 4, true)
	tune := writeTunes(t, dir)[0]
	empty := filepath.Join(dir, "empty.mid")
	if err := midi.WriteFile(empty, 100, make(midi.Melody, 32)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		argv []string
		hint string // "" for none
	}{
		{[]string{"interpolate", beat, tune}, "it holds drum beats: --domain drums or --model drums2 reads it"},
		{[]string{"interpolate", tune, beat, "--domain", "drums"}, "it holds melodies: --domain melody or --model mel2-meters reads it"},
		{[]string{"interpolate", empty, tune}, ""},
	} {
		code, _, errb := musae(t, append(tc.argv, "-o", filepath.Join(dir, "m.mid"))...)
		if code == exitOK || tc.hint != "" && !strings.Contains(errb, tc.hint) || tc.hint == "" && strings.Contains(errb, "it holds") {
			t.Errorf("%v: exit %d, %s; want the hint %q", tc.argv, code, errb, tc.hint)
		}
	}
}
