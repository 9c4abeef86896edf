package midi

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var pop909 = filepath.Join("..", "..", "shared", "data", "melodies", "pop909")

// chordAgreement counts, step by step, how MIDI-estimated chords agree with annotated
// ones, over steps where the annotation names a chord.
type chordAgreement struct {
	steps, root, triad, triadSteps, pcs int
}

func (a *chordAgreement) add(ann, est []Chord) {
	for i := range ann {
		if ann[i].Kind == NoChord {
			continue
		}
		a.steps++
		if est[i].Kind != NoChord && est[i].Root == ann[i].Root {
			a.root++
		}
		if ta, ok := ann[i].Triad(); ok {
			a.triadSteps++
			if te, ok := est[i].Triad(); ok && te == ta {
				a.triad++
			}
		}
		if est[i].Intervals() != 0 && pcSet(est[i]) == pcSet(ann[i]) {
			a.pcs++
		}
	}
}

func pcSet(c Chord) uint16 {
	var m uint16
	for _, pc := range c.PitchClasses() {
		m |= 1 << pc
	}
	return m
}

func (a chordAgreement) String() string {
	pct := func(n, d int) float64 { return 100 * float64(n) / float64(max(d, 1)) }
	return fmt.Sprintf("root %.1f%%, triad class (of %d steps with a triad) %.1f%%, pitch-class set %.1f%% over %d annotated steps",
		pct(a.root, a.steps), a.triadSteps, pct(a.triad, a.triadSteps), pct(a.pcs, a.steps), a.steps)
}

