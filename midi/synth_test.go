package midi

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-audio/wav"
)

// held is a melody of one note of pitch held for steps steps.
func held(pitch, steps int) Melody {
	m := make(Melody, steps)
	m[0] = NoteOnClass(pitch)
	return m
}

// readWAV decodes a WAV with go-audio/wav, checks that it is 16-bit mono PCM at rate, and
// returns its samples.
func readWAV(t *testing.T, data []byte, rate int) []int {
	t.Helper()
	d := wav.NewDecoder(bytes.NewReader(data))
	if !d.IsValidFile() {
		t.Fatal("go-audio/wav: not a valid WAV file")
	}
	d.ReadInfo()
	if err := d.Err(); err != nil {
		t.Fatalf("go-audio/wav: %v", err)
	}
	if d.WavAudioFormat != 1 || d.NumChans != 1 || d.SampleRate != uint32(rate) || d.BitDepth != 16 {
		t.Fatalf("format %d, %d channels, %d Hz, %d bits; want PCM (1), 1, %d, 16", d.WavAudioFormat, d.NumChans, d.SampleRate, d.BitDepth, rate)
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatalf("go-audio/wav: %v", err)
	}
	return buf.Data
}

func wavBytes(t *testing.T, samples []int16, rate int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteWAV(&b, samples, rate); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWAVLength(t *testing.T) {
	m := mel(t, "C4", "-", "-", "-", "E4", "-", "x", ".", "G4", "-", "-", "-", "-", "-", "-", "-")
	two := append(append(Melody{}, m...), m...) // 32 steps, 8 quarters
	// A file with a tempo change: 4 quarters at 120 qpm (2 s), then 4 at 80 qpm (3 s).
	changing := mustRead(t, smfBytes(480, []ev{
		tempo(0, 500000), on(0, 0, 60, 100), off(960, 0, 60),
		tempo(1920, 750000), on(1920, 0, 67, 90), off(3840, 0, 67), meta(3840, 0x01),
	}))
	var written bytes.Buffer
	if err := WriteMelodies(&written, 90, two); err != nil {
		t.Fatal(err)
	}
	fromWrite := mustRead(t, written.Bytes())
	for _, tc := range []struct {
		name    string
		samples []int16
		rate    int
		want    int
	}{
		{"melody at 120 qpm", RenderMelody(120, RenderOptions{}, two), 44100, 4 * 44100},
		{"melody at 90 qpm", RenderMelody(90, RenderOptions{}, two), 44100, 235200},         // 32 × 60/90/4 s
		{"melody at 0 = 120 qpm", RenderMelody(0, RenderOptions{}, m, m), 44100, 4 * 44100}, // played in sequence
		{"melody at 22050 Hz", RenderMelody(120, RenderOptions{SampleRate: 22050}, two), 22050, 4 * 22050},
		{"file with a tempo change", changing.Render(RenderOptions{}), 44100, 5 * 44100},
		{"file written at 90 qpm", fromWrite.Render(RenderOptions{}), 44100, 235200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readWAV(t, wavBytes(t, tc.samples, tc.rate), tc.rate)
			if len(got) != tc.want {
				t.Fatalf("%d samples, want %d", len(got), tc.want)
			}
			for i, s := range got {
				if s != int(tc.samples[i]) {
					t.Fatalf("sample %d reads back %d, wrote %d", i, s, tc.samples[i])
				}
			}
		})
	}
}

// rms is the root mean square of samples from second a to second b, as a fraction of
// full scale.
func rms(s []int16, a, b float64) float64 {
	var sum float64
	from, to := int(a*SampleRate), int(b*SampleRate)
	for _, v := range s[from:to] {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum/float64(to-from)) / 32768
}

