package melody

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/midi"
)

func TestParseMeter(t *testing.T) {
	for _, tc := range []struct {
		text  string
		steps int
		want  []midi.Meter
	}{
		{"4/4", 32, []midi.Meter{{Num: 4, Den: 4}}},
		{"3/4", 24, []midi.Meter{{Num: 3, Den: 4}}},
		{" 6/8", 24, []midi.Meter{{Num: 6, Den: 8}}},
		{"9/8", 36, []midi.Meter{{Num: 9, Den: 8}}},
		{"12/8", 48, []midi.Meter{{Num: 12, Den: 8}}},
		{"2/4", 32, []midi.Meter{{Num: 2, Den: 4}}},
		{"4/2", 32, []midi.Meter{{Num: 4, Den: 2}}},
		{"3/4+2/4@12", 20, []midi.Meter{{Num: 3, Den: 4}, {Step: 12, Num: 2, Den: 4}}},
	} {
		ms, steps, err := ParseMeter(tc.text)
		if err != nil || steps != tc.steps || !slices.Equal(ms, tc.want) {
			t.Errorf("ParseMeter(%q) = %v, %d, %v; want %v, %d", tc.text, ms, steps, err, tc.want, tc.steps)
		}
		if got := MeterText(ms); got != strings.TrimSpace(tc.text) {
			t.Errorf("MeterText(%v) = %q, want %q", ms, got, tc.text)
		}
	}
	for _, bad := range []string{"", "3", "3/5", "0/4", "x/4", "4/1", "3/4+2/4", "3/4+2/4@0", "7/32"} {
		if _, _, err := ParseMeter(bad); err == nil {
			t.Errorf("ParseMeter(%q) took it", bad)
		}
	}
}

// metersModel is mel2-meters built from mel2-tiny's weights (domain.Widener), and
// mel2-tiny.
func metersModel(t *testing.T) (wide, tiny *domain.Model) {
	t.Helper()
	reg := domain.NewRegistry(New())
	tiny, err := reg.Open("mel2-tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	wide, err = reg.New("mel2-meters", 0, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := (Domain{}).Widen(wide, tiny); err != nil {
		t.Fatal(err)
	}
	return wide, tiny
}

