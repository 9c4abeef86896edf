package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveGemm is the reference product, summed in float64.
func naiveGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			c[i*ldc+j] = float32(s) + beta*c[i*ldc+j]
		}
	}
}

// eachKernel runs f with each micro-kernel this CPU can run (AVX-512, AVX2, portable Go),
// restoring the native choice afterwards.
func eachKernel(t *testing.T, f func(t *testing.T)) {
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

// closeTo fails t unless got matches want within the rounding of a k-long float32 sum.
func closeTo(t *testing.T, got, want []float32, k int) {
	t.Helper()
	for i, w := range want {
		if g := got[i]; math.Abs(float64(g-w)) > 1e-4*math.Sqrt(float64(k))*(1+math.Abs(float64(w))) {
			t.Fatalf("C[%d] = %g, want %g", i, g, w)
		}
	}
}

// TestGemmStrided checks every transposition, beta and edge (partial tiles, k past one
// packed block, one-element products) with leading dimensions wider than the matrices;
// the padding of C must be left alone.
func TestGemmStrided(t *testing.T) {
	type gemmCase struct {
		name          string
		tA, tB        bool
		m, n, k       int
		a, b, c, want []float32
		lda, ldb, ldc int
		beta          float32
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []gemmCase
	for _, sh := range [][3]int{{1, 1, 1}, {8, 32, 1}, {7, 33, 5}, {64, 160, 260}, {9, 90, 300}, {130, 70, 520}, {33, 257, 17}, {64, 16, 3136}, {16, 3136, 64}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, beta := range []float32{0, 1} {
				m, n, k := sh[0], sh[1], sh[2]
				tc := gemmCase{name: fmt.Sprintf("%dx%dx%d/%v/%v", m, n, k, tr, beta), tA: tr[0], tB: tr[1], m: m, n: n, k: k,
					lda: k + 3, ldb: n + 1, ldc: n + 2, beta: beta}
				if tc.tA {
					tc.lda = m + 3
				}
				if tc.tB {
					tc.ldb = k + 1
				}
				tc.a, tc.b = randSlice(rng, max(m, k)*tc.lda), randSlice(rng, max(n, k)*tc.ldb)
				tc.c = randSlice(rng, m*tc.ldc)
				tc.want = slices.Clone(tc.c)
				naiveGemm(tc.tA, tc.tB, m, n, k, tc.a, tc.lda, tc.b, tc.ldb, beta, tc.want, tc.ldc)
				cases = append(cases, tc)
			}
		}
	}
	eachKernel(t, func(t *testing.T) {
		for _, tc := range cases {
			c := slices.Clone(tc.c)
			GemmStrided(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.a, tc.lda, tc.b, tc.ldb, tc.beta, c, tc.ldc)
			t.Run(tc.name, func(t *testing.T) { closeTo(t, c, tc.want, tc.k) })
		}
	})
}

// TestGemmPacked checks products with a pre-packed B, and that splitting them between
// goroutines changes no bit of the result.
func TestGemmPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][3]int{{64, 1024, 256}, {20, 1000, 300}, {3, 90, 7}, {16, 16, 40}} {
		m, n, k := sh[0], sh[1], sh[2]
		a, b := randSlice(rng, m*k), randSlice(rng, n*k)
		var packed, inPlace PackedMatrix
		packed.Pack(true, k, n, b, k)
		bt := make([]float32, k*n)
		for i := 0; i < n; i++ {
			for p := 0; p < k; p++ {
				bt[p*n+i] = b[i*k+p]
			}
		}
		inPlace.view(k, n, bt, n)
		var ws GemmWorkspace
		for _, beta := range []float32{0, 1} {
			c0 := randSlice(rng, m*n)
			want := slices.Clone(c0)
			naiveGemm(false, true, m, n, k, a, k, b, k, beta, want, n)
			for _, pb := range []*PackedMatrix{&packed, &inPlace} {
				serial, split := slices.Clone(c0), slices.Clone(c0)
				ws.GemmPacked(false, m, a, k, pb, beta, serial, n, true)
				closeTo(t, serial, want, k)
				ws.gemmPacked(false, m, a, k, pb, beta, split, n, 3)
				if !slices.Equal(serial, split) {
					t.Fatalf("%v, beta %v, in place %v: the product split over 3 goroutines differs from the serial one", sh, beta, pb.src != nil)
				}
			}
		}
	}
}

func TestGemmRefusesBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"beta", func() { Gemm(false, false, 2, 2, 2, make([]float32, 4), make([]float32, 4), 0.5, make([]float32, 4)) }},
		{"short A", func() { Gemm(false, false, 2, 2, 2, make([]float32, 3), make([]float32, 4), 0, make([]float32, 4)) }},
		{"short B", func() { Gemm(false, true, 2, 3, 2, make([]float32, 4), make([]float32, 5), 0, make([]float32, 6)) }},
		{"short C", func() { Gemm(true, false, 2, 2, 2, make([]float32, 4), make([]float32, 4), 1, make([]float32, 3)) }},
		{"stride", func() {
			GemmStrided(false, false, 2, 2, 2, make([]float32, 8), 1, make([]float32, 8), 2, 0, make([]float32, 8), 2)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.f()
		})
	}
}

// TestKernelsAgree checks each assembly micro-kernel, in its three forms of A, both widths
// and with B packed or read from a wider matrix, against Go.
func TestKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const k, lda, ldc = 37, 41, nr + 5
	packed, rows, cols := randSlice(rng, k*mr), randSlice(rng, mr*lda), randSlice(rng, k*lda)
	for _, width := range []int{nr, nr / 2} {
		for _, ldb := range []int{width, 45} {
			b := randSlice(rng, k*ldb)
			want := [3][]float32{make([]float32, mr*ldc), make([]float32, mr*ldc), make([]float32, mr*ldc)}
			kernelGo(k, packed, b, ldb, width, want[0], ldc, false)
			kernelDirectGo(k, rows, lda, b, ldb, width, want[1], ldc, false)
			kernelTGo(k, cols, lda, b, ldb, width, want[2], ldc, false)
			eachKernel(t, func(t *testing.T) {
				for _, acc := range []bool{false, true} {
					for form, run := range []func(c []float32){
						func(c []float32) { kernel(k, packed, b, ldb, width, c, ldc, acc) },
						func(c []float32) { kernelDirect(k, rows, lda, b, ldb, width, c, ldc, acc) },
						func(c []float32) { kernelT(k, cols, lda, b, ldb, width, c, ldc, acc) },
					} {
						got := make([]float32, mr*ldc)
						run(got)
						w := slices.Clone(want[form])
						if acc {
							run(got)
							for i := range w {
								w[i] *= 2
							}
						}
						closeTo(t, got, w, k)
					}
				}
			})
		}
	}
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{64, 1024, 256}, {64, 256, 1024}, {1024, 256, 2048}, {2048, 90, 256}, {64, 16, 3136}, {16, 3136, 64}, {3136, 16, 64}} {
		m, n, k := s[0], s[1], s[2]
		rng := rand.New(rand.NewPCG(1, 1))
		x, y, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
		var pb PackedMatrix
		pb.Pack(false, k, n, y, n)
		var ws GemmWorkspace
		b.Run(fmt.Sprintf("packed1/%dx%dx%d", m, n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ws.GemmPacked(false, m, x, k, &pb, 0, c, n, true)
			}
			b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("Gemm/%dx%dx%d", m, n, k), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Gemm(false, false, m, n, k, x, y, 0, c)
			}
			b.ReportMetric(float64(2*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
