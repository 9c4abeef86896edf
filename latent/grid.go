package latent

import "fmt"

// Grid fills a rows×cols grid between four corners, given in the order top-left,
// top-right, bottom-left, bottom-right, and returns its rows·cols points row-major from
// the top-left (point r·cols + c is row r, column c), the layout image.Grid draws.
//
// With v = r/(rows−1) and u = c/(cols−1), Grid first interpolates down the two side
// edges, left = f(TL, BL, v) and right = f(TR, BR, v), then across each row,
// point(r, c) = f(left, right, u), where f is Lerp or Slerp as mode ("slerp", the
// default also for "", or "lerp") says. With "lerp" this is bilinear interpolation, as
// magenta.js's MusicVAE computes its 4-corner grids (up to float32 rounding of the edge
// points). With "slerp" each of the four edges is the slerp between its two corners and
// each row is the slerp between its two edge points, so equal-norm corners give a grid
// that keeps roughly their norm throughout; the inside depends on going down the sides
// first, as slerp, unlike lerp, does not give the same points row-first and column-first.
// The four corners are exact.
//
// Grid returns an error for fewer than 2 rows or columns, corners of different sizes, or
// an unknown mode.
func Grid(corners [4][]float32, rows, cols int, mode string) ([][]float32, error) {
	if rows < 2 || cols < 2 {
		return nil, fmt.Errorf("latent: grid: %d×%d; at least 2×2 (the corners)", rows, cols)
	}
	f, err := interpolator(mode)
	if err != nil {
		return nil, fmt.Errorf("latent: grid: %w", err)
	}
	for i, c := range corners[1:] {
		if len(c) != len(corners[0]) {
			return nil, fmt.Errorf("latent: grid: corner %d has size %d, corner 0 has %d", i+1, len(c), len(corners[0]))
		}
	}
	tl, tr, bl, br := corners[0], corners[1], corners[2], corners[3]
	zs := make([][]float32, 0, rows*cols)
	for r := range rows {
		v := float64(r) / float64(rows-1)
		left, right := f(tl, bl, v), f(tr, br, v)
		for c := range cols {
			zs = append(zs, f(left, right, float64(c)/float64(cols-1)))
		}
	}
	return zs, nil
}
