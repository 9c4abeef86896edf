package rnn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSchedule: MusicVAE's inverse-sigmoid schedule, teacher-forced with probability
// k/(k+exp(step/k)): nearly always at first, half the time at step k·ln k, nearly never
// late (and no overflow however late), each step's rng handed to the decoder.
func TestSchedule(t *testing.T) {
	d := &Decoder{}
	const k = 1000.0
	hook := d.Schedule(k)
	for _, c := range []struct {
		step int
		want float64 // SampleProb
	}{
		{0, 1 - k/(k+1)},
		{int(math.Round(k * math.Log(k))), 0.5},
		{20000, 1 - k/(k+math.Exp(20))},
		{math.MaxInt32, 1},
	} {
		rng := rand.New(rand.NewPCG(uint64(c.step), 1))
		hook(c.step, rng)
		if math.Abs(d.SampleProb-c.want) > 1e-4 || d.Rng != rng {
			t.Errorf("step %d: SampleProb %v (rng handed over: %v), want %v", c.step, d.SampleProb, d.Rng == rng, c.want)
		}
	}
}
