package image

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"

	"golang.org/x/image/draw"
)

// ToGray draws a picture tensor (rows·cols intensities in [0, 1], row-major) as a grey
// image, intensity v becoming grey level round(255·v): 0 is black, 1 white.
func ToGray(pix []float32, rows, cols int) *image.Gray {
	if len(pix) != rows*cols {
		panic(fmt.Sprintf("image: ToGray: %d values for %d×%d", len(pix), rows, cols))
	}
	img := image.NewGray(image.Rect(0, 0, cols, rows))
	for r := range rows {
		for c := range cols {
			img.Pix[r*img.Stride+c] = grayLevel(pix[r*cols+c])
		}
	}
	return img
}

func grayLevel(v float32) uint8 {
	if !(v > 0) { // also NaN
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(v*255 + 0.5)
}

// FromGray returns the luminance of every pixel of img as intensities in [0, 1],
// row-major, with the image's size. It neither inverts nor resizes (see FitDigit).
// Translucent pixels count as composited over black, the premultiplied colour Go's
// image types report.
func FromGray(img image.Image) (pix []float32, rows, cols int) {
	b := img.Bounds()
	rows, cols = b.Dy(), b.Dx()
	pix = make([]float32, rows*cols)
	if g, ok := img.(*image.Gray); ok {
		for r := range rows {
			for c := range cols {
				pix[r*cols+c] = float32(g.Pix[g.PixOffset(b.Min.X+c, b.Min.Y+r)]) / 255
			}
		}
		return pix, rows, cols
	}
	for r := range rows {
		for c := range cols {
			y := color.Gray16Model.Convert(img.At(b.Min.X+c, b.Min.Y+r)).(color.Gray16).Y
			pix[r*cols+c] = float32(y) / 0xffff
		}
	}
	return pix, rows, cols
}

// FitDigit prepares a picture of one handwritten digit for an MNIST model and returns
// rows·cols intensities (28×28 for MNIST). It follows MNIST's own preparation:
//
//   - Transparent pixels take the shade opposite to the mean of the opaque ones, so ink
//     drawn on a transparent canvas stays visible whatever its colour.
//   - A uniform frame whose shade differs from the picture inside it (the padding of a
//     cell cut from a grid) is removed first, so that it is taken for neither ink nor paper.
//   - If the outermost ring of pixels is mostly light (a dark digit on paper), the
//     picture is inverted to MNIST's white ink on black.
//   - The border's mean level becomes 0 and the brightest pixel 1, which removes the
//     grey of photographed paper.
//   - The ink's bounding box is scaled, keeping its aspect ratio, to fit a box of 20/28
//     of the output, and placed so that its centre of mass is the output's centre.
//
// A picture without ink gives all zeros.
func FitDigit(img image.Image, rows, cols int) []float32 {
	pix, h, w := stripFrame(digitIntensities(img))
	out := make([]float32, rows*cols)
	if h == 0 || w == 0 {
		return out
	}

	// Border level, and inversion when the border is light.
	var border float64
	var nb int
	for r := range h {
		for c := range w {
			if r == 0 || c == 0 || r == h-1 || c == w-1 {
				border += float64(pix[r*w+c])
				nb++
			}
		}
	}
	border /= float64(nb)
	if border > 0.5 {
		for i := range pix {
			pix[i] = 1 - pix[i]
		}
		border = 1 - border
	}
	var hi float32
	for _, v := range pix {
		hi = max(hi, v)
	}
	if float64(hi)-border < 1e-3 {
		return out
	}
	for i, v := range pix {
		pix[i] = min(1, max(0, (v-float32(border))/(hi-float32(border))))
	}

	// Bounding box of the ink.
	const inkLevel = 0.1
	r0, r1, c0, c1 := h, -1, w, -1
	for r := range h {
		for c := range w {
			if pix[r*w+c] > inkLevel {
				r0, r1, c0, c1 = min(r0, r), max(r1, r), min(c0, c), max(c1, c)
			}
		}
	}
	if r1 < 0 {
		return out
	}
	bh, bw := r1-r0+1, c1-c0+1

	// Scale the box to fit boxRows×boxCols, keeping the aspect ratio.
	boxRows, boxCols := max(1, rows*20/28), max(1, cols*20/28)
	scale := min(float64(boxRows)/float64(bh), float64(boxCols)/float64(bw))
	th, tw := max(1, int(math.Round(float64(bh)*scale))), max(1, int(math.Round(float64(bw)*scale)))
	src := image.NewGray16(image.Rect(0, 0, bw, bh))
	for r := range bh {
		for c := range bw {
			v := uint16(pix[(r0+r)*w+c0+c]*0xffff + 0.5)
			src.Pix[r*src.Stride+2*c], src.Pix[r*src.Stride+2*c+1] = uint8(v>>8), uint8(v)
		}
	}
	dst := image.NewGray16(image.Rect(0, 0, tw, th))
	// BiLinear widens its kernel when shrinking, so it averages like a box filter.
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)

	// Centre of mass to the centre.
	var m, my, mx float64
	patch := make([]float32, th*tw)
	for r := range th {
		for c := range tw {
			v := float64(dst.Gray16At(c, r).Y) / 0xffff
			patch[r*tw+c] = float32(v)
			m += v
			my += v * (float64(r) + 0.5)
			mx += v * (float64(c) + 0.5)
		}
	}
	oy := int(math.Round(float64(rows)/2 - my/m))
	ox := int(math.Round(float64(cols)/2 - mx/m))
	// Keep the patch inside the frame when the centre of mass is far off-centre.
	oy = min(max(oy, 0), rows-th)
	ox = min(max(ox, 0), cols-tw)
	for r := range th {
		for c := range tw {
			out[(oy+r)*cols+ox+c] = patch[r*tw+c]
		}
	}
	return out
}

