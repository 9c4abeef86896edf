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
// as models.Batch.SetClasses writes it; where Input is set, the encoder reads Input): the input projection becomes a gather of weight
// columns. Without Classes, X is fed as it is (images read row by row).
type Encoder struct {
	Fwd, Bwd *LSTM
	Mu, LV   *models.Dense

	n, steps       int
	cls, rcls      []int32   // [T, N] classes, forwards and backwards in time
	xt, xr         []float32 // [T, N, D] dense inputs, forwards and backwards
	hcat, dhf, dhb []float32
}

// NewEncoder returns an encoder of inputs of size in, with hidden units per direction and
// a z-dimensional latent.
func NewEncoder(in, hidden, z int, rng *rand.Rand) *Encoder {
	return &Encoder{
		Fwd: NewLSTM("enc", "_l0", in, hidden, rng),
		Bwd: NewLSTM("enc", "_l0_reverse", in, hidden, rng),
		Mu:  models.NewDense("mu", 2*hidden, z, rng),
		LV:  models.NewDense("lv", 2*hidden, z, rng),
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
	if b.D != e.Fwd.In {
		panic(fmt.Sprintf("rnn: encoder of %d inputs given a batch of %d features", e.Fwd.In, b.D))
	}
	n, T, D := b.N, b.T, b.D
	e.n, e.steps = n, T
	var fin, bin seqInput
	if cls := b.EncoderClasses(); cls != nil {
		e.cls = growInt(e.cls, T*n)
		e.rcls = growInt(e.rcls, T*n)
		for i := 0; i < n; i++ {
			for t := 0; t < T; t++ {
				c := cls[i*T+t]
				e.cls[t*n+i] = c
				e.rcls[(T-1-t)*n+i] = c
			}
		}
		fin = seqInput{n: n, t: T, classes: e.cls, oneHot: D}
		bin = seqInput{n: n, t: T, classes: e.rcls, oneHot: D}
	} else {
		e.xt, e.xr = models.Buf(e.xt, T*n*D), models.Buf(e.xr, T*n*D)
		for i := 0; i < n; i++ {
			for t := 0; t < T; t++ {
				src := b.X[(i*T+t)*D : (i*T+t+1)*D]
				copy(e.xt[(t*n+i)*D:], src)
				copy(e.xr[((T-1-t)*n+i)*D:], src)
			}
		}
		fin = seqInput{n: n, t: T, dense: e.xt, dDense: D}
		bin = seqInput{n: n, t: T, dense: e.xr, dDense: D}
	}
	e.Fwd.forward(&fin, nil, nil, train)
	e.Bwd.forward(&bin, nil, nil, train)
	H := e.Fwd.Hidden
	hf, _ := e.Fwd.final()
	hb, _ := e.Bwd.final()
	e.hcat = models.Buf(e.hcat, n*2*H)
	for i := 0; i < n; i++ {
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
	e.Fwd.backward(nil, e.dhf, nil, false, false)
	e.Bwd.backward(nil, e.dhb, nil, false, false)
}

func growInt(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n)
	}
	return b[:n]
}
