package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"musae/models"
)

// LSTM is one direction of one layer of a long short-term memory network, with the
// parameters and layouts of PyTorch's nn.LSTM: weight_ih [4H, In], weight_hh [4H, H],
// bias_ih and bias_hh [4H], the four gate blocks in the order i, f, g, o.
//
// Forward runs a whole sequence with the input projection and the gate math fused, keeping
// what Backward needs (backpropagation through time); Next runs one step for autoregressive
// decoding. An LSTM is not safe for concurrent use: it owns its scratch buffers.
type LSTM struct {
	In, Hidden         int
	WIH, WHH, BIH, BHH *models.Param

	// Weights prepared from the parameters at every Forward (the optimiser changes them
	// between steps).
	bias []float32           // b_ih + b_hh
	wihT []float32           // W_ihᵀ [In, 4H]: row c is input c's contribution, the one-hot gather table
	whhT models.PackedMatrix // W_hhᵀ packed, for h·W_hhᵀ
	whh  models.PackedMatrix // W_hh packed, for dG·W_hh in Backward

	// What a forward pass keeps, time-major ([T, N, ·]).
	in    seqInput
	train bool
	base  []float32 // [N, 4H]: bias + the static input's projection
	gates []float32 // [T, N, 4H]: i, f, g, o after their nonlinearities; Backward turns them into d pre-activation
	hs    []float32 // [T+1, N, H]: hs[0] = h0, hs[t+1] = h_t
	cs    []float32 // [T+1, N, H]
	tcs   []float32 // [T, N, H]: tanh(c_t)
	ws    models.GemmWorkspace
	rec   []models.GemmWorkspace // one per goroutine of the time loops

	// Backward's outputs and scratch.
	dh, dc, ddense, dstatic, dwoh, ssum, bsum []float32

	// Scratch of the batch-major wrappers and of Next.
	xt, out, dhsT, dx, step []float32
}

// seqInput is one batch of input sequences, time-major, in up to three column blocks of
// W_ih that are fed differently: first oneHot columns given by class indices (a gather of
// W_ihᵀ rows instead of a product; a negative class is an all-zero input), then dDense
// columns of ordinary inputs [T, N, dDense], then dStatic columns [N, dStatic] constant over
// time, whose projection is computed once per sequence. With staticFirst the static block
// comes before the dense one (the decoder's [previous class, z, controls]).
type seqInput struct {
	n, t        int
	classes     []int32 // [T, N]
	oneHot      int
	dense       []float32
	dDense      int
	static      []float32
	dStatic     int
	staticFirst bool
}

// denseCol and staticCol are the first columns of W_ih of the dense and static blocks.
func (in *seqInput) denseCol() int {
	if in.staticFirst {
		return in.oneHot + in.dStatic
	}
	return in.oneHot
}

func (in *seqInput) staticCol() int {
	if in.staticFirst {
		return in.oneHot
	}
	return in.oneHot + in.dDense
}

// NewLSTM returns a layer whose parameters are named prefix.weight_ih+suffix and so on
// (suffix "_l0", "_l0_reverse", ...), initialised as PyTorch does: U(−1/√H, 1/√H).
func NewLSTM(prefix, suffix string, in, hidden int, rng *rand.Rand) *LSTM {
	l := &LSTM{
		In: in, Hidden: hidden,
		WIH: models.NewParam(prefix+".weight_ih"+suffix, 4*hidden, in),
		WHH: models.NewParam(prefix+".weight_hh"+suffix, 4*hidden, hidden),
		BIH: models.NewParam(prefix+".bias_ih"+suffix, 4*hidden),
		BHH: models.NewParam(prefix+".bias_hh"+suffix, 4*hidden),
	}
	bound := 1 / math.Sqrt(float64(hidden))
	for _, p := range l.Params() {
		p.InitUniform(rng, bound)
	}
	return l
}

// Params returns weight_ih, weight_hh, bias_ih, bias_hh (PyTorch's order).
func (l *LSTM) Params() []*models.Param { return []*models.Param{l.WIH, l.WHH, l.BIH, l.BHH} }

