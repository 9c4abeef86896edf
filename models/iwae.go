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
	step := b.T * b.D
	pb := &Batch{N: rows, T: b.T, D: b.D, X: make([]float32, rows*step)}
	if b.Classes != nil {
		pb.Classes = make([]int32, rows*b.T)
	}
	if b.Target != nil {
		pb.Target = make([]float32, rows*step)
	}
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
			copy(pb.X[r*step:(r+1)*step], b.Example(i))
			if b.Classes != nil {
				copy(pb.Classes[r*b.T:(r+1)*b.T], b.Classes[i*b.T:(i+1)*b.T])
			}
			if b.Target != nil {
				copy(pb.Target[r*step:(r+1)*step], b.Target[i*step:(i+1)*step])
			}
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