// stripFrame removes up to a quarter of the picture's size of uniform outer rings of one
// shade, when the median of what they enclose differs from that shade by more than a
// quarter of the range: a frame, not paper.
func stripFrame(pix []float32, h, w int) ([]float32, int, int) {
	if h == 0 || w == 0 {
		return pix, h, w
	}
	v := pix[0]
	same := func(x float32) bool { return math.Abs(float64(x-v)) <= 2.0/255 }
	uniform := func(k int) bool {
		for c := k; c < w-k; c++ {
			if !same(pix[k*w+c]) || !same(pix[(h-1-k)*w+c]) {
				return false
			}
		}
		for r := k; r < h-k; r++ {
			if !same(pix[r*w+k]) || !same(pix[r*w+w-1-k]) {
				return false
			}
		}
		return true
	}
	k := 0
	for k < min(h, w)/4 && uniform(k) {
		k++
	}
	if k == 0 {
		return pix, h, w
	}
	ih, iw := h-2*k, w-2*k
	inner := make([]float32, 0, ih*iw)
	for r := k; r < h-k; r++ {
		inner = append(inner, pix[r*w+k:r*w+w-k]...)
	}
	sorted := slices.Clone(inner)
	slices.Sort(sorted)
	if math.Abs(float64(sorted[len(sorted)/2]-v)) <= 0.25 {
		return pix, h, w
	}
	return inner, ih, iw
}

// digitIntensities returns luminance with transparent pixels composited over the shade
// opposite to the opaque pixels' mean.
func digitIntensities(img image.Image) (pix []float32, rows, cols int) {
	b := img.Bounds()
	rows, cols = b.Dy(), b.Dx()
	lum := make([]float32, rows*cols) // premultiplied, i.e. over black
	alpha := make([]float32, rows*cols)
	var opaqueSum float64
	var opaqueN int
	translucent := false
	for r := range rows {
		for c := range cols {
			cr, cg, cb, ca := img.At(b.Min.X+c, b.Min.Y+r).RGBA()
			y := (19595*cr + 38470*cg + 7471*cb + 1<<15) >> 16 // as color.GrayModel
			i := r*cols + c
			lum[i], alpha[i] = float32(y)/0xffff, float32(ca)/0xffff
			if ca > 0xffff/2 {
				opaqueSum += float64(y) / float64(ca)
				opaqueN++
			}
			translucent = translucent || ca < 0xffff
		}
	}
	if translucent && opaqueN > 0 && opaqueSum/float64(opaqueN) < 0.5 {
		for i := range lum {
			lum[i] += 1 - alpha[i]
		}
	}
	return lum, rows, cols
}

// Upscale enlarges img k times in each direction, each pixel becoming a k×k block, so
// that 28×28 digits are visible on a screen.
func Upscale(img *image.Gray, k int) *image.Gray {
	if k < 1 {
		panic(fmt.Sprintf("image: Upscale by %d", k))
	}
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			out.Pix[y*out.Stride+x] = img.GrayAt(b.Min.X+x/k, b.Min.Y+y/k).Y
		}
	}
	return out
}

// Bilinear resizes a rows×cols picture to toRows×toCols by bilinear interpolation, sampling
// at pixel centres (PyTorch's interpolate with align_corners=False): the baseline a
// super-resolution model must beat.
func Bilinear(pix []float32, rows, cols, toRows, toCols int) []float32 {
	if len(pix) != rows*cols || rows < 1 || cols < 1 || toRows < 1 || toCols < 1 {
		panic(fmt.Sprintf("image: Bilinear of %d values as %d×%d to %d×%d", len(pix), rows, cols, toRows, toCols))
	}
	out := make([]float32, toRows*toCols)
	sy, sx := float64(rows)/float64(toRows), float64(cols)/float64(toCols)
	for y := range toRows {
		fy := max((float64(y)+0.5)*sy-0.5, 0)
		y0 := min(int(fy), rows-1)
		y1 := min(y0+1, rows-1)
		wy := fy - float64(y0)
		for x := range toCols {
			fx := max((float64(x)+0.5)*sx-0.5, 0)
			x0 := min(int(fx), cols-1)
			x1 := min(x0+1, cols-1)
			wx := fx - float64(x0)
			top := (1-wx)*float64(pix[y0*cols+x0]) + wx*float64(pix[y0*cols+x1])
			bot := (1-wx)*float64(pix[y1*cols+x0]) + wx*float64(pix[y1*cols+x1])
			out[y*toCols+x] = float32((1-wy)*top + wy*bot)
		}
	}
	return out
}
