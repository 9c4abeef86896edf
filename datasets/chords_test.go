package datasets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"musae/midi"
)

// TestLoadChordMelodies reads a corpus laid out as POP909's, a file with its chords in
// annotations/NNN/chord_midi.txt and one without, and checks that each window gets the
// chords under its own steps (a bar of C, of Gsus4 read as G, of Am, of N), and that the
// windows are LoadMelodies's.
func TestLoadChordMelodies(t *testing.T) {
	dir := t.TempDir()
	// 4 bars at 120 qpm: a bar is 2 s.
	if err := midi.WriteFile(filepath.Join(dir, "001.mid"), 120, tune(60, 4)); err != nil {
		t.Fatal(err)
	}
	if err := midi.WriteFile(filepath.Join(dir, "002.mid"), 120, tune(50, 3)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, ChordAnnotation(dir, "001.mid"), []byte("0\t2\tC:maj\n2\t4\tG:sus4\n4\t6\tA:min7\n6\t8\tN\n"))
	c, err := LoadChordMelodies(context.Background(), dir, MelodyOptions{ValidationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Skipped) != 1 || c.Skipped[0].Path != "002.mid" || !strings.Contains(c.Skipped[0].Reason, "no chord annotations (annotations/002/chord_midi.txt)") {
		t.Fatalf("skipped %+v, want 002.mid for its missing annotations", c.Skipped)
	}
	plain, err := LoadMelodies(filepath.Join(dir), MelodyOptions{ValidationShare: -1, AlignGrid: true, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Train) != fmt.Sprint(plain.Train[:len(c.Train)]) || len(c.Train) != 3 {
		t.Fatalf("windows %d, not LoadMelodies's first %d", len(c.Train), len(c.Train))
	}
	bar := func(class int) []int8 {
		out := make([]int8, midi.StepsPerBar)
		for i := range out {
			out[i] = int8(class)
		}
		return out
	}
	want := [][]int8{append(bar(1), bar(8)...), append(bar(8), bar(13+9)...), append(bar(13+9), bar(0)...)}
	for i, w := range want {
		if fmt.Sprint(c.TrainChords[i]) != fmt.Sprint(w) {
			t.Errorf("window %d chords %v, want %v", i, c.TrainChords[i], w)
		}
	}
	if c.Mapped != 2 {
		t.Errorf("%d windows mapped to a near triad, want 2 (the two with Gsus4)", c.Mapped)
	}
}

// TestChordMelodySetFill checks that transposition moves a window's chords with its
// notes, and that the controls are the one-hot of each step's (moved) chord.
func TestChordMelodySetFill(t *testing.T) {
	w := tune(60, 2)
	chords := make([]int8, len(w))
	for i := range chords {
		chords[i] = int8([]int{1, 13 + 9}[i/midi.StepsPerBar]) // C, Am
	}
	set := &ChordMelodySet{Windows: []midi.Melody{w}, Chords: [][]int8{chords}, MaxTranspose: MusicVAETranspose}
	b := ChordMelodyBatch(set.Windows, set.Chords)
	rng := rand.New(rand.NewPCG(1, 2))
	shifts := map[int]bool{}
	for range 40 {
		set.Fill(b, []int{0}, rng)
		p0, _ := midi.ClassPitch(w[0])
		p1, _ := midi.ClassPitch(int(b.Classes[0]))
		d := p1 - p0
		shifts[d] = true
		for s := range b.T {
			row := b.Controls[s*b.C : (s+1)*b.C]
			want := midi.TransposeTriad(int(chords[s]), d)
			for k, v := range row {
				if (k == want) != (v == 1) || (v != 0 && v != 1) {
					t.Fatalf("shift %d, step %d: controls %v, want the one-hot of %d", d, s, row, want)
				}
			}
		}
	}
	if len(shifts) < 8 {
		t.Errorf("only %d distinct shifts", len(shifts))
	}
}

// TestChordMelodySetKeyFree: with KeyFree 1 the decoder's view is the same window in
// another draw of the transposition, its chords moved with it, and b holds it after
// DecoderView; with KeyFree 0.5 about half the windows keep the encoder's.
func TestChordMelodySetKeyFree(t *testing.T) {
	w := tune(60, 2)
	chords := make([]int8, len(w))
	for i := range chords {
		chords[i] = 1 // C
	}
	set := &ChordMelodySet{Windows: []midi.Melody{w}, Chords: [][]int8{chords}, MaxTranspose: MusicVAETranspose, KeyFree: 1}
	b := ChordMelodyBatch(set.Windows, set.Chords)
	rng := rand.New(rand.NewPCG(5, 6))
	differ := 0
	shift := func() int {
		p0, _ := midi.ClassPitch(w[0])
		p1, _ := midi.ClassPitch(int(b.Classes[0]))
		if b.Controls[midi.TransposeTriad(1, p1-p0)] != 1 {
			t.Fatalf("shift %d: the chord did not move with the melody", p1-p0)
		}
		return p1 - p0
	}
	for range 30 {
		set.Fill(b, []int{0}, rng)
		enc := shift()
		set.DecoderView(b)
		if dec := shift(); dec != enc {
			differ++
		}
	}
	if differ < 20 {
		t.Errorf("the decoder's key differed from the encoder's in %d of 30 draws", differ)
	}
	set.KeyFree, differ = 0.5, 0
	for range 200 {
		set.Fill(b, []int{0}, rng)
		enc := shift()
		set.DecoderView(b)
		if dec := shift(); dec != enc {
			differ++
		}
	}
	// Half the windows redraw, and a redraw lands on the same shift 1 time in 11.
	if differ < 70 || differ > 110 {
		t.Errorf("KeyFree 0.5: the decoder's key differed in %d of 200 draws, want about 91", differ)
	}
}
