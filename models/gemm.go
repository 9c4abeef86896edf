package models

import (
	"fmt"
	"runtime"
	"sync"
)

// The matrix product of every layer: a packed, register-blocked product (the BLIS scheme).
// B is copied into panels of nr columns (nr/2 for a narrow last one, so that a 16-wide
// product does not compute 32 columns) and a micro-kernel keeps an mr×nr tile of C in
// registers for the whole inner dimension, reading A in place (or packed into panels of mr
// rows for a last, partial panel). When C has few rows an untransposed B is read in place
// instead of copied. Weights that stay fixed over a sequence can be packed once
// (PackedMatrix) and reused by every time step. The micro-kernels are AVX-512 or AVX2+FMA
// assembly written by asmgen.py, with a portable Go fallback (other CPUs, or -tags purego).
//
// Each element of C is the same sum in the same order however the work is split between
// goroutines, so results do not depend on GOMAXPROCS.

const (
	mr = 8   // rows of the micro-tile
	nr = 32  // columns of the micro-tile
	kc = 256 // depth of one packed block: an nr panel of B is kc·nr·4 = 32 KiB, L1-sized
	mc = 128 // rows of A packed at once (128 KiB, L2-resident)
)

// inPlaceRows is the most rows of C for which Gemm reads an untransposed B in place instead
// of packing it: each B panel then serves at most eight micro-tiles, too few to repay the
// copy. (With many more, a packed panel wins: B's rows, read in place, can lie a multiple
// of 4 KiB apart and evict one another from L1; 2048 rows ran 25–50% slower.)
const inPlaceRows = 8 * mr

// GemmTileRows is the height of the product's micro-tile. A caller that splits the rows
// of a product between goroutines itself splits at multiples of it, so that every tile is
// whole and runs at full speed.
const GemmTileRows = mr

// gemmPool lends workspaces to Gemm and GemmStrided, whose callers keep none.
var gemmPool = sync.Pool{New: func() any { return new(GemmWorkspace) }}

// Gemm computes C = op(A)·op(B) + beta·C for row-major matrices, where op(A) is m×k, op(B)
// is k×n and C is m×n; op transposes when the flag is set (A is then stored k×m, B n×k).
// beta must be 0 (overwrite) or 1 (accumulate, as gradients do). Large products run on
// all cores.
func Gemm(transA, transB bool, m, n, k int, a, b []float32, beta float32, c []float32) {
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	GemmStrided(transA, transB, m, n, k, a, lda, b, ldb, beta, c, n)
}

// GemmStrided is Gemm for matrices inside larger ones: lda, ldb and ldc are the row
// strides of A, B and C as stored.
func GemmStrided(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ws := gemmPool.Get().(*GemmWorkspace)
	ws.Gemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	gemmPool.Put(ws)
}

// GemmWorkspace holds the packing buffers of matrix products, so that a layer that keeps
// one allocates nothing per product once its buffers have grown. The zero value is ready
// to use; a workspace is not safe for concurrent use.
type GemmWorkspace struct {
	pb PackedMatrix
	ap [][]float32 // A-packing space, one per goroutine
}

// Gemm is GemmStrided on the workspace's buffers.
func (ws *GemmWorkspace) Gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, m, k, a, lda, beta, c, n, ldc)
	checkOperand("B", transB, k, n, b, ldb)
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
	w := Workers(m*n*k, 1<<18)
	if !transB && m <= inPlaceRows {
		ws.pb.view(k, n, b, ldb)
	} else {
		ws.pb.pack(transB, k, n, b, ldb, w)
	}
	ws.gemmPacked(transA, m, a, lda, &ws.pb, beta, c, ldc, w)
}

// GemmPacked computes C = op(A)·B + beta·C for a B packed by PackedMatrix.Pack, with A and
// C as in GemmStrided (m rows). It runs on the calling goroutine alone when serial is set
// (for callers that split the work themselves), else on all cores for large products.
func (ws *GemmWorkspace) GemmPacked(transA bool, m int, a []float32, lda int, pb *PackedMatrix, beta float32, c []float32, ldc int, serial bool) {
	checkGemm(transA, m, pb.k, a, lda, beta, c, pb.n, ldc)
	if m == 0 || pb.n == 0 || pb.k == 0 {
		if m > 0 && pb.n > 0 && beta == 0 {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+pb.n])
			}
		}
		return
	}
	w := 1
	if !serial {
		w = Workers(m*pb.n*pb.k, 1<<18)
	}
	ws.gemmPacked(transA, m, a, lda, pb, beta, c, ldc, w)
}

