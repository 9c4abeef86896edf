package conv

import "musae/models"

// The dense layers keep models.Dense's parameters (names, layout, initialisation), but their
// arithmetic runs here, on this package's kernels: models.Gemm's AVX2 axpy loop reaches
// about 10 GFLOP/s on these shapes (a 3136-long inner dimension with 16 outputs; a 16-deep
// one with 3136 outputs), where it took an eighth of a training step.

// heads is the encoder's mu and logvar layers, which share their input: one product with
// both weights stacked.
type heads struct {
	x              []float32 // input of the last forward (not owned)
	n              int
	w, out, mu, lv []float32
	dcat, dw, dx   []float32
	acc            []float32
	gemm           gemmScratch
}

// forward returns x·Wᵀ + b of both layers for x [n, In].
func (h *heads) forward(mu, lv *models.Dense, x []float32, n int) ([]float32, []float32) {
	z, in := mu.Out, mu.In
	h.x, h.n = x[:n*in], n
	h.w = models.Buf(h.w, 2*z*in)
	copy(h.w, mu.W.Data())
	copy(h.w[z*in:], lv.W.Data())
	h.out = models.Buf(h.out, n*2*z)
	h.acc = matmulNT(h.acc, n, 2*z, in, x, in, h.w, in, h.out, 2*z)
	h.mu, h.lv = models.Buf(h.mu, n*z), models.Buf(h.lv, n*z)
	bm, bl := mu.B.Data(), lv.B.Data()
	for i := 0; i < n; i++ {
		for j := 0; j < z; j++ {
			h.mu[i*z+j] = h.out[i*2*z+j] + bm[j]
			h.lv[i*z+j] = h.out[i*2*z+z+j] + bl[j]
		}
	}
	return h.mu, h.lv
}

// backward adds the gradients of both layers for dmu, dlv [n, Out] and returns dx [n, In].
func (h *heads) backward(mu, lv *models.Dense, dmu, dlv []float32) []float32 {
	z, in, n := mu.Out, mu.In, h.n
	h.dcat = models.Buf(h.dcat, n*2*z)
	gm, gl := mu.B.Grad, lv.B.Grad
	for i := 0; i < n; i++ {
		for j := 0; j < z; j++ {
			a, b := dmu[i*z+j], dlv[i*z+j]
			h.dcat[i*2*z+j], h.dcat[i*2*z+z+j] = a, b
			gm[j] += a
			gl[j] += b
		}
	}
	h.dw = models.Buf(h.dw, 2*z*in)
	h.gemm.matmul(2*z, in, n, h.dcat, true, h.x, in, h.dw, in)
	for i, v := range h.dw[:z*in] {
		mu.W.Grad[i] += v
	}
	for i, v := range h.dw[z*in:] {
		lv.W.Grad[i] += v
	}
	h.dx = models.Buf(h.dx, n*in)
	h.gemm.matmul(n, in, 2*z, h.dcat, false, h.w, in, h.dx, in)
	return h.dx
}

// expand is the decoder's first layer, relu(z·Wᵀ + b), from few inputs to many outputs.
type expand struct {
	z       []float32 // input of the last forward (not owned)
	n       int
	wt, y   []float32
	dwt, dz []float32
	acc     []float32
	gemm    gemmScratch
}

// forward returns relu(z·Wᵀ + b) for z [n, In].
func (e *expand) forward(d *models.Dense, z []float32, n int) []float32 {
	in, out := d.In, d.Out
	e.z, e.n = z[:n*in], n
	w := d.W.Data()
	e.wt = models.Buf(e.wt, in*out)
	for j := 0; j < out; j++ {
		for o := 0; o < in; o++ {
			e.wt[o*out+j] = w[j*in+o]
		}
	}
	e.y = models.Buf(e.y, n*out)
	e.gemm.matmul(n, out, in, z, false, e.wt, out, e.y, out)
	b := d.B.Data()
	for i := 0; i < n; i++ {
		row := e.y[i*out:][:out]
		for j, v := range row {
			row[j] = relu(v + b[j])
		}
	}
	return e.y
}

// backward turns dy [n, Out] into the gradient before the rectifier in place, adds the
// layer's gradients and returns dz [n, In].
func (e *expand) backward(d *models.Dense, dy []float32) []float32 {
	in, out, n := d.In, d.Out, e.n
	gb := d.B.Grad
	for i := 0; i < n; i++ {
		row, y := dy[i*out:][:out], e.y[i*out:][:out]
		for j, v := range row {
			v = reluGrad(v, y[j])
			row[j] = v
			gb[j] += v
		}
	}
	e.dwt = models.Buf(e.dwt, in*out)
	e.gemm.matmul(in, out, n, e.z, true, dy, out, e.dwt, out)
	g := d.W.Grad
	for j := 0; j < out; j++ {
		for o := 0; o < in; o++ {
			g[j*in+o] += e.dwt[o*out+j]
		}
	}
	e.dz = models.Buf(e.dz, n*in)
	e.acc = matmulNT(e.acc, n, in, out, dy, out, e.wt, out, e.dz, in)
	return e.dz
}