// prepare derives the forward pass's forms of the weights from the parameters.
func (l *LSTM) prepare() {
	g := 4 * l.Hidden
	l.bias = models.Buf(l.bias, g)
	bi, bh := l.BIH.Data(), l.BHH.Data()
	for j := range l.bias {
		l.bias[j] = bi[j] + bh[j]
	}
	l.wihT = models.Buf(l.wihT, l.In*g)
	w := models.Workers(g*(l.In+l.Hidden), 1<<16)
	transposeInto(l.wihT, l.WIH.Data(), g, l.In, w)
	l.whhT.Pack(true, l.Hidden, g, l.WHH.Data(), l.Hidden)
}

// transposeInto writes the cols×rows transpose of the rows×cols matrix src into dst,
// split over up to w goroutines by rows of src.
//
// It goes eight columns of src at a time: dst's rows lie rows·4 bytes apart (4 KiB for
// the decoder's 1024 gates), so they share a cache set, and more than eight of them at once
// would evict one another before their lines are full (a 32-wide block ran 7× slower).
func transposeInto(dst, src []float32, rows, cols, w int) {
	const bi, bj = 64, 8
	models.Parallel(rows, bi, w, func(_, lo, hi int) {
		for i0 := lo; i0 < hi; i0 += bi {
			i1 := min(i0+bi, hi)
			for j0 := 0; j0 < cols; j0 += bj {
				j1 := min(j0+bj, cols)
				for i := i0; i < i1; i++ {
					for j, v := range src[i*cols+j0 : i*cols+j1] {
						dst[(j0+j)*rows+i] = v
					}
				}
			}
		}
	})
}

// growRec makes sure there is a recurrent-product workspace for each of w goroutines.
func (l *LSTM) growRec(w int) {
	for len(l.rec) < w {
		l.rec = append(l.rec, models.GemmWorkspace{})
	}
}

// batchAlign is the granularity of the split of a batch between goroutines: whole
// micro-tiles of the recurrent product.
const batchAlign = models.GemmTileRows

// forward runs the layer over in from the initial state (h0, c0), each [N, H] (nil: zeros),
// keeping gate activations and states. The outputs h_1…h_T are l.hs[N·H:] ([T, N, H]).
func (l *LSTM) forward(in *seqInput, h0, c0 []float32, train bool) {
	if in.oneHot+in.dDense+in.dStatic != l.In {
		panic(fmt.Sprintf("rnn: LSTM with %d inputs fed %d one-hot + %d dense + %d static", l.In, in.oneHot, in.dDense, in.dStatic))
	}
	H, G, n, T := l.Hidden, 4*l.Hidden, in.n, in.t
	l.in, l.train = *in, train
	l.prepare()
	l.gates = models.Buf(l.gates, T*n*G)
	l.hs, l.cs = models.Buf(l.hs, (T+1)*n*H), models.Buf(l.cs, (T+1)*n*H)
	l.tcs = models.Buf(l.tcs, T*n*H)
	setOrClear(l.hs[:n*H], h0)
	setOrClear(l.cs[:n*H], c0)

	l.base = models.Buf(l.base, n*G)
	for i := 0; i < n; i++ {
		copy(l.base[i*G:(i+1)*G], l.bias)
	}
	if in.dStatic > 0 {
		l.ws.Gemm(false, false, n, G, in.dStatic, in.static, in.dStatic, l.wihT[in.staticCol()*G:], G, 1, l.base, G)
	}
	if in.dDense > 0 {
		l.ws.Gemm(false, false, T*n, G, in.dDense, in.dense, in.dDense, l.wihT[in.denseCol()*G:], G, 0, l.gates, G)
	}
	recur := h0 != nil
	w := models.Workers(T*n*G*H, 1<<20)
	l.growRec(w)
	models.Parallel(n, batchAlign, w, func(wi, lo, hi int) {
		ws := &l.rec[wi]
		for t := 0; t < T; t++ {
			g := l.gates[t*n*G : (t+1)*n*G]
			for i := lo; i < hi; i++ {
				row, base := g[i*G:(i+1)*G], l.base[i*G:(i+1)*G]
				c := int32(-1)
				if in.oneHot > 0 {
					c = in.classes[t*n+i]
				}
				switch {
				case in.dDense > 0:
					models.AddTo(row, base)
					if c >= 0 {
						models.AddTo(row, l.wihT[int(c)*G:int(c+1)*G])
					}
				case c >= 0:
					models.Add(row, base, l.wihT[int(c)*G:int(c+1)*G])
				default:
					copy(row, base)
				}
			}
			if t > 0 || recur {
				ws.GemmPacked(false, hi-lo, l.hs[(t*n+lo)*H:], H, &l.whhT, 1, g[lo*G:], G, true)
			}
			cp := l.cs[t*n*H:]
			hn, cn, tc := l.hs[(t+1)*n*H:], l.cs[(t+1)*n*H:], l.tcs[t*n*H:]
			for i := lo; i < hi; i++ {
				r := i * H
				cellForward(g[i*G:(i+1)*G], cp[r:r+H], cn[r:r+H], tc[r:r+H], hn[r:r+H])
			}
		}
	})
}

