//go:build amd64 && !purego

package conv

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX512 selects the assembly kernels; they need AVX-512 F and DQ (x86-64-v4) and BMI2.
// Elsewhere the portable Go kernels run: correct, but several times slower.
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2

// kernelName says which kernels run, for benchmarks and reports.
var kernelName = map[bool]string{true: "avx512", false: "go"}[useAVX512]

//go:noescape
func tileConvAVX512(w, b *float32, offs *int, ntap, nci, ldb int, c *float32, ldc int)

//go:noescape
func tileDotAVX512(steps int, a *[ar]*float32, b *[br]*float32, acc *float32)

//go:noescape
func poolBackAVX512(r0, r1, d0, d1, dy *float32, wo int, b float32, relu bool) float32

func poolBackRow(r0, r1, d0, d1, g []float32, b float32, relu bool) float32 {
	wo := len(g)
	if !useAVX512 || wo == 0 {
		return poolBackRowGo(r0, r1, d0, d1, g, b, relu)
	}
	if len(r0) < 2*wo || len(r1) < 2*wo || len(d0) < 2*wo || len(d1) < 2*wo {
		panic("conv: poolBackRow: rows shorter than two per window")
	}
	return poolBackAVX512(&r0[0], &r1[0], &d0[0], &d1[0], &g[0], wo, b, relu)
}

//go:noescape
func poolFwdAVX512(r0, r1, out *float32, wo int, b float32, relu bool)

func poolFwdRow(r0, r1, out []float32, b float32, relu bool) {
	wo := len(out)
	if !useAVX512 || wo == 0 {
		poolFwdRowGo(r0, r1, out, b, relu)
		return
	}
	if len(r0) < 2*wo || len(r1) < 2*wo {
		panic("conv: poolFwdRow: rows shorter than two per window")
	}
	poolFwdAVX512(&r0[0], &r1[0], &out[0], wo, b, relu)
}

//go:noescape
func upFwdAVX512(src, d0, d1 *float32, w int, b float32, relu bool)

//go:noescape
func upBwdAVX512(g0, g1, src, dx *float32, w int, b float32, relu bool) float32

func upFwdRow(src, d0, d1 []float32, b float32, relu bool) {
	w := len(src)
	if !useAVX512 || w == 0 {
		upFwdRowGo(src, d0, d1, b, relu)
		return
	}
	if len(d0) < 2*w || len(d1) < 2*w {
		panic("conv: upFwdRow: rows shorter than two per value")
	}
	upFwdAVX512(&src[0], &d0[0], &d1[0], w, b, relu)
}

func upBwdRow(g0, g1, src, dx []float32, b float32, relu bool) float32 {
	w := len(dx)
	if !useAVX512 || w == 0 {
		return upBwdRowGo(g0, g1, src, dx, b, relu)
	}
	if len(g0) < 2*w || len(g1) < 2*w || relu && len(src) < w {
		panic("conv: upBwdRow: rows too short")
	}
	var s *float32
	if relu {
		s = &src[0]
	}
	return upBwdAVX512(&g0[0], &g1[0], s, &dx[0], w, b, relu)
}

//go:noescape
func tileConv1AVX512(w, b *float32, offs *int, ntap, nci, ldb int, c *float32)

func tileConv1(w, b []float32, offs []int, nci, ldb int, c []float32) {
	if !useAVX512 {
		tileConv1Go(w, b, offs, nci, ldb, c)
		return
	}
	maxOff := 0
	for _, o := range offs {
		if o < 0 {
			panic("conv: negative tap offset")
		}
		maxOff = max(maxOff, o)
	}
	if nci < 1 || len(offs) < 1 || len(w) < nci*len(offs) || len(b) < (nci-1)*ldb+maxOff+nr1 || len(c) < nr1 {
		panic("conv: tileConv1: slice too short for its tile")
	}
	tileConv1AVX512(&w[0], &b[0], &offs[0], len(offs), nci, ldb, &c[0])
}

func tileConv(w, b []float32, offs []int, nci, ldb int, c []float32, ldc int) {
	if !useAVX512 {
		tileConvGo(w, b, offs, nci, ldb, c, ldc)
		return
	}
	ntap := len(offs)
	maxOff := 0
	for _, o := range offs {
		if o < 0 {
			panic("conv: negative tap offset")
		}
		maxOff = max(maxOff, o)
	}
	if nci < 1 || ntap < 1 || len(w) < nci*ntap*mr || len(b) < (nci-1)*ldb+maxOff+nr || len(c) < (mr-1)*ldc+nr {
		panic("conv: tileConv: slice too short for its tile")
	}
	tileConvAVX512(&w[0], &b[0], &offs[0], ntap, nci, ldb, &c[0], ldc)
}

func tileDot(steps int, abuf []float32, aoff *[ar]int, bbuf []float32, boff *[br]int, acc []float32) {
	if !useAVX512 {
		tileDotGo(steps, abuf, aoff, bbuf, boff, acc)
		return
	}
	if steps < 1 {
		return
	}
	n := steps * lanes
	if len(acc) < ar*br*lanes {
		panic("conv: tileDot: accumulator too short")
	}
	var a [ar]*float32
	var b [br]*float32
	for i, o := range aoff {
		if o < 0 || o+n > len(abuf) {
			panic("conv: tileDot: a row out of range")
		}
		a[i] = (*float32)(unsafe.Pointer(unsafe.SliceData(abuf[o:])))
	}
	for j, o := range boff {
		if o < 0 || o+n > len(bbuf) {
			panic("conv: tileDot: b row out of range")
		}
		b[j] = (*float32)(unsafe.Pointer(unsafe.SliceData(bbuf[o:])))
	}
	tileDotAVX512(steps, &a, &b, &acc[0])
}
