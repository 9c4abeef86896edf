package rnn

import (
	"runtime"
	"sync"
)

// This file holds the package's matrix product. models.Gemm runs vek's AVX2 axpy loop,
// which loads and stores a row of C for every multiply-add and so stays near a quarter of
// the machine's peak; an LSTM step is almost nothing but products, so the layers here use a
// packed, register-blocked product (the BLIS scheme): B is copied into panels of nr columns
// and A into panels of mr rows, and a micro-kernel keeps an mr×nr tile of C in registers
// for the whole inner dimension. Weights that stay fixed over a sequence are packed once
// (packedB) and reused by every time step.
//
// Each element of C is the same sum in the same order however the work is split between
// goroutines, so results do not depend on GOMAXPROCS.

const (
	mr = 8   // rows of the micro-tile
	nr = 32  // columns of the micro-tile
	kc = 256 // depth of one packed block: an nr panel of B is kc·nr·4 = 32 KiB, L1-sized
	mc = 128 // rows of A packed at once (128 KiB, L2-resident)
)

// packedB is a k×n right-hand operand copied into kc-deep blocks of nr-wide panels,
// zero-padded to whole panels: block p (rows p·kc…) holds panel j at offset
// p·kc·np + j·kcb·nr, where np is n rounded up to nr and kcb the block's depth.
type packedB struct {
	k, n, np int
	d        []float32
}

// pack copies op(B) (k×n; stored n×k when trans) into p, reusing p's storage, split over
// up to w goroutines by panels.
func (p *packedB) pack(trans bool, k, n int, b []float32, ldb int, w int) {
	p.k, p.n, p.np = k, n, roundUp(n, nr)
	p.d = grow(p.d, k*p.np)
	parallel(p.np, nr, w, func(_, j0, j1 int) {
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			blk := p.d[pc*p.np : pc*p.np+kb*p.np]
			for j := j0; j < j1; j += nr {
				packPanelB(blk[j*kb:(j+nr)*kb], trans, kb, min(nr, n-j), b, ldb, pc, j)
			}
		}
	})
}

// packPanelB writes the kb×nr panel of op(B) starting at row pc, column j0; columns past
// w are zero.
func packPanelB(dst []float32, trans bool, kb, w int, b []float32, ldb, pc, j0 int) {
	if !trans && w == nr {
		for p := 0; p < kb; p++ {
			*(*[nr]float32)(dst[p*nr:]) = *(*[nr]float32)(b[(pc+p)*ldb+j0:])
		}
		return
	}
	if !trans {
		for p := 0; p < kb; p++ {
			row := b[(pc+p)*ldb+j0:]
			d := dst[p*nr : p*nr+nr]
			copy(d, row[:w])
			clear(d[w:])
		}
		return
	}
	for c := 0; c < w; c++ {
		src := b[(j0+c)*ldb+pc:]
		src = src[:kb]
		for p, v := range src {
			dst[p*nr+c] = v
		}
	}
	if w < nr {
		for p := 0; p < kb; p++ {
			clear(dst[p*nr+w : p*nr+nr])
		}
	}
}

// packA copies the mb×kb block of op(A) at (i0, pc) into panels of mr rows, each kb·mr
// values with the mr rows interleaved per depth step, zero-padding the last panel.
func packA(dst []float32, trans bool, mb, kb int, a []float32, lda, i0, pc int) {
	for ir := 0; ir < mb; ir += mr {
		h := min(mr, mb-ir)
		d := dst[ir*kb : ir*kb+kb*mr]
		if trans {
			// op(A)(i, p) = a[p·lda + i]: mr contiguous values per depth step.
			if h == mr {
				for p := 0; p < kb; p++ {
					// Element by element: a [mr]float32 assignment compiles to a memmove call.
					s, dd := a[(pc+p)*lda+i0+ir:], d[p*mr:]
					s, dd = s[:mr:mr], dd[:mr:mr]
					dd[0], dd[1], dd[2], dd[3] = s[0], s[1], s[2], s[3]
					dd[4], dd[5], dd[6], dd[7] = s[4], s[5], s[6], s[7]
				}
				continue
			}
			for p := 0; p < kb; p++ {
				src := a[(pc+p)*lda+i0+ir:]
				dd := d[p*mr : p*mr+mr]
				copy(dd, src[:h])
				clear(dd[h:])
			}
			continue
		}
		for r := 0; r < h; r++ {
			src := a[(i0+ir+r)*lda+pc:]
			src = src[:kb]
			for p, v := range src {
				d[p*mr+r] = v
			}
		}
		if h < mr {
			for p := 0; p < kb; p++ {
				clear(d[p*mr+h : p*mr+mr])
			}
		}
	}
}

