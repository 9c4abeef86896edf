package latent

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

func approx(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %v, want %v ± %v", what, got, want, tol)
	}
}

func approxVec(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has size %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i])-float64(want[i])) > tol {
			t.Errorf("%s = %v, want %v ± %v", what, got, want, tol)
			return
		}
	}
}

func cosine(a, b []float32) float64 { return dot(a, b) / (Norm(a) * Norm(b)) }

func TestSamplePrior(t *testing.T) {
	for _, temp := range []float64{1, 0.5} {
		zs := SamplePrior(200, 256, temp, newRand(1))
		var sum, sumSq float64
		for _, z := range zs {
			n := Norm(z)
			sum += n
			sumSq += n * n
		}
		mean := sum / float64(len(zs))
		sd := math.Sqrt(sumSq/float64(len(zs)) - mean*mean)
		// |z|² ~ temp²·χ²(256): mean norm ≈ temp·√(256 − 1/2), sd ≈ temp/√2.
		approx(t, "mean norm", mean, temp*math.Sqrt(255.5), 0.1*temp)
		approx(t, "sd of norms", sd, temp/math.Sqrt2, 0.15*temp)
	}
	a, b := SamplePrior(3, 4, 1, newRand(7)), SamplePrior(3, 4, 1, newRand(7))
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Errorf("same seed, different samples: %v, %v", a, b)
	}
}

func TestInterpolationEndpoints(t *testing.T) {
	pairs := []struct {
		name string
		a, b []float32
	}{
		{"generic", []float32{0.1, -2.3, 3.7}, []float32{-1.9, 0.7, 0.3333}},
		{"orthogonal", []float32{1, 0, 0}, []float32{0, 2, 0}},
		{"parallel", []float32{1, 2, 3}, []float32{2, 4, 6}},
		{"antiparallel", []float32{1, 2, 3}, []float32{-1, -2, -3}},
		{"zero", []float32{0, 0, 0}, []float32{1, 2, 3}},
		{"huge", []float32{math.MaxFloat32, 1, 0}, []float32{1, -math.MaxFloat32, 1}},
		{"empty", []float32{}, []float32{}},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			for _, f := range []struct {
				name string
				f    func(a, b []float32, t float64) []float32
			}{{"lerp", Lerp}, {"slerp", Slerp}} {
				if got := f.f(p.a, p.b, 0); !slices.Equal(got, p.a) {
					t.Errorf("%s(a, b, 0) = %v, want a = %v", f.name, got, p.a)
				}
				if got := f.f(p.a, p.b, 1); !slices.Equal(got, p.b) {
					t.Errorf("%s(a, b, 1) = %v, want b = %v", f.name, got, p.b)
				}
			}
			for _, mode := range []string{"slerp", "lerp", ""} {
				zs, err := Interpolate(p.a, p.b, 5, mode)
				if err != nil {
					t.Fatal(err)
				}
				if len(zs) != 5 || !slices.Equal(zs[0], p.a) || !slices.Equal(zs[4], p.b) {
					t.Errorf("Interpolate(%q) = %v: want 5 points from %v to %v", mode, zs, p.a, p.b)
				}
			}
		})
	}
}

func TestLerpMidpoint(t *testing.T) {
	a, b := []float32{1, -2, 3.5, 0}, []float32{3, 2, -0.5, 1e-3}
	approxVec(t, "Lerp(a, b, ½)", Lerp(a, b, 0.5), []float32{2, 0, 1.5, 5e-4}, 0)
	approxVec(t, "Lerp(a, b, ¼)", Lerp(a, b, 0.25), []float32{1.5, -1, 2.5, 2.5e-4}, 1e-7)
	approxVec(t, "Lerp(a, b, 2)", Lerp(a, b, 2), []float32{5, 6, -4.5, 2e-3}, 1e-7)
}

