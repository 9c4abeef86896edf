package rnn

import (
	"math"

	"musae/models"
)

// softmaxNLL writes, for each row r of logits [rows, classes], −log softmax(row)[target[r]]
// into nll[r]. With grad set it overwrites the row with the gradient softmax − onehot(target);
// otherwise it leaves the row's contents unspecified. A negative target (padding) scores
// 0 with a zero gradient. It is models.SoftmaxNLL with the vectorised float32 exp, split
// over the cores.
func softmaxNLL(nll []float64, logits []float32, targets []int32, classes int, grad bool) {
	rows := len(targets)
	models.Parallel(rows, 1, models.Workers(rows*classes, 1<<14), func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			row := logits[r*classes : (r+1)*classes]
			tgt := targets[r]
			if tgt < 0 {
				nll[r] = 0
				if grad {
					clear(row)
				}
				continue
			}
			m := row[0]
			for _, v := range row {
				m = max(m, v)
			}
			vt := row[tgt]
			expShift(row, m)
			var s float32
			for _, v := range row {
				s += v
			}
			nll[r] = math.Log(float64(s)) + float64(m-vt)
			if grad {
				inv := 1 / s
				for j := range row {
					row[j] *= inv
				}
				row[tgt] -= 1
			}
		}
	})
}
