//go:build amd64 && !purego

package conv

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// supported reports whether the CPU (and the operating system, which must save the wider
// registers) can run a kernel set. The AVX-512 kernels need AVX-512 F and DQ and BMI2; the
// AVX2 kernels need AVX2 and FMA, which x/sys/cpu reports only where the OS saves ymm.
func supported(k isa) bool {
	switch k {
	case isaAVX512:
		return cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2
	case isaAVX2:
		return cpu.X86.HasAVX2 && cpu.X86.HasFMA
	}
	return k == isaGo
}

// kernels is the kernel set that every wrapper below calls, chosen once at start-up: the
// best the CPU supports. Only tests and benchmarks change it (withKernels and the -kernels
// flag in kernel_test.go), to run and compare each set on one machine; nothing else may.
var kernels = bestISA()

// Each kernel exists in two assembly versions with the same arguments and results: AVX-512
// in kernel_amd64.s, AVX2+FMA in kernel_avx2_amd64.s.

//go:noescape
func tileConvAVX512(w, b *float32, offs *int, ntap, nci, ldb int, c *float32, ldc int)

//go:noescape
func tileConvAVX2(w, b *float32, offs *int, ntap, nci, ldb int, c *float32, ldc int)

//go:noescape
func tileConv1AVX512(w, b *float32, offs *int, ntap, nci, ldb int, c *float32)

//go:noescape
func tileConv1AVX2(w, b *float32, offs *int, ntap, nci, ldb int, c *float32)

//go:noescape
func tileDotAVX512(steps int, a *[ar]*float32, b *[br]*float32, acc *float32)

//go:noescape
func tileDotAVX2(steps int, a *[ar]*float32, b *[br]*float32, acc *float32)

//go:noescape
func poolBackAVX512(r0, r1, d0, d1, dy *float32, wo int, b float32, relu bool) float32

//go:noescape
func poolBackAVX2(r0, r1, d0, d1, dy *float32, wo int, b float32, relu bool) float32

//go:noescape
func poolFwdAVX512(r0, r1, out *float32, wo int, b float32, relu bool)

//go:noescape
func poolFwdAVX2(r0, r1, out *float32, wo int, b float32, relu bool)

//go:noescape
func upFwdAVX512(src, d0, d1 *float32, w int, b float32, relu bool)

//go:noescape
func upFwdAVX2(src, d0, d1 *float32, w int, b float32, relu bool)

//go:noescape
func upBwdAVX512(g0, g1, src, dx *float32, w int, b float32, relu bool) float32

//go:noescape
func upBwdAVX2(g0, g1, src, dx *float32, w int, b float32, relu bool) float32

func poolBackRow(r0, r1, d0, d1, g []float32, b float32, relu bool) float32 {
	wo := len(g)
	if kernels == isaGo || wo == 0 {
		return poolBackRowGo(r0, r1, d0, d1, g, b, relu)
	}
	if len(r0) < 2*wo || len(r1) < 2*wo || len(d0) < 2*wo || len(d1) < 2*wo {
		panic("conv: poolBackRow: rows shorter than two per window")
	}
	if kernels == isaAVX2 {
		return poolBackAVX2(&r0[0], &r1[0], &d0[0], &d1[0], &g[0], wo, b, relu)
	}
	return poolBackAVX512(&r0[0], &r1[0], &d0[0], &d1[0], &g[0], wo, b, relu)
}

func poolFwdRow(r0, r1, out []float32, b float32, relu bool) {
	wo := len(out)
	if kernels == isaGo || wo == 0 {
		poolFwdRowGo(r0, r1, out, b, relu)
		return
	}
	if len(r0) < 2*wo || len(r1) < 2*wo {
		panic("conv: poolFwdRow: rows shorter than two per window")
	}
	if kernels == isaAVX2 {
		poolFwdAVX2(&r0[0], &r1[0], &out[0], wo, b, relu)
		return
	}
	poolFwdAVX512(&r0[0], &r1[0], &out[0], wo, b, relu)
}

func upFwdRow(src, d0, d1 []float32, b float32, relu bool) {
	w := len(src)
	if kernels == isaGo || w == 0 {
		upFwdRowGo(src, d0, d1, b, relu)
		return
	}
	if len(d0) < 2*w || len(d1) < 2*w {
		panic("conv: upFwdRow: rows shorter than two per value")
	}
	if kernels == isaAVX2 {
		upFwdAVX2(&src[0], &d0[0], &d1[0], w, b, relu)
		return
	}
	upFwdAVX512(&src[0], &d0[0], &d1[0], w, b, relu)
}

func upBwdRow(g0, g1, src, dx []float32, b float32, relu bool) float32 {
	w := len(dx)
	if kernels == isaGo || w == 0 {
		return upBwdRowGo(g0, g1, src, dx, b, relu)
	}
	if len(g0) < 2*w || len(g1) < 2*w || relu && len(src) < w {
		panic("conv: upBwdRow: rows too short")
	}
	var s *float32
	if relu {
		s = &src[0]
	}
	if kernels == isaAVX2 {
		return upBwdAVX2(&g0[0], &g1[0], s, &dx[0], w, b, relu)
	}
	return upBwdAVX512(&g0[0], &g1[0], s, &dx[0], w, b, relu)
}

// maxOffset returns the largest tap offset, panicking on a negative one.
func maxOffset(offs []int) int {
	m := 0
	for _, o := range offs {
		if o < 0 {
			panic("conv: negative tap offset")
		}
		m = max(m, o)
	}
	return m
}

func tileConv1(w, b []float32, offs []int, nci, ldb int, c []float32) {
	if kernels == isaGo {
		tileConv1Go(w, b, offs, nci, ldb, c)
		return
	}
	maxOff := maxOffset(offs)
	if nci < 1 || len(offs) < 1 || len(w) < nci*len(offs) || len(b) < (nci-1)*ldb+maxOff+nr1 || len(c) < nr1 {
		panic("conv: tileConv1: slice too short for its tile")
	}
	if kernels == isaAVX2 {
		tileConv1AVX2(&w[0], &b[0], &offs[0], len(offs), nci, ldb, &c[0])
		return
	}
	tileConv1AVX512(&w[0], &b[0], &offs[0], len(offs), nci, ldb, &c[0])
}

func tileConv(w, b []float32, offs []int, nci, ldb int, c []float32, ldc int) {
	if kernels == isaGo {
		tileConvGo(w, b, offs, nci, ldb, c, ldc)
		return
	}
	ntap := len(offs)
	maxOff := maxOffset(offs)
	if nci < 1 || ntap < 1 || len(w) < nci*ntap*mr || len(b) < (nci-1)*ldb+maxOff+nr || len(c) < (mr-1)*ldc+nr {
		panic("conv: tileConv: slice too short for its tile")
	}
	if kernels == isaAVX2 {
		tileConvAVX2(&w[0], &b[0], &offs[0], ntap, nci, ldb, &c[0], ldc)
		return
	}
	tileConvAVX512(&w[0], &b[0], &offs[0], ntap, nci, ldb, &c[0], ldc)
}

func tileDot(steps int, abuf []float32, aoff *[ar]int, bbuf []float32, boff *[br]int, acc []float32) {
	if kernels == isaGo {
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
	if kernels == isaAVX2 {
		tileDotAVX2(steps, &a, &b, &acc[0])
		return
	}
	tileDotAVX512(steps, &a, &b, &acc[0])
}
