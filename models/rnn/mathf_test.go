package rnn

import (
	"math"
	"testing"
)

func TestActivations(t *testing.T) {
	var worstSig, worstTanh float64
	for x := -90.0; x <= 90; x += 0.001 {
		f := float32(x)
		worstSig = max(worstSig, math.Abs(float64(sigmoid(f))-1/(1+math.Exp(-float64(f)))))
		worstTanh = max(worstTanh, math.Abs(float64(tanhf(f))-math.Tanh(float64(f))))
	}
	if worstSig > 2e-7 || worstTanh > 3e-7 {
		t.Errorf("worst absolute errors: sigmoid %.3g, tanh %.3g", worstSig, worstTanh)
	}
	if math.IsNaN(float64(sigmoid(-1000))) || math.IsNaN(float64(tanhf(1000))) {
		t.Errorf("saturation: sigmoid(-1000) = %g, tanh(1000) = %g", sigmoid(-1000), tanhf(1000))
	}
}
