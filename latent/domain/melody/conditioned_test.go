package melody

import (
	"math/rand/v2"
	"slices"
	"testing"

	"musae/midi"
)

// TestChordTextRoundTrip: a window's triad classes written as the chords condition's text
// read back as the same classes, so that a window of an annotated corpus is encoded under
// its own chords (Attributes of mel2-chords).
func TestChordTextRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 200 {
		classes := make([]int8, midi.WindowSteps)
		c := int8(rng.IntN(midi.TriadClasses))
		for i := range classes {
			if rng.IntN(4) == 0 { // change on a beat or a 16th
				c = int8(rng.IntN(midi.TriadClasses))
			}
			classes[i] = c
		}
		text := chordText(classes)
		got, _, err := chordClasses(text, midi.Meter{})
		if err != nil {
			t.Fatalf("%d: %q: %v", k, text, err)
		}
		if !slices.Equal(got[:len(classes)], classes) {
			t.Fatalf("%d: %v wrote %q, read back %v", k, classes, text, got)
		}
	}
}
