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

func TestSimilarOptions(t *testing.T) {
	checkOptions(t, withDomains(newSimilarCmd), []optionsCase[similarOptions]{
		{argv: "x.mid", want: similarOptions{File: "x.mid", Domain: "melody", Similarity: 0.8, N: 4, Seed: 1}},
		{argv: "x.mid --similarity 0.5 -n 8 --seed 3 --temperature 0.2 --track 1 --bar 5 -o out", want: similarOptions{File: "x.mid", Domain: "melody", Similarity: 0.5, N: 8, Seed: 3, Temperature: 0.2, Track: "1", Bar: 5, Out: "out"}},
		{argv: "x.png --similarity 0 --model m.safetensors -o s.png", want: similarOptions{File: "x.png", Domain: "mnist", Model: "m.safetensors", Similarity: 0, N: 4, Seed: 1, Out: "s.png"}},
		{argv: "x.mid --similarity 1", want: similarOptions{File: "x.mid", Domain: "melody", Similarity: 1, N: 4, Seed: 1}},
		{argv: "x.mid --similarity 1.5", wantErr: "--similarity 1.5: want a value in [0, 1]"},
		{argv: "x.mid --similarity -0.1", wantErr: "--similarity -0.1: want a value in [0, 1]"},
		{argv: "x.mid --similarity NaN", wantErr: "--similarity NaN: want a value in [0, 1]"},
		{argv: "x.mid --similarity", wantErr: "flag needs an argument: --similarity"},
		{argv: "x.mid -n 0", wantErr: "-n 0: want 1 to 1000 variations"},
		{argv: "", wantErr: "similar takes one input"},
		{argv: "x.mid y.mid", wantErr: "got 2 arguments"},
		{argv: "x.wav", wantErr: "cannot tell the domain"},
	})
}

func TestSimilarMelodies(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mel2-tiny", 8)
	tunes := writeTunes(t, dir)
	var all [2][]byte
	for i, seed := range []string{"4", "4"} {
		out := filepath.Join(dir, "sim", seed+string(rune('a'+i)))
		stdout := mustMusae(t, "similar", tunes[0], "--model", model, "--similarity", "0.6", "-n", "3", "--seed", seed, "--temperature", "1", "-o", out)
		for _, name := range []string{"similar-01.mid", "similar-02.mid", "similar-03.mid", "all.mid"} {
			if _, err := midi.ReadFile(filepath.Join(out, name)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "similar-04.mid")); err == nil {
			t.Error("-n 3 wrote a fourth file")
		}
		if !strings.Contains(stdout, "input "+tunes[0]) || !strings.Contains(stdout, "the input, then the 3 variations") {
			t.Errorf("similar said:\n%s", stdout)
		}
		all[i] = mustValue(os.ReadFile(filepath.Join(out, "all.mid")))
	}
	if !bytes.Equal(all[0], all[1]) {
		t.Error("the same seed gave different files")
	}
	// Fewer variations into the same folder leave none of the earlier ones.
	out := filepath.Join(dir, "sim", "4a")
	mustMusae(t, "similar", tunes[0], "--model", model, "-n", "2", "-o", out)
	if got := dirNames(t, out); !slices.Equal(got, []string{"all.mid", "similar-01.mid", "similar-02.mid"}) {
		t.Errorf("after -n 2 the folder holds %v", got)
	}
	if code, _, errb := musae(t, "similar", tunes[0], "--model", model, "-o", filepath.Join(dir, "x.mid")); code != exitUsage || !strings.Contains(errb, "melodies go to a folder") {
		t.Errorf("-o x.mid: exit %d, %s", code, errb)
	}
}

func TestSimilarDigits(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mnist-conv", 4)
	digit := writeDigits(t, dir, 1)[0]
	out := mustMusae(t, "similar", digit, "--model", model, "-n", "5", "-o", dir)
	png := filepath.Join(dir, "similar.png")
	if !strings.Contains(out, "wrote "+png+": "+digit+", then 5 variations at similarity 0.8") {
		t.Errorf("similar said %q", out)
	}
	// The input and 5 variations in a strip of 28-pixel cells, 2 pixels apart, doubled.
	if w, h := pngSize(t, png); w != 2*(6*28+7*2) || h != 2*(28+2*2) {
		t.Errorf("strip is %d×%d", w, h)
	}
}
