package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// LessonNoise is the standard deviation of the Gaussian noise the autoencoder lesson adds to
// the digits a denoising autoencoder learns to clean (Keras's noise_factor).
const LessonNoise = 0.5

// AddNoise sets dst to src plus sigma·N(0, 1) noise drawn from rng in index order, clipped to
// [0, 1]. dst may be src.
func AddNoise(dst, src []float32, sigma float64, rng *rand.Rand) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("datasets: AddNoise: len(dst) = %d, len(src) = %d", len(dst), len(src)))
	}
	for i, v := range src {
		dst[i] = float32(min(max(float64(v)+sigma*rng.NormFloat64(), 0), 1))
	}
}

// Downsample returns the rows×cols picture src made f times smaller each way, each pixel the
// mean of an f×f block (rows and cols must be multiples of f).
func Downsample(src []float32, rows, cols, f int) []float32 {
	if f < 1 || rows%f != 0 || cols%f != 0 || len(src) != rows*cols {
		panic(fmt.Sprintf("datasets: Downsample %d values as %d×%d by %d", len(src), rows, cols, f))
	}
	r, c := rows/f, cols/f
	out := make([]float32, r*c)
	inv := 1 / float64(f*f)
	for y := range r {
		for x := range c {
			var s float64
			for dy := range f {
				for dx := range f {
					s += float64(src[(y*f+dy)*cols+x*f+dx])
				}
			}
			out[y*c+x] = float32(s * inv)
		}
	}
	return out
}

// PSNR returns the peak signal-to-noise ratio of got against want, intensities in [0, 1],
// in decibels: 10·log10(1/MSE); +Inf when they are equal.
func PSNR(got, want []float32) float64 {
	var s float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		s += d * d
	}
	return 10 * math.Log10(float64(len(want))/s)
}

// CrossEntropy returns the binary cross-entropy in nats, summed over the pixels, of the
// pixel probabilities p against the grey levels t: −Σ t·log p + (1−t)·log(1−p), with p kept
// within [1e-6, 1 − 1e-6] so that a baseline's exact 0 or 1 costs a finite amount.
func CrossEntropy(p, t []float32) float64 {
	var s float64
	for i := range t {
		q := min(max(float64(p[i]), 1e-6), 1-1e-6)
		s -= float64(t[i])*math.Log(q) + (1-float64(t[i]))*math.Log(1-q)
	}
	return s
}

// Pairs serves the autoencoder lesson's (input, target) pairs from images: each target is
// the image's grey levels; its input is the image with Noise·N(0, 1) added and clipped (when
// Noise > 0), made Shrink times smaller by Downsample (when Shrink > 1).
type Pairs struct {
	Images *Images
	Noise  float64
	Shrink int
}

// Len returns the number of images.
func (p Pairs) Len() int { return p.Images.N }

// InSize returns the number of pixels of an input.
func (p Pairs) InSize() int {
	s := max(p.Shrink, 1)
	return p.Images.Rows / s * (p.Images.Cols / s)
}

// Fill writes the inputs and targets of the images at idx, drawing the noise from rng.
func (p Pairs) Fill(in, target []float32, idx []int, rng *rand.Rand) {
	px, n := p.Images.Rows*p.Images.Cols, p.InSize()
	for i, k := range idx {
		t := target[i*px : (i+1)*px]
		copy(t, p.Images.Image(k))
		x := t
		if p.Noise > 0 {
			x = make([]float32, px)
			AddNoise(x, t, p.Noise, rng)
		}
		if p.Shrink > 1 {
			x = Downsample(x, p.Images.Rows, p.Images.Cols, p.Shrink)
		}
		copy(in[i*n:(i+1)*n], x)
	}
}
