package rnn

import "github.com/viterin/vek/vek32"

// addTo adds src into dst (equal lengths), vectorised by vek for long rows.
func addTo(dst, src []float32) {
	if len(dst) >= 16 {
		vek32.Add_Inplace(dst, src)
		return
	}
	for i, v := range src {
		dst[i] += v
	}
}

// setOrClear copies src into dst, or zeroes dst when src is nil.
func setOrClear(dst, src []float32) {
	if src == nil {
		clear(dst)
		return
	}
	copy(dst, src[:len(dst)])
}

func anyNonZero(x []float32) bool {
	for _, v := range x {
		if v != 0 {
			return true
		}
	}
	return false
}
