package conv

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

var kernelsFlag = flag.String("kernels", "", "run the tests and benchmarks with this kernel set (avx512, avx2 or go) instead of the best the CPU supports")

// TestMain applies -kernels, so that any benchmark can be timed with any kernel set:
// go test -bench TrainStep -kernels avx2.
func TestMain(m *testing.M) {
	flag.Parse()
	if *kernelsFlag != "" {
		k, err := parseISA(*kernelsFlag)
		if err == nil && !supported(k) {
			err = fmt.Errorf("this CPU cannot run the %s kernels", k)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "-kernels:", err)
			os.Exit(2)
		}
		kernels = k
	}
	os.Exit(m.Run())
}

func parseISA(s string) (isa, error) {
	for _, k := range []isa{isaGo, isaAVX2, isaAVX512} {
		if s == k.String() {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown kernel set %q (want avx512, avx2 or go)", s)
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func maxRelDiff(a, b []float32) float64 {
	worst := 0.0
	for i := range a {
		d := math.Abs(float64(a[i]-b[i])) / math.Max(1, math.Abs(float64(b[i])))
		worst = math.Max(worst, d)
	}
	return worst
}

// asmKernels lists the assembly kernel sets, each of which tests run against the Go one
// where the CPU supports it.
var asmKernels = []isa{isaAVX512, isaAVX2}

// withKernels switches the package to the kernel set k until the end of the test or
// benchmark, skipping it when the CPU cannot run k. The kernel set is package state, so
// tests that call it must not run in parallel with others.
func withKernels(tb testing.TB, k isa) {
	tb.Helper()
	if !supported(k) {
		tb.Skipf("this CPU cannot run the %s kernels", k)
	}
	old := kernels
	kernels = k
	tb.Cleanup(func() { kernels = old })
}

// forEachKernels runs f as a subtest with each assembly kernel set in turn.
func forEachKernels(t *testing.T, f func(t *testing.T)) {
	t.Logf("default kernels: %s", kernels)
	for _, k := range asmKernels {
		t.Run(k.String(), func(t *testing.T) {
			withKernels(t, k)
			f(t)
		})
	}
}

// TestKernels compares each assembly kernel set with the portable kernels.
func TestKernels(t *testing.T) { forEachKernels(t, testKernels) }

func testKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		nci, ldb, ldc int
		offs          []int
	}{
		{1, 0, nr, []int{0}},
		{3, 200, 60, []int{0, 1, 2, 15, 16, 17, 30, 31, 32}},
		{5, 97, 100, []int{3, 1, 4}},
		{16, 150, 48, []int{0, 1, 2, 30, 31, 32, 60, 61, 62}},
	} {
		maxOff := 0
		for _, o := range tc.offs {
			maxOff = max(maxOff, o)
		}
		w := randSlice(rng, tc.nci*len(tc.offs)*mr)
		b := randSlice(rng, (tc.nci-1)*tc.ldb+maxOff+nr)
		// Random values around and after the tile must stay as they are.
		got := randSlice(rng, (mr-1)*tc.ldc+nr+lanes)
		want := append([]float32(nil), got...)
		tileConv(w, b, tc.offs, tc.nci, tc.ldb, got, tc.ldc)
		tileConvGo(w, b, tc.offs, tc.nci, tc.ldb, want, tc.ldc)
		if d := maxRelDiff(got, want); d > 1e-5 {
			t.Errorf("tileConv %+v: max relative difference %g", tc, d)
		}
	}
	for _, nci := range []int{1, 3} {
		offs := []int{0, 1, 2, 30, 31, 32, 60, 61, 62}
		w := randSlice(rng, nci*len(offs))
		b := randSlice(rng, (nci-1)*300+62+nr1)
		got := randSlice(rng, nr1+lanes)
		want := append([]float32(nil), got...)
		tileConv1(w, b, offs, nci, 300, got)
		tileConv1Go(w, b, offs, nci, 300, want)
		if d := maxRelDiff(got, want); d > 1e-5 {
			t.Errorf("tileConv1 nci %d: max relative difference %g", nci, d)
		}
	}
	for _, steps := range []int{1, 3, 40} {
		abuf, bbuf := randSlice(rng, 1000), randSlice(rng, 1200)
		var aoff [ar]int
		var boff [br]int
		for i := range aoff {
			aoff[i] = rng.IntN(len(abuf) - steps*lanes)
		}
		for j := range boff {
			boff[j] = rng.IntN(len(bbuf) - steps*lanes)
		}
		got := randSlice(rng, ar*br*lanes+lanes)
		want := append([]float32(nil), got...)
		tileDot(steps, abuf, &aoff, bbuf, &boff, got)
		tileDotGo(steps, abuf, &aoff, bbuf, &boff, want)
		if d := maxRelDiff(got, want); d > 1e-5 {
			t.Errorf("tileDot steps %d: max relative difference %g", steps, d)
		}
	}
}

// rowLengths are the row lengths the row kernels are tested on: around both vector widths
// (8 and 16 outputs per group), and mnist-conv's 7 and 14.
var rowLengths = []int{1, 3, 7, 8, 9, 14, 15, 16, 17, 24, 40}

// TestPoolBackRow compares the vector pooling gradient with the portable one, on values
// with many ties (the first maximum must win) and row lengths around the vector width.
func TestPoolBackRow(t *testing.T) { forEachKernels(t, testPoolBackRow) }

func testPoolBackRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, wo := range rowLengths {
		for _, relu := range []bool{false, true} {
			r0, r1, g := make([]float32, 2*wo), make([]float32, 2*wo), randSlice(rng, wo)
			for i := range r0 {
				r0[i], r1[i] = float32(rng.IntN(4)-2), float32(rng.IntN(4)-2)
			}
			got0, got1 := randSlice(rng, 2*wo+3), randSlice(rng, 2*wo+3)
			want0, want1 := append([]float32(nil), got0...), append([]float32(nil), got1...)
			fo, fw := randSlice(rng, wo+2), make([]float32, wo+2)
			copy(fw, fo)
			poolFwdRow(r0, r1, fo[:wo], 0.5, relu)
			poolFwdRowGo(r0, r1, fw[:wo], 0.5, relu)
			if d := maxRelDiff(fo, fw); d != 0 {
				t.Errorf("wo %d relu %v: pooled values differ by %g", wo, relu, d)
			}
			sg := poolBackRow(r0, r1, got0, got1, g, 0.5, relu)
			sw := poolBackRowGo(r0, r1, want0, want1, g, 0.5, relu)
			if d := maxRelDiff(append(got0, got1...), append(want0, want1...)); d != 0 {
				t.Errorf("wo %d relu %v: gradients differ by %g", wo, relu, d)
			}
			if math.Abs(float64(sg-sw)) > 1e-5 {
				t.Errorf("wo %d relu %v: sum %g, want %g", wo, relu, sg, sw)
			}
		}
	}
}

