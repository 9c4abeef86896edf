package rnn

import (
	"fmt"
	"math/rand/v2"

	"musae/models"
)

// Encoder is the bidirectional LSTM encoder: one LSTM reads the sequence forwards and one
// backwards, their final hidden states are concatenated [N, 2H], and two linear layers map
// that to mu and logvar. Parameter names follow PyTorch's nn.LSTM(bidirectional=True) named
// "enc" and Linear layers "mu" and "lv".
//
// A batch with Classes set is read as one-hot rows (X must then be their one-hot encoding,
// as models.Batch.SetClasses writes it; where Input is set, the encoder reads Input): the
// input projection becomes a gather of weight columns. Without Classes, X is fed as it is
// (images read row by row). The input at each step is [x_t, controls_t] when the encoder
// takes controls. An example shorter than the batch (models.Batch.Lengths) is read over its
// own steps only: the forward LSTM's final state is the one after its last step, and the
// backward LSTM starts at that step.
type Encoder struct {
	Fwd, Bwd *LSTM
	Mu, LV   *models.Dense
	Controls int // control features per step, the last columns of each LSTM's input

	n, steps       int
	lens           []int     // the last Encode's lengths; nil when none is ragged
	cls, rcls      []int32   // [T, N] classes, forwards and backwards in time
	xt, xr         []float32 // [T, N, D] dense inputs (classes or controls), forwards and backwards
	hcat, dhf, dhb []float32
	dhs            []float32 // [T, N, H] the final state's gradient at each example's last step
}

// NewEncoder returns an encoder of inputs of size in, with hidden units per direction and
// a z-dimensional latent.
func NewEncoder(in, hidden, z int, rng *rand.Rand) *Encoder {
	return NewControlledEncoder(in, 0, hidden, z, rng)
}

// NewControlledEncoder returns an encoder of inputs of size in and controls control
// features per step (each LSTM reads in + controls columns), with hidden units per
// direction and a z-dimensional latent.
func NewControlledEncoder(in, controls, hidden, z int, rng *rand.Rand) *Encoder {
	return &Encoder{
		Fwd:      NewLSTM("enc", "_l0", in+controls, hidden, rng),
		Bwd:      NewLSTM("enc", "_l0_reverse", in+controls, hidden, rng),
		Mu:       models.NewDense("mu", 2*hidden, z, rng),
		LV:       models.NewDense("lv", 2*hidden, z, rng),
		Controls: controls,
	}
}

// Params returns the parameters in PyTorch's state_dict order.
func (e *Encoder) Params() []*models.Param {
	ps := append(e.Fwd.Params(), e.Bwd.Params()...)
	ps = append(ps, e.Mu.Params()...)
	return append(ps, e.LV.Params()...)
}