// final returns the last hidden and cell states of the last forward pass, each [N, H].
func (l *LSTM) final() (h, c []float32) {
	nh := l.in.n * l.Hidden
	return l.hs[l.in.t*nh : (l.in.t+1)*nh], l.cs[l.in.t*nh : (l.in.t+1)*nh]
}

// outputs returns h_1…h_T of the last forward pass, [T, N, H].
func (l *LSTM) outputs() []float32 { return l.hs[l.in.n*l.Hidden:] }

// cellForward applies the gate nonlinearities to the pre-activations g = [i f g o] of one
// example in place and computes c = f∘cp + i∘g, tc = tanh(c), h = o∘tc. c may alias cp.
func cellForward(g, cp, c, tc, h []float32) {
	H := len(h)
	_, _, _, _ = g[4*H-1], cp[H-1], c[H-1], tc[H-1]
	v := cellVector(H)
	if v > 0 {
		cellForwardVec(g, cp, c, tc, h, H, v)
	}
	if v < H {
		cellForwardGo(g[v:], cp[v:], c[v:], tc[v:], h[v:], H)
	}
}

// cellForwardGo is cellForward for units whose gates lie stride apart in g.
func cellForwardGo(g, cp, c, tc, h []float32, stride int) {
	H := len(h)
	gi, gf, gg, gO := g[:H], g[stride:stride+H], g[2*stride:2*stride+H], g[3*stride:3*stride+H]
	cp, c, tc = cp[:H], c[:H], tc[:H]
	for j := range h {
		i, f, z, o := sigmoid(gi[j]), sigmoid(gf[j]), tanhf(gg[j]), sigmoid(gO[j])
		gi[j], gf[j], gg[j], gO[j] = i, f, z, o
		cc := f*cp[j] + i*z
		t := tanhf(cc)
		c[j], tc[j], h[j] = cc, t, o*t
	}
}

// cellBackward turns the activations a = [i f g o] of one example into the gradient of the
// loss with respect to the pre-activations, in place, given dh = dhOut + dhRec (dhOut may be
// nil), the cell's tanh(c) and previous cell state cp; dc holds d c_t on entry and
// d c_{t−1} on return.
func cellBackward(a, tc, cp, dhOut, dhRec, dc []float32) {
	H := len(tc)
	_, _, _, _ = a[4*H-1], cp[H-1], dhRec[H-1], dc[H-1]
	if dhOut != nil {
		_ = dhOut[H-1]
	}
	v := cellVector(H)
	if v > 0 {
		cellBackwardVec(a, tc, cp, dhOut, dhRec, dc, H, v)
	}
	if v < H {
		var dho []float32
		if dhOut != nil {
			dho = dhOut[v:]
		}
		cellBackwardGo(a[v:], tc[v:], cp[v:], dho, dhRec[v:], dc[v:], H)
	}
}

