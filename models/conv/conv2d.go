package conv

import (
	"math/rand/v2"

	"musae/models"
)

// Conv2D is a stride-1 two-dimensional convolution with PyTorch's Conv2d layout: weight
// [Out, In, KH, KW], bias [Out], and zero padding PadH rows above and below and PadW columns
// left and right. With KH = 1 and PadH = 0 it is a one-dimensional convolution over the last
// axis (see NewConv1D).
//
// Forward and Backward take and return NCHW tensors; inside, the layer works in the padded
// flat layout (see the package doc), so it needs no im2col matrix and no transposes.
type Conv2D struct {
	In, Out, KH, KW, PadH, PadW int
	W, B                        *models.Param

	// ReLU rectifies the output: Forward returns max(conv(x), 0), and Backward takes the
	// gradient of that, which costs nothing extra in either pass.
	ReLU bool

	// NoInputGrad skips the input gradient, which the first layer of a network does not
	// need; Backward then returns nil.
	NoInputGrad bool

	g, gt       geom      // geometries of the last Forward and of its transpose
	offs, offsT []int     // their tap offsets
	wp, wt      []float32 // weights packed for the forward and the transposed convolution
	xp, yp      []float32 // padded input planes, raw output planes
	dyp, dyo    []float32 // output gradient as the transposed convolution's input, and in the forward layout when that differs
	dxp         []float32 // input gradient planes
	acc         []float32 // weight-gradient partial sums
	y, dx       []float32 // NCHW output and input gradient of Forward and Backward
}

// NewConv2D returns a kh×kw convolution from in to out channels padded by pad on every side,
// with parameters prefix.weight and prefix.bias initialised as PyTorch does. It panics unless
// 0 ≤ pad < kh and pad < kw.
func NewConv2D(prefix string, in, out, kh, kw, pad int, rng *rand.Rand) *Conv2D {
	return newConv(prefix, in, out, kh, kw, pad, pad, rng, models.NewParam(prefix+".weight", out, in, kh, kw))
}

// NewConv1D returns a convolution over time with PyTorch's Conv1d layout (weight [out, in,
// k]): input [N, in, 1, T] (equivalently [N, in, T]) to output [N, out, 1, T+2·pad−k+1].
func NewConv1D(prefix string, in, out, k, pad int, rng *rand.Rand) *Conv2D {
	return newConv(prefix, in, out, 1, k, 0, pad, rng, models.NewParam(prefix+".weight", out, in, k))
}

func newConv(prefix string, in, out, kh, kw, ph, pw int, rng *rand.Rand, w *models.Param) *Conv2D {
	if in < 1 || out < 1 || kh < 1 || kw < 1 || ph < 0 || pw < 0 || ph >= kh || pw >= kw {
		panic("conv: NewConv2D: need positive sizes and 0 ≤ padding < kernel size")
	}
	c := &Conv2D{In: in, Out: out, KH: kh, KW: kw, PadH: ph, PadW: pw, W: w, B: models.NewParam(prefix+".bias", out)}
	fanIn := in * kh * kw
	c.W.InitFanIn(rng, fanIn)
	c.B.InitFanIn(rng, fanIn)
	return c
}

// Params returns the weight and the bias.
func (c *Conv2D) Params() []*models.Param { return []*models.Param{c.W, c.B} }

// OutSize returns the output height and width for an h×w input.
func (c *Conv2D) OutSize(h, w int) (int, int) {
	return h + 2*c.PadH - c.KH + 1, w + 2*c.PadW - c.KW + 1
}

// setGeom switches the layer to n examples of h×w, clearing the padded buffers when the
// layout changes, since packing writes only pixels and relies on zeros elsewhere.
func (c *Conv2D) setGeom(n, h, w int) {
	g := newGeom(n, h, w, c.KH, c.KW, c.PadH, c.PadW)
	if g == c.g {
		return
	}
	c.g, c.gt = g, g.transposed()
	c.offs, c.offsT = c.g.offs(c.offs), c.gt.offs(c.offsT)
	c.xp = models.Buf(c.xp, c.In*g.plane)
	clear(c.xp)
	c.dyp = models.Buf(c.dyp, c.Out*c.gt.plane)
	clear(c.dyp)
	if !c.sameLayout() {
		c.dyo = models.Buf(c.dyo, c.Out*g.qr)
		clear(c.dyo)
	}
}

// sameLayout reports whether the output gradient packed for the transposed convolution also
// serves, shifted, as the output gradient in the forward layout, as it does for "same"
// padding.
func (c *Conv2D) sameLayout() bool { return c.gt.pitch == c.g.pitch && c.gt.block == c.g.block }

