package phrase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/latent/domain/melody"
	"musae/midi"
)

// waltz is a melody of bars bars of 3/4 (12 steps each): a figure in every bar.
func waltz(bars int) midi.Melody {
	m := make(midi.Melody, bars*12)
	for b := 0; b < bars; b++ {
		for k, p := range []int{60, 64, 67} {
			m[b*12+4*k] = midi.NoteOnClass(p + b%5)
		}
	}
	return m
}

func meterFile(t *testing.T, meter string, m midi.Melody) []byte {
	t.Helper()
	ms, err := melody.ParseMeters(meter)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := midi.WriteMelodiesWith(&buf, midi.WriteOptions{QPM: 120, Meters: ms}, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadMeters reads a waltz as 16 bars of 3/4 (192 steps, the meter carried), which
// the model of 4/4 phrases refuses, naming the meter and the model that reads it, and the
// model of every meter reads in its bars of 12 steps.
func TestReadMeters(t *testing.T) {
	d := Domain{}
	x, err := d.Read(bytes.NewReader(meterFile(t, "3/4", waltz(20))), "waltz.mid", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := x.Value.(midi.Melody); len(m) != 192 || x.Conditions[melody.MeterCondition] != "3/4" || !strings.Contains(x.Where, "3/4") {
		t.Fatalf("a waltz read as %d steps in %q (%s)", len(m), x.Conditions[melody.MeterCondition], x.Where)
	}
	if !slices.Equal(x.Value.(midi.Melody), waltz(16)) {
		t.Errorf("the first 16 bars of 3/4:\n%v\nwant\n%v", x.Value, waltz(16))
	}
	_, _, err = newModel(t, "hier16-c64").EncodeContext(context.Background(), []domain.Example{x})
	if !errors.As(err, new(*domain.InputError)) || !strings.Contains(err.Error(), "3/4") || !strings.Contains(err.Error(), "hier16-meters") {
		t.Errorf("hier16-c64 encoding a waltz: %v", err)
	}
	m := newModel(t, "hier16-meters")
	b, err := d.BatchFor(m, []domain.Example{x})
	if err != nil {
		t.Fatal(err)
	}
	if b.T != 384 || b.Len(0) != 192 || len(b.BarLengths) != Bars || slices.ContainsFunc(b.BarLengths, func(l int) bool { return l != 12 }) || b.C != midi.NumMeterControls {
		t.Errorf("hier16-meters' batch of a waltz: %d steps of %d, bars %v, %d controls", b.Len(0), b.T, b.BarLengths, b.C)
	}
	if _, _, err := m.Encode([]domain.Example{x}); err != nil {
		t.Error(err)
	}
	// A short 6/8 motif is padded with rests to 16 bars of 6/8, its music in the first 3.
	x, err = d.Read(bytes.NewReader(meterFile(t, "6/8", waltz(3))), "motif.mid", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Value.(midi.Melody)) != 192 || x.Conditions[melody.MeterCondition] != "6/8" || d.Heard(x) != 3 {
		t.Errorf("a 3-bar motif in 6/8: %d steps in %q, %d bars heard (%s)", len(x.Value.(midi.Melody)), x.Conditions[melody.MeterCondition], d.Heard(x), x.Where)
	}
}

// TestDecodeMeters decodes in 16 bars of each meter asked for (a model of every meter
// takes --meter; 4/2's bars are too long), writes the phrases in their meter, and reads
// them back the same.
func TestDecodeMeters(t *testing.T) {
	m := newModel(t, "hier16-meters")
	rng := rand.New(rand.NewPCG(5, 6))
	z := [][]float32{make([]float32, m.VAE.Z)}
	for _, tc := range []struct {
		meter string
		steps int
	}{{"3/4", 192}, {"6/8", 192}, {"12/8", 384}, {"2/4", 256}, {"4/4", 256}, {"5/4", 320}} {
		xs, err := m.DecodeUnder(z, domain.Conditions{melody.MeterCondition: tc.meter}, 1, rng)
		if err != nil {
			t.Fatal(err)
		}
		if len(xs[0].Value.(midi.Melody)) != tc.steps || xs[0].Conditions[melody.MeterCondition] != tc.meter {
			t.Fatalf("%s: %d steps in %q, want %d", tc.meter, len(xs[0].Value.(midi.Melody)), xs[0].Conditions[melody.MeterCondition], tc.steps)
		}
		var buf bytes.Buffer
		xs[0].Value = waltzOrTune(tc.steps)
		if err := (Domain{}).Write(&buf, xs, domain.Layout{}); err != nil {
			t.Fatal(err)
		}
		back, err := Domain{}.Read(bytes.NewReader(buf.Bytes()), "back.mid", domain.ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.meter, err)
		}
		if back.Conditions[melody.MeterCondition] != tc.meter || !slices.Equal(back.Value.(midi.Melody), xs[0].Value.(midi.Melody)) {
			t.Errorf("%s: written and read back in %q:\n%v\nwrote\n%v", tc.meter, back.Conditions[melody.MeterCondition], back.Value, xs[0].Value)
		}
	}
	if _, err := m.DecodeUnder(z, domain.Conditions{melody.MeterCondition: "4/2"}, 1, rng); !errors.As(err, new(*domain.InputError)) {
		t.Errorf("decoding in 4/2: %v, want an InputError", err)
	}
	if _, err := newModel(t, "hier16-c64").DecodeUnder(z, domain.Conditions{melody.MeterCondition: "3/4"}, 1, rng); !errors.As(err, new(*domain.InputError)) {
		t.Errorf("hier16-c64 decoding in 3/4: %v, want an InputError", err)
	}
	// Without a meter, 4/4.
	xs, err := m.Decode(z, 0, nil)
	if err != nil || len(xs[0].Value.(midi.Melody)) != Steps {
		t.Errorf("hier16-meters decoding with no meter: %v", err)
	}
}

// waltzOrTune is a melody of steps steps with a note every quarter.
func waltzOrTune(steps int) midi.Melody {
	m := make(midi.Melody, steps)
	for t := 0; t < steps; t += 4 {
		m[t] = midi.NoteOnClass(60 + (t/4)%7)
	}
	return m
}

// TestInfillMeters infills a waltz with the model of every meter: the kept bars of 12
// steps stay where they are, the new ones are written at their length.
func TestInfillMeters(t *testing.T) {
	m := newModel(t, "hier16-meters")
	x := domain.Example{Source: "waltz", Value: waltz(16), Conditions: domain.Conditions{melody.MeterCondition: "3/4"}}
	keep := make([]bool, Bars)
	for bar := range keep {
		keep[bar] = bar < 4 || bar >= 12
	}
	out, err := Domain{}.Infill(context.Background(), m, x, keep, domain.InfillOptions{Steps: 3, Rng: rand.New(rand.NewPCG(1, 2)), Temperature: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, want := out.Value.(midi.Melody), waltz(16)
	if len(got) != 192 || out.Conditions[melody.MeterCondition] != "3/4" {
		t.Fatalf("infilled waltz: %d steps in %q", len(got), out.Conditions[melody.MeterCondition])
	}
	if !slices.Equal(got[:48], want[:48]) || !slices.Equal(got[145:], want[145:]) {
		t.Errorf("kept bars changed:\n%v\nwant\n%v", got, want)
	}
}

// TestEvalMeters scores the model of every meter on phrases of 3/4 and 4/4, meter by meter.
func TestEvalMeters(t *testing.T) {
	dir := t.TempDir()
	for i := range 4 {
		if err := midi.WriteFileWith(filepath.Join(dir, fmt.Sprintf("w%02d.mid", i)), midi.WriteOptions{QPM: 120, Meters: []midi.Meter{{Num: 3, Den: 4}}}, waltz(18+i)); err != nil {
			t.Fatal(err)
		}
		if err := midi.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.mid", i)), 120, tune(17+i)); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := Domain{}.Eval(context.Background(), newModel(t, "hier16-meters"), domain.DataOptions{Dir: dir, Split: "all"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"examples 31 windows of 16 bars", "meter 3/4: 17 windows", "meter 4/4: 14 windows", "sampled_by_quarter 0."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}
