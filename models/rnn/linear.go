package rnn

import (
	"math/rand/v2"

	"musae/models"
)

// Linear is a fully connected layer y = x·Wᵀ + b with PyTorch's Linear layout (weight
// [Out, In], bias [Out]), like models.Dense but on this package's matrix product.
type Linear struct {
	In, Out int
	W, B    *models.Param

	x     []float32 // the last training input (not owned)
	n     int
	y, dx []float32
	ws    workspace
}

// NewLinear returns a layer with parameters prefix.weight and prefix.bias, initialised
// as PyTorch does: U(−1/√In, 1/√In).
func NewLinear(prefix string, in, out int, rng *rand.Rand) *Linear {
	l := &Linear{In: in, Out: out, W: models.NewParam(prefix+".weight", out, in), B: models.NewParam(prefix+".bias", out)}
	l.W.InitFanIn(rng, in)
	l.B.InitFanIn(rng, in)
	return l
}

// Params returns the weight and the bias.
func (l *Linear) Params() []*models.Param { return []*models.Param{l.W, l.B} }

// Forward returns x·Wᵀ + b for n rows of x [n, In], [n, Out], valid until the next call.
// It keeps a reference to x for Backward.
func (l *Linear) Forward(x []float32, n int) []float32 {
	l.x, l.n = x[:n*l.In], n
	l.y = grow(l.y, n*l.Out)
	b := l.B.Data()
	for i := 0; i < n; i++ {
		copy(l.y[i*l.Out:(i+1)*l.Out], b)
	}
	l.ws.gemm(false, true, n, l.Out, l.In, l.x, l.In, l.W.Data(), l.In, 1, l.y, l.Out)
	return l.y
}

// Backward adds the parameter gradients for dy [n, Out] and returns dx [n, In].
func (l *Linear) Backward(dy []float32) []float32 {
	n := l.n
	l.ws.gemm(true, false, l.Out, l.In, n, dy, l.Out, l.x, l.In, 1, l.W.Grad, l.In)
	gb := l.B.Grad
	for i := 0; i < n; i++ {
		addTo(gb, dy[i*l.Out:(i+1)*l.Out])
	}
	l.dx = grow(l.dx, n*l.In)
	l.ws.gemm(false, false, n, l.In, l.Out, dy, l.Out, l.W.Data(), l.In, 0, l.dx, l.In)
	return l.dx
}
