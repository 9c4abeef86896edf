package conv

import "musae/models"

// Plain matrix products built on the two kernels, for the dense layers (see linear.go).
// All matrices are row-major float32.

// zeroOff is the single tap of a plain product: tileConv with offsets {0} multiplies a
// packed left operand by consecutive rows of B.
var zeroOff = []int{0}

// gemmScratch holds matmul's scratch buffers between calls.
type gemmScratch struct {
	wp []float32 // P packed in tiles of mr rows
	bt []float32 // B's last columns, zero-padded to a whole tile
}

// matmul sets C = op(P)·B, where op(P) is m×k (P is stored m×k, or k×m when pt is set), B
// is k×n with row stride ldb and C is m×n with row stride ldc.
func (sc *gemmScratch) matmul(m, n, k int, p []float32, pt bool, b []float32, ldb int, c []float32, ldc int) {
	tiles := (m + mr - 1) / mr
	sc.wp = models.Buf(sc.wp, tiles*k*mr)
	wp := sc.wp
	for t := 0; t < tiles; t++ {
		for kk := 0; kk < k; kk++ {
			dst := wp[(t*k+kk)*mr:][:mr]
			for i := range dst {
				r, v := t*mr+i, float32(0)
				switch {
				case r >= m:
				case pt:
					v = p[kk*m+r]
				default:
					v = p[r*k+kk]
				}
				dst[i] = v
			}
		}
	}
	cols := (n + nr - 1) / nr
	if n%nr != 0 {
		sc.bt = models.Buf(sc.bt, k*nr)
		clear(sc.bt)
		for kk := 0; kk < k; kk++ {
			copy(sc.bt[kk*nr:][:n%nr], b[kk*ldb+(cols-1)*nr:][:n%nr])
		}
	}
	parallelFor(cols, 2, func(lo, hi int) {
		var ct [mr * nr]float32 // a tile past the last row or column of C
		for j := lo; j < hi; j++ {
			w := min(nr, n-j*nr)
			bj, ldbj := b[j*nr:], ldb
			if w < nr {
				bj, ldbj = sc.bt, nr
			}
			for t := 0; t < tiles; t++ {
				rows := min(mr, m-t*mr)
				if rows == mr && w == nr {
					tileConv(wp[t*k*mr:], bj, zeroOff, k, ldbj, c[t*mr*ldc+j*nr:], ldc)
					continue
				}
				tileConv(wp[t*k*mr:], bj, zeroOff, k, ldbj, ct[:], nr)
				for i := 0; i < rows; i++ {
					copy(c[(t*mr+i)*ldc+j*nr:][:w], ct[i*nr:][:w])
				}
			}
		}
	})
}

// matmulNT sets C = A·Bᵀ, where A is m×k, B is n×k (row strides lda, ldb) and C is m×n with
// row stride ldc; k must be a multiple of 16. acc is scratch for the partial sums; it is
// returned, grown as needed.
func matmulNT(acc []float32, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) []float32 {
	if k%lanes != 0 {
		panic("conv: matmulNT: inner dimension not a multiple of 16")
	}
	at, bt := (m+ar-1)/ar, (n+br-1)/br
	const tileAcc = ar * br * lanes
	acc = models.Buf(acc, at*bt*tileAcc)
	parallelFor(at, 1, func(lo, hi int) {
		var aoff [ar]int
		var boff [br]int
		for ta := lo; ta < hi; ta++ {
			for i := range aoff {
				aoff[i] = min(ta*ar+i, m-1) * lda // rows past the end repeat the last
			}
			for tb := 0; tb < bt; tb++ {
				for j := range boff {
					boff[j] = min(tb*br+j, n-1) * ldb
				}
				s := acc[(ta*bt+tb)*tileAcc:][:tileAcc]
				clear(s)
				tileDot(k/lanes, a, &aoff, b, &boff, s)
				for i := 0; i < ar && ta*ar+i < m; i++ {
					for j := 0; j < br && tb*br+j < n; j++ {
						var sum float32
						for _, v := range s[(i*br+j)*lanes:][:lanes] {
							sum += v
						}
						c[(ta*ar+i)*ldc+tb*br+j] = sum
					}
				}
			}
		}
	})
	return acc
}
