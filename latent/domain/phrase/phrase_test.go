package phrase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"musae/datasets"
	"musae/latent/domain"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// newModel returns a freshly initialised canonical model of the domain.
func newModel(t *testing.T, name string) *domain.Model {
	t.Helper()
	d := Domain{}
	cfg, err := d.Config(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	meta := models.Meta{Model: name, Domain: Name, Config: cfg}
	vae, err := d.Build(meta, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	var have int64
	for _, p := range vae.Params() {
		have += int64(len(p.Data()))
	}
	if n, err := d.Params(meta); err != nil || n != have {
		t.Fatalf("Params %d, %v; the model has %d", n, err, have)
	}
	return &domain.Model{Domain: d, Meta: meta, VAE: vae}
}

// tune is a melody of bars bars: a rising figure in every bar, a different note each bar.
func tune(bars int) midi.Melody {
	m := make(midi.Melody, bars*midi.StepsPerBar)
	for b := 0; b < bars; b++ {
		for k, p := range []int{60, 62, 64, 67} {
			m[b*midi.StepsPerBar+4*k] = midi.NoteOnClass(p + b%5)
		}
	}
	return m
}

func midiFile(t *testing.T, m midi.Melody) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := midi.WriteMelodies(&buf, 120, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRead reads the first 16-bar window of a long tune, and a 4-bar motif padded with
// rests to 16 bars, saying so, with Heard counting its 4 bars.
func TestRead(t *testing.T) {
	d := Domain{}
	long := tune(20)
	x, err := d.Read(bytes.NewReader(midiFile(t, long)), "long.mid", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := x.Value.(midi.Melody); !slices.Equal(m, long[:Steps]) {
		t.Errorf("the first window:\n%v\nwant\n%v", m, long[:Steps])
	}
	x, err = d.Read(bytes.NewReader(midiFile(t, long)), "long.mid", domain.ReadOptions{Bar: 3})
	if err != nil {
		t.Fatal(err)
	}
	if m := x.Value.(midi.Melody); !slices.Equal(m, long[2*midi.StepsPerBar:2*midi.StepsPerBar+Steps]) || x.Where != "bars 3–18" {
		t.Errorf("--bar 3 (%s):\n%v", x.Where, m)
	}
	motif := tune(4)
	x, err = d.Read(bytes.NewReader(midiFile(t, motif)), "motif.mid", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := x.Value.(midi.Melody)
	if len(m) != Steps || !slices.Equal(m[:len(motif)-4], motif[:len(motif)-4]) || !strings.Contains(x.Where, "music in the first 4") {
		t.Errorf("motif (%s): %d steps\n%v", x.Where, len(m), m)
	}
	if h := d.Heard(x); h != 4 {
		t.Errorf("Heard %d, want 4", h)
	}
	if _, err := d.Read(bytes.NewReader(midiFile(t, motif)), "motif.mid", domain.ReadOptions{Bar: 9}); !domain.IsInputError(err) {
		t.Errorf("--bar 9 of a 4-bar motif: %v, want an input error", err)
	}
}

// TestInfill keeps the kept bars as they are, writes the others, and its latent search
// lowers its objective; a flat model and a keep of no bar or of all are refused.
func TestInfill(t *testing.T) {
	m := newModel(t, "hier16-tiny")
	d := Domain{}
	x := domain.Example{Value: tune(16)}
	keep := make([]bool, Bars)
	for _, b := range []int{0, 1, 2, 3, 12, 13, 14, 15} {
		keep[b] = true
	}
	out, err := d.Infill(context.Background(), m, x, keep, domain.InfillOptions{Steps: 5})
	if err != nil {
		t.Fatal(err)
	}
	got, want := out.Value.(midi.Melody), x.Value.(midi.Melody)
	S := midi.StepsPerBar
	for b, k := range keep {
		if k && !slices.Equal(got[b*S:(b+1)*S], want[b*S:(b+1)*S]) {
			t.Errorf("kept bar %d changed: %v, was %v", b+1, got[b*S:(b+1)*S], want[b*S:(b+1)*S])
		}
	}
	for _, p := range m.Params() {
		if slices.ContainsFunc(p.Grad, func(g float32) bool { return g != 0 }) {
			t.Fatalf("infill left gradients in %s", p.Name)
		}
	}

	// Larger weights make the untrained decoder depend on z enough to see the search.
	for _, p := range m.Params() {
		for i := range p.Data() {
			p.Data()[i] *= 2.5
		}
	}
	hd := m.VAE.Dec.(*rnn.HierDecoder)
	b := datasets.MelodyBatch([]midi.Melody{want})
	z := make([]float32, m.VAE.Z)
	before, after, err := searchZ(context.Background(), hd, b, keep, z, 30)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("30 search steps: objective %.3f → %.3f", before, after)
	if !(after < before-1) {
		t.Errorf("30 search steps: objective %.3f → %.3f, want it lower", before, after)
	}

	flat := newModel(t, "flat16-tiny")
	if _, err := d.Infill(context.Background(), flat, x, keep, domain.InfillOptions{Steps: 1}); !domain.IsInputError(err) || !errors.Is(err, domain.ErrUnsupported) {
		t.Errorf("flat model: %v, want an unsupported input error", err)
	}
	for _, k := range [][]bool{make([]bool, Bars), slices.Repeat([]bool{true}, Bars)} {
		if _, err := d.Infill(context.Background(), m, x, k, domain.InfillOptions{Steps: 1}); !domain.IsInputError(err) {
			t.Errorf("keep %v: %v, want an input error", k, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Infill(ctx, m, x, keep, domain.InfillOptions{Steps: 5}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestDecodeAndBatch decodes 16-bar phrases with both models, and refuses a 2-bar melody.
func TestDecodeAndBatch(t *testing.T) {
	d := Domain{}
	for _, name := range []string{"hier16-tiny", "hier16-c64", "flat16-tiny"} {
		m := newModel(t, name)
		xs, err := d.Sample(m, 2, 1, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			if n := len(x.Value.(midi.Melody)); n != Steps {
				t.Errorf("%s: %d steps", name, n)
			}
		}
		if _, err := d.Batch(xs); err != nil {
			t.Error(err)
		}
	}
	if _, err := d.Batch([]domain.Example{{Value: tune(2), Source: "short.mid"}}); err == nil || !strings.Contains(err.Error(), "short.mid has 32 steps") {
		t.Errorf("a 2-bar melody: %v", err)
	}
}

// TestEval scores both models on a folder of tunes in MusicVAE's Table 1 terms.
func TestEval(t *testing.T) {
	dir := t.TempDir()
	for i := range 12 {
		m := tune(17 + i%3)
		for j := range m {
			if m[j] >= 2 {
				m[j] += i % 4
			}
		}
		if err := midi.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.mid", i)), 120, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"hier16-tiny", "flat16-tiny"} {
		m := newModel(t, name)
		var out bytes.Buffer
		err := Domain{}.Eval(context.Background(), m, domain.DataOptions{Dir: dir, Split: "all"}, &out)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"examples 36 windows of 16 bars", "tf_accuracy 0.", "sampled_accuracy 0.", "sampled_by_quarter 0.", "hold_baseline 0.", "exact_windows 0.", "kl "} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: no %q in\n%s", name, want, out.String())
			}
		}
		s, err := Score(context.Background(), m, []midi.Melody{tune(16), tune(16)}, nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(s["loss"]-s["reconstruction"]-s["kl"]) > 1e-9 || s["kl"] < 0 || s["tf_accuracy"] < 0 || s["tf_accuracy"] > 1 {
			t.Errorf("%s: %v", name, s)
		}
		q := (s["sampled_bars_1_4"] + s["sampled_bars_5_8"] + s["sampled_bars_9_12"] + s["sampled_bars_13_16"]) / 4
		if math.Abs(q-s["sampled_accuracy"]) > 1e-9 {
			t.Errorf("%s: the quarters' sampled figures average %v, the whole %v", name, q, s["sampled_accuracy"])
		}
	}
}