// cellBackwardGo is cellBackward for units whose gates lie stride apart in a.
func cellBackwardGo(a, tc, cp, dhOut, dhRec, dc []float32, stride int) {
	H := len(tc)
	ai, af, ag, ao := a[:H], a[stride:stride+H], a[2*stride:2*stride+H], a[3*stride:3*stride+H]
	cp, dhRec, dc = cp[:H], dhRec[:H], dc[:H]
	if dhOut != nil {
		dhOut = dhOut[:H]
	}
	for j, t := range tc {
		dh := dhRec[j]
		if dhOut != nil {
			dh += dhOut[j]
		}
		i, f, z, o := ai[j], af[j], ag[j], ao[j]
		d := dc[j] + dh*o*(1-t*t)
		ai[j] = d * z * i * (1 - i)
		af[j] = d * cp[j] * f * (1 - f)
		ag[j] = d * i * (1 - z*z)
		ao[j] = dh * t * o * (1 - o)
		dc[j] = d * f
	}
}

// backward runs backpropagation through time for the last training forward pass, given
// d loss/d h_t for every step (dhs [T, N, H], nil: none) and for the final state (dhT,
// dcT [N, H], nil: none). It adds the parameter gradients. With wantState it leaves d h0
// and d c0 in l.dh and l.dc; with wantInput it computes d dense input into l.ddense
// [T, N, dDense] and d static input into l.dstatic [N, dStatic] where the input has them.
func (l *LSTM) backward(dhs, dhT, dcT []float32, wantState, wantInput bool) {
	if !l.train {
		panic("rnn: LSTM backward without a training forward pass")
	}
	in := &l.in
	H, G, n, T := l.Hidden, 4*l.Hidden, in.n, in.t
	l.whh.Pack(false, G, H, l.WHH.Data(), H)
	l.dh, l.dc = models.Buf(l.dh, n*H), models.Buf(l.dc, n*H)
	setOrClear(l.dh, dhT)
	setOrClear(l.dc, dcT)

	w := models.Workers(T*n*G*H, 1<<20)
	l.growRec(w)
	models.Parallel(n, batchAlign, w, func(wi, lo, hi int) {
		ws := &l.rec[wi]
		for t := T - 1; t >= 0; t-- {
			g := l.gates[t*n*G : (t+1)*n*G]
			tc, cp := l.tcs[t*n*H:], l.cs[t*n*H:]
			for i := lo; i < hi; i++ {
				r := i * H
				var dho []float32
				if dhs != nil {
					dho = dhs[(t*n+i)*H : (t*n+i+1)*H]
				}
				cellBackward(g[i*G:(i+1)*G], tc[r:r+H], cp[r:r+H], dho, l.dh[r:r+H], l.dc[r:r+H])
			}
			flushTiny(g[lo*G : hi*G])
			flushTiny(l.dc[lo*H : hi*H])
			if t > 0 || wantState {
				ws.GemmPacked(false, hi-lo, g[lo*G:], G, &l.whh, 0, l.dh[lo*H:], H, true)
			}
		}
	})

	// Weight gradients over all steps at once: dW_hh += Σ_t dG_tᵀ·h_{t−1}. With a zero h0
	// the first step adds nothing.
	dg := l.gates[:T*n*G]
	t0 := 0
	if !anyNonZero(l.hs[:n*H]) {
		t0 = 1
	}
	if T > t0 {
		l.ws.Gemm(true, false, G, H, (T-t0)*n, dg[t0*n*G:], G, l.hs[t0*n*H:], H, 1, l.WHH.Grad, H)
	}
	gb, gbh := l.BIH.Grad, l.BHH.Grad
	wih := l.WIH.Grad
	l.dwoh = models.Buf(l.dwoh, in.oneHot*G)
	clear(l.dwoh)
	l.bsum = models.Buf(l.bsum, G)
	clear(l.bsum)
	l.ssum = models.Buf(l.ssum, n*G)
	models.Parallel(G, 16, models.Workers(T*n*G, 1<<16), func(_, lo, hi int) {
		bs := l.bsum[lo:hi]
		if in.oneHot == 0 {
			// Bias gradients (the same for bias_ih and bias_hh): column sums of dG.
			for r := 0; r < T*n; r++ {
				models.AddTo(bs, dg[r*G+lo:r*G+hi])
			}
		} else {
			// One-hot inputs: d W_ih[:, c] += dG_t[n] for every step whose class is c. The
			// bias gradient is then the sum of those rows plus the steps with no class.
			for r := 0; r < T*n; r++ {
				if c := in.classes[r]; c >= 0 {
					models.AddTo(l.dwoh[int(c)*G+lo:int(c)*G+hi], dg[r*G+lo:r*G+hi])
				} else {
					models.AddTo(bs, dg[r*G+lo:r*G+hi])
				}
			}
			for c := 0; c < in.oneHot; c++ {
				models.AddTo(bs, l.dwoh[c*G+lo:c*G+hi])
			}
			for j := lo; j < hi; j++ {
				row := wih[j*l.In : j*l.In+in.oneHot]
				for c := range row {
					row[c] += l.dwoh[c*G+j]
				}
			}
		}
		models.AddTo(gb[lo:hi], bs)
		models.AddTo(gbh[lo:hi], bs)
		if in.dStatic > 0 {
			// Σ_t dG_t, the gradient reaching the static input's projection.
			for i := 0; i < n; i++ {
				row := l.ssum[i*G+lo : i*G+hi]
				copy(row, dg[i*G+lo:i*G+hi])
				for t := 1; t < T; t++ {
					models.AddTo(row, dg[(t*n+i)*G+lo:(t*n+i)*G+hi])
				}
			}
		}
	})

	if in.dDense > 0 {
		off := in.denseCol()
		l.ws.Gemm(true, false, G, in.dDense, T*n, dg, G, in.dense, in.dDense, 1, wih[off:], l.In)
		if wantInput {
			l.ddense = models.Buf(l.ddense, T*n*in.dDense)
			l.ws.Gemm(false, false, T*n, in.dDense, G, dg, G, l.WIH.Data()[off:], l.In, 0, l.ddense, in.dDense)
		}
	}
	if in.dStatic > 0 {
		off := in.staticCol()
		l.ws.Gemm(true, false, G, in.dStatic, n, l.ssum, G, in.static, in.dStatic, 1, wih[off:], l.In)
		if wantInput {
			l.dstatic = models.Buf(l.dstatic, n*in.dStatic)
			l.ws.Gemm(false, false, n, in.dStatic, G, l.ssum, G, l.WIH.Data()[off:], l.In, 0, l.dstatic, in.dStatic)
		}
	}
}

