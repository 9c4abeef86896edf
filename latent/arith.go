package latent

import (
	"fmt"
	"math"
)

// Add returns a + b. It panics if a and b differ in size.
func Add(a, b []float32) []float32 {
	checkLen(a, b)
	z := make([]float32, len(a))
	for i := range a {
		z[i] = float32(float64(a[i]) + float64(b[i]))
	}
	return z
}

// Sub returns a − b. It panics if a and b differ in size.
func Sub(a, b []float32) []float32 {
	checkLen(a, b)
	z := make([]float32, len(a))
	for i := range a {
		z[i] = float32(float64(a[i]) - float64(b[i]))
	}
	return z
}

// Scale returns s·z.
func Scale(z []float32, s float64) []float32 {
	out := make([]float32, len(z))
	for i, v := range z {
		out[i] = float32(s * float64(v))
	}
	return out
}

// Apply returns z + amount·v: z moved along attribute vector v (see Attribute); a
// negative amount removes the attribute. It panics if z and v differ in size.
func Apply(z, v []float32, amount float64) []float32 {
	checkLen(z, v)
	out := make([]float32, len(z))
	for i := range z {
		out[i] = float32(float64(z[i]) + amount*float64(v[i]))
	}
	return out
}

// Mean returns the centroid of zs, element by element, summed in float64. It returns an
// error for an empty set or vectors of different sizes.
func Mean(zs [][]float32) ([]float32, error) {
	if len(zs) == 0 {
		return nil, fmt.Errorf("latent: mean of no vectors")
	}
	sum := make([]float64, len(zs[0]))
	for i, z := range zs {
		if len(z) != len(sum) {
			return nil, fmt.Errorf("latent: mean: vector %d has size %d, vector 0 has %d", i, len(z), len(sum))
		}
		for j, v := range z {
			sum[j] += float64(v)
		}
	}
	out := make([]float32, len(sum))
	for j, s := range sum {
		out[j] = float32(s / float64(len(zs)))
	}
	return out, nil
}

// Distance returns the Euclidean distance |a − b|. It panics if a and b differ in size.
func Distance(a, b []float32) float64 {
	checkLen(a, b)
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}
