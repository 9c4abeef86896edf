package models

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Param is a named trainable tensor and the gradient accumulated for it.
type Param struct {
	Name  string
	Value *tensor.Dense // float32, row-major, PyTorch's layout
	Grad  []float32     // same length as Value's data

	data []float32 // Value's backing array, kept by the constructors
}

// NewParam returns a zero parameter of the given shape.
func NewParam(name string, shape ...int) *Param {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return WrapParam(name, make([]float32, n), shape...)
}

// WrapParam returns a Param over data (no copy), so that, for one, a gradient check can
// treat an input like a weight.
func WrapParam(name string, data []float32, shape ...int) *Param {
	return &Param{
		Name:  name,
		Value: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data)),
		Grad:  make([]float32, len(data)),
		data:  data,
	}
}

// Data returns the parameter's values, shared with Value. (Without a conversion from
// Value's interface, which would allocate on every call of every layer.)
func (p *Param) Data() []float32 {
	if p.data != nil {
		return p.data
	}
	return p.Value.Data().([]float32)
}

// Shape returns the parameter's shape.
func (p *Param) Shape() []int { return []int(p.Value.Shape()) }

// Len returns the number of values.
func (p *Param) Len() int { return len(p.Grad) }

// ZeroGrad clears the accumulated gradient.
func (p *Param) ZeroGrad() { clear(p.Grad) }

// InitUniform fills p with U(-bound, bound), PyTorch's default for Linear, Conv and LSTM
// weights and biases (bound = 1/sqrt(fan_in) for them).
func (p *Param) InitUniform(rng *rand.Rand, bound float64) {
	d := p.Data()
	for i := range d {
		d[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// InitFanIn fills p with U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
func (p *Param) InitFanIn(rng *rand.Rand, fanIn int) { p.InitUniform(rng, 1/math.Sqrt(float64(fanIn))) }

// CountParams returns the number of values in ps.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		n += p.Len()
	}
	return n
}

// ZeroGrads clears the gradients of ps.
func ZeroGrads(ps []*Param) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

// CheckUnique panics if two parameters share a name: a programmer error in a model.
func CheckUnique(ps []*Param) {
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		if seen[p.Name] {
			panic(fmt.Sprintf("models: parameter %q appears twice", p.Name))
		}
		seen[p.Name] = true
	}
}

// Buf returns b resized to n values, reallocating only when its capacity is too small.
// Layers use it to keep scratch buffers across steps.
func Buf(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}
