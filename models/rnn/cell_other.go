//go:build !amd64 || purego

package rnn

import "musae/models"

func cellVector(int) int { return 0 }

func cellForwardVec(g, cp, c, tc, h []float32, stride, n int) { panic("unreachable") }

func cellBackwardVec(a, tc, cp, dhOut, dhRec, dc []float32, stride, n int) { panic("unreachable") }

// expShift sets x[j] = e^(x[j] − shift).
func expShift(x []float32, shift float32) {
	for j, v := range x {
		x[j] = models.Exp32(v - shift)
	}
}

// No assembly here; the flags exist so that tests can name the variants everywhere.
var useAVX512, useAVX2 = false, false
