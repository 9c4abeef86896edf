package models

import "math/rand/v2"

// Dense is a fully connected layer y = x·Wᵀ + b, with PyTorch's Linear layout:
// weight [Out, In], bias [Out].
type Dense struct {
	In, Out int
	W, B    *Param

	x  []float32 // the input of the last Forward, [n, In] (not owned)
	y  []float32
	dx []float32
	n  int
	ws GemmWorkspace
}

// NewDense returns a dense layer whose parameters are named prefix.weight and prefix.bias,
// initialised as PyTorch does.
func NewDense(prefix string, in, out int, rng *rand.Rand) *Dense {
	d := &Dense{In: in, Out: out, W: NewParam(prefix+".weight", out, in), B: NewParam(prefix+".bias", out)}
	d.W.InitFanIn(rng, in)
	d.B.InitFanIn(rng, in)
	return d
}

// Params returns the weight and the bias.
func (d *Dense) Params() []*Param { return []*Param{d.W, d.B} }

// Forward returns x·Wᵀ + b for n rows of x, [n, Out], valid until the next call. The layer
// keeps a reference to x for Backward: the caller must not change x before then.
func (d *Dense) Forward(x []float32, n int) []float32 {
	d.x, d.n = x[:n*d.In], n
	d.y = Buf(d.y, n*d.Out)
	b := d.B.Data()
	for i := 0; i < n; i++ {
		copy(d.y[i*d.Out:(i+1)*d.Out], b)
	}
	d.ws.Gemm(false, true, n, d.Out, d.In, d.x, d.In, d.W.Data(), d.In, 1, d.y, d.Out)
	return d.y
}

// Backward accumulates the weight and bias gradients for dy [n, Out] and returns dx [n, In],
// valid until the next call.
func (d *Dense) Backward(dy []float32) []float32 {
	n := d.n
	d.ws.Gemm(true, false, d.Out, d.In, n, dy, d.Out, d.x, d.In, 1, d.W.Grad, d.In)
	for i := 0; i < n; i++ {
		AddTo(d.B.Grad, dy[i*d.Out:(i+1)*d.Out])
	}
	d.dx = Buf(d.dx, n*d.In)
	d.ws.Gemm(false, false, n, d.In, d.Out, dy, d.Out, d.W.Data(), d.In, 0, d.dx, d.In)
	return d.dx
}
