package phrase

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"musae/latent/domain"
	"musae/latent/domain/melody"
	"musae/midi"
)

// metersModel opens hier16-meters, or the checkpoint MUSAE_METERS_MODEL names; it skips
// where neither is there.
func metersModel(t *testing.T) *domain.Model {
	t.Helper()
	ref := "hier16-meters"
	if p := os.Getenv("MUSAE_METERS_MODEL"); p != "" {
		ref = p
	}
	m, err := domain.Open(ref, Domain{})
	if err != nil {
		t.Skipf("no model of every meter: %v", err)
	}
	return m
}

// beatShare is the share of the onsets of phrases that fall on a beat or a downbeat of
// the meter under (the phrases' own bars as long as its), and how many onsets there are.
func beatShare(ps []midi.Melody, under midi.Meter) (share float64, onsets int) {
	on := 0
	spb := under.StepsPerBar()
	for _, p := range ps {
		for t, c := range p {
			if _, ok := midi.ClassPitch(c); !ok {
				continue
			}
			onsets++
			if under.Pulse(t%spb) >= midi.PulseBeat {
				on++
			}
		}
	}
	return float64(on) / float64(max(onsets, 1)), onsets
}

// sixPerQuarters tells 6/8 from 3/4 in phrases of 12-step bars: onsets on the bar's
// middle (step 6, 6/8's second beat) for each onset on steps 4 and 8 (3/4's second and
// third beats). A waltz's quarters make it small; a jig's quarter-and-eighth, 1 or more.
func sixPerQuarters(ps []midi.Melody) float64 {
	var six, quarters int
	for _, p := range ps {
		for t, c := range p {
			if _, ok := midi.ClassPitch(c); !ok {
				continue
			}
			switch t % 12 {
			case 6:
				six++
			case 4, 8:
				quarters++
			}
		}
	}
	return float64(six) / float64(max(quarters, 1))
}

// TestMeterFigures samples 100 phrases of 16 bars from the model of every meter in each of
// 3/4, 6/8 and 4/4, from the same latents (README.md's 16-bar section), and measures where
// their notes fall beside Nottingham's validation phrases: the share of onsets on their
// meter's beats, and, between 3/4 and 6/8, which share the 12 steps of a bar, the onsets
// on the bar's middle (6/8's second beat) for each on 3/4's second and third beats. It
// fails if the 6/8 samples do not lean to the middle more than the 3/4 ones, that is, if
// the meter does not steer the decoder.
//
//	go test ./latent/domain/phrase -run TestMeterFigures -v
func TestMeterFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("samples 300 phrases")
	}
	m := metersModel(t)
	const n = 100
	got := map[string][]midi.Melody{}
	for _, meter := range []string{"3/4", "6/8", "4/4"} {
		zs := make([][]float32, n)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range zs {
			zs[i] = make([]float32, m.VAE.Z)
			for j := range zs[i] {
				zs[i][j] = float32(rng.NormFloat64())
			}
		}
		xs, err := m.DecodeUnder(zs, domain.Conditions{melody.MeterCondition: meter}, 0.5, rng)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			got[meter] = append(got[meter], x.Value.(midi.Melody))
		}
	}
	report := func(what string, by map[string][]midi.Melody) (waltz, jig float64) {
		w, nw := beatShare(by["3/4"], midi.Meter{Num: 3, Den: 4})
		j, nj := beatShare(by["6/8"], midi.Meter{Num: 6, Den: 8})
		c, nc := beatShare(by["4/4"], midi.Meter{Num: 4, Den: 4})
		waltz, jig = sixPerQuarters(by["3/4"]), sixPerQuarters(by["6/8"])
		t.Logf("%s: 3/4 %d phrases, %.1f onsets each, %.1f%% on its beats, %.2f on the middle per 3/4 beat; 6/8 %d, %.1f, %.1f%%, %.2f; 4/4 %d, %.1f, %.1f%%",
			what, len(by["3/4"]), float64(nw)/float64(max(len(by["3/4"]), 1)), 100*w, waltz,
			len(by["6/8"]), float64(nj)/float64(max(len(by["6/8"]), 1)), 100*j, jig,
			len(by["4/4"]), float64(nc)/float64(max(len(by["4/4"]), 1)), 100*c)
		return waltz, jig
	}
	waltz, jig := report(m.Meta.Model+", 100 samples at T 0.5 in each meter from the same z", got)
	notts := filepath.Join("..", "..", "..", "..", "shared", "data", "melodies", "nottingham")
	if c, err := corpus(context.Background(), notts, "", false, true); err == nil {
		by := map[string][]midi.Melody{}
		for i, w := range c.Validation {
			by[c.ValidationMeters[i]] = append(by[c.ValidationMeters[i]], w)
		}
		report("Nottingham validation phrases", by)
	}
	if jig <= waltz {
		t.Errorf("the meter does not steer the decoder: onsets on the bar's middle per 3/4 beat %.2f in 6/8, %.2f in 3/4", jig, waltz)
	}
}