// pop909Song reads song n of POP909 ("001" …) and its annotated chords in steps, on the
// grid AlignToGrid puts the file on: the annotations sit on the notes' own grid
// (TestPOP909ChordsOnGrid), so both are aligned.
func pop909Song(t *testing.T, n int) (id string, f *File, spans []ChordSpan) {
	t.Helper()
	id = fmt.Sprintf("%03d", n)
	f, err := ReadFile(filepath.Join(pop909, id+".mid"))
	if err != nil {
		t.Fatal(err)
	}
	lab, err := ReadChordLabFile(filepath.Join(pop909, "annotations", id, "chord_midi.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return id, f, f.StepChords(lab, f.AlignToGrid())
}

// pop909Chords reads song n of POP909 with its annotated chords and the chords estimated
// from its PIANO and BRIDGE tracks, per step, on the grid AlignToGrid puts it on.
func pop909Chords(t *testing.T, n int, seg int) (ann, est []Chord) {
	t.Helper()
	id, f, spans := pop909Song(t, n)
	var tracks []int
	for _, name := range []string{"PIANO", "BRIDGE"} {
		if i, err := f.TrackIndex(name); err == nil {
			tracks = append(tracks, i)
		}
	}
	if len(spans) == 0 {
		t.Fatalf("%s: no chords on the grid", id)
	}
	steps := spans[len(spans)-1].End
	return ChordsPerStep(spans, 0, steps), ChordsPerStep(f.EstimateChords(EstimateChordsOptions{Tracks: tracks, SegmentSteps: seg}), 0, steps)
}

// TestEstimateChordsPOP909 measures how the chords estimated from POP909's accompaniment
// (its PIANO and BRIDGE tracks) agree with the chords annotated beside it, over the first
// songs (POP909_SONGS of them, 50 unless set), and holds the estimate to a floor. The
// figure: go test ./midi -run TestEstimateChordsPOP909 -v
func TestEstimateChordsPOP909(t *testing.T) {
	if _, err := os.Stat(filepath.Join(pop909, "annotations", "001", "chord_midi.txt")); err != nil {
		t.Skip("POP909 with its annotations is not here:", err)
	}
	songs := 50
	if s, err := strconv.Atoi(os.Getenv("POP909_SONGS")); err == nil && s > 0 {
		songs = s
	}
	if testing.Short() {
		songs = 5
	}
	for _, seg := range []int{0, 8} {
		var a chordAgreement
		for n := 1; n <= songs; n++ {
			ann, est := pop909Chords(t, n, seg)
			a.add(ann, est)
		}
		t.Logf("POP909 songs 1–%d, a chord per %s: %s", songs, map[int]string{0: "beat", 8: "half bar"}[seg], a)
		// Floors a little below what the first 50 songs give (92.6% and 86.3% a beat,
		// 89.9% and 80.9% over all 909 songs;
		// 85.1% and 79.0% a half bar, 80.0% and 70.4% over all), so that a worse estimate fails.
		if floor := map[int][2]int{0: {87, 78}, 8: {77, 67}}[seg]; 100*a.root < floor[0]*a.steps || 100*a.triad < floor[1]*a.triadSteps {
			t.Errorf("a chord per %d steps: %s; want at least %d%% of roots and %d%% of triads", seg, a, floor[0], floor[1])
		}
	}
}

// TestPOP909ChordsOnGrid measures how far POP909's annotated chord changes fall from the
// 16th grid of its files, as read and as shifted by AlignToGrid, over the first 50 songs,
// and holds most of them to within a quarter of a step of the aligned grid. The figure:
// go test ./midi -run TestPOP909ChordsOnGrid -v
func TestPOP909ChordsOnGrid(t *testing.T) {
	if _, err := os.Stat(filepath.Join(pop909, "annotations", "001", "chord_midi.txt")); err != nil {
		t.Skip("POP909 with its annotations is not here:", err)
	}
	type tally struct {
		n, near  int
		distance float64
	}
	var raw, aligned tally
	for n := 1; n <= 50; n++ {
		id := fmt.Sprintf("%03d", n)
		f, err := ReadFile(filepath.Join(pop909, id+".mid"))
		if err != nil {
			t.Fatal(err)
		}
		lab, err := ReadChordLabFile(filepath.Join(pop909, "annotations", id, "chord_midi.txt"))
		if err != nil {
			t.Fatal(err)
		}
		shift, _ := f.GridOffset()
		for _, tc := range lab {
			for k, s := range []int64{0, shift} {
				at := float64(f.Tick(tc.Start)+s) * StepsPerQuarter / float64(f.Division)
				d := at - math.Floor(at+0.5)
				tl := [2]*tally{&raw, &aligned}[k]
				tl.n++
				tl.distance += math.Abs(d)
				if math.Abs(d) <= 0.25 {
					tl.near++
				}
			}
		}
	}
	for _, x := range []struct {
		name string
		tl   tally
	}{{"as read", raw}, {"aligned", aligned}} {
		t.Logf("POP909 songs 1–50, %s: %d chord starts, %.1f%% within a quarter step of a 16th, mean distance %.3f steps",
			x.name, x.tl.n, 100*float64(x.tl.near)/float64(x.tl.n), x.tl.distance/float64(x.tl.n))
	}
	if aligned.near < aligned.n*9/10 {
		t.Errorf("%d of %d chord starts within a quarter step of the aligned grid, want 90%%", aligned.near, aligned.n)
	}
}

var nottinghamChords = filepath.Join("..", "..", "shared", "data", "chords", "nottingham", "midi")

// TestEstimateChordsNottingham reads the chords of Nottingham's chord tracks (block
// chords), a chord per beat, and holds them to naming what sounds: the share of the
// tracks' note time (in steps) whose pitch class belongs to the chord named, and the share
// of named chords that note_seq's triad encoding takes. The figure:
// go test ./midi -run TestEstimateChordsNottingham -v
func TestEstimateChordsNottingham(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(nottinghamChords, "*.mid"))
	if len(paths) == 0 {
		t.Skip("Nottingham's chord tracks are not here")
	}
	if testing.Short() {
		paths = paths[:20]
	}
	var noteSteps, toneSteps, chords, triads int
	for _, p := range paths {
		f, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		spans := f.EstimateChords(EstimateChordsOptions{})
		if len(spans) == 0 {
			continue
		}
		per := ChordsPerStep(spans, 0, spans[len(spans)-1].End)
		c := f.clock()
		for _, n := range f.Notes() {
			for s := c.step(n.Start); s < max(c.step(n.End), c.step(n.Start)+1) && int(s) < len(per); s++ {
				noteSteps++
				if per[s].Has(n.Pitch % 12) {
					toneSteps++
				}
			}
		}
		for _, sp := range spans {
			if sp.Chord.Kind == NoChord {
				continue
			}
			chords++
			if _, ok := sp.Chord.Triad(); ok {
				triads++
			}
		}
	}
	tones, enc := 100*float64(toneSteps)/float64(noteSteps), 100*float64(triads)/float64(chords)
	t.Logf("Nottingham, %d chord tracks, a chord per beat: %.2f%% of note time is a chord tone; %d chord spans, %.1f%% with a triad class", len(paths), tones, chords, enc)
	if tones < 97 || enc < 95 {
		t.Errorf("chord tones %.2f%%, triad classes %.1f%%: want at least 97%% and 95%%", tones, enc)
	}
}

// TestEstimateChordsNottinghamTune checks the first bars of a tune's chord track against
// the chords of its ABC (ashover.abc, X:1, "A and A's Waltz"): "G"d2B|"D"A3/2B/2c|"G"B2G|
// "D"A2e|"G"d2B|"D"A3/2B/2c|, after a pickup of one beat.
func TestEstimateChordsNottinghamTune(t *testing.T) {
	f, err := ReadFile(filepath.Join(nottinghamChords, "ashover1.mid"))
	if err != nil {
		t.Skip("Nottingham's chord tracks are not here:", err)
	}
	var got []string
	for _, sp := range f.EstimateChords(EstimateChordsOptions{}) {
		if sp.Chord.Kind != NoChord {
			got = append(got, sp.Chord.Plain())
		}
	}
	want := []string{"G", "D", "G", "D", "G", "D"}
	if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
		t.Errorf("first chords %v, want %v", got[:min(len(got), 10)], want)
	}
}

