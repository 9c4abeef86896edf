package midi

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
)

// zeroCrossings is the rate of sign changes of s per sample: high for hats and cymbals,
// low for a kick.
func zeroCrossings(s []int16) float64 {
	n := 0
	for i := 1; i < len(s); i++ {
		if (s[i-1] < 0) != (s[i] < 0) {
			n++
		}
	}
	return float64(n) / float64(len(s))
}

func TestDrumKit(t *testing.T) {
	const qpm = 120 // a step is 0.125 s, 5,512.5 samples
	zc := map[int]float64{}
	for d := 0; d < NumDrums; d++ {
		g := make(Groove, 16)
		g[4][d] = DrumHit{Velocity: 127}
		s := RenderGrooves(qpm, RenderOptions{}, g)
		if len(s) != 88200 {
			t.Fatalf("%s: %d samples, want 88200 (a bar at 120 qpm)", DrumNames[d], len(s))
		}
		onset := 4 * 5512
		for i, v := range s[:onset] {
			if v != 0 {
				t.Fatalf("%s sounds at sample %d, before its hit at %d", DrumNames[d], i, onset+1)
			}
		}
		peak := 0
		for _, v := range s {
			peak = max(peak, abs(int(v)))
		}
		// One hit at velocity 127 stays near DefaultGain (a quarter of full scale).
		if peak < 32768/40 || float64(peak) > 32768*DefaultGain*1.3 {
			t.Errorf("%s peaks at %d, want audible and near a quarter of full scale", DrumNames[d], peak)
		}
		if r := rms(s, 0.5, 0.55); r < 0.005 {
			t.Errorf("%s silent just after its hit (RMS %.4f)", DrumNames[d], r)
		}
		zc[d] = zeroCrossings(s[onset : onset+2000])
		if again := RenderGrooves(qpm, RenderOptions{}, g); !slices.Equal(s, again) {
			t.Errorf("%s: two renders differ", DrumNames[d])
		}
	}
	if !(zc[Kick] < zc[Snare] && zc[Snare] < zc[ClosedHat] && zc[LowTom] < zc[HighTom] && zc[Kick] < zc[Crash]) {
		t.Errorf("zero-crossing rates %v: want kick < snare < hi-hat, low tom < high tom", zc)
	}
	// A louder hit is louder; velocity 0 is no hit.
	soft, loud := make(Groove, 4), make(Groove, 4)
	soft[0][Snare], loud[0][Snare] = DrumHit{Velocity: 30}, DrumHit{Velocity: 120}
	if a, b := rms(RenderGrooves(qpm, RenderOptions{}, soft), 0, 0.5), rms(RenderGrooves(qpm, RenderOptions{}, loud), 0, 0.5); !(b > 3*a) {
		t.Errorf("RMS soft %.4f, loud %.4f", a, b)
	}
	// A file's drum channel plays through the kit as RenderDrums plays the pattern.
	d := Drums{1<<Kick | 1<<ClosedHat, 0, 1 << ClosedHat, 0, 1<<Snare | 1<<ClosedHat, 0, 1 << ClosedHat, 0}
	buf := new(bytes.Buffer)
	if err := WriteDrums(buf, qpm, d); err != nil {
		t.Fatal(err)
	}
	fromFile := mustRead(t, buf.Bytes()).Render(RenderOptions{})
	direct := RenderDrums(qpm, RenderOptions{}, d)
	if len(fromFile) != len(direct) {
		t.Fatalf("file renders %d samples, pattern %d", len(fromFile), len(direct))
	}
	diff := 0
	for i := range direct {
		diff = max(diff, abs(int(direct[i])-int(fromFile[i])))
	}
	if diff > 0 {
		t.Errorf("file and pattern renders differ by up to %d", diff)
	}
}

func TestDrumKitChunksAndReplay(t *testing.T) {
	g := make(Groove, 32)
	for s := range g {
		g[s][ClosedHat] = DrumHit{Velocity: 60 + s, Offset: 0.3 * float64(s%3-1)}
		if s%8 == 0 {
			g[s][Kick] = DrumHit{Velocity: 110}
		}
		if s%8 == 4 {
			g[s][Snare] = DrumHit{Velocity: 90, Offset: 0.1}
		}
	}
	g[0][Crash] = DrumHit{Velocity: 120}
	a, err := GrooveAudio(100, RenderOptions{}, g)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := a.Samples(context.Background())
	again, _ := a.Samples(context.Background())
	if !slices.Equal(first, again) {
		t.Error("playing an Audio twice gives different samples")
	}
	defer func(n int) { chunkSamples = n }(chunkSamples)
	chunkSamples = 1000
	small, _ := a.Samples(context.Background())
	if !slices.Equal(first, small) {
		t.Error("the samples depend on the chunk size")
	}
	if _, err := GrooveAudio(100, RenderOptions{MaxSeconds: 1}, g); !errors.Is(err, ErrRenderLimit) {
		t.Errorf("a 4.8 s groove with a 1 s limit: %v", err)
	}
}