func TestSlerp(t *testing.T) {
	rng := newRand(3)
	for _, dim := range []int{2, 16, 256} {
		a := SamplePrior(1, dim, 1, rng)[0]
		// b has a's norm but another direction.
		b := Scale(SamplePrior(1, dim, 1, rng)[0], 1)
		b = Scale(b, Norm(a)/Norm(b))
		omega := math.Acos(cosine(a, b))
		for _, tt := range []float64{0.1, 0.25, 0.5, 0.9} {
			z := Slerp(a, b, tt)
			// Keeps the norm ...
			approx(t, "relative norm", Norm(z)/Norm(a), 1, 1e-5)
			// ... and walks the great circle through a and b: angle(a, z) = t·Ω and
			// angle(z, b) = (1−t)·Ω, which puts z in the plane of a and b.
			approx(t, "angle from a", math.Acos(cosine(a, z)), tt*omega, 1e-3)
			approx(t, "angle to b", math.Acos(cosine(z, b)), (1-tt)*omega, 1e-3)
		}
	}
	t.Run("orthogonal unit vectors", func(t *testing.T) {
		s := float32(math.Sqrt2 / 2)
		approxVec(t, "Slerp(x, y, ½)", Slerp([]float32{1, 0}, []float32{0, 1}, 0.5), []float32{s, s}, 1e-7)
		c, sn := float32(math.Cos(math.Pi/6)), float32(math.Sin(math.Pi/6))
		approxVec(t, "Slerp(x, y, ⅓)", Slerp([]float32{1, 0}, []float32{0, 1}, 1.0/3), []float32{c, sn}, 1e-7)
	})
	t.Run("degenerate falls back to lerp", func(t *testing.T) {
		a, b := []float32{1, 2}, []float32{3, 6}
		approxVec(t, "parallel", Slerp(a, b, 0.5), Lerp(a, b, 0.5), 0)
		a, b = []float32{0, 0}, []float32{3, 6}
		approxVec(t, "zero", Slerp(a, b, 0.5), Lerp(a, b, 0.5), 0)
	})
}

func TestSizeMismatchPanics(t *testing.T) {
	a, b := []float32{1, 2}, []float32{1, 2, 3}
	for name, f := range map[string]func(){
		"Lerp":     func() { Lerp(a, b, 0.5) },
		"Slerp":    func() { Slerp(a, b, 0.5) },
		"Add":      func() { Add(a, b) },
		"Sub":      func() { Sub(a, b) },
		"Apply":    func() { Apply(a, b, 1) },
		"Distance": func() { Distance(a, b) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "sizes 2 and 3") {
					t.Errorf("recovered %v, want a panic naming sizes 2 and 3", r)
				}
			}()
			f()
		})
	}
}

func TestInterpolateErrors(t *testing.T) {
	a := []float32{1, 2}
	for _, tc := range []struct {
		name  string
		b     []float32
		steps int
		mode  string
		want  string
	}{
		{"one step", a, 1, "lerp", "1 steps"},
		{"bad mode", a, 3, "cubic", `mode "cubic"`},
		{"sizes", []float32{1}, 3, "slerp", "sizes 2 and 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Interpolate(a, tc.b, tc.steps, tc.mode)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "latent: ") {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestInterpolateLerpEven(t *testing.T) {
	zs, err := Interpolate([]float32{0, 10}, []float32{4, -10}, 5, "lerp")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{0, 10}, {1, 5}, {2, 0}, {3, -5}, {4, -10}}
	for i := range zs {
		approxVec(t, "point", zs[i], want[i], 0)
	}
}

func TestGrid(t *testing.T) {
	rng := newRand(5)
	c := SamplePrior(4, 8, 1, rng)
	corners := [4][]float32{c[0], c[1], c[2], c[3]}
	for _, tc := range []struct{ rows, cols int }{{2, 2}, {3, 5}, {6, 4}} {
		for _, mode := range []string{"lerp", "slerp"} {
			zs, err := Grid(corners, tc.rows, tc.cols, mode)
			if err != nil {
				t.Fatal(err)
			}
			at := func(r, c int) []float32 { return zs[r*tc.cols+c] }
			if len(zs) != tc.rows*tc.cols {
				t.Fatalf("%d×%d %s: %d points", tc.rows, tc.cols, mode, len(zs))
			}
			for i, rc := range [4][2]int{{0, 0}, {0, tc.cols - 1}, {tc.rows - 1, 0}, {tc.rows - 1, tc.cols - 1}} {
				if !slices.Equal(at(rc[0], rc[1]), corners[i]) {
					t.Errorf("%d×%d %s: corner %d = %v, want %v", tc.rows, tc.cols, mode, i, at(rc[0], rc[1]), corners[i])
				}
			}
			// Every edge is the corners' interpolation, in the same mode.
			top, _ := Interpolate(corners[0], corners[1], tc.cols, mode)
			bottom, _ := Interpolate(corners[2], corners[3], tc.cols, mode)
			left, _ := Interpolate(corners[0], corners[2], tc.rows, mode)
			right, _ := Interpolate(corners[1], corners[3], tc.rows, mode)
			for c := range tc.cols {
				approxVec(t, "top edge", at(0, c), top[c], 1e-6)
				approxVec(t, "bottom edge", at(tc.rows-1, c), bottom[c], 1e-6)
			}
			for r := range tc.rows {
				approxVec(t, "left edge", at(r, 0), left[r], 1e-6)
				approxVec(t, "right edge", at(r, tc.cols-1), right[r], 1e-6)
			}
			if mode != "lerp" {
				continue
			}
			for r := range tc.rows {
				for col := range tc.cols {
					u, v := float64(col)/float64(tc.cols-1), float64(r)/float64(tc.rows-1)
					want := make([]float32, 8)
					for i := range want {
						want[i] = float32((1-u)*(1-v)*float64(corners[0][i]) + u*(1-v)*float64(corners[1][i]) +
							(1-u)*v*float64(corners[2][i]) + u*v*float64(corners[3][i]))
					}
					approxVec(t, "bilinear point", at(r, col), want, 1e-6)
				}
			}
		}
	}
	t.Run("slerp keeps equal norms", func(t *testing.T) {
		eq := [4][]float32{}
		for i := range eq {
			eq[i] = Scale(corners[i], 3/Norm(corners[i]))
		}
		zs, err := Grid(eq, 5, 5, "slerp")
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			approx(t, "norm", Norm(z), 3, 1e-5)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			corners    [4][]float32
			rows, cols int
			mode       string
			want       string
		}{
			{"one row", corners, 1, 3, "lerp", "1×3"},
			{"no cols", corners, 3, 0, "lerp", "3×0"},
			{"mode", corners, 3, 3, "nearest", `mode "nearest"`},
			{"sizes", [4][]float32{c[0], c[1], c[2][:3], c[3]}, 3, 3, "slerp", "corner 2 has size 3"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := Grid(tc.corners, tc.rows, tc.cols, tc.mode)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err = %v, want one mentioning %q", err, tc.want)
				}
			})
		}
	})
}

