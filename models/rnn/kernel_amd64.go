package rnn

//go:generate python3 asmgen.py

import "golang.org/x/sys/cpu"

// The assembly kernels are chosen once from the CPU's features: AVX-512 computes the
// whole 8×32 tile at once (16 zmm accumulators); AVX2+FMA computes it as four 4×16
// sub-tiles (8 ymm accumulators each). Tests switch them to check each against Go.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

//go:noescape
func kern8x32AVX512(k int, a, b, c *float32, ldc int, acc int)

//go:noescape
func kern4x16AVX2(k int, a, b, c *float32, ldc int, acc int)

//go:noescape
func kern8x32AVX512Direct(k int, a *float32, lda int, b, c *float32, ldc int, acc int)

//go:noescape
func kern4x16AVX2Direct(k int, a *float32, lda int, b, c *float32, ldc int, acc int)

//go:noescape
func kern8x32AVX512T(k int, a *float32, lda int, b, c *float32, ldc int, acc int)

//go:noescape
func kern4x16AVX2T(k int, a *float32, lda int, b, c *float32, ldc int, acc int)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func kernel(k int, a, b, c []float32, ldc int, acc bool) {
	// Bounds the assembly relies on; cheap next to k·256 multiply-adds.
	_ = a[k*mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	ac := b2i(acc)
	switch {
	case useAVX512:
		kern8x32AVX512(k, &a[0], &b[0], &c[0], ldc, ac)
	case useAVX2:
		kern4x16AVX2(k, &a[0], &b[0], &c[0], ldc, ac)
		kern4x16AVX2(k, &a[4], &b[0], &c[4*ldc], ldc, ac)
		kern4x16AVX2(k, &a[0], &b[16], &c[16], ldc, ac)
		kern4x16AVX2(k, &a[4], &b[16], &c[4*ldc+16], ldc, ac)
	default:
		kernelGo(k, a, b, c, ldc, acc)
	}
}

// kernelDirect is kernel for an unpacked A: mr rows of k values, lda apart.
func kernelDirect(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	_ = a[(mr-1)*lda+k-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	ac := b2i(acc)
	switch {
	case useAVX512:
		kern8x32AVX512Direct(k, &a[0], lda, &b[0], &c[0], ldc, ac)
	case useAVX2:
		kern4x16AVX2Direct(k, &a[0], lda, &b[0], &c[0], ldc, ac)
		kern4x16AVX2Direct(k, &a[4*lda], lda, &b[0], &c[4*ldc], ldc, ac)
		kern4x16AVX2Direct(k, &a[0], lda, &b[16], &c[16], ldc, ac)
		kern4x16AVX2Direct(k, &a[4*lda], lda, &b[16], &c[4*ldc+16], ldc, ac)
	default:
		kernelDirectGo(k, a, lda, b, c, ldc, acc)
	}
}

// kernelT is kernel for an unpacked transposed A: step p's mr values are a[p·lda:][:mr].
func kernelT(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	_ = a[(k-1)*lda+mr-1]
	_ = b[k*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	ac := b2i(acc)
	switch {
	case useAVX512:
		kern8x32AVX512T(k, &a[0], lda, &b[0], &c[0], ldc, ac)
	case useAVX2:
		kern4x16AVX2T(k, &a[0], lda, &b[0], &c[0], ldc, ac)
		kern4x16AVX2T(k, &a[4], lda, &b[0], &c[4*ldc], ldc, ac)
		kern4x16AVX2T(k, &a[0], lda, &b[16], &c[16], ldc, ac)
		kern4x16AVX2T(k, &a[4], lda, &b[16], &c[4*ldc+16], ldc, ac)
	default:
		kernelTGo(k, a, lda, b, c, ldc, acc)
	}
}
