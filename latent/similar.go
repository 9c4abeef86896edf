package latent

import (
	"fmt"
	"math/rand/v2"
)

// Similar returns n variations of z: point i is Slerp(ε_i, z, similarity), where the ε_i
// are n fresh prior samples, drawn as SamplePrior(n, len(z), 1, rng) draws them. So
// similarity 1 returns copies of z and similarity 0 returns the prior samples themselves,
// both exactly, and values between move along the arc from a random sample towards z.
//
// magenta.js's MusicVAE.similar mixes linearly, similarity·z + (1−similarity)·ε, and
// carries a note to switch to slerp. A linear mix of two independent points of norm about
// √dim has norm about √(s² + (1−s)²)·√dim, 71% of it at s = 0.5, a region where the
// prior has almost no mass and which the decoder has rarely seen in training; slerp keeps
// every point on the prior's shell when z is a typical point (|z| ≈ √dim).
//
// Similar returns an error for a similarity outside [0, 1] (or NaN) or a negative n.
func Similar(z []float32, similarity float64, n int, rng *rand.Rand) ([][]float32, error) {
	if !(similarity >= 0 && similarity <= 1) {
		return nil, fmt.Errorf("latent: similar: similarity %v: want a value in [0, 1] (1 = z itself, 0 = a fresh prior sample)", similarity)
	}
	if n < 0 {
		return nil, fmt.Errorf("latent: similar: %d samples", n)
	}
	eps := SamplePrior(n, len(z), 1, rng)
	for i, e := range eps {
		eps[i] = Slerp(e, z, similarity)
	}
	return eps, nil
}
