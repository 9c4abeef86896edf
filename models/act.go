package models

import "math"

// ReLU sets y = max(x, 0) and returns y (y may be x).
func ReLU(y, x []float32) []float32 {
	for i, v := range x {
		y[i] = max(v, 0)
	}
	return y
}

// ReLUBackward turns dy into dx in place, given the ReLU's output y.
func ReLUBackward(dy, y []float32) {
	for i, v := range y {
		if v <= 0 {
			dy[i] = 0
		}
	}
}

// Sigmoid returns 1/(1+e^-x).
func Sigmoid(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

// Tanh returns tanh(x).
func Tanh(x float32) float32 { return float32(math.Tanh(float64(x))) }

// BernoulliNLL returns, for each of n rows, -Σ log p(target | logits) in nats for Bernoulli
// logits, written stably as Σ softplus(l) - t·l, and writes d(nll_row)/d logits into dlogits
// when it is not nil.
func BernoulliNLL(nll []float64, logits, targets []float32, n int, dlogits []float32) {
	d := len(logits) / n
	for i := 0; i < n; i++ {
		var s float64
		for j := i * d; j < (i+1)*d; j++ {
			l, t := float64(logits[j]), float64(targets[j])
			s += softplus(l) - t*l
			if dlogits != nil {
				dlogits[j] = float32(1/(1+math.Exp(-l)) - t)
			}
		}
		nll[i] = s
	}
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

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
