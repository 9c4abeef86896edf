package melody

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/midi"
)

// quarters is a melody of quarter notes, one per pitch.
func quarters(pitches ...int) midi.Melody {
	m := make(midi.Melody, len(pitches)*midi.StepsPerQuarter)
	for i, p := range pitches {
		m[i*midi.StepsPerQuarter] = midi.NoteOff
		if p > 0 {
			m[i*midi.StepsPerQuarter] = midi.NoteOnClass(p)
		}
	}
	return m.Canonical()
}

func smf(t *testing.T, qpm float64, m midi.Melody) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := midi.WriteMelodies(&b, qpm, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRead(t *testing.T) {
	four := quarters(60, 62, 64, 65, 67, 69, 71, 72, 0, 0, 0, 0, 72, 71, 69, 67)
	file := smf(t, 96, four)
	d := New()
	x, err := d.Read(bytes.NewReader(file), "up.mid", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Source != "up.mid" || x.Where != "the first 2-bar window with notes" || x.QPM != 96 || x.Value.(midi.Melody).String() != four[:midi.WindowSteps].Canonical().String() {
		t.Errorf("first window: %+v", x)
	}
	x, err = d.Read(bytes.NewReader(file), "up.mid", domain.ReadOptions{Bar: 4})
	if err != nil {
		t.Fatal(err)
	}
	if want := append(midi.Melody{}, four[3*midi.StepsPerBar:]...); x.Where != "bars 4–5" || x.Value.(midi.Melody)[0] != want[0] {
		t.Errorf("bar 4: %+v", x)
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		opt   domain.ReadOptions
		say   string
		input bool
	}{
		{"past the end", file, domain.ReadOptions{Bar: 9}, "up.mid: --bar 9 is past the end of the melody, which has 4 bars", true},
		{"no such track", file, domain.ReadOptions{Track: "LEAD"}, `no such track "LEAD"`, false},
		{"not MIDI", []byte("MThd but not really"), domain.ReadOptions{}, "midi: read up.mid: ", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Read(bytes.NewReader(tc.data), "up.mid", tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.say) || domain.IsInputError(err) != tc.input {
				t.Errorf("error %v, want one saying %q (an InputError: %v)", err, tc.say, tc.input)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	a, b := quarters(60, 64, 67, 72), quarters(72, 67, 64, 60)
	var got, want bytes.Buffer
	if err := New().Write(&got, []domain.Example{Example(a, 0), Example(b, 0)}, domain.Layout{QPM: 0}); err != nil {
		t.Fatal(err)
	}
	midi.WriteMelodies(&want, midi.DefaultQPM, a, make(midi.Melody, midi.StepsPerBar), b)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Error("Write does not write the melodies in sequence with a bar of rest between, at 120 qpm")
	}
	var abc bytes.Buffer
	if err := New().Write(&abc, []domain.Example{Example(a, 0), Example(b, 0)}, domain.Layout{QPM: 90, Format: ".abc", Title: "Up and down"}); err != nil {
		t.Fatal(err)
	}
	if s := abc.String(); !strings.Contains(s, "T:Up and down") || !strings.Contains(s, "Q:1/4=90") || !strings.Contains(s, "C4 E4 G4 c4 | z16 | c4 G4 E4 C4") {
		t.Errorf("ABC of two melodies with a bar between:\n%s", s)
	}
	var wav bytes.Buffer
	sound, err := New().Audio([]domain.Example{Example(a, 0)}, 120)
	if err != nil {
		t.Fatal(err)
	}
	if err := sound.WriteWAV(context.Background(), &wav); err != nil || !bytes.HasPrefix(wav.Bytes(), []byte("RIFF")) {
		t.Errorf("WriteWAV: %v, %q", err, wav.Bytes()[:min(4, wav.Len())])
	}
	// Hours of melodies are refused before any sound is made.
	long := make([]domain.Example, 1000)
	for i := range long {
		long[i] = Example(a, 0)
	}
	if _, err := New().Audio(long, 20); err == nil {
		t.Error("1,000 melodies at 20 qpm were not refused")
	}
	if err := New().Write(&got, []domain.Example{{Value: []float32{1}}}, domain.Layout{}); err == nil || !strings.Contains(err.Error(), "not a midi.Melody") {
		t.Errorf("a picture written as a melody: %v", err)
	}
	if same, total := New().Compare(Example(a, 0), Example(b, 0)); total != len(a) || same != len(a)-4 {
		t.Errorf("Compare: %d of %d", same, total)
	}
}

// FuzzRead feeds Read any bytes: it returns a window or an error, never panics, and a
// window it returns is a valid 2-bar melody.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	midi.WriteMelodies(&b, 120, quarters(60, 62, 64, 65, 67, 69, 71, 72))
	f.Add(b.Bytes(), 0)
	f.Add(b.Bytes(), 2)
	f.Add([]byte("MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0"), 0)
	f.Fuzz(func(t *testing.T, data []byte, bar int) {
		x, err := New().Read(bytes.NewReader(data), "fuzz.mid", domain.ReadOptions{Bar: bar % 8})
		if err != nil {
			return
		}
		m := x.Value.(midi.Melody)
		if len(m) != midi.WindowSteps || m.Validate() != nil {
			t.Fatalf("Read gave %d steps: %v", len(m), m.Validate())
		}
	})
}
