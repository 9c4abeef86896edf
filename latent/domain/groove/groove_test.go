package groove

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/midi"
	"musae/models"
)

// performance is a 2-bar groove with varied velocities and timing: hats on 8ths, kick on
// 1 and 3, snare on 2 and 4, a ghost note.
func performance() midi.Groove {
	g := make(midi.Groove, midi.WindowSteps)
	for t := 0; t < len(g); t += 2 {
		g[t][midi.ClosedHat] = midi.DrumHit{Velocity: 60 + t, Offset: 0.05 * float64(t%4-1)}
	}
	for _, t := range []int{0, 8, 16, 24} {
		g[t][midi.Kick] = midi.DrumHit{Velocity: 110, Offset: -0.04}
	}
	for _, t := range []int{4, 12, 20, 28} {
		g[t][midi.Snare] = midi.DrumHit{Velocity: 100, Offset: 0.1}
	}
	g[13][midi.Snare] = midi.DrumHit{Velocity: 25, Offset: 0.2}
	return g
}

func TestEncodeDecode(t *testing.T) {
	g := performance()
	x := make([]float32, len(g)*Features)
	Encode(x, g, Full)
	back := Decode(x)
	for s := range g {
		for d, h := range g[s] {
			b := back[s][d]
			if b.Velocity != h.Velocity || math.Abs(b.Offset-h.Offset) > 1e-6 {
				t.Errorf("step %d %s: %+v back as %+v", s, midi.DrumNames[d], h, b)
			}
		}
	}
	const D = midi.NumDrums
	Encode(x, g, Quantised)
	for r := 0; r < len(g); r++ {
		row := x[r*Features : (r+1)*Features]
		for d := 0; d < D; d++ {
			if want := float32(min(g[r][d].Velocity, 1)); row[d] != want || row[D+d] != 0 || row[2*D+d] != 0 {
				t.Fatalf("quantised step %d %s: %v, want hit %v and zeros", r, midi.DrumNames[d], []float32{row[d], row[D+d], row[2*D+d]}, want)
			}
		}
	}
	Encode(x, g, Tapped)
	for r := 0; r < len(g); r++ {
		row := x[r*Features : (r+1)*Features]
		// The loudest hit of the step: the kick where it plays, else the snare, else the hat.
		var want float64
		hit := float32(0)
		switch {
		case g[r][midi.Kick].Velocity > 0:
			want, hit = g[r][midi.Kick].Offset, 1
		case g[r][midi.Snare].Velocity > 0:
			want, hit = g[r][midi.Snare].Offset, 1
		case g[r][midi.ClosedHat].Velocity > 0:
			want, hit = g[r][midi.ClosedHat].Offset, 1
		}
		for j, v := range row {
			w := float32(0)
			switch j {
			case midi.OpenHat:
				w = hit
			case 2*D + midi.OpenHat:
				w = float32(2 * want)
			}
			if v != w {
				t.Fatalf("tapped step %d feature %d = %v, want %v", r, j, v, w)
			}
		}
	}
}

// TestSetFill: every example's target is the performance, and its input one of the three
// readings of it (a tapped one losing notes), each drawn about a third of the time.
func TestSetFill(t *testing.T) {
	g := performance()
	set := Set{Grooves: []midi.Groove{g}}
	b := models.NewBatch(1, midi.WindowSteps, Features, false)
	full := make([]float32, len(b.X))
	Encode(full, g, Full)
	quant := make([]float32, len(b.X))
	Encode(quant, g, Quantised)
	rng := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	for range 300 {
		set.Fill(b, []int{0}, rng)
		if !slices.Equal(b.Target, full) {
			t.Fatal("the target is not the performance")
		}
		switch {
		case slices.Equal(b.X, full):
			counts["full"]++
		case slices.Equal(b.X, quant):
			counts["quantised"]++
		default:
			for r := 0; r < midi.WindowSteps; r++ {
				for j, v := range b.X[r*Features : (r+1)*Features] {
					if v != 0 && j != midi.OpenHat && j != 2*midi.NumDrums+midi.OpenHat {
						t.Fatalf("an input neither full, quantised nor tapped: step %d feature %d = %v", r, j, v)
					}
				}
			}
			counts["tapped"]++
		}
	}
	for _, k := range []string{"full", "quantised", "tapped"} {
		if counts[k] < 70 {
			t.Errorf("%s inputs %d times of 300: %v", k, counts[k], counts)
		}
	}
}

// TestDropNotes: soft notes go first, and on average a share of MaxDropout/2 × the weight.
func TestDropNotes(t *testing.T) {
	g := performance()
	rng := rand.New(rand.NewPCG(3, 4))
	var ghost, kick, n int
	for range 2000 {
		d := dropNotes(g, MaxDropout, rng)
		n++
		if d[13][midi.Snare].Velocity == 0 {
			ghost++
		}
		if d[0][midi.Kick].Velocity == 0 {
			kick++
		}
	}
	// A hit is dropped with probability E[p]·max(0.2, 1 − v/127), E[p] = MaxDropout/2.
	for _, c := range []struct {
		what string
		got  int
		vel  float64
	}{{"ghost note", ghost, 25}, {"kick", kick, 110}} {
		want := MaxDropout / 2 * math.Max(0.2, 1-c.vel/127) * float64(n)
		if math.Abs(float64(c.got)-want) > 4*math.Sqrt(want)+5 {
			t.Errorf("%s dropped %d times of %d, want about %.0f", c.what, c.got, n, want)
		}
	}
}

