package conv

import (
	"math/rand/v2"
	"testing"
)

func TestMatmul(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range []struct {
		m, n, k int
		pt      bool
	}{
		{8, 48, 5, false}, {13, 100, 7, true}, {64, 3136, 32, false}, {3, 20, 64, true}, {16, 3136, 64, true},
	} {
		p := randSlice(rng, tc.m*tc.k)
		ldb, ldc := tc.n+3, tc.n+5
		b := randSlice(rng, tc.k*ldb)
		got := make([]float32, tc.m*ldc)
		want := make([]float32, tc.m*ldc)
		copy(got, want)
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				var s float64
				for kk := 0; kk < tc.k; kk++ {
					pv := p[i*tc.k+kk]
					if tc.pt {
						pv = p[kk*tc.m+i]
					}
					s += float64(pv) * float64(b[kk*ldb+j])
				}
				want[i*ldc+j] = float32(s)
			}
		}
		new(gemmScratch).matmul(tc.m, tc.n, tc.k, p, tc.pt, b, ldb, got, ldc)
		if d := maxRelDiff(got, want); d > 1e-5 {
			t.Errorf("matmul %+v: max relative difference %g", tc, d)
		}
	}
	for _, tc := range []struct{ m, n, k int }{{4, 6, 16}, {5, 7, 48}, {64, 32, 3136}, {64, 2, 3136}} {
		lda, ldb, ldc := tc.k+16, tc.k+32, tc.n+1
		a, b := randSlice(rng, tc.m*lda), randSlice(rng, tc.n*ldb)
		got, want := make([]float32, tc.m*ldc), make([]float32, tc.m*ldc)
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				var s float64
				for kk := 0; kk < tc.k; kk++ {
					s += float64(a[i*lda+kk]) * float64(b[j*ldb+kk])
				}
				want[i*ldc+j] = float32(s)
			}
		}
		matmulNT(nil, tc.m, tc.n, tc.k, a, lda, b, ldb, got, ldc)
		if d := maxRelDiff(got, want); d > 1e-4 { // float32 sums of thousands of terms
			t.Errorf("matmulNT %+v: max relative difference %g", tc, d)
		}
	}
}
