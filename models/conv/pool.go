package conv

import "musae/models"

// MaxPool2 is 2×2 max pooling with stride 2 over NCHW tensors, as PyTorch's max_pool2d(x, 2):
// odd trailing rows and columns are dropped, and the first maximum of a window in row-major
// order takes the gradient. Backward finds the maxima again in the input of Forward, which
// is cheaper than recording them, so that input must not change in between.
type MaxPool2 struct {
	n, c, h, w int
	x, y, dx   []float32
}

// Forward returns the pooled x, NCHW [n, c, h/2, w/2].
func (p *MaxPool2) Forward(x []float32, n, c, h, w int) []float32 {
	p.n, p.c, p.h, p.w, p.x = n, c, h, w, x
	p.y = models.Buf(p.y, n*c*(h/2)*(w/2))
	maxPoolForward(nchw(p.y, c, h/2, w/2), nchw(x, c, h, w), act{}, n, c, h, w)
	return p.y
}

// Backward returns the input gradient for dy [n, c, h/2, w/2]: each output's gradient goes
// to the first maximum of its window.
func (p *MaxPool2) Backward(dy []float32) []float32 {
	n, c, h, w := p.n, p.c, p.h, p.w
	p.dx = models.Buf(p.dx, n*c*h*w)
	maxPoolBackward(nchw(p.dx, c, h, w), nchw(p.x, c, h, w), act{}, nchw(dy, c, h/2, w/2), nil, n, c, h, w)
	return p.dx
}

// Upsample2 is nearest-neighbour upsampling by 2 over NCHW tensors, as PyTorch's
// interpolate(x, scale_factor=2, mode="nearest").
type Upsample2 struct {
	n, c, h, w int
	y, dx      []float32
}

// Forward returns x repeated 2×2, NCHW [n, c, 2h, 2w].
func (u *Upsample2) Forward(x []float32, n, c, h, w int) []float32 {
	u.n, u.c, u.h, u.w = n, c, h, w
	u.y = models.Buf(u.y, n*c*4*h*w)
	upsampleForward(nchw(u.y, c, 2*h, 2*w), nchw(x, c, h, w), act{}, n, c, h, w)
	return u.y
}

// Backward returns the input gradient for dy [n, c, 2h, 2w]: the sum over each 2×2 block.
func (u *Upsample2) Backward(dy []float32) []float32 {
	n, c, h, w := u.n, u.c, u.h, u.w
	u.dx = models.Buf(u.dx, n*c*h*w)
	upsampleBackward(nchw(u.dx, c, h, w), planes{}, act{}, nchw(dy, c, 2*h, 2*w), nil, n, c, h, w)
	return u.dx
}
