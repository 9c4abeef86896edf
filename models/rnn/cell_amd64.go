//go:build amd64 && !purego

package rnn

//go:generate python3 asmgen.py

import (
	"golang.org/x/sys/cpu"

	"musae/models"
)

// The cell kernels are chosen once from the CPU's features (AVX-512, else AVX2+FMA, else
// Go); tests switch them to check each against Go.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

//go:noescape
func cellForwardAVX512(gates, cp, c, tc, h *float32, stride, n int)

//go:noescape
func cellForwardAVX2(gates, cp, c, tc, h *float32, stride, n int)

//go:noescape
func cellBackwardAVX512(a, tc, cp, dhout, dhrec, dc *float32, stride, n, hasout int)

//go:noescape
func cellBackwardAVX2(a, tc, cp, dhout, dhrec, dc *float32, stride, n, hasout int)

// cellVector returns how many of h units the assembly cell kernels handle (a multiple of
// their vector width); the rest run in Go.
func cellVector(h int) int {
	switch {
	case useAVX512:
		return h &^ 15
	case useAVX2:
		return h &^ 7
	}
	return 0
}

// cellForwardVec runs cellForward's first n units (n = cellVector(H) > 0; the callers
// have checked the slice lengths).
func cellForwardVec(g, cp, c, tc, h []float32, stride, n int) {
	if useAVX512 {
		cellForwardAVX512(&g[0], &cp[0], &c[0], &tc[0], &h[0], stride, n)
	} else {
		cellForwardAVX2(&g[0], &cp[0], &c[0], &tc[0], &h[0], stride, n)
	}
}

func cellBackwardVec(a, tc, cp, dhOut, dhRec, dc []float32, stride, n int) {
	out, has := &dhRec[0], 0 // any valid pointer when there is no dhOut
	if dhOut != nil {
		out, has = &dhOut[0], 1
	}
	if useAVX512 {
		cellBackwardAVX512(&a[0], &tc[0], &cp[0], out, &dhRec[0], &dc[0], stride, n, has)
	} else {
		cellBackwardAVX2(&a[0], &tc[0], &cp[0], out, &dhRec[0], &dc[0], stride, n, has)
	}
}

//go:noescape
func expShiftAVX512(x *float32, n int, shift float32)

//go:noescape
func expShiftAVX2(x *float32, n int, shift float32)

// expShift sets x[j] = e^(x[j] − shift).
func expShift(x []float32, shift float32) {
	v := 0
	switch {
	case useAVX512 && len(x) >= 16:
		v = len(x) &^ 15
		expShiftAVX512(&x[0], v, shift)
	case useAVX2 && len(x) >= 8:
		v = len(x) &^ 7
		expShiftAVX2(&x[0], v, shift)
	}
	for j := v; j < len(x); j++ {
		x[j] = models.Exp32(x[j] - shift)
	}
}
