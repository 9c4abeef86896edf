package image

import (
	"fmt"
	"image"
	"math"
)

// PadLevel is the grey level of the padding lines of grids and strips.
const PadLevel = 128

// Grid tiles pictures (each cellRows·cellCols intensities, see ToGray) row-major into
// rows×cols cells, with pad pixels of PadLevel grey between cells and around the edge.
// Missing pictures (imgs shorter than rows·cols, or nil entries) leave black cells.
// The result is cols·cellCols + (cols+1)·pad pixels wide and rows·cellRows +
// (rows+1)·pad high.
func Grid(imgs [][]float32, rows, cols int, cellRows, cellCols int, pad int) *image.Gray {
	if rows < 0 || cols < 0 || cellRows < 0 || cellCols < 0 || pad < 0 || len(imgs) > rows*cols {
		panic(fmt.Sprintf("image: Grid of %d pictures in %d×%d cells of %d×%d, pad %d", len(imgs), rows, cols, cellRows, cellCols, pad))
	}
	w := cols*cellCols + (cols+1)*pad
	h := rows*cellRows + (rows+1)*pad
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = PadLevel
	}
	for i := range rows * cols {
		y0 := pad + (i/cols)*(cellRows+pad)
		x0 := pad + (i%cols)*(cellCols+pad)
		var p []float32
		if i < len(imgs) {
			p = imgs[i]
		}
		if p != nil && len(p) != cellRows*cellCols {
			panic(fmt.Sprintf("image: Grid: picture %d has %d values, want %d×%d", i, len(p), cellRows, cellCols))
		}
		for r := range cellRows {
			row := img.Pix[(y0+r)*img.Stride+x0 : (y0+r)*img.Stride+x0+cellCols]
			if p == nil {
				clear(row)
				continue
			}
			for c := range row {
				row[c] = grayLevel(p[r*cellCols+c])
			}
		}
	}
	return img
}

// Strip is a Grid of one row: pictures left to right, as for an interpolation.
func Strip(imgs [][]float32, cellRows, cellCols int, pad int) *image.Gray {
	return Grid(imgs, 1, len(imgs), cellRows, cellCols, pad)
}

// ManifoldZ returns the n·n latent points of an n×n manifold picture, row-major from
// the top-left cell: z[0] grows left to right and z[1] falls top to bottom, both over
// the standard normal's quantiles of linspace(0.05, 0.95, n).
func ManifoldZ(n int) [][]float32 {
	q := make([]float32, n)
	for i := range q {
		p := 0.5
		if n > 1 {
			p = 0.05 + 0.9*float64(i)/float64(n-1)
		}
		q[i] = float32(NormalQuantile(p))
	}
	z := make([][]float32, 0, n*n)
	for r := range n {
		for c := range n {
			z = append(z, []float32{q[c], q[n-1-r]})
		}
	}
	return z
}

// NormalQuantile is the standard normal's inverse cumulative distribution function.
func NormalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// Manifold draws what a decoder with a 2-D latent space makes of the plane: an n×n
// grid, without padding, of decode(ManifoldZ(n)). decode is called once, with all n·n
// points, and must return one picture of cellRows·cellCols intensities per point
// (Bernoulli means, not logits).
func Manifold(decode func(z [][]float32) [][]float32, n int, cellRows, cellCols int) *image.Gray {
	z := ManifoldZ(n)
	imgs := decode(z)
	if len(imgs) != len(z) {
		panic(fmt.Sprintf("image: Manifold: decode returned %d pictures for %d points", len(imgs), len(z)))
	}
	return Grid(imgs, n, n, cellRows, cellCols, 0)
}
