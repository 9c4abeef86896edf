package conv

// The compute kernels every convolution here is built from. They read the padded flat
// layout (see geom): a tap of the kernel is a constant offset into a channel's plane, so
// none needs an im2col matrix.
//
// tileConv is the product kernel of the forward pass (and of the input gradient, which is a
// forward pass of the transposed convolution): an mr×nr tile of outputs, mr channels by nr
// consecutive flat positions, as a sum over input channels and taps of a broadcast weight
// times a vector of nr inputs. tileConv1 is the same for a single output channel (mnist's
// last layer), which would leave seven of tileConv's eight rows idle.
//
// tileDot is the kernel of the weight gradient: an ar×br tile of dot products between ar
// rows and br rows over k positions, kept as 16-lane partial sums so that long dot products
// can be split into chunks without reducing after each one.
//
// Pooling and upsampling have row kernels too (poolFwdRow, poolBackRow, upFwdRow,
// upBwdRow; planes.go): memory-bound, but the scalar versions spend a dozen instructions
// per value ordering NaNs in max and selecting without branches.
// isa names a set of kernels: the portable Go ones, or assembly for an instruction set.
// The assembly sets compute the same values as the Go ones (tests check each against
// them), in the same tile shapes, so the code around the kernels never knows which runs.
type isa int

const (
	isaGo     isa = iota
	isaAVX2       // AVX2 and FMA: x86-64-v3, as on Intel's desktop chips and AMD's before Zen 4
	isaAVX512     // AVX-512 F and DQ, with BMI2: x86-64-v4
)

func (k isa) String() string { return [...]string{"go", "avx2", "avx512"}[k] }

// bestISA returns the fastest kernel set that the CPU supports.
func bestISA() isa {
	for _, k := range []isa{isaAVX512, isaAVX2} {
		if supported(k) {
			return k
		}
	}
	return isaGo
}

const (
	mr    = 8  // output channels per tileConv tile
	nr    = 48 // flat positions per tileConv tile (three 16-lane vectors)
	ar    = 4  // a rows per tileDot tile
	br    = 6  // b rows per tileDot tile
	lanes = 16

	nr1 = 3 * nr // flat positions per tileConv1 tile
)

// tileConvGo is the portable tileConv:
//
//	c[i*ldc+j] = Σ_{ci<nci} Σ_{t<len(offs)} w[(ci*len(offs)+t)*mr+i] · b[ci*ldb+offs[t]+j]
//
// for i < mr, j < nr.
func tileConvGo(w, b []float32, offs []int, nci, ldb int, c []float32, ldc int) {
	var acc [mr][nr]float32
	for ci := 0; ci < nci; ci++ {
		plane := b[ci*ldb:]
		for t, off := range offs {
			ws := w[(ci*len(offs)+t)*mr:][:mr]
			bs := plane[off:][:nr]
			for i, wv := range ws {
				row := &acc[i]
				for j, bv := range bs {
					row[j] += wv * bv
				}
			}
		}
	}
	for i := range acc {
		copy(c[i*ldc:][:nr], acc[i][:])
	}
}

// tileConv1Go is the portable tileConv1, tileConv for one output channel and nr1 positions:
//
//	c[j] = Σ_{ci<nci} Σ_{t<len(offs)} w[ci*len(offs)+t] · b[ci*ldb+offs[t]+j]
func tileConv1Go(w, b []float32, offs []int, nci, ldb int, c []float32) {
	var acc [nr1]float32
	for ci := 0; ci < nci; ci++ {
		for t, off := range offs {
			wv := w[ci*len(offs)+t]
			for j, bv := range b[ci*ldb+off:][:nr1] {
				acc[j] += wv * bv
			}
		}
	}
	copy(c[:nr1], acc[:])
}

// tileDotGo is the portable tileDot: for i < ar, j < br and lane l < 16,
//
//	acc[(i*br+j)*16+l] += Σ_{s<steps} a[i][s*16+l] · b[j][s*16+l]
//
// where a[i] and b[j] are the slices starting at the given offsets into abuf and bbuf.
func tileDotGo(steps int, abuf []float32, aoff *[ar]int, bbuf []float32, boff *[br]int, acc []float32) {
	n := steps * lanes
	for i := 0; i < ar; i++ {
		a := abuf[aoff[i]:][:n]
		for j := 0; j < br; j++ {
			b := bbuf[boff[j]:][:n]
			s := acc[(i*br+j)*lanes:][:lanes]
			for k := 0; k < n; k += lanes {
				for l := 0; l < lanes; l++ {
					s[l] += a[k+l] * b[k+l]
				}
			}
		}
	}
}
