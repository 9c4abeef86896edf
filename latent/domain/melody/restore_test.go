package melody

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"musae/datasets"
	"musae/latent/domain"
	"musae/midi"
)

// TestRestore runs a 6-bar file through a model of a task: each 2-bar window with notes
// becomes the model's greedy decoding of it, in its place; the silent window stays silent.
func TestRestore(t *testing.T) {
	d := New()
	m, err := domain.NewRegistry(d).New("mel2-tiny", 8, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	var song midi.Melody
	song = append(song, quarters(60, 62, 64, 65, 67, 65, 64, 62)...)
	song = append(song, midi.NoteOff)
	song = append(song, make(midi.Melody, 2*midi.StepsPerBar-1)...)
	song = append(song, quarters(72, 0, 71, 0, 69, 67, 65, 64)...)
	file := smf(t, 100, song)
	if _, _, err := restore(d, m, file, "song.mid"); err == nil || !strings.Contains(err.Error(), "a VAE of melodies, not a model of elaborate") {
		t.Fatalf("a plain VAE restored: %v", err)
	}
	m.Meta.Task = datasets.TaskDenoise
	if _, _, err := restore(d, m, file, "song.mid"); err == nil || !strings.Contains(err.Error(), "a model of denoise, not a model of elaborate") {
		t.Fatalf("a denoiser elaborated: %v", err)
	}
	m.Meta.Task = datasets.TaskElaborate // decoded greedily
	out, in, err := restore(d, m, file, "song.mid")
	if err != nil {
		t.Fatal(err)
	}
	got, read := out.Value.(midi.Melody), in.Value.(midi.Melody)
	if !slices.Equal(read, song.Canonical()) {
		t.Fatalf("read\n%v\nwant\n%v", read, song.Canonical())
	}
	if len(got) != 6*midi.StepsPerBar || out.QPM != 100 || !strings.Contains(out.Where, "all 6 bars") {
		t.Fatalf("restored %d steps at %g qpm (%s), want 6 bars at 100", len(got), out.QPM, out.Where)
	}
	dec, _ := decoder(m)
	for _, w := range []int{0, 2} {
		win := read[w*midi.WindowSteps : (w+1)*midi.WindowSteps]
		mu, _ := m.VAE.Enc.Encode(datasets.MelodyBatch([]midi.Melody{win}), false)
		want := dec.Generate(mu, 1, 0, nil)[0]
		for s, c := range want {
			if got[w*midi.WindowSteps+s] != int(c) {
				t.Fatalf("window %d step %d: %d, want the model's %d", w, s, got[w*midi.WindowSteps+s], c)
			}
		}
	}
	if silent := got[midi.WindowSteps : 2*midi.WindowSteps]; !slices.Equal(silent, read[midi.WindowSteps:2*midi.WindowSteps]) {
		t.Errorf("the silent window became %v", silent)
	}
}

// TestDecodeTaskKeep: keeping the input wherever the model gives it any probability copies
// the input; a Keep above 1 never keeps it, which is greedy decoding.
func TestDecodeTaskKeep(t *testing.T) {
	m, err := domain.NewRegistry(New()).New("mel2-tiny", 8, "", 5)
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := decoder(m)
	ins := []midi.Melody{
		quarters(60, 62, 64, 65, 67, 69, 71, 72),
		quarters(72, 0, 71, 0, 69, 67, 65, 64),
	}
	mu, _ := m.VAE.Enc.Encode(datasets.MelodyBatch(ins), false)
	greedy := decodeTask(dec, mu, ins, Decoding{}, nil)
	for i, got := range decodeTask(dec, mu, ins, Decoding{Keep: 1e-30}, nil) {
		if !slices.Equal(got, ins[i]) {
			t.Errorf("keep 1e-30: window %d is %v, want the input %v", i, got, ins[i])
		}
	}
	for i, got := range decodeTask(dec, mu, ins, Decoding{Keep: 2}, nil) {
		if !slices.Equal(got, greedy[i]) {
			t.Errorf("keep 2: window %d is %v, want greedy %v", i, got, greedy[i])
		}
	}
}

// TestRestoreRefusesOtherMeters: a waltz is refused, naming the file and its meter.
func TestRestoreRefusesOtherMeters(t *testing.T) {
	d := New()
	m, err := domain.NewRegistry(d).New("mel2-tiny", 8, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	m.Meta.Task = datasets.TaskDenoise
	var b bytes.Buffer
	if err := midi.WriteMelodiesWith(&b, midi.WriteOptions{Meters: []midi.Meter{{Step: 0, Num: 3, Den: 4}}}, quarters(60, 62, 64, 65, 67, 69)); err != nil {
		t.Fatal(err)
	}
	_, _, err = restore(d, m, b.Bytes(), "waltz.mid")
	if !domain.IsInputError(err) || !strings.Contains(err.Error(), "waltz.mid: in 3/4 at step 0; the model reads bars of 4/4") {
		t.Errorf("a waltz gave %v", err)
	}
}

// restore reads file whole and elaborates it with m, as the elaborate verb does.
func restore(d Domain, m *domain.Model, file []byte, name string) (out, in domain.Example, err error) {
	in, err = d.ReadInput(datasets.TaskElaborate, bytes.NewReader(file), name, domain.ReadOptions{})
	if err != nil {
		return out, in, err
	}
	ys, err := d.Transform(m, datasets.TaskElaborate, []domain.Example{in}, 0, nil)
	if err != nil {
		return out, in, err
	}
	return ys[0], in, nil
}
