// Package seq holds what the domains of step sequences (melodies, drum beats, grooves)
// share: their decoded steps, their comparison, their measures, and writing and playing
// them in sequence.
package seq

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"musae/latent/domain"
	"musae/midi"
)

// Steps returns the classes a decoder generated, one a step, as a domain's steps
// (midi.Melody, midi.Drums).
func Steps[S ~[]int](classes []int32) S {
	s := make(S, len(classes))
	for t, c := range classes {
		s[t] = int(c)
	}
	return s
}

// Examples returns the sequences of classes a decoder generated as examples holding a
// domain's steps (Steps).
func Examples[S ~[]int](seqs [][]int32) []domain.Example {
	out := make([]domain.Example, len(seqs))
	for i, s := range seqs {
		out[i] = domain.Example{Value: Steps[S](s)}
	}
	return out
}

// Same counts the steps of b equal to a's, of all a's steps.
func Same[S ~[]E, E comparable](a, b S) (same, total int) {
	for t, c := range a {
		if t < len(b) && b[t] == c {
			same++
		}
	}
	return same, len(a)
}

// WriteMIDI writes the sequences of type S that xs hold with write (midi.WriteDrums,
// midi.WriteGrooves) in sequence at l.QPM (midi.QPMOr), a bar of rest between them. It
// refuses any format but MIDI as an input error; name, the domain's, prefixes the messages.
func WriteMIDI[S ~[]E, E any](w io.Writer, xs []domain.Example, l domain.Layout, name string, write func(io.Writer, float64, ...S) error) error {
	ss, err := domain.ValuesOf[S](xs, name)
	if err != nil {
		return err
	}
	switch l.Format {
	case "", ".mid", ".midi":
	default:
		return domain.Inputf("%s: cannot write %s files; write .mid", name, l.Format)
	}
	return write(w, midi.QPMOr(l.QPM), midi.WithRests(ss)...)
}

// Audio schedules the sequences of type S that xs hold with audio (midi.DrumsAudio,
// midi.GrooveAudio, midi.MelodyAudio) in sequence at qpm (midi.QPMOr), a bar of rest
// between them, within its limits. name, the domain's, prefixes the messages.
func Audio[S ~[]E, E any](xs []domain.Example, qpm float64, name string, audio func(float64, midi.RenderOptions, ...S) (*midi.Audio, error)) (domain.Sound, error) {
	ss, err := domain.ValuesOf[S](xs, name)
	if err != nil {
		return nil, err
	}
	a, err := audio(midi.QPMOr(qpm), midi.RenderOptions{}, midi.WithRests(ss)...)
	if err != nil {
		return nil, err // not a nil *midi.Audio in a non-nil Sound
	}
	return a, nil
}

// Split returns the windows of an Eval's split (domain.EvalData): the validation or the
// training ones, or for "all" the training windows, then the validation ones, in a slice
// of its own.
func Split[T any](split string, train, validation []T) []T {
	switch split {
	case "validation":
		return validation
	case "train":
		return train
	}
	return append(slices.Clone(train), validation...)
}

// Measure is a number that describes an example of type S (a melody, a beat), from which
// a domain's Attributes learns a latent attribute vector of the same name.
type Measure[S any] struct {
	Name string
	What string // for people, with its unit
	// Of measures an example; ok is false where the measure is undefined for it, and
	// such examples are left out.
	Of func(S) (v float64, ok bool)
	// Format shows a value for people.
	Format func(float64) string
}

// Fixed is a Measure's Format that shows a value with so many digits after the point.
func Fixed(digits int) func(float64) string {
	return func(v float64) string { return fmt.Sprintf("%.*f", digits, v) }
}

// Mean returns the mean of the measure over the examples of xs where it is defined (0
// where it is nowhere), and how many those are.
func (ms Measure[S]) Mean(xs []S) (mean float64, n int) {
	for _, x := range xs {
		if v, ok := ms.Of(x); ok {
			mean += v
			n++
		}
	}
	if n > 0 {
		mean /= float64(n)
	}
	return mean, n
}

// Describe gives the measures of x that are defined for it in a line: "density 8.00,
// pitch 64.5 (E4)"; "" where none is.
func Describe[S any](ms []Measure[S], x S) string {
	var parts []string
	for _, m := range ms {
		if v, ok := m.Of(x); ok {
			parts = append(parts, m.Name+" "+m.Format(v))
		}
	}
	return strings.Join(parts, ", ")
}
