package phrase

import (
	"testing"

	"musae/latent/domain"
	"musae/midi"
)

// TestView: a phrase is a roll of 256 steps in 16 bars of 4/4 with its notes.
func TestView(t *testing.T) {
	m := make(midi.Melody, 256)
	m[0], m[255] = midi.NoteOnClass(60), midi.NoteOnClass(72)
	v, err := New().View(domain.Example{Value: m})
	if err != nil || v.Kind != domain.ViewRoll || v.Steps != 256 || v.StepsPerBar != 16 || v.Meter != "4/4" || len(v.Notes) != 2 || v.Notes[1].Start != 255 {
		t.Fatalf("view %+v, %v", v, err)
	}
}