func TestRenderEnergy(t *testing.T) {
	// At 120 qpm a step is 1/8 s: A4 for 1 s, 1 s of rest, C5 for 1 s, 1 s of rest.
	m := append(held(69, 8), NoteOff, 0, 0, 0, 0, 0, 0, 0)
	m = append(m, held(72, 8)...)
	m = append(m, NoteOff, 0, 0, 0, 0, 0, 0, 0)
	s := RenderMelody(120, RenderOptions{}, m)
	for _, w := range []struct {
		a, b     float64
		min, max float64
	}{
		{0.05, 0.95, 0.05, 0.25}, // A4 sounds
		{1.2, 1.95, 0, 0},        // the release (0.12 s) is over: silence
		{2.05, 2.95, 0.05, 0.25}, // C5
		{3.2, 4, 0, 0},
	} {
		if r := rms(s, w.a, w.b); r < w.min || r > w.max {
			t.Errorf("RMS from %gs to %gs is %.4f of full scale, want %g..%g", w.a, w.b, r, w.min, w.max)
		}
	}
	// The release fades: less at its end than at its start, but not cut.
	if r0, r1 := rms(s, 1.0, 1.03), rms(s, 1.08, 1.11); !(r1 < r0 && r1 > 0) {
		t.Errorf("release RMS %.4f then %.4f, want a fade", r0, r1)
	}
	// Velocity scales the level: Gain doubled, level doubled.
	loud := RenderMelody(120, RenderOptions{Gain: 2 * DefaultGain}, m)
	if r, r2 := rms(s, 0.05, 0.95), rms(loud, 0.05, 0.95); math.Abs(r2/r-2) > 0.01 {
		t.Errorf("RMS %.4f at twice the gain, %.4f at the default", r2, r)
	}
}

