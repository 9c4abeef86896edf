package models

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
)

// DefaultImportanceChunk is how many (example, sample) pairs go through the decoder at once
// when Importance.Chunk is 0: large enough that the decoder's matrix products run at speed,
// small enough that a convolutional decoder's planes stay in memory comfortably.
const DefaultImportanceChunk = 64

// Importance estimates log p(x) by importance sampling from the encoder's posterior, as the
// IWAE paper (Burda, Grosse and Salakhutdinov, 2016) evaluates VAEs:
//
//	log p(x) ≈ log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x),   z_k ~ q(z|x),
//
// a lower bound in expectation that rises with K towards log p(x), and equals the ELBO's
// single-sample estimate at K = 1.
type Importance struct {
	K     int // samples per example, at least 1
	Chunk int // (example, sample) pairs per decoder pass; 0 for DefaultImportanceChunk
}

// Bounds are per-example figures in nats, each a negative log-likelihood (lower is better).
type Bounds struct {
	// NLL is −log p̂(x), the negated importance-weighted estimate with K samples.
	NLL []float64
	// Rec is −log p(x|z) averaged over the K samples, and KL the analytic
	// KL(q(z|x) ‖ p(z)): Rec + KL is the negative ELBO, estimated with K samples.
	Rec, KL []float64
}

// Estimate returns the bounds of each example of b under v. The encoder runs once; then the
// K samples of every example, drawn from rng in example-then-sample order (so the figures do
// not depend on Chunk), go through the decoder Chunk (example, sample) pairs at a time, in
// batches that repeat each example once per sample. The log-weights are summed in float64
// with a running log-sum-exp. It stops with ctx's error between decoder passes.
func (s Importance) Estimate(ctx context.Context, v *VAE, b *Batch, rng *rand.Rand) (*Bounds, error) {
	if s.K < 1 {
		return nil, fmt.Errorf("models: importance sampling with %d samples, want at least 1", s.K)
	}
	chunk := s.Chunk
	if chunk <= 0 {
		chunk = DefaultImportanceChunk
	}
	n, zd, k := b.N, v.Z, s.K
	mu, lv := v.Enc.Encode(b, false)
	// The decoder may reuse the encoder's buffers: keep copies.
	mu, lv = append([]float32(nil), mu[:n*zd]...), append([]float32(nil), lv[:n*zd]...)
	out := &Bounds{NLL: make([]float64, n), Rec: make([]float64, n), KL: make([]float64, n)}
	for i := range n {
		out.KL[i] = KL(mu[i*zd:(i+1)*zd], lv[i*zd:(i+1)*zd])
	}

	// logq0[i] is log q(z|x) for example i without the −½·Σ eps² term, and sd its scales.
	logq0 := make([]float64, n)
	sd := make([]float64, n*zd)
	for i := range n {
		q := -0.5 * float64(zd) * math.Log(2*math.Pi)
		for j := i * zd; j < (i+1)*zd; j++ {
			q -= 0.5 * float64(lv[j])
			sd[j] = math.Exp(0.5 * float64(lv[j]))
		}
		logq0[i] = q
	}

	total := n * k
	rows := min(chunk, total)
	pb := repeatedBatch(nil, b, rows)
	z := make([]float32, rows*zd)
	logw := make([]float64, rows) // log p(z) − log q(z|x), then plus log p(x|z)
	// The running log-sum-exp of each example's log-weights: max and Σ exp(w − max).
	maxw := make([]float64, n)
	sumw := make([]float64, n)
	for i := range maxw {
		maxw[i] = math.Inf(-1)
	}
	for from := 0; from < total; from += rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := min(rows, total-from)
		pb.N = m
		for r := range m {
			i := (from + r) / k
			pb.copyExample(r, b, i)
			var e2, z2 float64
			for j := range zd {
				e := rng.NormFloat64()
				zj := float32(float64(mu[i*zd+j]) + sd[i*zd+j]*e)
				z[r*zd+j] = zj
				e2 += e * e
				z2 += float64(zj) * float64(zj)
			}
			logpz := -0.5*float64(zd)*math.Log(2*math.Pi) - 0.5*z2
			logw[r] = logpz - (logq0[i] - 0.5*e2)
		}
		nll := v.Dec.NLL(z[:m*zd], pb, false)
		for r := range m {
			i := (from + r) / k
			out.Rec[i] += nll[r]
			w := logw[r] - nll[r]
			switch {
			case math.IsNaN(w):
				maxw[i], sumw[i] = math.NaN(), math.NaN()
			case math.IsInf(w, -1): // p(x|z) = 0: a zero weight
			case w > maxw[i]:
				sumw[i] = sumw[i]*math.Exp(maxw[i]-w) + 1
				maxw[i] = w
			default:
				sumw[i] += math.Exp(w - maxw[i])
			}
		}
	}
	for i := range n {
		out.NLL[i] = -(maxw[i] + math.Log(sumw[i]/float64(k)))
		out.Rec[i] /= float64(k)
	}
	return out, nil
}