func TestFigures(t *testing.T) {
	want := make(midi.Groove, 2)
	want[0][midi.Kick] = midi.DrumHit{Velocity: 100, Offset: 0.1}
	want[1][midi.Snare] = midi.DrumHit{Velocity: 80}
	pred := make(midi.Groove, 2)
	pred[0][midi.Kick] = midi.DrumHit{Velocity: 90, Offset: -0.1}
	pred[1][midi.ClosedHat] = midi.DrumHit{Velocity: 50}
	var f Figures
	f.Add(pred, want)
	if f.Precision() != 0.5 || f.Recall() != 0.5 || f.F1() != 0.5 {
		t.Errorf("precision %v, recall %v, F1 %v; want 0.5 each", f.Precision(), f.Recall(), f.F1())
	}
	if f.VelocityMAE() != 10 || math.Abs(f.TimingMAE()-0.2) > 1e-12 {
		t.Errorf("velocity MAE %v, timing MAE %v; want 10 and 0.2", f.VelocityMAE(), f.TimingMAE())
	}
	b := Baseline(want, Tapped, 64)
	if b[0][midi.OpenHat] != (midi.DrumHit{Velocity: 64, Offset: 0.1}) || b[1][midi.OpenHat].Velocity != 64 || b[0][midi.Kick].Velocity != 0 {
		t.Errorf("tapped baseline %v", b)
	}
	if q := Baseline(want, Quantised, 64); q[0][midi.Kick] != (midi.DrumHit{Velocity: 64}) || q[1][midi.Snare].Velocity != 64 {
		t.Errorf("quantised baseline %v", q)
	}
}

