package models

// kernelGo is the portable micro-kernel: C[0:mr, 0:width] (row stride ldc) = or += the
// product of an mr×k packed A panel and a k×width B panel whose depth steps lie ldb apart.
func kernelGo(k int, a, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	// A packed panel is a transposed A whose steps lie mr apart.
	kernelTGo(k, a, mr, b, ldb, width, c, ldc, acc)
}

// kernelDirectGo is kernelGo for an unpacked A: mr rows of k values, lda apart.
func kernelDirectGo(k int, a []float32, lda int, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	var t [mr * nr]float32
	for r := 0; r < mr; r++ {
		ar := a[r*lda : r*lda+k]
		tr := t[r*nr : r*nr+width]
		for p, av := range ar {
			br := b[p*ldb : p*ldb+width]
			for j, bv := range br {
				tr[j] += av * bv
			}
		}
	}
	storeTile(&t, width, c, ldc, acc)
}

// kernelTGo is kernelGo for an unpacked transposed A: step p's mr values are a[p·lda:][:mr].
func kernelTGo(k int, a []float32, lda int, b []float32, ldb, width int, c []float32, ldc int, acc bool) {
	var t [mr * nr]float32
	for p := 0; p < k; p++ {
		ar := a[p*lda : p*lda+mr]
		br := b[p*ldb : p*ldb+width]
		for r, av := range ar {
			tr := t[r*nr : r*nr+width]
			for j, bv := range br {
				tr[j] += av * bv
			}
		}
	}
	storeTile(&t, width, c, ldc, acc)
}

// storeTile writes or (acc) adds the first width columns of t's mr rows into C.
func storeTile(t *[mr * nr]float32, width int, c []float32, ldc int, acc bool) {
	for r := 0; r < mr; r++ {
		row := c[r*ldc : r*ldc+width]
		tr := t[r*nr : r*nr+width]
		if acc {
			for j, v := range tr {
				row[j] += v
			}
		} else {
			copy(row, tr)
		}
	}
}