// Forward returns the convolution of x, NCHW [n, In, h, w], as NCHW [n, Out, ho, wo]. The
// layer keeps a padded copy of x for Backward.
func (c *Conv2D) Forward(x []float32, n, h, w int) []float32 {
	if len(x) < n*c.In*h*w {
		panic("conv: Conv2D.Forward: input shorter than n×In×h×w")
	}
	c.setGeom(n, h, w)
	copyPlanes(c.inPlanes(), nchw(x, c.In, h, w), act{}, n, c.In, h, w)
	c.forwardPlanes()
	g := &c.g
	c.y = models.Buf(c.y, n*c.Out*g.ho*g.wo)
	copyPlanes(nchw(c.y, c.Out, g.ho, g.wo), c.outPlanes(), c.act(), n, c.Out, g.ho, g.wo)
	return c.y
}

// act returns the activation that turns the raw output planes into the layer's output.
func (c *Conv2D) act() act { return act{c.B.Data(), c.ReLU} }

// inPlanes returns the padded input planes of the current geometry; a caller that fills
// them itself (pooling or upsampling straight into them) must write every input pixel and
// nothing else.
func (c *Conv2D) inPlanes() planes {
	g := &c.g
	return planes{c.xp, g.in0, g.plane, g.block, g.pitch}
}

// outPlanes returns the raw output planes of the last forwardPlanes: the convolution
// before the bias and the rectifier (see act).
func (c *Conv2D) outPlanes() planes {
	g := &c.g
	return planes{c.yp, 0, g.qr, g.block, g.pitch}
}

// gradPlanes returns the planes that backwardPlanes takes the output gradient from, with
// respect to the raw output; a caller must write every output pixel and nothing else.
func (c *Conv2D) gradPlanes() planes {
	gt := &c.gt
	return planes{c.dyp, gt.in0, gt.plane, gt.block, gt.pitch}
}

// dxPlanes returns the input gradient that backwardPlanes computed.
func (c *Conv2D) dxPlanes() planes {
	gt := &c.gt
	return planes{c.dxp, 0, gt.qr, gt.block, gt.pitch}
}

// forwardPlanes computes the raw output planes from the input planes.
func (c *Conv2D) forwardPlanes() {
	g := &c.g
	// Weights as tiles of mr output channels: wp[tile][ci][tap][i].
	taps, outT := c.KH*c.KW, roundUp(c.Out, mr)
	c.wp = models.Buf(c.wp, outT*c.In*taps)
	wd := c.W.Data()
	for co := 0; co < outT; co++ {
		tile, i := co/mr, co%mr
		for ci := 0; ci < c.In; ci++ {
			for t := 0; t < taps; t++ {
				v := float32(0)
				if co < c.Out {
					v = wd[(co*c.In+ci)*taps+t]
				}
				c.wp[((tile*c.In+ci)*taps+t)*mr+i] = v
			}
		}
	}
	c.yp = models.Buf(c.yp, outT*g.qr)
	if c.Out == 1 {
		conv1Tiles(wd, c.wp, c.xp, c.offs, c.In, g.plane, c.yp, g.qr)
		return
	}
	convTiles(c.wp, c.xp, c.offs, c.In, g.plane, c.yp, g.qr, outT/mr)
}

// conv1Tiles is convTiles for a single output channel: out (ldo positions) from the planes
// of in, with weights w[ci][tap], and also packed for tileConv in wp.
func conv1Tiles(w, wp, in []float32, offs []int, nci, ldi int, out []float32, ldo int) {
	wide := ldo / nr1
	parallelFor(wide, 2, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			tileConv1(w, in[j*nr1:], offs, nci, ldi, out[j*nr1:])
		}
	})
	// The last positions, fewer than nr1, with tileConv: its weights are zero past row 0.
	var tile [mr * nr]float32
	for j := wide * nr1; j < ldo; j += nr {
		tileConv(wp, in[j:], offs, nci, ldi, tile[:], nr)
		copy(out[j:j+nr], tile[:nr])
	}
}

// convTiles computes every tile of out (rows of stride ldo, tiles·mr of them, ldo positions
// each) from the planes of in, with weights packed as forwardPlanes packs them.
func convTiles(wp, in []float32, offs []int, nci, ldi int, out []float32, ldo, tiles int) {
	k := nci * len(offs) * mr
	parallelFor(ldo/nr, 4, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			for t := 0; t < tiles; t++ {
				tileConv(wp[t*k:], in[j*nr:], offs, nci, ldi, out[t*mr*ldo+j*nr:], ldo)
			}
		}
	})
}

// dotChunk is the number of positions a weight-gradient tile sums before moving on to the
// next tile, so that the rows it reads stay in cache.
const dotChunk = 2048