// Forward runs the layer over n sequences of t steps, x [N, T, In] batch-major as in
// models.Batch, from the initial state h0, c0 (each [N, H]; nil: zeros), and returns the
// hidden states h_1…h_T, [N, T, H]. With train set it keeps what Backward needs. The
// result is valid until the next call.
//
// The input projection of all steps is one product; each step then adds h_{t−1}·W_hhᵀ
// (one product) and applies the gates, the batch split between the cores.
func (l *LSTM) Forward(x []float32, n, t int, h0, c0 []float32, train bool) []float32 {
	H := l.Hidden
	l.xt = models.Buf(l.xt, n*t*l.In)
	swapNT(l.xt, x, n, t, l.In)
	l.forward(&seqInput{n: n, t: t, dense: l.xt, dDense: l.In}, h0, c0, train)
	l.out = models.Buf(l.out, n*t*H)
	swapNT(l.out, l.outputs(), t, n, H)
	return l.out
}

// Final returns the last hidden and cell states h_T, c_T of the last Forward, each [N, H].
func (l *LSTM) Final() (h, c []float32) { return l.final() }

// Backward runs backpropagation through time for the last training Forward, given
// d loss/d h_t for every step (dhs [N, T, H], batch-major; nil: none) and for the final
// state (dhT, dcT [N, H]; nil: none). It adds the parameter gradients and returns
// d loss/d x [N, T, In] and d loss/d h0, d loss/d c0 [N, H], valid until the next call.
func (l *LSTM) Backward(dhs, dhT, dcT []float32) (dx, dh0, dc0 []float32) {
	n, t, H := l.in.n, l.in.t, l.Hidden
	var dht []float32
	if dhs != nil {
		l.dhsT = models.Buf(l.dhsT, n*t*H)
		swapNT(l.dhsT, dhs, n, t, H)
		dht = l.dhsT
	}
	l.backward(dht, dhT, dcT, true, true)
	l.dx = models.Buf(l.dx, n*t*l.In)
	swapNT(l.dx, l.ddense, t, n, l.In)
	return l.dx, l.dh, l.dc
}

