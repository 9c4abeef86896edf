package midi

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// pop909Chords reads song n of POP909 with its annotated chords and the chords estimated
// from its PIANO and BRIDGE tracks, per step.
func pop909Chords(t *testing.T, n int, seg int) (ann, est []Chord) {
	t.Helper()
	id := fmt.Sprintf("%03d", n)
	f, err := ReadFile(filepath.Join(pop909, id+".mid"))
	if err != nil {
		t.Fatal(err)
	}
	lab, err := ReadChordLabFile(filepath.Join(pop909, "annotations", id, "chord_midi.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var tracks []int
	for _, name := range []string{"PIANO", "BRIDGE"} {
		if i, err := f.TrackIndex(name); err == nil {
			tracks = append(tracks, i)
		}
	}
	spans := f.StepChords(lab, 0)
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
	for _, seg := range []int{4, 8} {
		var a chordAgreement
		for n := 1; n <= songs; n++ {
			ann, est := pop909Chords(t, n, seg)
			a.add(ann, est)
		}
		t.Logf("POP909 songs 1–%d, a chord per %d steps: %s", songs, seg, a)
		if a.root < a.steps*6/10 || a.triad < a.triadSteps/2 {
			t.Errorf("a chord per %d steps: %s; want at least 60%% of roots and 50%% of triads", seg, a)
		}
	}
}
