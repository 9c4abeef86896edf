//go:build !amd64

package rnn

func kernel(k int, a, b, c []float32, ldc int, acc bool) { kernelGo(k, a, b, c, ldc, acc) }

func kernelDirect(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	kernelDirectGo(k, a, lda, b, c, ldc, acc)
}

func kernelT(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	kernelTGo(k, a, lda, b, c, ldc, acc)
}

// No assembly here; the flags exist so that tests can name the variants everywhere.
var useAVX512, useAVX2 = false, false