// swapNT copies src [a, b, d] into dst as [b, a, d] (batch-major ⇄ time-major).
func swapNT(dst, src []float32, a, b, d int) {
	for i := 0; i < a; i++ {
		for j := 0; j < b; j++ {
			copy(dst[(j*a+i)*d:(j*a+i+1)*d], src[(i*b+j)*d:(i*b+j+1)*d])
		}
	}
}

// State is the recurrent state of an LSTM over a batch of sequences: H and C, each
// [N, Hidden].
type State struct {
	H, C []float32
}

// NewState returns a zero state for n sequences.
func (l *LSTM) NewState(n int) *State {
	return &State{H: make([]float32, n*l.Hidden), C: make([]float32, n*l.Hidden)}
}

// Next advances s by one step on the inputs x [N, In], in place, with PyTorch's gate
// equations (σ the logistic function, ∘ the element-wise product):
//
//	i  = σ(W_ii·x + b_ii + W_hi·h + b_hi)
//	f  = σ(W_if·x + b_if + W_hf·h + b_hf)
//	g  = tanh(W_ig·x + b_ig + W_hg·h + b_hg)
//	o  = σ(W_io·x + b_io + W_ho·h + b_ho)
//	c' = f∘c + i∘g
//	h' = o∘tanh(c')
//
// where W_ii, W_if, W_ig, W_io are the four row blocks of weight_ih (and so on). Next reads
// the parameters directly, so it always sees the current weights; decoding many steps with
// fixed weights goes faster through Decoder.Generate, which prepares them once.
func (l *LSTM) Next(s *State, x []float32) {
	H, G := l.Hidden, 4*l.Hidden
	n := len(s.H) / H
	l.step = models.Buf(l.step, n*G+n*H)
	pre, tc := l.step[:n*G], l.step[n*G:]
	bi, bh := l.BIH.Data(), l.BHH.Data()
	for i := 0; i < n; i++ {
		row := pre[i*G : (i+1)*G]
		for j := range row {
			row[j] = bi[j] + bh[j]
		}
	}
	l.ws.Gemm(false, true, n, G, l.In, x, l.In, l.WIH.Data(), l.In, 1, pre, G)
	l.ws.Gemm(false, true, n, G, H, s.H, H, l.WHH.Data(), H, 1, pre, G)
	for i := 0; i < n; i++ {
		r := i * H
		cellForward(pre[i*G:(i+1)*G], s.C[r:r+H], s.C[r:r+H], tc[r:r+H], s.H[r:r+H])
	}
}

// stepPrepared is Next for weights prepared by prepare, with the input projection (plus
// biases) already in pre [N, 4H], which it overwrites; tc [N, H] is scratch.
func (l *LSTM) stepPrepared(s *State, pre, tc []float32) {
	H, G := l.Hidden, 4*l.Hidden
	n := len(s.H) / H
	l.ws.GemmPacked(false, n, s.H, H, &l.whhT, 1, pre, G, false)
	for i := 0; i < n; i++ {
		r := i * H
		cellForward(pre[i*G:(i+1)*G], s.C[r:r+H], s.C[r:r+H], tc[r:r+H], s.H[r:r+H])
	}
}

// flushTiny zeroes the values of x below 2⁻¹⁰⁰ in magnitude. Gradients that flow back
// through hundreds of steps of an LSTM shrink geometrically into float32's subnormal range,
// where every multiply-add that touches them takes a slow microcode path (a 16-bar
// encoder's training step ran 5 times slower on fresh weights); values that small add
// nothing a float32 weight can hold, so they are dropped before the next step's matrix
// products read them.
func flushTiny(x []float32) {
	for i, v := range x {
		if math.Float32bits(v)&0x7f800000 < 27<<23 {
			x[i] = 0
		}
	}
}
