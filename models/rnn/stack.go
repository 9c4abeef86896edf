package rnn

import (
	"fmt"
	"math/rand/v2"

	"musae/models"
)

// newStack returns the Linear layer initName from x features to the initial (h, c) of
// len(hidden) LSTM layers (nn.LSTM layerName, all of hidden[0] units), the first of which
// reads first features, and the layers; drawn from rng in that order, as PyTorch builds
// them.
func newStack(initName, layerName string, x, first int, hidden []int, rng *rand.Rand) (*models.Dense, []*LSTM) {
	h := hidden[0]
	init := models.NewDense(initName, x, 2*len(hidden)*h, rng)
	layers := make([]*LSTM, 0, len(hidden))
	for k := range hidden {
		in := h
		if k == 0 {
			in = first
		}
		layers = append(layers, NewLSTM(layerName, fmt.Sprintf("_l%d", k), in, h, rng))
	}
	return init, layers
}

// stackParams returns the parameters of a stack that newStack made, then more's, in
// PyTorch's state_dict order.
func stackParams(init *models.Dense, layers []*LSTM, more []*models.Param) []*models.Param {
	ps := init.Params()
	for _, l := range layers {
		ps = append(ps, l.Params()...)
	}
	return append(ps, more...)
}

// stackStart is the initial state of a stack of LSTM layers of H units computed from a
// vector, as Decoder and GrooveDecoder start from z and HierDecoder's conductor does:
// tanh(init(x)) [N, layers·2·H], laid out layer by layer as h then c, split into each
// layer's h0 and c0. Its buffers are reused across calls.
type stackStart struct {
	st     []float32   // tanh(init(x)) [N, layers·2·H]
	h0, c0 [][]float32 // per layer [N, H]
	dst    []float32   // d loss/d st, then d loss/d init(x)
}

// forward computes tanh(init(x)) for the n rows of x and splits it into the h0 and c0 of
// L layers of H units.
func (s *stackStart) forward(init *models.Dense, x []float32, n, H, L int) {
	st := init.Forward(x, n)
	s.st = models.Buf(s.st, len(st))
	for i, v := range st {
		s.st[i] = tanhf(v)
	}
	for len(s.h0) < L {
		s.h0, s.c0 = append(s.h0, nil), append(s.c0, nil)
	}
	for k := 0; k < L; k++ {
		s.h0[k], s.c0[k] = models.Buf(s.h0[k], n*H), models.Buf(s.c0[k], n*H)
		for i := 0; i < n; i++ {
			row := s.st[(i*L+k)*2*H:]
			copy(s.h0[k][i*H:(i+1)*H], row[:H])
			copy(s.c0[k][i*H:(i+1)*H], row[H:2*H])
		}
	}
}

// run computes the start from x [n, in] (forward) and runs the layers over a sequence
// from it, in a training pass where train is set: the first layer reads first (n rows, t
// steps), each above the outputs of the one below. It returns the last layer's outputs
// [t, n, H].
func (s *stackStart) run(init *models.Dense, layers []*LSTM, x []float32, first seqInput, train bool) []float32 {
	s.forward(init, x, first.n, layers[0].Hidden, len(layers))
	for k, l := range layers {
		in := first
		if k > 0 {
			in = seqInput{n: first.n, t: first.t, dense: layers[k-1].outputs(), dDense: layers[k-1].Hidden}
		}
		l.forward(&in, s.h0[k], s.c0[k], train)
	}
	return layers[len(layers)-1].outputs()
}

