package models

import (
	"fmt"
	"math"
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
}

// NewAdam returns an optimiser for params with zero moments.
func NewAdam(params []*Param, cfg AdamConfig) *Adam {
	a := &Adam{Config: cfg, params: params}
	for _, p := range params {
		a.m = append(a.m, make([]float32, p.Len()))
		a.v = append(a.v, make([]float32, p.Len()))
	}
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

// GradNorm returns the global L2 norm of the parameters' gradients.
func GradNorm(params []*Param) float64 {
	var s float64
	for _, p := range params {
		for _, g := range p.Grad {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// Update clips the gradients to the global norm ClipNorm, applies one Adam step and
// returns the gradient norm before clipping.
func (a *Adam) Update() float64 {
	c := a.Config
	norm := GradNorm(a.params)
	scale := float32(1)
	if c.ClipNorm > 0 && norm > c.ClipNorm {
		scale = float32(c.ClipNorm / (norm + 1e-6))
	}
	lr := a.LR()
	a.Step++
	bc1 := 1 - math.Pow(c.Beta1, float64(a.Step))
	bc2 := 1 - math.Pow(c.Beta2, float64(a.Step))
	step := float32(lr / bc1)
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	sq2 := float32(math.Sqrt(bc2))
	eps := float32(c.Eps)
	for k, p := range a.params {
		w, m, v := p.Data(), a.m[k], a.v[k]
		for i, g := range p.Grad {
			g *= scale
			m[i] = b1*m[i] + (1-b1)*g
			v[i] = b2*v[i] + (1-b2)*g*g
			w[i] -= step * m[i] / (float32(math.Sqrt(float64(v[i])))/sq2 + eps)
		}
	}
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
