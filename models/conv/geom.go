package conv

// geom is the padded flat layout of one stride-1 convolution (see the package doc). Input
// pixel (n, y, x) of a channel lies at in0 + n·block + y·pitch + x of its plane, with zeros
// everywhere else; output pixel (n, yo, xo) is computed at n·block + yo·pitch + xo. A tap
// (ky, kx) of the kernel is then the constant offset ky·pitch + kx, rows share their zero
// columns with the next row and examples share their zero rows with the next example, and
// positions that are not output pixels are computed too and ignored.
type geom struct {
	n, h, w, kh, kw, ph, pw int // batch, input size, kernel size, padding
	ho, wo                  int // output size
	pitch, block, in0       int
	q, qr                   int // positions computed, and rounded up to whole tiles
	plane                   int // stride of the input planes
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

func newGeom(n, h, w, kh, kw, ph, pw int) geom {
	g := geom{n: n, h: h, w: w, kh: kh, kw: kw, ph: ph, pw: pw}
	g.ho, g.wo = h+2*ph-kh+1, w+2*pw-kw+1
	if g.ho < 1 || g.wo < 1 || ph < 0 || pw < 0 || ph >= kh || pw >= kw {
		panic("conv: bad geometry: need output size ≥ 1 and 0 ≤ padding < kernel size")
	}
	// A row must hold the input row and its left padding (the right padding is the next row's
	// left), and the output row; likewise a block and its rows.
	g.pitch = max(w+pw, g.wo)
	g.block = max(h+ph, g.ho) * g.pitch
	g.in0 = ph*g.pitch + pw
	g.q = n * g.block
	g.qr = roundUp(g.q, nr)
	// Tiles read up to qr-1+maxOff. An odd number of cache lines between planes keeps the
	// planes that one tile reads from falling into the same cache sets.
	g.plane = roundUp(g.qr+g.maxOff()+1, lanes)
	if g.plane/lanes%2 == 0 {
		g.plane += lanes
	}
	return g
}

func (g *geom) maxOff() int { return (g.kh-1)*g.pitch + g.kw - 1 }

// offs returns the offsets of the kernel's taps in row-major (ky, kx) order.
func (g *geom) offs(dst []int) []int {
	dst = dst[:0]
	for ky := 0; ky < g.kh; ky++ {
		for kx := 0; kx < g.kw; kx++ {
			dst = append(dst, ky*g.pitch+kx)
		}
	}
	return dst
}

// transposed returns the geometry of the convolution that takes the output gradient to the
// input gradient: the same kernel, flipped, with padding k-1-pad.
func (g *geom) transposed() geom {
	return newGeom(g.n, g.ho, g.wo, g.kh, g.kw, g.kh-1-g.ph, g.kw-1-g.pw)
}
