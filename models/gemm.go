package models

import (
	"sync"

	"github.com/viterin/vek/vek32"
)

// scratch holds temporary matrices for Gemm's transposes and accumulation, reused across calls.
var scratch = sync.Pool{New: func() any { return new([]float32) }}

func getScratch(n int) *[]float32 {
	p := scratch.Get().(*[]float32)
	*p = Buf(*p, n)
	return p
}

// Gemm computes C = op(A)·op(B) + beta·C for row-major matrices, where op(A) is m×k, op(B)
// is k×n and C is m×n; op transposes when the flag is set (A is then stored k×m, B n×k).
// beta must be 0 (overwrite) or 1 (accumulate, as gradients do). The kernel is vek's AVX2
// matrix product (pure Go fallback elsewhere), run on all cores for large products.
func Gemm(transA, transB bool, m, n, k int, a, b []float32, beta float32, c []float32) {
	if len(a) < m*k || len(b) < k*n || len(c) < m*n {
		panic("models: Gemm: slice too short for its dimensions")
	}
	if beta != 0 && beta != 1 {
		panic("models: Gemm: beta must be 0 or 1")
	}
	a, b, c = a[:m*k], b[:k*n], c[:m*n]
	var release [3]*[]float32
	nr := 0
	if transA {
		t := getScratch(m * k)
		transpose(*t, a, k, m)
		a = *t
		release[nr] = t
		nr++
	}
	if transB {
		t := getScratch(k * n)
		transpose(*t, b, n, k)
		b = *t
		release[nr] = t
		nr++
	}
	if beta == 0 {
		vek32.MatMul_Into(c, a, b, k)
	} else {
		t := getScratch(m * n)
		vek32.MatMul_Into(*t, a, b, k)
		vek32.Add_Inplace(c, *t)
		release[nr] = t
		nr++
	}
	for _, t := range release[:nr] {
		scratch.Put(t)
	}
}

// transpose writes the cols×rows transpose of the rows×cols matrix src into dst, in blocks
// so that both sides stay in cache.
func transpose(dst, src []float32, rows, cols int) {
	const bs = 32
	for i0 := 0; i0 < rows; i0 += bs {
		i1 := min(i0+bs, rows)
		for j0 := 0; j0 < cols; j0 += bs {
			j1 := min(j0+bs, cols)
			for i := i0; i < i1; i++ {
				row := src[i*cols : i*cols+cols]
				for j := j0; j < j1; j++ {
					dst[j*rows+i] = row[j]
				}
			}
		}
	}
}
