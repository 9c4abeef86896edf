package conv

import (
	"math"

	"musae/models"
)

// A float64 re-implementation of ConvVAE's loss, written for clarity, not speed: the
// reference for the finite-difference check of the whole model, where float32 rounding in
// the model itself would drown the small steps that keep clear of ReLU and max-pool kinks.

func f64(p *models.Param) []float64 {
	d := p.Data()
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

// refConv is a 3×3 convolution with padding 1 of x [n, in, h, w].
func refConv(x []float64, n, in, h, w int, c *Conv2D) []float64 {
	wd, bd := f64(c.W), f64(c.B)
	out := c.Out
	y := make([]float64, n*out*h*w)
	for i := 0; i < n; i++ {
		for co := 0; co < out; co++ {
			yp := y[(i*out+co)*h*w:][:h*w]
			for j := range yp {
				yp[j] = bd[co]
			}
			for ci := 0; ci < in; ci++ {
				xp := x[(i*in+ci)*h*w:][:h*w]
				for ky := 0; ky < 3; ky++ {
					for kx := 0; kx < 3; kx++ {
						wv := wd[((co*in+ci)*3+ky)*3+kx]
						for yo := 0; yo < h; yo++ {
							yy := yo + ky - 1
							if yy < 0 || yy >= h {
								continue
							}
							for xo := max(0, 1-kx); xo < min(w, w+1-kx); xo++ {
								yp[yo*w+xo] += wv * xp[yy*w+xo+kx-1]
							}
						}
					}
				}
			}
		}
	}
	return y
}

func refDense(x []float64, n int, d *models.Dense) []float64 {
	wd, bd := f64(d.W), f64(d.B)
	y := make([]float64, n*d.Out)
	for i := 0; i < n; i++ {
		for o := 0; o < d.Out; o++ {
			s := bd[o]
			for k := 0; k < d.In; k++ {
				s += wd[o*d.In+k] * x[i*d.In+k]
			}
			y[i*d.Out+o] = s
		}
	}
	return y
}

func refReLU(x []float64) []float64 {
	for i, v := range x {
		x[i] = math.Max(v, 0)
	}
	return x
}

func refPool(x []float64, planes, h, w int) []float64 {
	y := make([]float64, planes*h*w/4)
	for p := 0; p < planes; p++ {
		for i := 0; i < h/2; i++ {
			for j := 0; j < w/2; j++ {
				b := p*h*w + 2*i*w + 2*j
				y[(p*h/2+i)*w/2+j] = math.Max(math.Max(x[b], x[b+1]), math.Max(x[b+w], x[b+w+1]))
			}
		}
	}
	return y
}

func refUp(x []float64, planes, h, w int) []float64 {
	y := make([]float64, planes*h*w*4)
	for p := 0; p < planes; p++ {
		for i := 0; i < 2*h; i++ {
			for j := 0; j < 2*w; j++ {
				y[(p*2*h+i)*2*w+j] = x[(p*h+i/2)*w+j/2]
			}
		}
	}
	return y
}

// refLoss returns VAE.Step's loss with z = mu and no free nats: the batch mean of the
// Bernoulli NLL plus beta·KL.
func refLoss(m *Model, b *models.Batch, beta float64) float64 {
	n := b.N
	x := make([]float64, n*pixels)
	for i := range x {
		x[i] = float64(b.X[i])
	}
	e, d := m.Enc, m.Dec
	h := refReLU(refPool(refConv(x, n, 1, side, side, e.C1), n*c1Out, side, side))
	h = refReLU(refPool(refConv(h, n, c1Out, side/2, side/2, e.C2), n*c2Out, side/2, side/2))
	mu, lv := refDense(h, n, e.Mu), refDense(h, n, e.LV)
	g := refUp(refReLU(refDense(mu, n, d.D1)), n*c2Out, side/4, side/4)
	g = refUp(refReLU(refConv(g, n, c2Out, side/2, side/2, d.C3)), n*c1Out, side/2, side/2)
	logits := refConv(g, n, c1Out, side, side, d.C4)
	var loss float64
	for i, l := range logits {
		loss += math.Max(l, 0) + math.Log1p(math.Exp(-math.Abs(l))) - x[i]*l
	}
	for j := range mu {
		loss += beta * -0.5 * (1 + lv[j] - mu[j]*mu[j] - math.Exp(lv[j]))
	}
	return loss / float64(n)
}
