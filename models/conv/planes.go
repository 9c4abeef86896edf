package conv

import "math"

// planes addresses a batch of equally sized images, channel by channel, inside a buffer:
// pixel (y, x) of example i in channel ch is buf[off + ch·cs + i·es + y·pitch + x]. It
// describes NCHW tensors and the padded layouts inside a convolution alike, so that
// pooling and upsampling can read a convolution's output and write the next one's input
// directly, with no NCHW copy in between.
type planes struct {
	buf                []float32
	off, cs, es, pitch int
}

// nchw returns the planes of the NCHW tensor buf [n, c, h, w].
func nchw(buf []float32, c, h, w int) planes { return planes{buf, 0, h * w, c * h * w, w} }

// from returns the planes of the examples from i on.
func (p planes) from(i int) planes {
	p.off += i * p.es
	return p
}

// at returns the index of pixel (0, 0) of example i in channel ch.
func (p *planes) at(ch, i int) int { return p.off + ch*p.cs + i*p.es }

// act is an activation still to be applied to a convolution's raw output: the bias, then
// the rectifier if relu is set. A nil bias adds nothing.
type act struct {
	bias []float32
	relu bool
}

func (a act) of(ch int) (b float32, rectify bool) {
	if a.bias != nil {
		b = a.bias[ch]
	}
	return b, a.relu
}

// apply returns the activation of v.
func apply(v, b float32, rectify bool) float32 {
	v += b
	if rectify {
		v = relu(v)
	}
	return v
}

// relu returns max(v, 0), and +0 for -0, by clearing the bits of negative numbers: the
// builtin max takes a dozen instructions to order NaNs and signed zeros, and a branch
// would be taken at random.
func relu(v float32) float32 {
	u := math.Float32bits(v)
	return math.Float32frombits(u &^ uint32(int32(u)>>31))
}

// reluGrad returns g where y > 0 and 0 where y = +0, for y the output of a rectifier (never
// negative), without a branch: the mask is all ones exactly when y's bits are not zero. A
// branch would be taken at random, as often as not.
func reluGrad(g, y float32) float32 {
	mask := uint32(-int32(math.Float32bits(y)) >> 31)
	return math.Float32frombits(math.Float32bits(g) & mask)
}

// copyPlanes sets dst = a(src) for n examples of c channels of h×w pixels.
func copyPlanes(dst, src planes, a act, n, c, h, w int) {
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			for i := 0; i < n; i++ {
				do, so := dst.at(ch, i), src.at(ch, i)
				for y := 0; y < h; y++ {
					d, s := dst.buf[do+y*dst.pitch:][:w], src.buf[so+y*src.pitch:][:w]
					switch {
					case rectify:
						for x, v := range s {
							d[x] = relu(v + b)
						}
					case b != 0:
						for x, v := range s {
							d[x] = v + b
						}
					default:
						copy(d, s)
					}
				}
			}
		}
	})
}

// gradPlanes sets dst to the gradient g with respect to the raw values y that a(y) was
// computed from: g itself, or 0 where the rectifier was off. It adds the sum of each
// channel of dst into gb when gb is not nil: the bias gradient.
func gradPlanes(dst, g, y planes, a act, gb []float32, n, c, h, w int) {
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			var s0, s1 float32 // two sums, so that the additions overlap
			for i := 0; i < n; i++ {
				do, gi, yo := dst.at(ch, i), g.at(ch, i), y.at(ch, i)
				for r := 0; r < h; r++ {
					d, gr := dst.buf[do+r*dst.pitch:][:w], g.buf[gi+r*g.pitch:][:w]
					if !rectify {
						copy(d, gr)
						x := 0
						for ; x+1 < w; x += 2 {
							s0, s1 = s0+gr[x], s1+gr[x+1]
						}
						if x < w {
							s0 += gr[x]
						}
						continue
					}
					yr := y.buf[yo+r*y.pitch:][:w]
					x := 0
					for ; x+1 < w; x += 2 {
						u, v := reluGrad(gr[x], relu(yr[x]+b)), reluGrad(gr[x+1], relu(yr[x+1]+b))
						d[x], d[x+1] = u, v
						s0, s1 = s0+u, s1+v
					}
					if x < w {
						d[x] = reluGrad(gr[x], relu(yr[x]+b))
						s0 += d[x]
					}
				}
			}
			if gb != nil {
				gb[ch] += s0 + s1
			}
		}
	})
}

// maxPoolForward sets dst (h/2 × w/2 per plane) to a(the maximum of each 2×2 window of
// src): the bias and rectifier commute with the maximum.
func maxPoolForward(dst, src planes, a act, n, c, h, w int) {
	ho, wo := h/2, w/2
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			for i := 0; i < n; i++ {
				do, so := dst.at(ch, i), src.at(ch, i)
				for y := 0; y < ho; y++ {
					r0 := src.buf[so+2*y*src.pitch:][:2*wo]
					r1 := src.buf[so+(2*y+1)*src.pitch:][:2*wo]
					poolFwdRow(r0, r1, dst.buf[do+y*dst.pitch:][:wo], b, rectify)
				}
			}
		}
	})
}

