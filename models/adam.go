package models

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// AdamConfig holds Adam's settings and the learning-rate schedule
// lr(step) = (LR − MinLR)·Decay^step + MinLR (MusicVAE's, as in the PyTorch peer).
type AdamConfig struct {
	LR, MinLR, Decay  float64
	Beta1, Beta2, Eps float64
	ClipNorm          float64 // global gradient norm clip; 0 turns it off
}

// DefaultAdamConfig returns MusicVAE's training defaults: lr 1e-3 decaying ×0.9999 per step
// to 1e-5, global-norm clip 1.0, and PyTorch's Adam constants.
func DefaultAdamConfig() AdamConfig {
	return AdamConfig{LR: 1e-3, MinLR: 1e-5, Decay: 0.9999, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, ClipNorm: 1}
}

// Adam is the Adam optimiser with our own state, so that checkpoints hold it and a resumed
// run continues exactly.
type Adam struct {
	Config AdamConfig
	Step   int // updates done
	params []*Param
	m, v   [][]float32
	spans  spans
	sums   []float64 // per span, for the gradient norm
}

// NewAdam returns an optimiser for params with zero moments.
func NewAdam(params []*Param, cfg AdamConfig) *Adam {
	a := &Adam{Config: cfg, params: params, spans: newSpans(params)}
	for _, p := range params {
		a.m = append(a.m, make([]float32, p.Len()))
		a.v = append(a.v, make([]float32, p.Len()))
	}
	a.sums = make([]float64, len(a.spans.s))
	return a
}

// LR returns the learning rate of the next update.
func (a *Adam) LR() float64 {
	c := a.Config
	if c.Decay == 0 {
		return c.LR
	}
	return (c.LR-c.MinLR)*math.Pow(c.Decay, float64(a.Step)) + c.MinLR
}

// spanLen bounds the pieces the optimiser splits parameters into: 64 KiB of float32.
const spanLen = 1 << 14

// span is values [lo, hi) of parameter p, which start at off in all the parameters
// end to end.
type span struct{ p, lo, hi, off int }

// spans cuts parameters into pieces of at most spanLen values, the units of the optimiser's
// parallel work. Their bounds depend on the parameters alone, so sums taken per span and
// added in span order do not depend on how many goroutines computed them.
type spans struct {
	s     []span
	total int
}

func newSpans(params []*Param) spans {
	var sp spans
	for k, p := range params {
		for lo := 0; lo < p.Len(); lo += spanLen {
			sp.s = append(sp.s, span{k, lo, min(lo+spanLen, p.Len()), sp.total + lo})
		}
		sp.total += p.Len()
	}
	return sp
}

// run calls f(j, s) for every span, split over the cores by offset so that each goroutine
// gets about the same number of values.
func (sp spans) run(f func(j int, s span)) {
	Parallel(sp.total, 1, Workers(sp.total, 1<<16), func(_, lo, hi int) {
		j, _ := slices.BinarySearchFunc(sp.s, lo, func(s span, off int) int { return cmp.Compare(s.off, off) })
		for ; j < len(sp.s) && sp.s[j].off < hi; j++ {
			f(j, sp.s[j])
		}
	})
}

// GradNorm returns the global L2 norm of the parameters' gradients. The sum of squares is
// taken in float64, in a fixed order whatever the number of cores.
func GradNorm(params []*Param) float64 {
	sp := newSpans(params)
	return gradNorm(params, sp, make([]float64, len(sp.s)))
}

func gradNorm(params []*Param, sp spans, sums []float64) float64 {
	sp.run(func(j int, s span) { sums[j] = sumSquares(params[s.p].Grad[s.lo:s.hi]) })
	var t float64
	for _, v := range sums {
		t += v
	}
	return math.Sqrt(t)
}

// sumSquares returns Σ x² in float64: 32 partial sums (value i of every 32 into sum i), added
// in order, then the last len(x) mod 32 squares. The kernels keep the same 32 sums, so every
// kernel gives the same bits.
func sumSquares(x []float32) float64 {
	var lanes [32]float64
	body := len(x) &^ 31
	sumSquaresLanes(x[:body], &lanes)
	var t float64
	for _, v := range lanes {
		t += v
	}
	for _, v := range x[body:] {
		t += float64(v) * float64(v)
	}
	return t
}

