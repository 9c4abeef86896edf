// Package latent moves in a VAE's latent space: prior samples, linear and spherical
// interpolation, grids, similar points, attribute vectors and arithmetic. It works on plain
// []float32 vectors and knows nothing of models or domains.
//
// Invariants: functions never modify their arguments; interpolations include both
// endpoints exactly; randomness comes from the *rand.Rand passed in.
package latent

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SamplePrior draws n vectors of size dim from N(0, temperature²·I).
func SamplePrior(n, dim int, temperature float64, rng *rand.Rand) [][]float32 {
	zs := make([][]float32, n)
	for i := range zs {
		zs[i] = make([]float32, dim)
		for j := range zs[i] {
			zs[i][j] = float32(rng.NormFloat64() * temperature)
		}
	}
	return zs
}

// Lerp returns (1−t)·a + t·b.
func Lerp(a, b []float32, t float64) []float32 {
	checkLen(a, b)
	z := make([]float32, len(a))
	for i := range a {
		z[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
	}
	return z
}

// Slerp interpolates along the great circle from a to b, as MusicVAE does, scaling the
// norm linearly between the endpoints' norms; it falls back to Lerp when a and b are
// (anti)parallel or one of them is zero.
func Slerp(a, b []float32, t float64) []float32 {
	checkLen(a, b)
	if t == 0 {
		return append([]float32(nil), a...)
	}
	if t == 1 {
		return append([]float32(nil), b...)
	}
	na, nb := Norm(a), Norm(b)
	if na == 0 || nb == 0 {
		return Lerp(a, b, t)
	}
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	cos := math.Max(-1, math.Min(1, dot/(na*nb)))
	omega := math.Acos(cos)
	if math.Sin(omega) < 1e-6 {
		return Lerp(a, b, t)
	}
	wa := math.Sin((1-t)*omega) / math.Sin(omega)
	wb := math.Sin(t*omega) / math.Sin(omega)
	z := make([]float32, len(a))
	for i := range a {
		z[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return z
}

// Interpolate returns steps points from a to b inclusive, by "slerp" or "lerp".
func Interpolate(a, b []float32, steps int, mode string) ([][]float32, error) {
	if steps < 2 {
		return nil, fmt.Errorf("latent: interpolate: %d steps; at least 2 (the endpoints)", steps)
	}
	f := Slerp
	switch mode {
	case "slerp", "":
	case "lerp":
		f = Lerp
	default:
		return nil, fmt.Errorf("latent: interpolate: mode %q: want slerp or lerp", mode)
	}
	zs := make([][]float32, steps)
	for i := range zs {
		zs[i] = f(a, b, float64(i)/float64(steps-1))
	}
	return zs, nil
}

// Norm returns the Euclidean norm of z.
func Norm(z []float32) float64 {
	var s float64
	for _, v := range z {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

func checkLen(a, b []float32) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("latent: vectors of sizes %d and %d", len(a), len(b)))
	}
}
