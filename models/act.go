package models

import "math"

// ReLU sets y = max(x, 0) and returns y (y may be x).
func ReLU(y, x []float32) []float32 {
	y = y[:len(x)]
	for i, v := range x {
		// Without a branch, which random signs would mispredict half the time: the sign
		// bit, smeared over the word, clears negative values (and −0).
		b := math.Float32bits(v)
		y[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
	}
	return y
}

// ReLUBackward turns dy into dx in place, given the ReLU's output y: dy is cleared where
// y ≤ 0.
func ReLUBackward(dy, y []float32) {
	dy = dy[:len(y)]
	for i, v := range y {
		// Branch-free as in ReLU: all ones when v's sign bit is set or v is +0.
		b := int32(math.Float32bits(v))
		zero := uint32(b>>31 | (b-1)>>31)
		dy[i] = math.Float32frombits(math.Float32bits(dy[i]) &^ zero)
	}
}

// Sigmoid returns 1/(1+e^-x).
func Sigmoid(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

// Tanh returns tanh(x).
func Tanh(x float32) float32 { return float32(math.Tanh(float64(x))) }

// BernoulliNLL returns, for each of n rows, -Σ log p(target | logits) in nats for Bernoulli
// logits, written stably as Σ softplus(l) - t·l, and writes d(nll_row)/d logits = σ(l) - t
// into dlogits when it is not nil.
//
// Both come from one float32 exponential per value, e = e^-|l|: softplus(l) = max(l, 0) +
// ln(1+e) and σ(l) = 1/(1+e) (times e when l < 0). Each term is good to a few float32 ulps;
// the rows are summed in float64. Whole vectors run in assembly kernels, the rest in Go.
func BernoulliNLL(nll []float64, logits, targets []float32, n int, dlogits []float32) {
	d := len(logits) / n
	for i := 0; i < n; i++ {
		ls, ts := logits[i*d:(i+1)*d], targets[i*d:(i+1)*d]
		var dl []float32
		if dlogits != nil {
			dl = dlogits[i*d : (i+1)*d]
		}
		var lanes [16]float64
		body := bernoulliVec(ls, ts, dl, &lanes)
		var s float64
		for _, v := range lanes {
			s += v
		}
		nll[i] = s + bernoulliGo(ls[body:], ts[body:], dl)
	}
}

// bernoulliGo returns Σ softplus(l) - t·l over ls and, when dl is not nil, writes σ(l) - t
// into its last len(ls) values.
func bernoulliGo(ls, ts, dl []float32) float64 {
	ts = ts[:len(ls)]
	if dl != nil {
		dl = dl[len(dl)-len(ls):]
	}
	var s float64
	for j, l := range ls {
		t := ts[j]
		e := Exp32(-abs32(l))
		// max(l, 0) − t·l first: for t = 1 and l > 0 it is exactly 0, where softplus(l) − l
		// would cancel.
		s += float64(max(l, 0) - t*l + log1p32(e))
		if dl != nil {
			sig := 1 / (1 + e)
			if l < 0 {
				sig *= e
			}
			dl[j] = sig - t
		}
	}
	return s
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// SoftmaxNLL returns, for each of rows rows of classes logits, -log softmax(logits)[target]
// in nats, and writes its gradient softmax - onehot(target) into dlogits when not nil.
func SoftmaxNLL(nll []float64, logits []float32, targets []int32, classes int, dlogits []float32) {
	for r := range targets {
		row := logits[r*classes : (r+1)*classes]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v - m))
		}
		lse := float64(m) + math.Log(s)
		nll[r] = lse - float64(row[targets[r]])
		if dlogits != nil {
			drow := dlogits[r*classes : (r+1)*classes]
			for j, v := range row {
				drow[j] = float32(math.Exp(float64(v) - lse))
			}
			drow[targets[r]] -= 1
		}
	}
}