func sumSquaresGo(x []float32, lanes *[32]float64) {
	for i := 0; i < len(x); i += 32 {
		for j, v := range x[i : i+32] {
			lanes[j] += float64(v) * float64(v)
		}
	}
}

// adamConsts are the per-update constants of adamStep, in the kernels' order.
type adamConsts struct {
	scale, b1, omb1, b2, omb2, step, sq2, eps float32
}

// adamStepGo applies one Adam step to w with the gradient g·scale and the moments m and v:
//
//	m = β1·m + (1−β1)·g,  v = β2·v + (1−β2)·g²,  w −= step·m / (√v/sq2 + ε)
//
// where step = lr/(1−β1^t) and sq2 = √(1−β2^t) are the bias corrections. The conversions
// keep every product rounded, as in the kernels, so that no fused multiply-add changes a bit.
func adamStepGo(w, g, m, v []float32, c *adamConsts) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		gi *= c.scale
		mi := float32(c.b1*m[i]) + float32(c.omb1*gi)
		vi := float32(c.b2*v[i]) + float32(float32(c.omb2*gi)*gi)
		m[i], v[i] = mi, vi
		w[i] -= float32(c.step*mi) / (float32(math.Sqrt(float64(vi)))/c.sq2 + c.eps)
	}
}

// Update clips the gradients to the global norm ClipNorm, applies one Adam step and
// returns the gradient norm before clipping. The parameters are split between the cores;
// the result does not depend on how.
func (a *Adam) Update() float64 {
	c := a.Config
	norm := gradNorm(a.params, a.spans, a.sums)
	scale := float32(1)
	if c.ClipNorm > 0 && norm > c.ClipNorm {
		scale = float32(c.ClipNorm / (norm + 1e-6))
	}
	lr := a.LR()
	a.Step++
	bc1 := 1 - math.Pow(c.Beta1, float64(a.Step))
	bc2 := 1 - math.Pow(c.Beta2, float64(a.Step))
	// 1−β is rounded from float64, as PyTorch does: 1 − float32(0.999) would be 1.3e-5 off.
	k := adamConsts{
		scale: scale, b1: float32(c.Beta1), omb1: float32(1 - c.Beta1), b2: float32(c.Beta2), omb2: float32(1 - c.Beta2),
		step: float32(lr / bc1), sq2: float32(math.Sqrt(bc2)), eps: float32(c.Eps),
	}
	a.spans.run(func(_ int, s span) {
		p := a.params[s.p]
		adamStep(p.Data()[s.lo:s.hi], p.Grad[s.lo:s.hi], a.m[s.p][s.lo:s.hi], a.v[s.p][s.lo:s.hi], &k)
	})
	return norm
}

// State returns the moments as tensors named optimizer.m.NAME and optimizer.v.NAME.
func (a *Adam) State() map[string]Tensor {
	t := map[string]Tensor{}
	for k, p := range a.params {
		t["optimizer.m."+p.Name] = F32Tensor(a.m[k], p.Shape()...)
		t["optimizer.v."+p.Name] = F32Tensor(a.v[k], p.Shape()...)
	}
	return t
}

// Restore loads moments written by State; step is the number of updates already done.
func (a *Adam) Restore(tensors map[string]Tensor, step int) error {
	for k, p := range a.params {
		for _, dst := range []struct {
			name string
			buf  []float32
		}{{"optimizer.m." + p.Name, a.m[k]}, {"optimizer.v." + p.Name, a.v[k]}} {
			t, ok := tensors[dst.name]
			if !ok || len(t.F32) != len(dst.buf) {
				return fmt.Errorf("models: optimizer state %s is missing or has the wrong size", dst.name)
			}
			copy(dst.buf, t.F32)
		}
	}
	a.Step = step
	return nil
}
