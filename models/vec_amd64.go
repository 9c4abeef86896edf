//go:build amd64 && !purego

package models

//go:noescape
func adamStepAVX512(w, grad, m, v *float32, n int, c *adamConsts)

//go:noescape
func adamStepAVX2(w, grad, m, v *float32, n int, c *adamConsts)

//go:noescape
func sumSquaresAVX512(x *float32, n int, lanes *[32]float64)

//go:noescape
func sumSquaresAVX2(x *float32, n int, lanes *[32]float64)

//go:noescape
func addAVX512(dst, a, b *float32, n int)

//go:noescape
func addAVX2(dst, a, b *float32, n int)

// addVec adds as many leading values of a and b into dst as the kernels take (a multiple
// of four vectors) and returns how many.
func addVec(dst, a, b []float32) int {
	var body int
	switch {
	case useAVX512:
		if body = len(dst) &^ 63; body > 0 {
			addAVX512(&dst[0], &a[0], &b[0], body)
		}
	case useAVX2:
		if body = len(dst) &^ 31; body > 0 {
			addAVX2(&dst[0], &a[0], &b[0], body)
		}
	}
	return body
}

// adamStep is adamStepGo, vectorised: the kernels take whole vectors, Go the rest.
func adamStep(w, g, m, v []float32, c *adamConsts) {
	n := len(w)
	_, _, _ = g[n-1], m[n-1], v[n-1]
	var body int
	switch {
	case useAVX512:
		if body = n &^ 15; body > 0 {
			adamStepAVX512(&w[0], &g[0], &m[0], &v[0], body, c)
		}
	case useAVX2:
		if body = n &^ 7; body > 0 {
			adamStepAVX2(&w[0], &g[0], &m[0], &v[0], body, c)
		}
	}
	adamStepGo(w[body:], g[body:], m[body:], v[body:], c)
}

// sumSquaresLanes adds the squares of x (a multiple of 32 values) into lanes as
// sumSquaresGo does.
func sumSquaresLanes(x []float32, lanes *[32]float64) {
	if len(x) == 0 {
		return
	}
	switch {
	case useAVX512:
		sumSquaresAVX512(&x[0], len(x), lanes)
	case useAVX2:
		sumSquaresAVX2(&x[0], len(x), lanes)
	default:
		sumSquaresGo(x, lanes)
	}
}

//go:noescape
func bernoulliAVX512(l, t, dl *float32, n int, lanes *[16]float64, grad int)

//go:noescape
func bernoulliAVX2(l, t, dl *float32, n int, lanes *[16]float64, grad int)

// bernoulliVec adds the Bernoulli terms of as many leading values of ls as the kernels
// take (whole vectors) into lanes, writes their gradients into dl when it is not nil, and
// returns how many values it did.
func bernoulliVec(ls, ts, dl []float32, lanes *[16]float64) int {
	width := 0
	switch {
	case useAVX512:
		width = 16
	case useAVX2:
		width = 8
	}
	body := 0
	if width > 0 {
		body = len(ls) / width * width
	}
	if body == 0 {
		return 0
	}
	_ = ts[body-1]
	grad, dp := 0, (*float32)(nil)
	if dl != nil {
		_ = dl[body-1]
		grad, dp = 1, &dl[0]
	}
	if useAVX512 {
		bernoulliAVX512(&ls[0], &ts[0], dp, body, lanes, grad)
	} else {
		bernoulliAVX2(&ls[0], &ts[0], dp, body, lanes, grad)
	}
	return body
}
