package rnn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// eachVariant runs f with each cell-kernel implementation this CPU can run (AVX-512, AVX2,
// portable Go), restoring the native choice afterwards. (models tests the matrix product's
// kernels the same way.)
func eachVariant(t *testing.T, f func(t *testing.T)) {
	a512, a2 := useAVX512, useAVX2
	defer func() { useAVX512, useAVX2 = a512, a2 }()
	type variant struct {
		name         string
		avx512, avx2 bool
	}
	vs := []variant{{"go", false, false}}
	if a2 {
		vs = append(vs, variant{"avx2", false, true})
	}
	if a512 {
		vs = append(vs, variant{"avx512", true, a2})
	}
	for _, v := range vs {
		useAVX512, useAVX2 = v.avx512, v.avx2
		t.Run(v.name, f)
	}
}

func TestCellKernels(t *testing.T) {
	eachVariant(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 5))
		for _, h := range []int{1, 7, 8, 16, 37, 256} {
			g := randSlice(rng, 4*h)
			for i := range g {
				g[i] *= 4
			}
			cp := randSlice(rng, h)
			want, got := [4][]float32{}, [4][]float32{}
			for k := range want {
				want[k], got[k] = make([]float32, 4*h), make([]float32, 4*h)
			}
			copy(want[0], g)
			copy(got[0], g)
			cellForwardGo(want[0], cp, want[1][:h], want[2][:h], want[3][:h], h)
			cellForward(got[0], cp, got[1][:h], got[2][:h], got[3][:h])
			for k := range want {
				for j := range want[k] {
					if math.Abs(float64(want[k][j]-got[k][j])) > 1e-6 {
						t.Fatalf("forward, %d units: output %d[%d] = %g, want %g", h, k, j, got[k][j], want[k][j])
					}
				}
			}
			for _, withOut := range []bool{false, true} {
				a1, a2 := append([]float32(nil), want[0]...), append([]float32(nil), want[0]...)
				dhRec, dc := randSlice(rng, h), randSlice(rng, h)
				dc1, dc2 := append([]float32(nil), dc...), append([]float32(nil), dc...)
				var dhOut []float32
				if withOut {
					dhOut = randSlice(rng, h)
				}
				cellBackwardGo(a1, want[2][:h], cp, dhOut, dhRec, dc1, h)
				cellBackward(a2, want[2][:h], cp, dhOut, dhRec, dc2)
				for j := range a1 {
					if math.Abs(float64(a1[j]-a2[j])) > 1e-6 {
						t.Fatalf("backward, %d units, dhOut %v: d gate[%d] = %g, want %g", h, withOut, j, a2[j], a1[j])
					}
				}
				for j := range dc1 {
					if math.Abs(float64(dc1[j]-dc2[j])) > 1e-6 {
						t.Fatalf("backward, %d units: dc[%d] = %g, want %g", h, j, dc2[j], dc1[j])
					}
				}
			}
		}
	})
}

func TestLSTMGradientsVariants(t *testing.T) { eachVariant(t, TestLSTMGradients) }
