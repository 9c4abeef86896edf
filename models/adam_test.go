package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// adamParams returns parameters of awkward sizes (a vector's tail, several spans) with
// random values and, per step, random gradients.
func adamParams(rng *rand.Rand) []*Param {
	var ps []*Param
	for i, n := range []int{1, 15, 33, 1000, 3*spanLen + 17} {
		p := NewParam(fmt.Sprint("p", i), n)
		copy(p.Data(), randSlice(rng, n))
		ps = append(ps, p)
	}
	return ps
}

func setGrads(rng *rand.Rand, ps []*Param, scale float32) {
	for _, p := range ps {
		for i := range p.Grad {
			p.Grad[i] = scale * float32(rng.NormFloat64())
		}
	}
}

func cloneParams(ps []*Param) []*Param {
	var out []*Param
	for _, p := range ps {
		q := NewParam(p.Name, p.Len())
		copy(q.Data(), p.Data())
		copy(q.Grad, p.Grad)
		out = append(out, q)
	}
	return out
}

// refAdam is Adam written out the plain way: one loop, float64 bias corrections, the
// gradient norm summed value by value.
type refAdam struct {
	cfg  AdamConfig
	step int
	m, v [][]float32
}

func (r *refAdam) update(ps []*Param, lr float64) float64 {
	var s float64
	for _, p := range ps {
		for _, g := range p.Grad {
			s += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(s)
	scale := 1.0
	if r.cfg.ClipNorm > 0 && norm > r.cfg.ClipNorm {
		scale = r.cfg.ClipNorm / (norm + 1e-6)
	}
	r.step++
	bc1 := 1 - math.Pow(r.cfg.Beta1, float64(r.step))
	bc2 := 1 - math.Pow(r.cfg.Beta2, float64(r.step))
	for k, p := range ps {
		if len(r.m) <= k {
			r.m, r.v = append(r.m, make([]float32, p.Len())), append(r.v, make([]float32, p.Len()))
		}
		w := p.Data()
		for i, g32 := range p.Grad {
			g := float64(g32) * scale
			m := r.cfg.Beta1*float64(r.m[k][i]) + (1-r.cfg.Beta1)*g
			v := r.cfg.Beta2*float64(r.v[k][i]) + (1-r.cfg.Beta2)*g*g
			r.m[k][i], r.v[k][i] = float32(m), float32(v)
			w[i] = float32(float64(w[i]) - lr*(m/bc1)/(math.Sqrt(v/bc2)+r.cfg.Eps))
		}
	}
	return norm
}

// TestAdamMatchesReference runs a few clipped and unclipped updates on random data beside
// the plain implementation.
func TestAdamMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ps := adamParams(rng)
	ref := cloneParams(ps)
	cfg := DefaultAdamConfig()
	a := NewAdam(ps, cfg)
	r := &refAdam{cfg: cfg}
	for step, gscale := range []float32{1, 1e-3, 0.1, 1e-3, 2} {
		setGrads(rng, ps, gscale)
		for k, p := range ps {
			copy(ref[k].Grad, p.Grad)
		}
		lr := a.LR()
		norm, want := a.Update(), r.update(ref, lr)
		if math.Abs(norm-want) > 1e-12*want {
			t.Fatalf("step %d: norm %.15g, want %.15g", step, norm, want)
		}
		for k, p := range ps {
			for i, w := range p.Data() {
				// float32 moments against float64 arithmetic: a few ulps of the update, and the
				// rounding of w itself (1 ulp is up to 1.2e-7 relative).
				if d := math.Abs(float64(w - ref[k].Data()[i])); d > 1e-6*lr+2.4e-7*math.Abs(float64(w)) {
					t.Fatalf("step %d: %s[%d] = %.9g, want %.9g", step, p.Name, i, w, ref[k].Data()[i])
				}
			}
		}
	}
}

// TestAdamDeterministic checks that the update gives the same bits with every kernel and
// however many cores share it.
func TestAdamDeterministic(t *testing.T) {
	run := func() ([]*Param, []float64) {
		rng := rand.New(rand.NewPCG(9, 10))
		ps := adamParams(rng)
		a := NewAdam(ps, DefaultAdamConfig())
		var norms []float64
		for _, gscale := range []float32{1, 1e-2, 3} {
			setGrads(rng, ps, gscale)
			norms = append(norms, a.Update())
		}
		return ps, norms
	}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	runtime.GOMAXPROCS(1)
	a512, a2 := useAVX512, useAVX2
	useAVX512, useAVX2 = false, false
	want, wantNorms := run()
	useAVX512, useAVX2 = a512, a2
	eachKernel(t, func(t *testing.T) {
		for _, n := range []int{1, 2, 3} {
			runtime.GOMAXPROCS(n)
			got, norms := run()
			if !slices.Equal(norms, wantNorms) {
				t.Fatalf("%d cores: norms %v, want %v", n, norms, wantNorms)
			}
			for k, p := range got {
				if !slices.Equal(p.Data(), want[k].Data()) {
					t.Fatalf("%d cores: %s differs from the portable single-core update", n, p.Name)
				}
			}
		}
	})
}

func BenchmarkAdamUpdate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := NewParam("w", 1<<20)
	copy(p.Data(), randSlice(rng, p.Len()))
	copy(p.Grad, randSlice(rng, p.Len()))
	a := NewAdam([]*Param{p}, DefaultAdamConfig())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a.Update()
	}
	b.ReportMetric(float64(p.Len())*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
}
