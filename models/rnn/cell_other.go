//go:build !amd64

package rnn

func cellVector(int) int { return 0 }

func cellForwardVec(g, cp, c, tc, h []float32, stride, n int) { panic("unreachable") }

func cellBackwardVec(a, tc, cp, dhOut, dhRec, dc []float32, stride, n int) { panic("unreachable") }

// expShift sets x[j] = e^(x[j] − shift).
func expShift(x []float32, shift float32) {
	for j, v := range x {
		x[j] = expf(v - shift)
	}
}