// TestWidenMeters: mel2-meters widened from mel2-tiny computes mel2-tiny's function on 4/4
// windows, the meter's controls zero-weighted: the same posterior, NLL and decodings.
func TestWidenMeters(t *testing.T) {
	wide, tiny := metersModel(t)
	x := Example(quarters(60, 62, 64, 65, 67, 69, 71, 72), 120)
	x.Conditions = domain.Conditions{MeterCondition: "4/4"}
	mw, lw, err := wide.Encode([]domain.Example{x})
	if err != nil {
		t.Fatal(err)
	}
	mt, lt, _ := tiny.Encode([]domain.Example{x})
	for j := range mt[0] {
		if math.Abs(float64(mw[0][j]-mt[0][j])) > 1e-5 || math.Abs(float64(lw[0][j]-lt[0][j])) > 1e-5 {
			t.Fatalf("posterior %d: mel2-meters %g %g, mel2-tiny %g %g", j, mw[0][j], lw[0][j], mt[0][j], lt[0][j])
		}
	}
	bw, err := wide.Domain.(domain.Conditioned).BatchFor(wide, []domain.Example{x})
	if err != nil {
		t.Fatal(err)
	}
	if bw.C != Controls || bw.Len(0) != 32 || bw.T != 48 {
		t.Fatalf("batch of %d controls, %d of %d steps", bw.C, bw.Len(0), bw.T)
	}
	bt, _ := Domain{}.Batch([]domain.Example{x})
	rw, kw := wide.VAE.Score(bw, nil)
	rt, kt := tiny.VAE.Score(bt, nil)
	if math.Abs(rw[0]-rt[0]) > 1e-4*rt[0] || math.Abs(kw[0]-kt[0]) > 1e-4*kt[0] {
		t.Errorf("reconstruction %g, KL %g widened; %g, %g before", rw[0], kw[0], rt[0], kt[0])
	}
	dw, err := wide.DecodeUnder(mw, domain.Conditions{MeterCondition: "4/4"}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	dt, _ := tiny.Decode(mt, 0, nil)
	if !slices.Equal(dw[0].Value.(midi.Melody), dt[0].Value.(midi.Melody)) {
		t.Errorf("decoded %v widened, %v before", dw[0].Value, dt[0].Value)
	}
}

// TestDecodeInMeter: a model of every meter decodes each vector to its meter's window,
// the examples say their meter, and MIDI, MusicXML and ABC carry it.
func TestDecodeInMeter(t *testing.T) {
	wide, tiny := metersModel(t)
	rng := rand.New(rand.NewPCG(1, 2))
	zs := [][]float32{make([]float32, 64), make([]float32, 64), make([]float32, 64)}
	for _, z := range zs {
		for j := range z {
			z[j] = float32(rng.NormFloat64())
		}
	}
	conds := []domain.Conditions{{MeterCondition: "6/8"}, {MeterCondition: "3/4"}, nil}
	xs, err := wide.DecodeEach(zs, conds, 0.5, rng)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		meter string
		steps int
	}{{"6/8", 24}, {"3/4", 24}, {"4/4", 32}} {
		if got := xs[i].Conditions[MeterCondition]; got != want.meter || len(xs[i].Value.(midi.Melody)) != want.steps {
			t.Errorf("vector %d: %s, %d steps; want %s, %d", i, got, len(xs[i].Value.(midi.Melody)), want.meter, want.steps)
		}
	}
	if g := (Domain{}).Show(xs[0]); g != xs[0].Value.(midi.Melody).GridMeters([]midi.Meter{{Num: 6, Den: 8}}) || g == xs[0].Value.(midi.Melody).String() {
		t.Errorf("Show of a 6/8 window:\n%s", g)
	}
	var b bytes.Buffer
	if err := (Domain{}).Write(&b, xs[:1], domain.Layout{}); err != nil {
		t.Fatal(err)
	}
	f, err := midi.Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if ms := f.Meters(); len(ms) != 1 || ms[0].Num != 6 || ms[0].Den != 8 {
		t.Errorf("the MIDI file's meters: %v, want 6/8", ms)
	}
	// Read back, the window is the decoded one, in 6/8.
	x, err := Domain{}.Read(bytes.NewReader(b.Bytes()), "jig.mid", domain.ReadOptions{Bar: 1})
	if err != nil {
		t.Fatal(err)
	}
	if x.Conditions[MeterCondition] != "6/8" || !slices.Equal(x.Value.(midi.Melody), xs[0].Value.(midi.Melody).Canonical()) {
		t.Errorf("read back %v in %s, wrote %v", x.Value, x.Conditions, xs[0].Value)
	}
	// A 6/8 window then a 3/4 one: a bar of rest of 6/8 between, and a change of meter.
	b.Reset()
	if err := (Domain{}).Write(&b, xs[:2], domain.Layout{Format: ".abc", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if abc := b.String(); !strings.Contains(abc, "M:6/8") || !strings.Contains(abc, "M:3/4") {
		t.Errorf("ABC without both meters:\n%s", abc)
	}
	b.Reset()
	if err := (Domain{}).Write(&b, xs[1:2], domain.Layout{Format: ".musicxml"}); err != nil {
		t.Fatal(err)
	}
	if x := b.String(); !strings.Contains(x, "<beats>3</beats>") || !strings.Contains(x, "<beat-type>4</beat-type>") {
		t.Errorf("MusicXML without 3/4")
	}

	// mel2-tiny: no meter; 4/4 only.
	if _, err := tiny.DecodeUnder(zs[:1], domain.Conditions{MeterCondition: "6/8"}, 0, nil); !domain.IsInputError(err) {
		t.Errorf("mel2-tiny under 6/8: %v", err)
	}
	if _, err := wide.DecodeUnder(zs[:1], domain.Conditions{MeterCondition: "7/32"}, 0, nil); !domain.IsInputError(err) || !strings.Contains(err.Error(), "--meter") {
		t.Errorf("mel2-meters under 7/32: %v", err)
	}
}

// TestBatchForMeters: the batch of windows of several meters holds each at its length,
// with its meter's pulses as controls, and mel2-tiny refuses the non-4/4 ones.
func TestBatchForMeters(t *testing.T) {
	wide, tiny := metersModel(t)
	waltz := Example(quarters(60, 62, 64, 65, 67, 69), 120)
	waltz.Conditions = domain.Conditions{MeterCondition: "3/4"}
	four := Example(quarters(60, 62, 64, 65, 67, 69, 71, 72), 120)
	b, err := Domain{}.BatchFor(wide, []domain.Example{waltz, four})
	if err != nil {
		t.Fatal(err)
	}
	if b.Len(0) != 24 || b.Len(1) != 32 || b.Classes[24] != -1 {
		t.Errorf("lengths %v, padding class %d", b.Lengths, b.Classes[24])
	}
	want := make([]float32, 24*Controls)
	midi.MeterControls(want, []midi.Meter{{Num: 3, Den: 4}}, 24)
	if !slices.Equal(b.ExampleControls(0)[:24*Controls], want) {
		t.Errorf("the waltz's controls are not its 3/4 pulses")
	}
	if _, err := (Domain{}).BatchFor(tiny, []domain.Example{waltz}); !domain.IsInputError(err) || !strings.Contains(err.Error(), "24 sixteenths of 3/4") {
		t.Errorf("mel2-tiny given a waltz: %v", err)
	}
	if b, err := (Domain{}).BatchFor(tiny, []domain.Example{four}); err != nil || b.C != 0 {
		t.Errorf("mel2-tiny given 4/4: %v, %v", b, err)
	}
}