// checkGemm panics unless op(A) (m×k) and C (m×n) fit their slices and beta is 0 or 1:
// programmer errors, caught here so that the assembly never reads or writes past a slice.
func checkGemm(transA bool, m, k int, a []float32, lda int, beta float32, c []float32, n, ldc int) {
	if beta != 0 && beta != 1 {
		panic("models: Gemm: beta must be 0 or 1")
	}
	checkOperand("A", transA, m, k, a, lda)
	if m > 0 && n > 0 && (ldc < n || len(c) < (m-1)*ldc+n) {
		panic(fmt.Sprintf("models: Gemm: C of %d×%d with row stride %d does not fit %d values", m, n, ldc, len(c)))
	}
}

// checkOperand panics unless op(X), rows×cols (stored cols×rows when trans), fits x with
// row stride ld.
func checkOperand(name string, trans bool, rows, cols int, x []float32, ld int) {
	if trans {
		rows, cols = cols, rows
	}
	if rows > 0 && cols > 0 && (ld < cols || len(x) < (rows-1)*ld+cols) {
		panic(fmt.Sprintf("models: Gemm: %s of %d×%d with row stride %d does not fit %d values", name, rows, cols, ld, len(x)))
	}
}

// PackedMatrix is a k×n right-hand operand laid out for the micro-kernels, for
// GemmWorkspace.GemmPacked: kc-deep blocks of panels nr columns wide (a last panel of at
// most nr/2 columns is nr/2 wide, zero-padded like a partial one). Packed, block p (rows
// p·kc…, depth kb) holds the kb×width panel at column j from offset p·kc·np + j·kb, where
// np is n rounded up to whole panels. Read in place (src set), the full panels are src's
// own rows and d holds only the last partial panel, packed. The zero value is empty;
// Pack reuses its storage.
type PackedMatrix struct {
	k, n, np int
	d        []float32
	src      []float32 // B itself when it is read in place, with row stride ld
	ld       int
}

// Pack copies op(B) (k×n; stored n×k when trans) with row stride ldb into p, on all
// cores for a large matrix.
func (p *PackedMatrix) Pack(trans bool, k, n int, b []float32, ldb int) {
	checkOperand("B", trans, k, n, b, ldb)
	p.pack(trans, k, n, b, ldb, Workers(k*n, 1<<16))
}

// panels sets p's dimensions for a k×n operand.
func (p *PackedMatrix) panels(k, n int) {
	p.k, p.n, p.np = k, n, roundUp(n, nr)
	if r := n % nr; r > 0 && r <= nr/2 {
		p.np -= nr / 2
	}
}

// pack is Pack split over up to w goroutines by panels.
func (p *PackedMatrix) pack(trans bool, k, n int, b []float32, ldb int, w int) {
	p.panels(k, n)
	p.src = nil
	p.d = Buf(p.d, k*p.np)
	Parallel(p.np, nr, w, func(_, j0, j1 int) {
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			blk := p.d[pc*p.np : pc*p.np+kb*p.np]
			for j := j0; j < j1; j += nr {
				pw := min(nr, p.np-j)
				packPanelB(blk[j*kb:j*kb+kb*pw], pw, trans, kb, min(pw, n-j), b, ldb, pc, j)
			}
		}
	})
}

// view sets p to read the k×n matrix b (row stride ldb, not transposed) in place, packing
// only its last panel when that is partial.
func (p *PackedMatrix) view(k, n int, b []float32, ldb int) {
	p.panels(k, n)
	p.src, p.ld = b, ldb
	j := n &^ (nr - 1)
	if j == n {
		return
	}
	pw := p.np - j
	p.d = Buf(p.d, k*pw)
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		packPanelB(p.d[pc*pw:(pc+kb)*pw], pw, false, kb, n-j, b, ldb, pc, j)
	}
}

// panel returns the panel of block pc (depth kb) at column j, its row stride and width.
func (p *PackedMatrix) panel(pc, kb, j int) (b []float32, ldb, width int) {
	width = min(nr, p.np-j)
	if p.src == nil {
		off := pc*p.np + j*kb
		return p.d[off : off+kb*width], width, width
	}
	if j+nr <= p.n {
		return p.src[pc*p.ld+j:], p.ld, nr
	}
	return p.d[pc*width : (pc+kb)*width], width, width
}