// peakHz is the frequency from lo to hi Hz, in steps of step Hz, at which the samples
// have the most energy (Goertzel's algorithm).
func peakHz(s []int16, lo, hi, step float64) float64 {
	best, bestP := 0.0, -1.0
	for f := lo; f <= hi; f += step {
		c := 2 * math.Cos(2*math.Pi*f/SampleRate)
		var s1, s2 float64
		for _, v := range s {
			s1, s2 = float64(v)+c*s1-s2, s1
		}
		if p := s1*s1 + s2*s2 - c*s1*s2; p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

func TestRenderPitch(t *testing.T) {
	for _, tc := range []struct {
		pitch int
		hz    float64
	}{
		{69, 440}, {57, 220}, {72, 523.25}, {81, 880},
	} {
		t.Run(PitchName(tc.pitch), func(t *testing.T) {
			s := RenderMelody(120, RenderOptions{}, held(tc.pitch, 16)) // 2 s
			win := s[SampleRate/2 : 3*SampleRate/2]                     // 1 s: 1 Hz bins
			if got := peakHz(win, tc.hz*0.95, tc.hz*1.05, 0.25); math.Abs(got-tc.hz) > 0.5 {
				t.Errorf("peak at %.2f Hz, want %.2f", got, tc.hz)
			}
			// The fundamental is the strongest partial: not an octave or a fifth above.
			if got := peakHz(win[:4410], tc.hz/2-20, tc.hz*3+20, 2); math.Abs(got-tc.hz) > 10 {
				t.Errorf("strongest partial at %.2f Hz, want the fundamental %.2f", got, tc.hz)
			}
		})
	}
}

func TestRenderDeterministic(t *testing.T) {
	m := mel(t, "C4", "-", "E4", "-", "G4", "x", "C5", "-", "-", "-", "B4", "A4", "G4", "-", "-", "-")
	a := wavBytes(t, RenderMelody(100, RenderOptions{}, m, m), SampleRate)
	b := wavBytes(t, RenderMelody(100, RenderOptions{}, m, m), SampleRate)
	if !bytes.Equal(a, b) {
		t.Fatal("the same melody rendered to different bytes")
	}
	var buf bytes.Buffer
	if err := WriteMelodies(&buf, 100, m, m); err != nil {
		t.Fatal(err)
	}
	f := mustRead(t, buf.Bytes())
	if !slicesEqual(f.Render(RenderOptions{}), f.Render(RenderOptions{})) {
		t.Fatal("the same file rendered to different samples")
	}
	// The file plays what RenderMelody plays, to within the tempo's rounding to whole
	// microseconds: 100 qpm is exactly 600,000 µs a quarter.
	if !slicesEqual(f.Render(RenderOptions{}), RenderMelody(100, RenderOptions{}, m, m)) {
		t.Fatal("File.Render of what WriteMelodies wrote differs from RenderMelody")
	}
}

func slicesEqual(a, b []int16) bool { return bytes.Equal(int16Bytes(a), int16Bytes(b)) }

func int16Bytes(s []int16) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, v := range s {
		b = append(b, byte(v), byte(uint16(v)>>8))
	}
	return b
}

func TestRenderChordDoesNotClip(t *testing.T) {
	for _, chord := range [][]int{{48, 60, 64, 67}, {36, 48, 55, 60, 64, 67}} {
		var evs []ev
		for _, p := range chord {
			evs = append(evs, on(0, 0, p, 127))
		}
		for _, p := range chord {
			evs = append(evs, off(1920, 0, p)) // 2 s at 120 qpm
		}
		f := mustRead(t, smfBytes(480, evs))
		peak := 0
		for _, v := range f.Render(RenderOptions{}) {
			peak = max(peak, abs(int(v)))
		}
		if peak >= 32767 || peak < 32768/4 {
			t.Errorf("peak of a %d-note chord at velocity 127 is %d, want loud but below full scale", len(chord), peak)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestRenderEnd(t *testing.T) {
	// A note sounding to the end fades over the last 5 ms to 0 instead of clicking.
	s := RenderMelody(120, RenderOptions{}, held(69, 8))
	n := len(s)
	if s[n-1] != 0 || rms(s, 0.9, 0.99) < 0.05 {
		t.Fatalf("last sample %d, RMS before the end %.3f; want 0 and a sounding note", s[n-1], rms(s, 0.9, 0.99))
	}
	for i := n - 40; i < n; i++ {
		if abs(int(s[i])) > 32768/40 {
			t.Fatalf("sample %d of %d is %d: not faded out", i, n, s[i])
		}
	}
	// Drum-channel keys outside the drum kit make no sound; the length still follows
	// the file.
	f := mustRead(t, smfBytes(480, []ev{on(0, DrumChannel, 100, 100), off(480, DrumChannel, 100), meta(960, 0x01)}))
	d := f.Render(RenderOptions{})
	if len(d) != 44100 {
		t.Fatalf("%d samples, want 44100 (2 quarters at 120 qpm)", len(d))
	}
	for i, v := range d {
		if v != 0 {
			t.Fatalf("drum key 100 sounds at sample %d", i)
		}
	}
}

func TestWriteWAVFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.wav")
	s := RenderMelody(0, RenderOptions{}, held(60, 4))
	if err := WriteWAVFile(path, s, SampleRate); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := readWAV(t, data, SampleRate); len(got) != len(s) {
		t.Fatalf("%d samples, want %d", len(got), len(s))
	}
	bad := filepath.Join(dir, "b.wav")
	if err := WriteWAVFile(bad, s, 0); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("rate 0: error %v, want one naming %s", err, bad)
	}
	if err := WriteWAVFile(filepath.Join(dir, "no", "c.wav"), s, SampleRate); err == nil {
		t.Fatal("writing into a missing folder did not fail")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files in the folder, want only a.wav: a failed write left one behind", len(ents))
	}
}

// BenchmarkRenderMelody renders three minutes of 16th and 8th notes.
func BenchmarkRenderMelody(b *testing.B) {
	var m Melody
	for i := 0; len(m) < 180*8; i++ { // 8 steps a second at 120 qpm
		m = append(m, NoteOnClass(48+i*7%36))
		if i%3 == 0 {
			m = append(m, NoEvent)
		}
	}
	for b.Loop() {
		RenderMelody(120, RenderOptions{}, m)
	}
}
