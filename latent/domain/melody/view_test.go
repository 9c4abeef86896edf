package melody

import (
	"testing"

	"musae/latent/domain"
	"musae/midi"
)

func TestViewAndStarters(t *testing.T) {
	xs := New().Starters()
	if len(xs) != 7 {
		t.Fatalf("%d tunes to start from, want 7", len(xs))
	}
	for _, x := range xs {
		m, err := Melody(x)
		if err != nil || len(m) != midi.WindowSteps || m.Validate() != nil || x.Source == "" || x.QPM <= 0 {
			t.Fatalf("tune %q: %v, %d steps, %v qpm", x.Source, err, len(m), x.QPM)
		}
		v, err := New().View(x)
		if err != nil {
			t.Fatal(err)
		}
		notes := m.Notes()
		if v.Kind != domain.ViewRoll || v.Steps != 32 || v.StepsPerBar != 16 || v.Meter != "4/4" || v.Channel != 0 || len(v.Notes) != len(notes) {
			t.Fatalf("%s: view %+v", x.Source, v)
		}
		for i, n := range v.Notes {
			if n.Pitch != notes[i].Pitch || n.Start != notes[i].Start || n.End != notes[i].End || n.Name != midi.PitchName(n.Pitch) || n.Velocity != midi.WriteVelocity {
				t.Errorf("%s: note %d is %+v, want %+v", x.Source, i, n, notes[i])
			}
		}
	}
	if v, _ := New().View(xs[0]); v.Text != "E4 E4 F4 G4 G4 F4 E4 D4" {
		t.Errorf("Ode to Joy reads %q", v.Text)
	}
	if v, _ := New().View(domain.Example{Value: make(midi.Melody, 32)}); v.Text != "silence" || len(v.Notes) != 0 {
		t.Errorf("a silent melody reads %q with %d notes", v.Text, len(v.Notes))
	}
	if _, err := New().View(domain.Example{Value: "drmf", Source: "x.chant"}); err == nil {
		t.Error("a view of a string")
	}
}

// TestViewInMeter: a waltz's window is drawn in bars of 3/4 and a jig's in 6/8.
func TestViewInMeter(t *testing.T) {
	for _, tc := range []struct {
		meter    string
		steps    int
		perBar   int
		wantText string
	}{{"3/4", 24, 12, "3/4"}, {"6/8", 24, 12, "6/8"}, {"9/8", 36, 18, "9/8"}} {
		x := domain.Example{Value: make(midi.Melody, tc.steps), Conditions: domain.Conditions{MeterCondition: tc.meter}}
		v, err := New().View(x)
		if err != nil || v.Meter != tc.wantText || v.StepsPerBar != tc.perBar || v.Steps != tc.steps {
			t.Errorf("%s: view %+v, %v", tc.meter, v, err)
		}
	}
	if _, err := New().View(domain.Example{Value: make(midi.Melody, 24), Conditions: domain.Conditions{MeterCondition: "3/5"}}); err == nil {
		t.Error("a meter of 3/5 drawn")
	}
}