// packPanelB writes the kb×pw panel of op(B) starting at row pc, column j0; columns past
// w are zero.
func packPanelB(dst []float32, pw int, trans bool, kb, w int, b []float32, ldb, pc, j0 int) {
	if !trans && w == nr {
		for p := 0; p < kb; p++ {
			*(*[nr]float32)(dst[p*nr:]) = *(*[nr]float32)(b[(pc+p)*ldb+j0:])
		}
		return
	}
	if !trans {
		for p := 0; p < kb; p++ {
			row := b[(pc+p)*ldb+j0:]
			d := dst[p*pw : p*pw+pw]
			copy(d, row[:w])
			clear(d[w:])
		}
		return
	}
	// Four source rows (columns of op(B)) at a time, so that each depth step writes four
	// adjacent values.
	c := 0
	for ; c+4 <= w; c += 4 {
		s0 := b[(j0+c)*ldb+pc:][:kb]
		s1 := b[(j0+c+1)*ldb+pc:][:kb]
		s2 := b[(j0+c+2)*ldb+pc:][:kb]
		s3 := b[(j0+c+3)*ldb+pc:][:kb]
		for p, v := range s0 {
			d := dst[p*pw+c:][:4:4]
			d[0], d[1], d[2], d[3] = v, s1[p], s2[p], s3[p]
		}
	}
	for ; c < w; c++ {
		src := b[(j0+c)*ldb+pc:][:kb]
		for p, v := range src {
			dst[p*pw+c] = v
		}
	}
	if w < pw {
		for p := 0; p < kb; p++ {
			clear(dst[p*pw+w : p*pw+pw])
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

// gemmPacked computes columns [j0, j1) of C = op(A)·B + beta·C for a prepared B (j0 a
// multiple of nr), with ap as scratch for packing A (grown as needed and returned). The
// kernels read A in place, transposed or not; only a last panel of fewer than mr rows is
// packed (zero-padded).
func gemmPacked(ap []float32, transA bool, m int, a []float32, lda int, pb *PackedMatrix, j0, j1 int, beta float32, c []float32, ldc int) []float32 {
	k := pb.k
	ap = Buf(ap, mr*min(kc, k))
	var tile [mr * nr]float32
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		acc := beta != 0 || pc > 0
		for ic := 0; ic < m; ic += mc {
			mb := min(mc, m-ic)
			for j := j0; j < j1; j += nr {
				bp, ldb, pw := pb.panel(pc, kb, j)
				w := min(pw, j1-j)
				for ir := 0; ir < mb; ir += mr {
					h := min(mr, mb-ir)
					ci := (ic+ir)*ldc + j
					full := h == mr && w == pw
					dst, dld, dacc := c[ci:], ldc, acc
					if !full {
						dst, dld, dacc = tile[:], nr, false
					}
					switch {
					case h < mr:
						packA(ap, transA, h, kb, a, lda, ic+ir, pc)
						kernel(kb, ap[:kb*mr], bp, ldb, pw, dst, dld, dacc)
					case transA:
						kernelT(kb, a[pc*lda+ic+ir:], lda, bp, ldb, pw, dst, dld, dacc)
					default:
						kernelDirect(kb, a[(ic+ir)*lda+pc:], lda, bp, ldb, pw, dst, dld, dacc)
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

// worker returns goroutine i's A-packing buffer slot.
func (ws *GemmWorkspace) worker(i int) *[]float32 {
	for len(ws.ap) <= i {
		ws.ap = append(ws.ap, nil)
	}
	return &ws.ap[i]
}

// gemmPacked is GemmPacked split over up to w goroutines: by rows of C, or by columns when
// C has few rows. Each element is computed the same way either way.
func (ws *GemmWorkspace) gemmPacked(transA bool, m int, a []float32, lda int, pb *PackedMatrix, beta float32, c []float32, ldc int, w int) {
	if w == 1 {
		ap := ws.worker(0)
		*ap = gemmPacked(*ap, transA, m, a, lda, pb, 0, pb.n, beta, c, ldc)
		return
	}
	ws.worker(w - 1)
	if m >= w*2*mr || m >= pb.n {
		Parallel(m, mr, w, func(i, lo, hi int) {
			ao := lo * lda
			if transA {
				ao = lo
			}
			ws.ap[i] = gemmPacked(ws.ap[i], transA, hi-lo, a[ao:], lda, pb, 0, pb.n, beta, c[lo*ldc:], ldc)
		})
		return
	}
	Parallel(pb.n, nr, w, func(i, lo, hi int) {
		ws.ap[i] = gemmPacked(ws.ap[i], transA, m, a, lda, pb, lo, hi, beta, c, ldc)
	})
}

// Workers returns how many goroutines a job of the given work (in multiply-adds or
// element operations) should use: one below grain, else every core.
func Workers(work, grain int) int {
	if work < grain {
		return 1
	}
	return max(1, runtime.GOMAXPROCS(0))
}

// Parallel splits [0, n) into at most w contiguous chunks whose boundaries are multiples
// of align, runs f(chunk index, lo, hi) on each (the first on the calling goroutine) and
// waits for all. The chunks depend only on n, align and w.
func Parallel(n, align, w int, f func(i, lo, hi int)) {
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