func TestSimilar(t *testing.T) {
	const dim, n = 256, 100
	z := SamplePrior(1, dim, 1, newRand(9))[0]
	z = Scale(z, math.Sqrt(dim)/Norm(z)) // a typical point, on the prior's shell
	zCopy := slices.Clone(z)

	got, err := Similar(z, 1, n, newRand(11))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if !slices.Equal(s, z) {
			t.Fatalf("similarity 1: sample %d differs from z", i)
		}
	}
	if &got[0][0] == &z[0] {
		t.Error("similarity 1 returned z itself, not a copy")
	}

	got, err = Similar(z, 0, n, newRand(11))
	if err != nil {
		t.Fatal(err)
	}
	prior := SamplePrior(n, dim, 1, newRand(11))
	if !slices.EqualFunc(got, prior, slices.Equal) {
		t.Error("similarity 0: not the prior samples SamplePrior draws from the same seed")
	}

	for _, s := range []float64{0, 0.3, 0.5, 0.8} {
		got, err := Similar(z, s, n, newRand(13))
		if err != nil {
			t.Fatal(err)
		}
		var norms, cos float64
		for _, v := range got {
			norms += Norm(v)
			cos += cosine(v, z)
		}
		// Slerp stays on the prior's shell, |·| ≈ √dim, whatever the similarity ...
		approx(t, "mean norm", norms/n, math.Sqrt(dim), 0.3)
		// ... and moves towards z as similarity grows: random directions are nearly
		// orthogonal in 256 dimensions, so the angle to z is about (1 − s)·90°.
		approx(t, "mean cosine to z", cos/n, math.Cos((1-s)*math.Pi/2), 0.05)
	}
	if !slices.Equal(z, zCopy) {
		t.Error("Similar modified z")
	}

	for _, s := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		if _, err := Similar(z, s, 3, newRand(1)); err == nil || !strings.Contains(err.Error(), "[0, 1]") {
			t.Errorf("similarity %v: err = %v, want a range error", s, err)
		}
	}
	if _, err := Similar(z, 0.5, -1, newRand(1)); err == nil {
		t.Error("n = -1: no error")
	}
}

func TestArith(t *testing.T) {
	a, b := []float32{1, 2, 3}, []float32{0.5, -1, 4}
	approxVec(t, "Add", Add(a, b), []float32{1.5, 1, 7}, 0)
	approxVec(t, "Sub", Sub(a, b), []float32{0.5, 3, -1}, 0)
	approxVec(t, "Scale", Scale(a, -2), []float32{-2, -4, -6}, 0)
	approxVec(t, "Apply", Apply(a, b, 2), []float32{2, 0, 11}, 0)
	approxVec(t, "Apply negative", Apply(a, b, -1), []float32{0.5, 3, -1}, 0)
	approx(t, "Distance", Distance([]float32{1, 1}, []float32{4, 5}), 5, 0)
	if !slices.Equal(a, []float32{1, 2, 3}) || !slices.Equal(b, []float32{0.5, -1, 4}) {
		t.Error("arguments modified")
	}

	m, err := Mean([][]float32{{1, 2}, {3, 6}, {5, 1}})
	if err != nil {
		t.Fatal(err)
	}
	approxVec(t, "Mean", m, []float32{3, 3}, 0)
	for name, zs := range map[string][][]float32{
		"empty": nil,
		"sizes": {{1, 2}, {3}},
	} {
		if _, err := Mean(zs); err == nil {
			t.Errorf("Mean %s: no error", name)
		}
	}
}