// repeatedBatch returns a batch of rows examples shaped as b's (the same fields set), for
// copyExample to fill; it reuses dst when dst has the room.
func repeatedBatch(dst, b *Batch, rows int) *Batch {
	if dst != nil && dst.T == b.T && dst.D == b.D && dst.C == b.C && cap(dst.X) >= rows*b.T*b.D &&
		(b.Classes == nil) == (dst.Classes == nil) && (b.Input == nil) == (dst.Input == nil) &&
		(b.Target == nil) == (dst.Target == nil) && (b.Lengths == nil) == (dst.Lengths == nil) &&
		cap(dst.Classes) >= rows*b.T && cap(dst.Input) >= rows*b.T && cap(dst.Target) >= rows*b.T*b.D &&
		cap(dst.Controls) >= rows*b.T*b.C && cap(dst.Lengths) >= rows {
		dst.N = rows
		return dst
	}
	step := b.T * b.D
	pb := &Batch{N: rows, T: b.T, D: b.D, C: b.C, X: make([]float32, rows*step)}
	if b.Classes != nil {
		pb.Classes = make([]int32, rows*b.T)
	}
	if b.Input != nil {
		pb.Input = make([]int32, rows*b.T)
	}
	if b.Target != nil {
		pb.Target = make([]float32, rows*step)
	}
	if b.Controls != nil {
		pb.Controls = make([]float32, rows*b.T*b.C)
	}
	if b.Lengths != nil {
		pb.Lengths = make([]int, rows)
	}
	return pb
}

// copyExample makes example r of b a copy of example i of from, every field that b has:
// pixels or one-hot steps, classes, the encoder's input, targets, controls and length.
func (b *Batch) copyExample(r int, from *Batch, i int) {
	t, step := b.T, b.T*b.D
	copy(b.X[r*step:(r+1)*step], from.Example(i))
	if b.Classes != nil {
		copy(b.Classes[r*t:(r+1)*t], from.Classes[i*t:(i+1)*t])
	}
	if b.Input != nil {
		copy(b.Input[r*t:(r+1)*t], from.Input[i*t:(i+1)*t])
	}
	if b.Target != nil {
		copy(b.Target[r*step:(r+1)*step], from.Target[i*step:(i+1)*step])
	}
	if b.Controls != nil {
		c := t * b.C
		copy(b.Controls[r*c:(r+1)*c], from.Controls[i*c:(i+1)*c])
	}
	if b.Lengths != nil {
		b.Lengths[r] = from.Lengths[i]
	}
}

// IWStep is Step for the importance-weighted bound that IWAE trains (Burda, Grosse and
// Salakhutdinov, 2016): it draws k samples of z from q(z|x) for each example, in
// example-then-sample order as Importance.Estimate does, and adds into the parameters the
// gradients of the mean over the batch of
//
//	−log (1/k) Σ_r p(x|z_r) p(z_r) / q(z_r|x),
//
// a bound on −log p(x) that tightens as k grows (k = 1: the negative ELBO, its KL
// estimated by the sample). Each sample's reconstruction gradient is weighted by its
// normalised importance weight. Terms.Loss is that bound, Reconstruction the mean
// −log p(x|z) over the samples and KL the analytic KL; Beta is 1, since the bound has no
// KL weight.
func (v *VAE) IWStep(b *Batch, k int, rng *rand.Rand) Terms {
	return v.iwBound(b, k, rng, true)
}

