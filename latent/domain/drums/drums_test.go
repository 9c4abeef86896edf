package drums

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// rock is bars bars of a rock beat: kick on 1 and 3, snare on 2 and 4, 8th-note hats;
// the last 8th of every second bar is an open hi-hat.
func rock(bars int) midi.Drums {
	d := make(midi.Drums, bars*midi.StepsPerBar)
	for s := range d {
		if s%2 == 0 {
			d[s] |= 1 << midi.ClosedHat
		}
		switch s % 16 {
		case 0, 8:
			d[s] |= 1 << midi.Kick
		case 4, 12:
			d[s] |= 1 << midi.Snare
		case 14:
			if s/16%2 == 1 {
				d[s] = d[s]&^(1<<midi.ClosedHat) | 1<<midi.OpenHat
			}
		}
	}
	return d
}

func smf(t *testing.T, qpm float64, d midi.Drums) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := midi.WriteDrums(&b, qpm, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRead(t *testing.T) {
	beat := rock(4)
	beat[3*16+6] |= 1 << midi.Crash
	file := smf(t, 96, beat)
	d := New()
	x, err := d.Read(bytes.NewReader(file), "rock.mid", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Source != "rock.mid" || x.QPM != 96 || x.Value.(midi.Drums).String() != beat[:32].String() {
		t.Errorf("first window: %+v\n%s", x, x.Value.(midi.Drums))
	}
	x, err = d.Read(bytes.NewReader(file), "rock.mid", domain.ReadOptions{Bar: 3})
	if err != nil {
		t.Fatal(err)
	}
	if x.Where != "bars 3–4" || x.Value.(midi.Drums).String() != beat[32:].String() {
		t.Errorf("bar 3: %+v", x)
	}
	// A hi-hat loop on channel 1 in a named track is read as drums when the track is named.
	var hats bytes.Buffer
	loop := make(midi.Melody, 32)
	for s := 0; s < 32; s += 2 {
		loop[s] = midi.NoteOnClass(42)
		loop[s+1] = midi.NoteOff
	}
	midi.WriteMelodies(&hats, 120, loop)
	x, err = d.Read(bytes.NewReader(hats.Bytes()), "hats.mid", domain.ReadOptions{Track: "0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Value.(midi.Drums); got.NumHits() != 16 || !got.Hits(2, midi.ClosedHat) || got.Hits(1, midi.ClosedHat) {
		t.Errorf("hi-hat loop read as %v", got)
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		opt   domain.ReadOptions
		say   string
		input bool
	}{
		{"past the end", file, domain.ReadOptions{Bar: 9}, "rock.mid: --bar 9 is past the end of the drums, which have 4 bars", true},
		{"no such track", file, domain.ReadOptions{Track: "kit"}, `no such track "kit"`, true},
		{"no drum channel", hats.Bytes(), domain.ReadOptions{}, "--track 0 reads the 16 notes of track 0 as drums", true},
		{"not MIDI", []byte("MThd but not really"), domain.ReadOptions{}, "midi: read rock.mid: ", false},
		{"a silent bar in every window", smf(t, 120, midi.Drums{1, 0, 0, 0}), domain.ReadOptions{}, "no 2-bar window without a silent bar", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Read(bytes.NewReader(tc.data), "rock.mid", tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.say) || domain.IsInputError(err) != tc.input {
				t.Errorf("error %v, want one saying %q (an InputError: %v)", err, tc.say, tc.input)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	a, b := rock(2), rock(2)
	b[5] = 1 << midi.HighTom
	xs := []domain.Example{{Value: a}, {Value: b}}
	var got, want bytes.Buffer
	if err := New().Write(&got, xs, domain.Layout{}); err != nil {
		t.Fatal(err)
	}
	midi.WriteDrums(&want, midi.DefaultQPM, a, make(midi.Drums, 16), b)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Error("Write does not write the beats in sequence with a bar of rest between, at 120 qpm")
	}
	if err := New().Write(&got, xs, domain.Layout{Format: ".abc"}); err == nil || !domain.IsInputError(err) {
		t.Errorf("drums as ABC: %v", err)
	}
	if err := New().Write(&got, []domain.Example{{Value: midi.Melody{2}}}, domain.Layout{}); err == nil || !strings.Contains(err.Error(), "not a midi.Drums") {
		t.Errorf("a melody written as drums: %v", err)
	}
	sound, err := New().Audio(xs, 120)
	if err != nil {
		t.Fatal(err)
	}
	var wav bytes.Buffer
	if err := sound.WriteWAV(context.Background(), &wav); err != nil || !bytes.HasPrefix(wav.Bytes(), []byte("RIFF")) || wav.Len() < 44100*2*4 {
		t.Errorf("WriteWAV: %v, %d bytes", err, wav.Len())
	}
	if same, total := New().Compare(xs[0], xs[1]); total != 32 || same != 31 {
		t.Errorf("Compare: %d of %d", same, total)
	}
	if _, err := New().Batch([]domain.Example{{Value: rock(1)}}); err == nil || !strings.Contains(err.Error(), "has 16 steps") {
		t.Errorf("a 1-bar beat batched: %v", err)
	}
	bad := rock(2)
	bad[3] = 700
	if _, err := New().Batch([]domain.Example{{Value: bad}}); err == nil || !strings.Contains(err.Error(), "class 700") {
		t.Errorf("class 700 batched: %v", err)
	}
}

// tiny is a small random drum model.
func tiny(t *testing.T) *domain.Model {
	t.Helper()
	cfg := Drums2Config()
	cfg.EncoderHidden, cfg.DecoderHidden, cfg.Z = 8, []int{16}, 4
	raw, _ := json.Marshal(cfg)
	meta := models.Meta{Domain: Name, Model: "drums2", Config: raw}
	vae, err := New().Build(meta, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return &domain.Model{Domain: New(), Meta: meta, VAE: vae}
}

func TestModel(t *testing.T) {
	raw, err := New().Config("drums2", 0)
	if err != nil {
		t.Fatal(err)
	}
	var cfg rnn.Config
	json.Unmarshal(raw, &cfg)
	if cfg.Classes != 512 || cfg.Steps != 32 || cfg.Z != 64 || cfg.EncoderHidden != 128 || len(cfg.DecoderHidden) != 1 || cfg.DecoderHidden[0] != 256 {
		t.Errorf("drums2 config %+v", cfg)
	}
	if _, err := New().Config("drums9", 0); !errors.Is(err, rnn.ErrUnknownConfig) {
		t.Errorf("drums9: %v", err)
	}
	m := tiny(t)
	n, err := New().Params(m.Meta)
	if err != nil || n != int64(models.CountParams(m.Params())) {
		t.Errorf("Params %d (%v), the model has %d", n, err, models.CountParams(m.Params()))
	}
	xs, err := m.Sample(5, 1, rand.New(rand.NewPCG(2, 2)))
	if err != nil || len(xs) != 5 {
		t.Fatalf("Sample: %v", err)
	}
	for _, x := range xs {
		if d := x.Value.(midi.Drums); len(d) != 32 || d.Validate() != nil {
			t.Errorf("sampled %v", d)
		}
	}
	windows := []midi.Drums{rock(2), make(midi.Drums, 32)}
	windows[1][0] = 1
	s, err := Score(context.Background(), m, windows, 1)
	if err != nil {
		t.Fatal(err)
	}
	// rock(2) has 16 hit steps of 32, the other 1 of 32: 47 silent steps of 64.
	if s["silence"] != 47.0/64 {
		t.Errorf("silence baseline %v, want %v", s["silence"], 47.0/64)
	}
	for _, k := range []string{"accuracy", "teacher_forced", "sampled", "hit_accuracy", "exact"} {
		if v := s[k]; !(v >= 0 && v <= 1) {
			t.Errorf("%s = %v", k, v)
		}
	}
	if !(s["reconstruction"] > 0 && s["kl"] >= 0) {
		t.Errorf("terms %v", s)
	}
}

func TestMeasures(t *testing.T) {
	beat := rock(2)
	if v, ok := Syncopation(beat); !ok || v != 0 {
		t.Errorf("rock syncopation %v %v, want 0", v, ok)
	}
	if v, ok := Openness(beat); !ok || v != 1.0/16 {
		t.Errorf("rock openness %v %v, want 1/16", v, ok)
	}
	beat[3] |= 1 << midi.Kick
	beat[7] |= 1 << midi.Snare
	if v, _ := Syncopation(beat); v != 2.0/(16+4+4+2) {
		t.Errorf("syncopation %v, want 2/26", v)
	}
	if _, ok := Openness(midi.Drums{1, 2}); ok {
		t.Error("openness of a beat without hi-hat is defined")
	}
	if _, ok := Syncopation(make(midi.Drums, 4)); ok {
		t.Error("syncopation of silence is defined")
	}
	if got := New().Describe(domain.Example{Value: rock(2)}); got != "density 24.0, syncopation 0.000, openness 0.062" {
		t.Errorf("Describe: %q", got)
	}
}

// FuzzRead holds Read to errors, never panics, and valid windows.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	midi.WriteDrums(&b, 100, rock(3))
	f.Add(b.Bytes(), "", 0)
	f.Add(b.Bytes(), "0", 2)
	f.Add([]byte("MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00"), "", 1)
	f.Fuzz(func(t *testing.T, data []byte, track string, bar int) {
		x, err := New().Read(bytes.NewReader(data), "f.mid", domain.ReadOptions{Track: track, Bar: bar % 1000})
		if err != nil {
			return
		}
		if d := x.Value.(midi.Drums); len(d) != 32 || d.Validate() != nil || d.NumHits() == 0 {
			t.Fatalf("read %v", d)
		}
	})
}
