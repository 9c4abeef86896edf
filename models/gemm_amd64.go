//go:build amd64 && !purego

package models

//go:generate python3 asmgen.py

import "golang.org/x/sys/cpu"

// The assembly kernels (the product's, Adam's) are chosen once from the CPU's features:
// AVX-512 computes a whole 8×32 (or 8×16) tile at once; AVX2+FMA computes it in 4×16
// quarters (halves). Tests switch them to check each against Go.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

//go:noescape
func kern8x32AVX512(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern8x16AVX512(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern4x16AVX2(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern8x32AVX512Direct(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern8x16AVX512Direct(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern4x16AVX2Direct(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern8x32AVX512T(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern8x16AVX512T(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)

//go:noescape
func kern4x16AVX2T(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, acc int)

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkKernel checks the bounds the assembly relies on; cheap next to k·128 multiply-adds.
func checkKernel(k int, b []float32, ldb, width int, c []float32, ldc int) {
	_ = b[(k-1)*ldb+width-1]
	_ = c[(mr-1)*ldc+width-1]
}

// kernel computes or (acc) adds into C [mr, width] (row stride ldc) the product of a
// packed mr×k A panel and a k×width B panel whose depth steps lie ldb apart; width is nr
// or nr/2.
func kernel(k int, a, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	_ = a[k*mr-1]
	checkKernel(k, b, ldb, width, c, ldc)
	ac := b2i(acc)
	switch {
	case useAVX512 && width == nr:
		kern8x32AVX512(k, &a[0], &b[0], ldb, &c[0], ldc, ac)
	case useAVX512:
		kern8x16AVX512(k, &a[0], &b[0], ldb, &c[0], ldc, ac)
	case useAVX2:
		for j := 0; j < width; j += 16 {
			kern4x16AVX2(k, &a[0], &b[j], ldb, &c[j], ldc, ac)
			kern4x16AVX2(k, &a[4], &b[j], ldb, &c[4*ldc+j], ldc, ac)
		}
	default:
		kernelGo(k, a, b, ldb, width, c, ldc, acc)
	}
}

// kernelDirect is kernel for an unpacked A: mr rows of k values, lda apart.
func kernelDirect(k int, a []float32, lda int, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	_ = a[(mr-1)*lda+k-1]
	checkKernel(k, b, ldb, width, c, ldc)
	ac := b2i(acc)
	switch {
	case useAVX512 && width == nr:
		kern8x32AVX512Direct(k, &a[0], lda, &b[0], ldb, &c[0], ldc, ac)
	case useAVX512:
		kern8x16AVX512Direct(k, &a[0], lda, &b[0], ldb, &c[0], ldc, ac)
	case useAVX2:
		for j := 0; j < width; j += 16 {
			kern4x16AVX2Direct(k, &a[0], lda, &b[j], ldb, &c[j], ldc, ac)
			kern4x16AVX2Direct(k, &a[4*lda], lda, &b[j], ldb, &c[4*ldc+j], ldc, ac)
		}
	default:
		kernelDirectGo(k, a, lda, b, ldb, width, c, ldc, acc)
	}
}

// kernelT is kernel for an unpacked transposed A: step p's mr values are a[p·lda:][:mr].
func kernelT(k int, a []float32, lda int, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	_ = a[(k-1)*lda+mr-1]
	checkKernel(k, b, ldb, width, c, ldc)
	ac := b2i(acc)
	switch {
	case useAVX512 && width == nr:
		kern8x32AVX512T(k, &a[0], lda, &b[0], ldb, &c[0], ldc, ac)
	case useAVX512:
		kern8x16AVX512T(k, &a[0], lda, &b[0], ldb, &c[0], ldc, ac)
	case useAVX2:
		for j := 0; j < width; j += 16 {
			kern4x16AVX2T(k, &a[0], lda, &b[j], ldb, &c[j], ldc, ac)
			kern4x16AVX2T(k, &a[4], lda, &b[j], ldb, &c[4*ldc+j], ldc, ac)
		}
	default:
		kernelTGo(k, a, lda, b, ldb, width, c, ldc, acc)
	}
}