// backward runs backpropagation through the layers that started from this state, from
// dh, d loss/d the last layer's outputs [T, n, H], down to the first, then through tanh
// and init: it adds the parameter gradients and returns d loss/d x [n, in] (init's
// buffer, valid until its next Backward). Every layer computes the gradient of its input
// (the first layer's static input in l.dstatic among them) except the first when
// firstInput is false: a stack whose first input is constant.
func (s *stackStart) backward(init *models.Dense, layers []*LSTM, dh []float32, n, H int, firstInput bool) []float32 {
	L := len(layers)
	s.dst = models.Buf(s.dst, n*L*2*H)
	for k := L - 1; k >= 0; k-- {
		l := layers[k]
		l.backward(dh, nil, nil, true, k > 0 || firstInput)
		dh = l.ddense
		for i := 0; i < n; i++ {
			row := s.dst[(i*L+k)*2*H:]
			copy(row[:H], l.dh[i*H:(i+1)*H])
			copy(row[H:2*H], l.dc[i*H:(i+1)*H])
		}
	}
	for i, v := range s.st {
		s.dst[i] *= 1 - v*v
	}
	return init.Backward(s.dst)
}

// perExample sums rows [T, n] (time- or bar-major) into each example's total, in sum
// (grown to n).
func perExample(sum, rows []float64, T, n int) []float64 {
	sum = growF64(sum, n)
	clear(sum)
	for t := 0; t < T; t++ {
		for i := 0; i < n; i++ {
			sum[i] += rows[t*n+i]
		}
	}
	return sum
}

// scaleRows multiplies each row of g [T, n, width], the gradient of a row's loss, by
// dnll[i], d loss/d the loss of the row's example: the chain rule through perExample.
func scaleRows(g, dnll []float32, T, n int) {
	w := len(g) / (T * n)
	for t := 0; t < T; t++ {
		for i := 0; i < n; i++ {
			row := g[(t*n+i)*w : (t*n+i+1)*w]
			s := dnll[i]
			for j := range row {
				row[j] *= s
			}
		}
	}
}

// stepper runs a stack of LSTM layers one step at a time from a stackStart, as the
// decoders generate: the first layer's input projection at each step is z's part, made
// once (zproj), plus what the caller adds for the step's own input; each layer above
// reads the one below. Its buffers are reused across calls.
type stepper struct {
	states         []*State
	pre, tc, zproj []float32
}

// begin readies the states of layers for n rows from s, and zproj: the first layer's
// bias plus z [n, Z]'s part of its input projection, z's columns starting at column zcol
// of its input. Unless prepared, it first derives the layers' one-step weights.
func (p *stepper) begin(layers []*LSTM, s *stackStart, z []float32, n, Z, zcol int, prepared bool) {
	H := layers[0].Hidden
	G := 4 * H
	for len(p.states) < len(layers) {
		p.states = append(p.states, &State{})
	}
	p.pre, p.tc, p.zproj = models.Buf(p.pre, n*G), models.Buf(p.tc, n*H), models.Buf(p.zproj, n*G)
	for k, l := range layers {
		if !prepared {
			l.prepare()
		}
		st := p.states[k]
		st.H, st.C = models.Buf(st.H, n*H), models.Buf(st.C, n*H)
		copy(st.H, s.h0[k])
		copy(st.C, s.c0[k])
		if k == 0 {
			for i := 0; i < n; i++ {
				copy(p.zproj[i*G:(i+1)*G], l.bias)
			}
			l.ws.Gemm(false, false, n, G, Z, z, Z, l.wihT[zcol*G:], G, 1, p.zproj, G)
		}
	}
}

// step runs one step of every layer, the first from the input projection the caller
// made in p.pre [n, 4H], and returns the last layer's output h [n, H].
func (p *stepper) step(layers []*LSTM, n int) []float32 {
	pre := p.pre
	for k, l := range layers {
		if k > 0 {
			H, G := l.Hidden, 4*l.Hidden
			for i := 0; i < n; i++ {
				copy(pre[i*G:(i+1)*G], l.bias)
			}
			l.ws.Gemm(false, false, n, G, H, p.states[k-1].H, H, l.wihT, G, 1, pre, G)
		}
		l.stepPrepared(p.states[k], pre, p.tc)
	}
	return p.states[len(layers)-1].H
}