// TestPOP909ChordSurvey reads every chord of POP909's annotations, which must all parse,
// and counts their qualities and how many 2-bar windows (a bar apart, of 16-step bars
// on the aligned grid) hold a chord that note_seq's triad encoding cannot take, which
// MusicVAE would drop. The figures: go test ./midi -run TestPOP909ChordSurvey -v
func TestPOP909ChordSurvey(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(pop909, "annotations", "[0-9][0-9][0-9]"))
	if len(dirs) == 0 {
		t.Skip("POP909's annotations are not here")
	}
	if testing.Short() {
		dirs = dirs[:10]
	}
	kinds := map[string]int{}
	lines, windows, dropped := 0, 0, 0
	for _, d := range dirs {
		lab, err := ReadChordLabFile(filepath.Join(d, "chord_midi.txt"))
		if err != nil {
			t.Fatal(err) // every symbol parses
		}
		for _, tc := range lab {
			lines++
			h := tc.Chord.Harte()
			if _, q, ok := strings.Cut(h, ":"); ok {
				h = q
			}
			kinds[h]++
		}
		f, err := ReadFile(filepath.Join(pop909, filepath.Base(d)+".mid"))
		if err != nil {
			t.Fatal(err)
		}
		spans := f.StepChords(lab, f.AlignToGrid())
		if len(spans) == 0 {
			continue
		}
		per := ChordsPerStep(spans, 0, spans[len(spans)-1].End)
		for s := 0; s+2*StepsPerBar <= len(per); s += StepsPerBar {
			windows++
			for _, c := range per[s : s+2*StepsPerBar] {
				if _, ok := c.Triad(); !ok {
					dropped++
					break
				}
			}
		}
	}
	type kc struct {
		k string
		n int
	}
	var all []kc
	for k, n := range kinds {
		all = append(all, kc{k, n})
	}
	slices.SortFunc(all, func(a, b kc) int { return b.n - a.n })
	var parts []string
	for _, x := range all {
		parts = append(parts, fmt.Sprintf("%s %d", x.k, x.n))
	}
	t.Logf("POP909, %d songs, %d chords: %s", len(dirs), lines, strings.Join(parts, ", "))
	t.Logf("%d of %d 2-bar windows (%.1f%%) hold a chord without a triad class", dropped, windows, 100*float64(dropped)/float64(windows))
}
