package latent

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// SamplePrior draws n vectors of size dim from N(0, temperature²·I), the VAE's prior
// scaled by temperature: vector by vector, element by element, one rng.NormFloat64 each.
// A sample's norm is close to temperature·√dim for large dim.
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

// Lerp returns (1−t)·a + t·b: a at t = 0 and b at t = 1 exactly; t outside [0, 1]
// extrapolates. It panics if a and b differ in size.
func Lerp(a, b []float32, t float64) []float32 {
	checkLen(a, b)
	// Copies at the ends keep them exact even where 0·b would be NaN (b infinite).
	if t == 0 {
		return clone(a)
	}
	if t == 1 {
		return clone(b)
	}
	z := make([]float32, len(a))
	for i := range a {
		z[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
	}
	return z
}

// Slerp interpolates spherically from a to b, with the formula MusicVAE's slerp uses:
//
//	slerp(a, b, t) = sin((1−t)·Ω)/sin Ω · a + sin(t·Ω)/sin Ω · b,   cos Ω = a·b / (|a|·|b|)
//
// It returns a at t = 0 and b at t = 1 exactly. The path lies in the plane of a and b;
// where |a| = |b| it is the arc of the great circle through them, and every point keeps
// that norm, so interpolating between two typical prior samples never passes through the
// low-norm region near the origin that a straight line crosses (a Gaussian in many
// dimensions puts almost all its mass near the sphere of radius √dim). Where the norms
// differ the path bends between the two spheres; the norm is not interpolated linearly.
//
// Slerp falls back to Lerp where the angle is undefined or degenerate: one vector is
// zero, or a and b are (anti)parallel (sin Ω < 1e-6). It panics if a and b differ in size.
func Slerp(a, b []float32, t float64) []float32 {
	checkLen(a, b)
	if t == 0 {
		return clone(a)
	}
	if t == 1 {
		return clone(b)
	}
	na, nb := Norm(a), Norm(b)
	if na == 0 || nb == 0 {
		return Lerp(a, b, t)
	}
	cos := math.Max(-1, math.Min(1, dot(a, b)/(na*nb)))
	omega := math.Acos(cos)
	so := math.Sin(omega)
	if so < 1e-6 {
		return Lerp(a, b, t)
	}
	wa := math.Sin((1-t)*omega) / so
	wb := math.Sin(t*omega) / so
	z := make([]float32, len(a))
	for i := range a {
		z[i] = float32(wa*float64(a[i]) + wb*float64(b[i]))
	}
	return z
}

// Interpolate returns steps points from a to b inclusive, evenly spaced in t, by
// mode "slerp" (the default, also for "") or "lerp". The first point is a and the last
// is b, exactly.
func Interpolate(a, b []float32, steps int, mode string) ([][]float32, error) {
	if steps < 2 {
		return nil, fmt.Errorf("latent: interpolate: %d steps; at least 2 (the endpoints)", steps)
	}
	f, err := interpolator(mode)
	if err != nil {
		return nil, fmt.Errorf("latent: interpolate: %w", err)
	}
	if len(a) != len(b) {
		return nil, fmt.Errorf("latent: interpolate: endpoints of sizes %d and %d", len(a), len(b))
	}
	zs := make([][]float32, steps)
	for i := range zs {
		zs[i] = f(a, b, float64(i)/float64(steps-1))
	}
	return zs, nil
}

// interpolator returns the two-point interpolation a mode names.
func interpolator(mode string) (func(a, b []float32, t float64) []float32, error) {
	switch mode {
	case "slerp", "":
		return Slerp, nil
	case "lerp":
		return Lerp, nil
	}
	return nil, fmt.Errorf("mode %q: want slerp or lerp", mode)
}

// Norm returns the Euclidean norm of z.
func Norm(z []float32) float64 {
	return math.Sqrt(dot(z, z))
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func clone(z []float32) []float32 {
	return append(make([]float32, 0, len(z)), z...)
}

func checkLen(a, b []float32) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("latent: vectors of sizes %d and %d", len(a), len(b)))
	}
}
