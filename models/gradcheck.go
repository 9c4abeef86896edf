package models

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GradCheck compares the gradients that backward accumulates into params with central
// finite differences of loss, at up to samples positions per parameter chosen by rng. loss
// must be a deterministic function of the parameters; backward must zero nothing and add
// d loss/d param into Grad (GradCheck zeroes the gradients first). It returns an error
// naming the worst position when an analytic and a numeric gradient disagree by more than
// tol, relative to max(|analytic|, |numeric|, 1e-2). In float32 arithmetic eps = 1e-2 and
// tol = 2e-2 suit layers whose outputs are of order one.
func GradCheck(params []*Param, loss func() float64, backward func(), samples int, eps, tol float64, rng *rand.Rand) error {
	ZeroGrads(params)
	backward()
	worst, where := 0.0, ""
	for _, p := range params {
		d := p.Data()
		for s := 0; s < min(samples, len(d)); s++ {
			i := s
			if len(d) > samples {
				i = rng.IntN(len(d))
			}
			orig := d[i]
			d[i] = orig + float32(eps)
			lp := loss()
			d[i] = orig - float32(eps)
			lm := loss()
			d[i] = orig
			num := (lp - lm) / (2 * eps)
			ana := float64(p.Grad[i])
			e := math.Abs(num-ana) / math.Max(math.Max(math.Abs(num), math.Abs(ana)), 1e-2)
			if e > worst {
				worst, where = e, fmt.Sprintf("%s[%d]: analytic %.6g, numeric %.6g", p.Name, i, ana, num)
			}
		}
	}
	if worst > tol {
		return fmt.Errorf("models: gradient check: relative error %.3g at %s", worst, where)
	}
	return nil
}
