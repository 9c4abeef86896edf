package rnn

import "math"

// Float32 activations. math.Exp works in float64 and costs ~10 ns; the gate math calls it
// for every gate of every unit, step and example, so the layers use a float32 exp good to
// ~2 ulp (Cephes' expf polynomial), which keeps outputs within ~1e-6 of float64.

const (
	expHi  = 88 // below ln(2^127·1.5): e^x must not round to 2^128
	expLo  = -87.33654
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693359375
	ln2Lo  = -2.12194440e-4
	magic  = 12582912 // 1.5·2^23: adding it rounds a float32 to an integer in the low bits
	magicI = 0x4b400000
)

// expf returns e^x in float32, saturating outside [expLo, expHi].
func expf(x float32) float32 {
	x = min(max(x, expLo), expHi)
	t := x*log2e + magic
	n := int32(math.Float32bits(t) - magicI)
	f := t - magic
	r := x - f*ln2Hi - f*ln2Lo
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(n+127)<<23)
}

// sigmoid returns 1/(1+e^-x).
func sigmoid(x float32) float32 { return 1 / (1 + expf(-x)) }

// tanhf returns tanh(x) as 1 − 2/(e^{2x}+1), exact to ~1e-7 absolute (relative error grows
// only where |tanh x| < 1e-4, where the absolute error is what the layers feel).
func tanhf(x float32) float32 { return 1 - 2/(expf(2*x)+1) }
