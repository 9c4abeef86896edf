//go:build !amd64 || purego

package models

func kernel(k int, a, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	kernelGo(k, a, b, ldb, width, c, ldc, acc)
}

func kernelDirect(k int, a []float32, lda int, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	kernelDirectGo(k, a, lda, b, ldb, width, c, ldc, acc)
}

func kernelT(k int, a []float32, lda int, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	kernelTGo(k, a, lda, b, ldb, width, c, ldc, acc)
}

// No assembly here; the flags exist so that tests can name the variants everywhere.
var useAVX512, useAVX2 = false, false