// Backward adds the gradients for dy, NCHW [n, Out, ho, wo], of the last Forward into W and
// B, and returns the input gradient, NCHW [n, In, h, w] (nil with NoInputGrad).
func (c *Conv2D) Backward(dy []float32) []float32 {
	g := &c.g
	n := g.n
	gradPlanes(c.gradPlanes(), nchw(dy, c.Out, g.ho, g.wo), c.outPlanes(), c.act(), c.B.Grad, n, c.Out, g.ho, g.wo)
	c.backwardPlanes()
	if c.NoInputGrad {
		return nil
	}
	c.dx = models.Buf(c.dx, n*c.In*g.h*g.w)
	copyPlanes(nchw(c.dx, c.In, g.h, g.w), c.dxPlanes(), act{}, n, c.In, g.h, g.w)
	return c.dx
}

// backwardPlanes adds the weight gradient for the output gradient in gradPlanes (the bias
// gradient is the caller's) and, unless NoInputGrad, computes dxPlanes.
func (c *Conv2D) backwardPlanes() {
	g, gt := &c.g, &c.gt
	dyo, dyoOff, ldo := c.dyp, gt.in0, gt.plane
	if !c.sameLayout() {
		dst := planes{c.dyo, 0, g.qr, g.block, g.pitch}
		copyPlanes(dst, c.gradPlanes(), act{}, g.n, c.Out, g.ho, g.wo)
		dyo, dyoOff, ldo = c.dyo, 0, g.qr
	}
	c.weightGrad(dyo, dyoOff, ldo)
	if c.NoInputGrad {
		return
	}
	// The input gradient is the transposed convolution: flipped taps, in and out swapped.
	taps, inT := c.KH*c.KW, roundUp(c.In, mr)
	c.wt = models.Buf(c.wt, inT*c.Out*taps)
	wd := c.W.Data()
	for ci := 0; ci < inT; ci++ {
		tile, i := ci/mr, ci%mr
		for co := 0; co < c.Out; co++ {
			for t := 0; t < taps; t++ {
				v := float32(0)
				if ci < c.In {
					v = wd[(co*c.In+ci)*taps+taps-1-t]
				}
				c.wt[((tile*c.Out+co)*taps+t)*mr+i] = v
			}
		}
	}
	c.dxp = models.Buf(c.dxp, inT*gt.qr)
	convTiles(c.wt, c.dyp, c.offsT, c.Out, gt.plane, c.dxp, gt.qr, inT/mr)
}

// weightGrad adds dW[co, ci, t] = Σ_q dyo[co][q] · xp[ci][q+offs[t]] into W.Grad, where
// row co of dyo starts at off + co·ld and is zero wherever q is not an output pixel.
func (c *Conv2D) weightGrad(dyo []float32, off, ld int) {
	g := &c.g
	taps := len(c.offs)
	rows := c.In * taps
	at, bt := (c.Out+ar-1)/ar, (rows+br-1)/br
	const tileAcc = ar * br * lanes
	c.acc = models.Buf(c.acc, at*bt*tileAcc)
	clear(c.acc)
	q16 := roundUp(g.q, lanes)
	parallelFor(bt, 1, func(lo, hi int) {
		var aoff [ar]int
		var boff [br]int
		for q0 := 0; q0 < q16; q0 += dotChunk {
			steps := min(dotChunk, q16-q0) / lanes
			// The a rows stay in L1 while the b rows, which are the same few input
			// planes at different offsets, come from L2.
			// Rows past the end repeat the last; their sums are dropped below.
			for a := 0; a < at; a++ {
				for i := range aoff {
					aoff[i] = off + min(a*ar+i, c.Out-1)*ld + q0
				}
				for b := lo; b < hi; b++ {
					for j := range boff {
						r := min(b*br+j, rows-1)
						boff[j] = r/taps*g.plane + c.offs[r%taps] + q0
					}
					tileDot(steps, dyo, &aoff, c.xp, &boff, c.acc[(a*bt+b)*tileAcc:])
				}
			}
		}
	})
	gw := c.W.Grad
	parallelFor(at, 1, func(lo, hi int) {
		for a := lo; a < hi; a++ {
			for b := 0; b < bt; b++ {
				acc := c.acc[(a*bt+b)*tileAcc:]
				for i := 0; i < ar && a*ar+i < c.Out; i++ {
					for j := 0; j < br && b*br+j < rows; j++ {
						var s float32
						for _, v := range acc[(i*br+j)*lanes:][:lanes] {
							s += v
						}
						gw[(a*ar+i)*rows+b*br+j] += s
					}
				}
			}
		}
	})
}