// gemmPacked computes columns [j0, j1) of C = op(A)·B + beta·C for a packed B (j0 a
// multiple of nr), with ap as scratch for packing A (grown as needed and returned). The
// kernels read A in place, transposed or not; only a last panel of fewer than mr rows is
// packed (zero-padded).
func gemmPacked(ap []float32, transA bool, m int, a []float32, lda int, pb *packedB, j0, j1 int, beta float32, c []float32, ldc int) []float32 {
	k := pb.k
	ap = grow(ap, mr*min(kc, k))
	var tile [mr * nr]float32
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		acc := beta != 0 || pc > 0
		blk := pb.d[pc*pb.np : pc*pb.np+kb*pb.np]
		for ic := 0; ic < m; ic += mc {
			mb := min(mc, m-ic)
			for j := j0; j < j1; j += nr {
				w := min(nr, j1-j)
				bp := blk[j*kb : (j+nr)*kb]
				for ir := 0; ir < mb; ir += mr {
					h := min(mr, mb-ir)
					ci := (ic+ir)*ldc + j
					full := h == mr && w == nr
					dst, dld, dacc := c[ci:], ldc, acc
					if !full {
						dst, dld, dacc = tile[:], nr, false
					}
					switch {
					case h < mr:
						packA(ap, transA, h, kb, a, lda, ic+ir, pc)
						kernel(kb, ap[:kb*mr], bp, dst, dld, dacc)
					case transA:
						kernelT(kb, a[pc*lda+ic+ir:], lda, bp, dst, dld, dacc)
					default:
						kernelDirect(kb, a[(ic+ir)*lda+pc:], lda, bp, dst, dld, dacc)
					}
					if full {
						continue
					}
					for r := 0; r < h; r++ {
						row := c[ci+r*ldc : ci+r*ldc+w]
						t := tile[r*nr : r*nr+w]
						if acc {
							for x, v := range t {
								row[x] += v
							}
						} else {
							copy(row, t)
						}
					}
				}
			}
		}
	}
	return ap
}

// workspace holds the packing space of one layer's products, so that buffers live as long
// as the layer and a training step allocates nothing: the packed B, and one A-packing
// buffer per goroutine.
type workspace struct {
	pb packedB
	ap [][]float32
}

// worker returns goroutine i's A-packing buffer slot.
func (ws *workspace) worker(i int) *[]float32 {
	for len(ws.ap) <= i {
		ws.ap = append(ws.ap, nil)
	}
	return &ws.ap[i]
}

// gemm computes C = op(A)·op(B) + beta·C for row-major matrices with leading dimensions
// lda, ldb, ldc; op(A) is m×k, op(B) is k×n (stored transposed when the flags are set);
// beta must be 0 or 1. Large products are split over the cores.
func (ws *workspace) gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if beta == 0 {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	w := workers(m*n*k, 1<<18)
	ws.pb.pack(transB, k, n, b, ldb, w)
	ws.gemmPacked(transA, m, a, lda, &ws.pb, beta, c, ldc, w)
}

// gemmPacked is gemm for a packed B, split over up to w goroutines: by rows of C, or by
// columns when C has few rows. Each element is computed the same way either way.
func (ws *workspace) gemmPacked(transA bool, m int, a []float32, lda int, pb *packedB, beta float32, c []float32, ldc int, w int) {
	if w == 1 {
		ap := ws.worker(0)
		*ap = gemmPacked(*ap, transA, m, a, lda, pb, 0, pb.n, beta, c, ldc)
		return
	}
	for i := 0; i < w; i++ {
		ws.worker(i)
	}
	if m >= w*2*mr || m >= pb.n {
		parallel(m, mr, w, func(i, lo, hi int) {
			ao := lo * lda
			if transA {
				ao = lo
			}
			ws.ap[i] = gemmPacked(ws.ap[i], transA, hi-lo, a[ao:], lda, pb, 0, pb.n, beta, c[lo*ldc:], ldc)
		})
		return
	}
	parallel(pb.n, nr, w, func(i, lo, hi int) {
		ws.ap[i] = gemmPacked(ws.ap[i], transA, m, a, lda, pb, lo, hi, beta, c, ldc)
	})
}

// workers returns how many goroutines a job of the given work (in multiply-adds or element
// operations) should use: one below grain, else every core.
func workers(work, grain int) int {
	if work < grain {
		return 1
	}
	return max(1, runtime.GOMAXPROCS(0))
}

// parallel splits [0, n) into at most w contiguous chunks whose boundaries are multiples
// of align, runs f(chunk index, lo, hi) on each (the first on the calling goroutine) and
// waits for all.
func parallel(n, align, w int, f func(i, lo, hi int)) {
	chunks := min(w, (n+align-1)/align)
	if chunks <= 1 {
		f(0, 0, n)
		return
	}
	per := roundUp((n+chunks-1)/chunks, align)
	var wg sync.WaitGroup
	for i, lo := 1, per; lo < n; i, lo = i+1, lo+per {
		wg.Add(1)
		go func(i, lo, hi int) {
			f(i, lo, hi)
			wg.Done()
		}(i, lo, min(n, lo+per))
	}
	f(0, 0, min(n, per))
	wg.Wait()
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// grow returns b with length n, reallocating only when its capacity is too small (as
// models.Buf; its contents are unspecified).
func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}
