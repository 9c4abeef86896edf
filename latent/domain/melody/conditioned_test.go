package melody

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"musae/latent/domain"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
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

// meterChordsModel is a model of both conditions, as a config names them (mel2-meters's
// 48 steps, the meter's 7 controls then the chord's 49), built afresh: no code of its own.
func meterChordsModel(t *testing.T) *domain.Model {
	t.Helper()
	cfg := rnn.MetersConfig()
	cfg.Name, cfg.Controls, cfg.Conditions = "mel2-meter-chords", rnn.MeterControls+rnn.ChordsControls, []string{MeterCondition, ChordsCondition}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	meta := models.Meta{Model: cfg.Name, Domain: Name, Config: raw}
	vae, err := Domain{}.Build(meta, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return &domain.Model{Domain: Domain{}, Meta: meta, VAE: vae}
}

// TestMeterAndChords: a model whose config names the meter and the chords takes both, its
// encoder reads a 3/4 window under its chords with the meter's pulses then the chord's
// one-hot as each step's controls, it decodes a progression of four bars of 3/4 as two
// windows of the meter carrying both conditions, and it widens from mel2-meters (whose
// conditions come first) but not from mel2-chords.
func TestMeterAndChords(t *testing.T) {
	m := meterChordsModel(t)
	if got := m.Domain.(domain.Conditioned).Takes(m); !slices.Equal(got, []string{MeterCondition, ChordsCondition}) {
		t.Fatalf("takes %v", got)
	}
	mel := make(midi.Melody, 24) // a note held through two bars of 3/4
	mel[0] = midi.NoteOnClass(60)
	x := domain.Example{Value: mel, Conditions: domain.Conditions{MeterCondition: "3/4", ChordsCondition: "C Am"}}
	b, err := Domain{}.BatchFor(m, []domain.Example{x})
	if err != nil {
		t.Fatal(err)
	}
	if b.C != 56 || b.Len(0) != 24 {
		t.Fatalf("batch C %d length %d, want 56 and 24", b.C, b.Len(0))
	}
	meter := make([]float32, 24*rnn.MeterControls)
	midi.MeterControls(meter, []midi.Meter{{Num: 3, Den: 4}}, 24)
	ctl := b.ExampleControls(0)
	am, _ := midi.Chord{Root: 9, Kind: midi.Min}.NearTriad()
	for step, class := range map[int]int{0: 1, 11: 1, 12: am, 23: am} { // C major is class 1
		row := ctl[step*56 : (step+1)*56]
		if !slices.Equal(row[:7], meter[step*7:(step+1)*7]) {
			t.Errorf("step %d: meter controls %v, want %v", step, row[:7], meter[step*7:(step+1)*7])
		}
		for k, v := range row[7:] {
			if want := float32(0); k == class {
				want = 1
				if v != want {
					t.Errorf("step %d: chord %d is %g", step, k, v)
				}
			} else if v != want {
				t.Errorf("step %d: chord %d is %g, want only %d", step, k, v, class)
			}
		}
	}
	xs, err := m.DecodeUnder([][]float32{make([]float32, m.VAE.Z)}, domain.Conditions{MeterCondition: "3/4", ChordsCondition: "C Am F G"}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := xs[0].Value.(midi.Melody); len(got) != 48 || xs[0].Conditions[MeterCondition] != "3/4" || xs[0].Conditions[ChordsCondition] != "C Am F G" {
		t.Errorf("decoded %d steps under %v, want 48 under 3/4 and C Am F G", len(got), xs[0].Conditions)
	}
	reg := domain.NewRegistry(New())
	for name, ok := range map[string]bool{"mel2-meters": true, "mel2-chords": false} {
		src, err := reg.Open(name, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := (Domain{}).Widen(m, src); (err == nil) != ok {
			t.Errorf("widen from %s: %v", name, err)
		}
	}
}

// TestConditionWidths: the widths the rnn configs give the conditions are those their code
// writes.
func TestConditionWidths(t *testing.T) {
	if rnn.MeterControls != midi.NumMeterControls || rnn.ChordsControls != midi.TriadClasses {
		t.Errorf("rnn widths meter %d chords %d; midi's %d and %d", rnn.MeterControls, rnn.ChordsControls, midi.NumMeterControls, midi.TriadClasses)
	}
	for _, c := range conditions {
		if c.Name == MeterCondition && c.width != Controls {
			t.Errorf("meter width %d", c.width)
		}
	}
}
