package rnn

// kernelGo is the portable micro-kernel: C[0:mr, 0:nr] (row stride ldc) = or += the
// product of an mr×k packed A panel and a k×nr packed B panel.
func kernelGo(k int, a, b, c []float32, ldc int, acc bool) {
	var t [mr * nr]float32
	for p := 0; p < k; p++ {
		ar := a[p*mr : p*mr+mr]
		br := b[p*nr : p*nr+nr]
		for r, av := range ar {
			tr := t[r*nr : r*nr+nr]
			for j, bv := range br {
				tr[j] += av * bv
			}
		}
	}
	for r := 0; r < mr; r++ {
		row := c[r*ldc : r*ldc+nr]
		tr := t[r*nr : r*nr+nr]
		if acc {
			for j, v := range tr {
				row[j] += v
			}
		} else {
			copy(row, tr)
		}
	}
}

// kernelDirectGo is kernelGo for an unpacked A: mr rows of k values, lda apart.
func kernelDirectGo(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	var t [mr * nr]float32
	for r := 0; r < mr; r++ {
		ar := a[r*lda : r*lda+k]
		tr := t[r*nr : r*nr+nr]
		for p, av := range ar {
			br := b[p*nr : p*nr+nr]
			for j, bv := range br {
				tr[j] += av * bv
			}
		}
	}
	for r := 0; r < mr; r++ {
		row := c[r*ldc : r*ldc+nr]
		tr := t[r*nr : r*nr+nr]
		if acc {
			for j, v := range tr {
				row[j] += v
			}
		} else {
			copy(row, tr)
		}
	}
}

// kernelTGo is kernelGo for an unpacked transposed A: step p's mr values are a[p·lda:][:mr].
func kernelTGo(k int, a []float32, lda int, b, c []float32, ldc int, acc bool) {
	var t [mr * nr]float32
	for p := 0; p < k; p++ {
		ar := a[p*lda : p*lda+mr]
		br := b[p*nr : p*nr+nr]
		for r, av := range ar {
			tr := t[r*nr : r*nr+nr]
			for j, bv := range br {
				tr[j] += av * bv
			}
		}
	}
	for r := 0; r < mr; r++ {
		row := c[r*ldc : r*ldc+nr]
		tr := t[r*nr : r*nr+nr]
		if acc {
			for j, v := range tr {
				row[j] += v
			}
		} else {
			copy(row, tr)
		}
	}
}
