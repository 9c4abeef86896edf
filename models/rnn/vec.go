package rnn

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