// TestUpsampleRows compares the vector upsampling rows with the portable ones.
func TestUpsampleRows(t *testing.T) { forEachKernels(t, testUpsampleRows) }

func testUpsampleRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, w := range rowLengths {
		for _, relu := range []bool{false, true} {
			src := randSlice(rng, w)
			got0, got1 := randSlice(rng, 2*w+3), randSlice(rng, 2*w+3)
			want0, want1 := append([]float32(nil), got0...), append([]float32(nil), got1...)
			upFwdRow(src, got0, got1, 0.25, relu)
			upFwdRowGo(src, want0, want1, 0.25, relu)
			if d := maxRelDiff(append(got0, got1...), append(want0, want1...)); d != 0 {
				t.Errorf("forward w %d relu %v: rows differ by %g", w, relu, d)
			}
			g0, g1 := randSlice(rng, 2*w), randSlice(rng, 2*w)
			got, want := randSlice(rng, w+2), make([]float32, w+2)
			copy(want, got)
			sg := upBwdRow(g0, g1, src, got[:w], 0.25, relu)
			sw := upBwdRowGo(g0, g1, src, want[:w], 0.25, relu)
			if d := maxRelDiff(got, want); d != 0 {
				t.Errorf("backward w %d relu %v: gradients differ by %g", w, relu, d)
			}
			if math.Abs(float64(sg-sw)) > 1e-5 {
				t.Errorf("backward w %d relu %v: sum %g, want %g", w, relu, sg, sw)
			}
		}
	}
}
