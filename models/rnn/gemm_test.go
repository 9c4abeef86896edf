package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"musae/models"
)

// naiveGemm is the reference product in float64.
func naiveGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				av := a[i*lda+p]
				if transA {
					av = a[p*lda+i]
				}
				bv := b[p*ldb+j]
				if transB {
					bv = b[j*ldb+p]
				}
				s += float64(av) * float64(bv)
			}
			c[i*ldc+j] = float32(s) + beta*c[i*ldc+j]
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kernels := []struct {
		name string
		on   *bool
	}{{"native", nil}}
	for _, sh := range [][3]int{{1, 1, 1}, {8, 32, 1}, {7, 33, 5}, {64, 1024, 256}, {9, 90, 300}, {130, 70, 520}, {33, 257, 17}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, beta := range []float32{0, 1} {
				m, n, k := sh[0], sh[1], sh[2]
				t.Run(fmt.Sprintf("%dx%dx%d/%v/%v", m, n, k, tr, beta), func(t *testing.T) {
					_ = kernels
					lda, ldb, ldc := k+3, n+1, n+2
					if tr[0] {
						lda = m + 3
					}
					if tr[1] {
						ldb = k + 1
					}
					a := randSlice(rng, max(m, k)*lda)
					b := randSlice(rng, max(n, k)*ldb)
					c := randSlice(rng, m*ldc)
					want := append([]float32(nil), c...)
					naiveGemm(tr[0], tr[1], m, n, k, a, lda, b, ldb, beta, want, ldc)
					var ws workspace
					ws.gemm(tr[0], tr[1], m, n, k, a, lda, b, ldb, beta, c, ldc)
					for i := 0; i < m; i++ {
						for j := 0; j < ldc; j++ {
							g, w := c[i*ldc+j], want[i*ldc+j]
							if math.Abs(float64(g-w)) > 1e-4*math.Sqrt(float64(k))*(1+math.Abs(float64(w))) {
								t.Fatalf("C[%d,%d] = %g, want %g", i, j, g, w)
							}
						}
					}
				})
			}
		}
	}
}

func TestKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	k := 37
	a, b := randSlice(rng, k*mr), randSlice(rng, k*nr)
	want := make([]float32, mr*nr)
	kernelGo(k, a, b, want, nr, false)
	for _, acc := range []bool{false, true} {
		got := make([]float32, mr*(nr+5))
		kernel(k, a, b, got, nr+5, acc)
		if acc {
			kernel(k, a, b, got, nr+5, acc)
		}
		for r := 0; r < mr; r++ {
			for j := 0; j < nr; j++ {
				w := want[r*nr+j]
				if acc {
					w *= 2
				}
				if g := got[r*(nr+5)+j]; math.Abs(float64(g-w)) > 1e-4*(1+math.Abs(float64(w))) {
					t.Fatalf("acc %v: C[%d,%d] = %g, want %g", acc, r, j, g, w)
				}
			}
		}
	}
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{32, 1024, 256}, {64, 1024, 256}, {64, 512, 128}, {64, 256, 1024}, {1024, 256, 2048}, {2048, 90, 256}} {
		m, n, k := s[0], s[1], s[2]
		rng := rand.New(rand.NewPCG(1, 1))
		x, y, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
		var pb packedB
		pb.pack(false, k, n, y, n, 1)
		var ap []float32
		b.Run(fmt.Sprintf("packed1/%dx%dx%d", m, n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ap = gemmPacked(ap, false, m, x, k, &pb, 0, n, 0, c, n)
			}
			b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
		var ws workspace
		b.Run(fmt.Sprintf("parallel/%dx%dx%d", m, n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ws.gemm(false, false, m, n, k, x, k, y, n, 0, c, n)
			}
			b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
		b.Run(fmt.Sprintf("models/%dx%dx%d", m, n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				models.Gemm(false, false, m, n, k, x, y, 0, c)
			}
			b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
