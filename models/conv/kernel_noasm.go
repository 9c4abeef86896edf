//go:build !amd64 || purego

package conv

func tileConv(w, b []float32, offs []int, nci, ldb int, c []float32, ldc int) {
	tileConvGo(w, b, offs, nci, ldb, c, ldc)
}

func tileDot(steps int, abuf []float32, aoff *[ar]int, bbuf []float32, boff *[br]int, acc []float32) {
	tileDotGo(steps, abuf, aoff, bbuf, boff, acc)
}

func poolBackRow(r0, r1, d0, d1, g []float32, b float32, relu bool) float32 {
	return poolBackRowGo(r0, r1, d0, d1, g, b, relu)
}

func poolFwdRow(r0, r1, out []float32, b float32, relu bool) { poolFwdRowGo(r0, r1, out, b, relu) }

func upFwdRow(src, d0, d1 []float32, b float32, relu bool) { upFwdRowGo(src, d0, d1, b, relu) }

func upBwdRow(g0, g1, src, dx []float32, b float32, relu bool) float32 {
	return upBwdRowGo(g0, g1, src, dx, b, relu)
}

func tileConv1(w, b []float32, offs []int, nci, ldb int, c []float32) {
	tileConv1Go(w, b, offs, nci, ldb, c)
}

// supported reports whether a kernel set can run: only the Go one, here.
func supported(k isa) bool { return k == isaGo }

// kernels is the kernel set in use; only the Go one exists in this build, and tests that
// ask for another skip (see withKernels in kernel_test.go).
var kernels = bestISA()