func (v *VAE) iwBound(b *Batch, k int, rng *rand.Rand, train bool) Terms {
	if k < 1 {
		panic(fmt.Sprintf("models: IWStep with %d samples", k)) // a programmer error: configs are checked
	}
	mu, lv := v.Enc.Encode(b, train)
	if train && v.BeforeDecode != nil {
		v.BeforeDecode(b)
	}
	n, zd := b.N, v.Z
	rows := n * k
	// The decoder may reuse the encoder's buffers: keep copies.
	v.mu, v.lv = append(v.mu[:0], mu[:n*zd]...), append(v.lv[:0], lv[:n*zd]...)
	mu, lv = v.mu, v.lv
	v.rep = repeatedBatch(v.rep, b, rows)
	v.eps, v.z = Buf(v.eps, rows*zd), Buf(v.z, rows*zd)
	v.logw = growF64s(v.logw, rows)
	for r := range rows {
		i := r / k
		v.rep.copyExample(r, b, i)
		z, e := v.z[r*zd:(r+1)*zd], v.eps[r*zd:(r+1)*zd]
		Reparameterize(z, e, mu[i*zd:(i+1)*zd], lv[i*zd:(i+1)*zd], rng)
		// log p(z) − log q(z|x), their constants cancelling.
		var w float64
		for j := range zd {
			w += -0.5*float64(z[j])*float64(z[j]) + 0.5*(float64(lv[i*zd+j])+float64(e[j])*float64(e[j]))
		}
		v.logw[r] = w
	}
	nll := v.Dec.NLL(v.z, v.rep, train)

	var t Terms
	t.Beta = 1
	v.dnll = Buf(v.dnll, rows)
	inv := 1 / float64(n)
	for i := range n {
		ws := v.logw[i*k : (i+1)*k]
		top := math.Inf(-1)
		for s := range ws {
			t.Reconstruction += nll[i*k+s]
			ws[s] -= nll[i*k+s]
			top = max(top, ws[s])
		}
		var sum float64
		for _, w := range ws {
			sum += math.Exp(w - top)
		}
		t.Loss -= top + math.Log(sum/float64(k))
		for s, w := range ws {
			v.dnll[i*k+s] = float32(math.Exp(w-top) / sum * inv) // the normalised weight, over n
		}
		t.KL += KL(mu[i*zd:(i+1)*zd], lv[i*zd:(i+1)*zd])
	}
	t.Loss *= inv
	t.Reconstruction /= float64(rows)
	t.KL *= inv
	if !train {
		return t
	}

	dz := v.Dec.Backward(v.dnll)
	// −log w_r = nll_r + ½‖z_r‖² − ½Σ(logvar + eps²) + const, with z_r = mu + exp(logvar/2)·eps_r.
	v.dmu, v.dlv = Buf(v.dmu, n*zd), Buf(v.dlv, n*zd)
	clear(v.dmu)
	clear(v.dlv)
	for r := range rows {
		i, wr := r/k, v.dnll[r]
		for j := range zd {
			g := dz[r*zd+j] + wr*v.z[r*zd+j]
			s := float32(math.Exp(0.5 * float64(lv[i*zd+j])))
			v.dmu[i*zd+j] += g
			v.dlv[i*zd+j] += g*v.eps[r*zd+j]*0.5*s - 0.5*wr
		}
	}
	v.Enc.Backward(v.dmu, v.dlv)
	return t
}

// IWLoss is the mean bound IWStep trains, computed without training: for tests and
// figures that must match a step's.
func (v *VAE) IWLoss(b *Batch, k int, rng *rand.Rand) float64 {
	return v.iwBound(b, k, rng, false).Loss
}

func growF64s(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}
