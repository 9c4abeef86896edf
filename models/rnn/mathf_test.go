package rnn

import (
	"math"
	"testing"
)

func TestActivations(t *testing.T) {
	var worstExp, worstSig, worstTanh float64
	for x := -90.0; x <= 90; x += 0.001 {
		f := float32(x)
		if x > -87 && x < 88 {
			w := math.Exp(float64(f))
			worstExp = max(worstExp, math.Abs(float64(expf(f))-w)/w)
		}
		worstSig = max(worstSig, math.Abs(float64(sigmoid(f))-1/(1+math.Exp(-float64(f)))))
		worstTanh = max(worstTanh, math.Abs(float64(tanhf(f))-math.Tanh(float64(f))))
	}
	if worstExp > 3e-7 || worstSig > 2e-7 || worstTanh > 3e-7 {
		t.Errorf("worst errors: exp %.3g (relative), sigmoid %.3g, tanh %.3g (absolute)", worstExp, worstSig, worstTanh)
	}
	if expf(-1000) != 0 && expf(-1000) > 1e-37 || math.IsInf(float64(expf(1000)), 0) || math.IsNaN(float64(sigmoid(-1000))) {
		t.Errorf("saturation: expf(-1000) = %g, expf(1000) = %g, sigmoid(-1000) = %g", expf(-1000), expf(1000), sigmoid(-1000))
	}
}
