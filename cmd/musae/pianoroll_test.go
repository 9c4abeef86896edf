package main

import (
	"path/filepath"
	"strings"
	"testing"

	"musae/midi"
)

func TestPianorollOptions(t *testing.T) {
	checkOptions(t, newPianorollCmd, []optionsCase[pianorollOptions]{
		{argv: "songs/a.mid", want: pianorollOptions{File: "songs/a.mid", Out: "a.roll.png"}},
		{argv: "a.mid -t MELODY --bar 9 --bars 4 -o r.png", want: pianorollOptions{File: "a.mid", Track: "MELODY", Bar: 9, Bars: 4, Out: "r.png"}},
		{argv: "a.mid --bar -1", wantErr: "bars count from 1"},
		{argv: "a.mid --bars -2", wantErr: "--bars -2"},
		{argv: "a.mid -o r.mid", wantErr: "PNG"},
		{argv: "", wantErr: "pianoroll takes one MIDI file"},
	})
}

func TestPianorollRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tune.mid")
	// Two empty bars, then two bars of notes and a third with one.
	m := append(make(midi.Melody, 2*midi.StepsPerBar), tune([]int{60, 62, 64, 65, 67, 69, 71, 72, 74}, false)...)
	if err := midi.WriteFile(path, 120, m); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "roll.png")
	// Piano-roll geometry (image/roll.go): 30 pixels of names, 16 per step, 10 per pitch
	// row with 2 rows either side, 16 for the bar numbers.
	for _, tc := range []struct {
		args []string
		say  string
		bars int
	}{
		{nil, "bars 3–5 of " + path + ", 9 notes, C4–D5", 3},
		{[]string{"--bar", "1"}, "bars 1–5", 5},
		{[]string{"--bar", "4", "--bars", "1"}, "bar 4 of " + path + ", 4 notes, G4–C5", 1},
	} {
		stdout := mustMusae(t, append([]string{"pianoroll", path, "-o", out}, tc.args...)...)
		if !strings.Contains(stdout, tc.say) {
			t.Errorf("%v: said %q, want %q", tc.args, stdout, tc.say)
		}
		if w, _ := pngSize(t, out); w != 30+tc.bars*16*16+1 {
			t.Errorf("%v: roll is %d wide, want %d bars", tc.args, w, tc.bars)
		}
	}
	if code, _, errb := musae(t, "pianoroll", path, "--bar", "9", "-o", out); code != exitUsage || !strings.Contains(errb, "--bar 9 is past the end") {
		t.Errorf("--bar 9: exit %d, %s", code, errb)
	}
}
