package main

import (
	"fmt"
	"slices"
	"strings"

	"musae/midi"
)

// melodyMeasure is a number that describes a melody window, from which attribute compute
// learns a latent attribute vector of the same name.
type melodyMeasure struct {
	Name string
	What string // for people, with its unit
	// Of measures a melody; ok is false where the measure is undefined (no notes, or
	// fewer than two for an interval measure), and such melodies are left out.
	Of func(midi.Melody) (v float64, ok bool)
	// Format shows a value for people.
	Format func(float64) string
}

// melodyMeasures are the measures attribute compute learns vectors for, in a fixed order.
func melodyMeasures() []melodyMeasure {
	return []melodyMeasure{
		{"density", "notes per window", func(m midi.Melody) (float64, bool) { return noteDensity(m), true }, func(v float64) string { return fmt.Sprintf("%.2f", v) }},
		{"pitch", "mean pitch", meanPitch, formatPitch},
		{"stepwise", "share of stepwise intervals (1–2 semitones)", stepwiseShare, func(v float64) string { return fmt.Sprintf("%.3f", v) }},
	}
}

// melodyMeasureNames lists the measures' names, for messages.
func melodyMeasureNames() string {
	var names []string
	for _, ms := range melodyMeasures() {
		names = append(names, ms.Name)
	}
	return strings.Join(names, ", ")
}

// noteDensity is the number of notes (onsets) in a melody.
func noteDensity(m midi.Melody) float64 { return float64(len(m.Notes())) }

// meanPitch is the mean MIDI pitch of a melody's notes, each note counted once whatever
// its length; undefined without notes.
func meanPitch(m midi.Melody) (float64, bool) {
	ns := m.Notes()
	if len(ns) == 0 {
		return 0, false
	}
	var s float64
	for _, n := range ns {
		s += float64(n.Pitch)
	}
	return s / float64(len(ns)), true
}

// stepwiseShare is the share of intervals between consecutive notes that are steps, a
// semitone or a tone up or down; repeated notes and leaps count against it, and rests
// between notes are ignored. Undefined with fewer than two notes.
func stepwiseShare(m midi.Melody) (float64, bool) {
	ns := m.Notes()
	if len(ns) < 2 {
		return 0, false
	}
	steps := 0
	for i := 1; i < len(ns); i++ {
		if d := intAbs(ns[i].Pitch - ns[i-1].Pitch); d == 1 || d == 2 {
			steps++
		}
	}
	return float64(steps) / float64(len(ns)-1), true
}

func intAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// formatPitch shows a mean pitch as a number and the nearest note's name: "71.3 (B4)".
func formatPitch(p float64) string {
	return fmt.Sprintf("%.1f (%s)", p, midi.PitchName(int(p+0.5)))
}

// quartiles splits the indices of values into the bottom and the top quarter by value;
// ties are broken by index, so the split does not depend on sort order. Undefined
// values (ok false) are left out.
func quartiles(values []float64, ok []bool) (bottom, top []int) {
	var idx []int
	for i := range values {
		if ok[i] {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case values[a] < values[b]:
			return -1
		case values[a] > values[b]:
			return 1
		}
		return 0
	})
	q := len(idx) / 4
	return idx[:q], idx[len(idx)-q:]
}

// measureMean returns the mean of a measure over melodies where it is defined, and how
// many those are.
func measureMean(ms melodyMeasure, mels []midi.Melody) (mean float64, n int) {
	for _, m := range mels {
		if v, ok := ms.Of(m); ok {
			mean += v
			n++
		}
	}
	if n > 0 {
		mean /= float64(n)
	}
	return mean, n
}
