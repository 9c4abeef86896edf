package melody

import (
	"reflect"
	"testing"

	"musae/midi"
)

func TestMelodyMeasures(t *testing.T) {
	c := midi.NoteOnClass
	for _, tc := range []struct {
		name            string
		m               midi.Melody
		density         float64
		pitch, stepwise float64
		pitchOK, stepOK bool
	}{
		{"empty", midi.Melody{0, 0, 0, 0}, 0, 0, 0, false, false},
		{"one note", midi.Melody{c(60), 0, midi.NoteOff, 0}, 1, 60, 0, true, false},
		// C D E G G: steps 2, 2; leap 3; repeat 0 → 2 of 4 stepwise.
		{"scale and leap", midi.Melody{c(60), c(62), midi.NoteOff, c(64), c(67), c(67)}, 5, 64, 0.5, true, true},
		// A rest between notes does not break the interval; a semitone down is a step.
		{"semitone across a rest", midi.Melody{c(72), midi.NoteOff, 0, c(71)}, 2, 71.5, 1, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := NoteDensity(tc.m); d != tc.density {
				t.Errorf("density %g, want %g", d, tc.density)
			}
			if p, ok := MeanPitch(tc.m); ok != tc.pitchOK || p != tc.pitch {
				t.Errorf("mean pitch %g %v, want %g %v", p, ok, tc.pitch, tc.pitchOK)
			}
			if s, ok := StepwiseShare(tc.m); ok != tc.stepOK || s != tc.stepwise {
				t.Errorf("stepwise %g %v, want %g %v", s, ok, tc.stepwise, tc.stepOK)
			}
		})
	}
	if got := FormatPitch(71.26); got != "71.3 (B4)" {
		t.Errorf("FormatPitch = %q", got)
	}
}

func TestQuartiles(t *testing.T) {
	values := []float64{5, 1, 9, 3, 3, 7, 0, 8, 2}
	ok := []bool{true, true, true, true, true, true, false, true, true}
	bottom, top := Quartiles(values, ok)
	// 8 defined values; quarters of 2: the two smallest (1, 2) and the two largest (8, 9).
	if !reflect.DeepEqual(bottom, []int{1, 8}) || !reflect.DeepEqual(top, []int{7, 2}) {
		t.Errorf("bottom %v, top %v", bottom, top)
	}
	// Ties break by index.
	bottom, top = Quartiles([]float64{1, 1, 1, 1}, []bool{true, true, true, true})
	if !reflect.DeepEqual(bottom, []int{0}) || !reflect.DeepEqual(top, []int{3}) {
		t.Errorf("ties: bottom %v, top %v", bottom, top)
	}
}
