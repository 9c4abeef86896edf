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

// TestFlushTiny: values below 2⁻¹⁰⁰ in magnitude (subnormals among them) become zero, of
// either sign; the rest, infinities and NaN included, are kept bit for bit.
func TestFlushTiny(t *testing.T) {
	tiny := math.Float32frombits(1) // the smallest subnormal
	x := []float32{1, -1e-3, 0x1p-99, -0x1p-99, 0x1p-101, -0x1p-101, 1e-39, tiny, -tiny, 0, float32(math.Inf(1)), float32(math.NaN())}
	want := []float32{1, -1e-3, 0x1p-99, -0x1p-99, 0, 0, 0, 0, 0, 0, float32(math.Inf(1)), float32(math.NaN())}
	flushTiny(x)
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(want[i]) && !(math.Float32bits(want[i])&^(1<<31) == 0 && x[i] == 0) {
			t.Errorf("flushTiny: [%d] = %g, want %g", i, x[i], want[i])
		}
	}
}