// model returns a freshly initialised groove2.
func model(t *testing.T) *domain.Model {
	t.Helper()
	m, err := domain.NewRegistry(New()).New("groove2", 0, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConvEncoder: groove2 builds with the convolutional encoder over the dense steps, its
// parameters counted as built, and decodes.
func TestConvEncoder(t *testing.T) {
	reg := domain.NewRegistry(New())
	m, err := reg.New("groove2", 16, "conv", 1)
	if err != nil {
		t.Fatal(err)
	}
	n, err := New().Params(m.Meta)
	if err != nil || n != int64(models.CountParams(m.Params())) {
		t.Errorf("Params %d (%v), built %d", n, err, models.CountParams(m.Params()))
	}
	mu, _, err := m.Encode([]domain.Example{{Value: performance()}})
	if err != nil || len(mu[0]) != 16 {
		t.Fatalf("encode: %v, %d values", err, len(mu[0]))
	}
	if _, err := m.Decode(mu, 0, nil); err != nil {
		t.Fatal(err)
	}
	m.Meta.Encoder = "lstm"
	if _, err := New().Params(m.Meta); err == nil {
		t.Error("an unknown encoder was accepted")
	}
}

// TestWriteRead: grooves written and read back come back with their velocities and
// offsets (to the writer's tick), and a batch of them is the dense 27 features.
func TestWriteRead(t *testing.T) {
	d := New()
	g := performance()
	var buf bytes.Buffer
	if err := d.Write(&buf, []domain.Example{{Value: g}}, domain.Layout{QPM: 96}); err != nil {
		t.Fatal(err)
	}
	x, err := d.Read(&buf, "g.mid", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	back := x.Value.(midi.Groove)
	if x.QPM != 96 || len(back) != midi.WindowSteps {
		t.Fatalf("read back %d steps at %v qpm", len(back), x.QPM)
	}
	for s := range g {
		for k, h := range g[s] {
			if s == 0 && h.Offset < 0 {
				h.Offset = 0 // early at the file's start: written at its start
			}
			if b := back[s][k]; b.Velocity != h.Velocity || math.Abs(b.Offset-h.Offset) > 1.0/120 {
				t.Errorf("step %d %s: wrote %+v, read %+v", s, midi.DrumNames[k], h, b)
			}
		}
	}
	b, err := d.Batch([]domain.Example{x})
	if err != nil || b.Classes != nil || b.D != Features || b.Target != nil {
		t.Fatalf("batch %+v, %v", b, err)
	}
	if _, err := d.Batch([]domain.Example{{Value: midi.Drums{1}}}); err == nil {
		t.Error("a batch of a midi.Drums was accepted")
	}
}

// TestTransform: groove keeps the input's hits and gives each a velocity and offset;
// drumify reads a piano rhythm as taps; both decode valid grooves, repeatably.
func TestTransform(t *testing.T) {
	m := model(t)
	d := New()
	beat := performance().Quantised()
	out, err := d.Transform(m, Humanise, []domain.Example{{Value: beat, QPM: 100}}, 0.5, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	g := out[0].Value.(midi.Groove)
	if !slices.Equal(g.Drums(), beat.Drums()) || out[0].QPM != 100 {
		t.Errorf("groove changed the hits:\n%v\nfrom\n%v", g, beat)
	}
	if err := g.Validate(); err != nil {
		t.Error(err)
	}

	dir := t.TempDir()
	piano := filepath.Join(dir, "rhythm.mid")
	mel := make(midi.Melody, midi.WindowSteps)
	for s := range mel {
		mel[s] = midi.NoteOff
		if s%2 == 0 {
			mel[s] = midi.NoteOnClass(60)
		}
	}
	if err := midi.WriteFile(piano, 120, mel); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(piano)
	defer f.Close()
	x, err := d.ReadInput(Drumify, f, piano, domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	taps := x.Value.(midi.Groove)
	for s := range taps {
		if taps[s][midi.OpenHat].Velocity > 0 != (s%2 == 0) {
			t.Fatalf("the taps of an 8th-note rhythm:\n%v", taps)
		}
	}
	a, err := d.Transform(m, Drumify, []domain.Example{x}, 1, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Transform(m, Drumify, []domain.Example{x}, 1, rand.New(rand.NewPCG(2, 2)))
	if !slices.Equal(a[0].Value.(midi.Groove), b[0].Value.(midi.Groove)) {
		t.Error("drumify with the same seed gave two grooves")
	}
	if _, err := d.Transform(m, "shuffle", []domain.Example{x}, 1, nil); err == nil {
		t.Error("an unknown transformation was accepted")
	}
}

// TestEvalFolder scores a fresh groove2 on a small folder with an info.csv and checks the
// figures and baselines are all there.
func TestEvalFolder(t *testing.T) {
	dir := t.TempDir()
	var info strings.Builder
	info.WriteString("midi_filename,split\n")
	for i, name := range []string{"a", "b", "v"} {
		g := performance()
		g[3][midi.Crash] = midi.DrumHit{Velocity: 90 + i}
		if err := midi.WriteGroovesFile(filepath.Join(dir, name+".mid"), 120, g, g); err != nil {
			t.Fatal(err)
		}
		split := "train"
		if name == "v" {
			split = "validation"
		}
		info.WriteString(name + ".mid," + split + "\n")
	}
	os.WriteFile(filepath.Join(dir, "info.csv"), []byte(info.String()), 0o644)
	var out bytes.Buffer
	if err := New().Eval(context.Background(), model(t), domain.DataOptions{Dir: dir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"examples 3 windows", "humanise_hit_f1 1.0000", "humanise_baseline_velocity_mae ", "humanise_timing_mae ", "drumify_hit_f1 ", "drumify_baseline_hit_f1 ", "reconstruct_hit_f1 ", "neg_elbo "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval lacks %q:\n%s", want, out.String())
		}
	}
	// The humanise baseline's timing error is the mean |offset| of the validation hits.
	f, err := midi.ReadFile(filepath.Join(dir, "v.mid"))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := f.GrooveWindows(midi.DrumOptions{}, midi.WindowBars, 1)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	var n int
	for _, w := range ws {
		for _, s := range w {
			for _, h := range s {
				if h.Velocity > 0 {
					sum += math.Abs(h.Offset)
					n++
				}
			}
		}
	}
	want := sum / float64(n) * msPerStep
	if !strings.Contains(out.String(), fmt.Sprintf("humanise_baseline_timing_mae %.2f ms", want)) {
		t.Errorf("humanise baseline timing, want %.2f ms:\n%s", want, out.String())
	}
	js, _ := json.Marshal(Groove2Config())
	if !strings.Contains(string(js), `"Drums":9`) {
		t.Errorf("groove2's config %s", js)
	}
}

// TestView: a groove's view keeps each hit's velocity and offset; the starters are the
// drum beats as grooves.
func TestView(t *testing.T) {
	g := performance()
	v, err := New().View(domain.Example{Value: g})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range v.Notes {
		if n.Start == 13 && n.Name == "snare" {
			found = n.Velocity == 25 && n.Offset == 0.2
		}
	}
	if !found || v.Kind != domain.ViewGrid || v.Channel != midi.DrumChannel {
		t.Errorf("view of the ghost note: %+v", v)
	}
	if _, err := New().View(domain.Example{Value: midi.Drums{1}}); err == nil {
		t.Error("a view of a midi.Drums was made")
	}
	st := New().Starters()
	if len(st) == 0 {
		t.Fatal("no starters")
	}
	for _, x := range st {
		if g, ok := x.Value.(midi.Groove); !ok || len(g) != midi.WindowSteps || g.Validate() != nil {
			t.Errorf("starter %s: %T", x.Source, x.Value)
		}
	}
}