// maxPoolBackward sets dx (h × w per plane) to the gradient with respect to src of
// a(maxpool(src)) for the output gradient dy: each window's gradient goes to its first
// maximum in row-major order (PyTorch's rule), or nowhere where the rectifier was off.
// Pixels outside every window get 0. It adds the channel sums into gb when not nil.
func maxPoolBackward(dx, src planes, a act, dy planes, gb []float32, n, c, h, w int) {
	ho, wo := h/2, w/2
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			var sum float32
			for i := 0; i < n; i++ {
				do, so, gi := dx.at(ch, i), src.at(ch, i), dy.at(ch, i)
				for y := 0; y < ho; y++ {
					r0 := src.buf[so+2*y*src.pitch:][:2*wo]
					r1 := src.buf[so+(2*y+1)*src.pitch:][:2*wo]
					d0 := dx.buf[do+2*y*dx.pitch:][:2*wo]
					d1 := dx.buf[do+(2*y+1)*dx.pitch:][:2*wo]
					g := dy.buf[gi+y*dy.pitch:][:wo]
					sum += poolBackRow(r0, r1, d0, d1, g, b, rectify)
					if w%2 == 1 {
						dx.buf[do+2*y*dx.pitch+w-1], dx.buf[do+(2*y+1)*dx.pitch+w-1] = 0, 0
					}
				}
				if h%2 == 1 {
					clear(dx.buf[do+(h-1)*dx.pitch:][:w])
				}
			}
			if gb != nil {
				gb[ch] += sum
			}
		}
	})
}

// upsampleForward sets dst (2h × 2w per plane) to a(src) repeated 2×2.
func upsampleForward(dst, src planes, a act, n, c, h, w int) {
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			for i := 0; i < n; i++ {
				do, so := dst.at(ch, i), src.at(ch, i)
				for y := 0; y < h; y++ {
					s := src.buf[so+y*src.pitch:][:w]
					d0 := dst.buf[do+2*y*dst.pitch:][:2*w]
					d1 := dst.buf[do+(2*y+1)*dst.pitch:][:2*w]
					upFwdRow(s, d0, d1, b, rectify)
				}
			}
		}
	})
}

// upsampleBackward sets dx (h × w per plane) to the gradient with respect to src of
// upsample(a(src)) for the output gradient dy (2h × 2w): each 2×2 block's sum, or 0 where
// the rectifier was off. It adds the channel sums into gb when not nil.
func upsampleBackward(dx, src planes, a act, dy planes, gb []float32, n, c, h, w int) {
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			var sum float32
			for i := 0; i < n; i++ {
				do, so, gi := dx.at(ch, i), src.at(ch, i), dy.at(ch, i)
				for y := 0; y < h; y++ {
					g0 := dy.buf[gi+2*y*dy.pitch:][:2*w]
					g1 := dy.buf[gi+(2*y+1)*dy.pitch:][:2*w]
					var sr []float32
					if rectify {
						sr = src.buf[so+y*src.pitch:][:w]
					}
					sum += upBwdRow(g0, g1, sr, dx.buf[do+y*dx.pitch:][:w], b, rectify)
				}
			}
			if gb != nil {
				gb[ch] += sum
			}
		}
	})
}

// poolBackRowGo is the portable poolBackRow: for one row of 2×2 windows (input rows r0 and
// r1, 2·len(g) values each), it writes the input gradients into d0 and d1 and returns the
// sum of the gradients passed on. The vector kernel (kernel_amd64.s) does the same.
func poolBackRowGo(r0, r1, d0, d1, g []float32, b float32, rectify bool) float32 {
	var s0, s1 float32
	for x := range g {
		a0, a1, a2, a3 := r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1]
		m := max(a0, a1, a2, a3)
		gv := g[x]
		if rectify {
			gv = reluGrad(gv, relu(m+b))
		}
		if x&1 == 0 {
			s0 += gv
		} else {
			s1 += gv
		}
		// Integer selects on the gradient's bits: the compiler turns these
		// into conditional moves, where float assignments became branches
		// that a random position of the maximum defeats (measured: 2-3×).
		var ga, gb, gc, gd uint32
		rest := math.Float32bits(gv)
		if a0 == m {
			ga = rest
		}
		if ga != 0 {
			rest = 0
		}
		if a1 == m {
			gb = rest
		}
		if gb != 0 {
			rest = 0
		}
		if a2 == m {
			gc = rest
		}
		if gc != 0 {
			rest = 0
		}
		if a3 == m {
			gd = rest
		}
		d0[2*x], d0[2*x+1] = math.Float32frombits(ga), math.Float32frombits(gb)
		d1[2*x], d1[2*x+1] = math.Float32frombits(gc), math.Float32frombits(gd)
	}
	return s0 + s1
}

// poolFwdRowGo is the portable poolFwdRow: out[x] = apply(the maximum of window x over the
// input rows r0 and r1). The vector kernel (kernel_amd64.s) does the same.
func poolFwdRowGo(r0, r1, out []float32, b float32, rectify bool) {
	for x := range out {
		out[x] = apply(max(r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1]), b, rectify)
	}
}

// upFwdRowGo is the portable upFwdRow: both output rows d0 and d1 get apply(src[x]) at 2x
// and 2x+1.
func upFwdRowGo(src, d0, d1 []float32, b float32, rectify bool) {
	for x, v := range src {
		v = apply(v, b, rectify)
		d0[2*x], d0[2*x+1] = v, v
	}
	copy(d1[:2*len(src)], d0)
}

// upBwdRowGo is the portable upBwdRow: dx[x] is the sum of the 2×2 block of the output
// gradient rows g0 and g1 above it, or 0 where the rectifier was off for src[x]; it returns
// the sum of dx.
func upBwdRowGo(g0, g1, src, dx []float32, b float32, rectify bool) float32 {
	var s0, s1 float32
	for x := range dx {
		v := (g0[2*x] + g1[2*x]) + (g0[2*x+1] + g1[2*x+1])
		if rectify {
			v = reluGrad(v, relu(src[x]+b))
		}
		dx[x] = v
		if x&1 == 0 {
			s0 += v
		} else {
			s1 += v
		}
	}
	return s0 + s1
}
