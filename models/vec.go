package models

// Add sets dst = a + b element by element; the three have the same length, and dst may be
// a or b (but not overlap them otherwise). Long slices run in vector kernels.
func Add(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	body := addVec(dst, a, b)
	for i := body; i < n; i++ {
		dst[i] = a[i] + b[i]
	}
}

// AddTo adds src into dst (equal lengths).
func AddTo(dst, src []float32) { Add(dst, dst, src) }