// Encode returns mu and logvar, each [N, Z], valid until the next call.
func (e *Encoder) Encode(b *models.Batch, train bool) (mu, logvar []float32) {
	if b.D+e.Controls != e.Fwd.In || b.C != e.Controls {
		panic(fmt.Sprintf("rnn: encoder of %d inputs and %d controls given a batch of %d features and %d controls", e.Fwd.In-e.Controls, e.Controls, b.D, b.C))
	}
	b.CheckLengths()
	n, T, D, C := b.N, b.T, b.D, b.C
	e.n, e.steps = n, T
	e.lens = nil
	if b.Ragged() {
		e.lens = append(e.lens[:0:0], b.Lengths...)
	}
	// rev is where step t of example i goes in the backward LSTM's input: its own last
	// step first, the padding after its first.
	rev := func(i, t int) int {
		if l := b.Len(i); t < l {
			return l - 1 - t
		}
		return t
	}
	var fin, bin seqInput
	if cls := b.EncoderClasses(); cls != nil {
		e.cls = growInt(e.cls, T*n)
		e.rcls = growInt(e.rcls, T*n)
		for i := 0; i < n; i++ {
			l := b.Len(i)
			for t := 0; t < T; t++ {
				c := cls[i*T+t]
				if t >= l {
					c = -1
				}
				e.cls[t*n+i] = c
				e.rcls[rev(i, t)*n+i] = c
			}
		}
		fin = seqInput{n: n, t: T, classes: e.cls, oneHot: D}
		bin = seqInput{n: n, t: T, classes: e.rcls, oneHot: D}
		if C > 0 {
			e.xt, e.xr = models.Buf(e.xt, T*n*C), models.Buf(e.xr, T*n*C)
			for i := 0; i < n; i++ {
				l := b.Len(i)
				for t := 0; t < T; t++ {
					dst, rdst := e.xt[(t*n+i)*C:(t*n+i+1)*C], e.xr[(rev(i, t)*n+i)*C:(rev(i, t)*n+i+1)*C]
					if t >= l {
						clear(dst)
						clear(rdst)
						continue
					}
					src := b.Controls[(i*T+t)*C : (i*T+t+1)*C]
					copy(dst, src)
					copy(rdst, src)
				}
			}
			fin.dense, fin.dDense = e.xt, C
			bin.dense, bin.dDense = e.xr, C
		}
	} else {
		W := D + C
		e.xt, e.xr = models.Buf(e.xt, T*n*W), models.Buf(e.xr, T*n*W)
		for i := 0; i < n; i++ {
			l := b.Len(i)
			for t := 0; t < T; t++ {
				dst, rdst := e.xt[(t*n+i)*W:(t*n+i+1)*W], e.xr[(rev(i, t)*n+i)*W:(rev(i, t)*n+i+1)*W]
				if t >= l {
					clear(dst)
					clear(rdst)
					continue
				}
				copy(dst, b.X[(i*T+t)*D:(i*T+t+1)*D])
				if C > 0 {
					copy(dst[D:], b.Controls[(i*T+t)*C:(i*T+t+1)*C])
				}
				copy(rdst, dst)
			}
		}
		fin = seqInput{n: n, t: T, dense: e.xt, dDense: W}
		bin = seqInput{n: n, t: T, dense: e.xr, dDense: W}
	}
	e.Fwd.forward(&fin, nil, nil, train)
	e.Bwd.forward(&bin, nil, nil, train)
	H := e.Fwd.Hidden
	hf, _ := e.Fwd.final()
	hb, _ := e.Bwd.final()
	e.hcat = models.Buf(e.hcat, n*2*H)
	for i := 0; i < n; i++ {
		if e.lens != nil {
			// The state after the example's own last step: h_l is hs[l].
			l := e.lens[i]
			copy(e.hcat[i*2*H:], e.Fwd.hs[(l*n+i)*H:(l*n+i+1)*H])
			copy(e.hcat[i*2*H+H:], e.Bwd.hs[(l*n+i)*H:(l*n+i+1)*H])
			continue
		}
		copy(e.hcat[i*2*H:], hf[i*H:(i+1)*H])
		copy(e.hcat[i*2*H+H:], hb[i*H:(i+1)*H])
	}
	return e.Mu.Forward(e.hcat, n), e.LV.Forward(e.hcat, n)
}

// Backward adds the parameter gradients of the last training Encode.
func (e *Encoder) Backward(dmu, dlogvar []float32) {
	n, H := e.n, e.Fwd.Hidden
	dh := e.Mu.Backward(dmu)
	e.dhf, e.dhb = models.Buf(e.dhf, n*H), models.Buf(e.dhb, n*H)
	for i := 0; i < n; i++ {
		copy(e.dhf[i*H:(i+1)*H], dh[i*2*H:])
		copy(e.dhb[i*H:(i+1)*H], dh[i*2*H+H:])
	}
	dh = e.LV.Backward(dlogvar)
	for i := 0; i < n; i++ {
		models.AddTo(e.dhf[i*H:(i+1)*H], dh[i*2*H:i*2*H+H])
		models.AddTo(e.dhb[i*H:(i+1)*H], dh[i*2*H+H:(i+1)*2*H])
	}
	if e.lens == nil {
		e.Fwd.backward(nil, e.dhf, nil, false, false)
		e.Bwd.backward(nil, e.dhb, nil, false, false)
		return
	}
	// Ragged: each final state's gradient enters at the example's last step; the padding
	// after it gets none, so it adds nothing to any gradient.
	T := e.steps
	e.dhs = models.Buf(e.dhs, T*n*H)
	for _, pair := range []struct {
		l  *LSTM
		dh []float32
	}{{e.Fwd, e.dhf}, {e.Bwd, e.dhb}} {
		clear(e.dhs)
		for i, l := range e.lens {
			copy(e.dhs[((l-1)*n+i)*H:((l-1)*n+i+1)*H], pair.dh[i*H:(i+1)*H])
		}
		pair.l.backward(e.dhs, nil, nil, false, false)
	}
}

func growInt(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n)
	}
	return b[:n]
}
