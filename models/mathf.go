package models

import "math"

// Float32 elementary functions for the hot loops. math.Exp and math.Log1p work in float64
// and cost 10–20 ns; these are good to a few float32 ulps, which keeps the layers and the
// likelihoods within ~1e-6 of float64.

const (
	expHi  = 88 // below ln(2^127·1.5): e^x must not round to 2^128
	expLo  = -87.33654
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693359375
	ln2Lo  = -2.12194440e-4
	magic  = 12582912 // 1.5·2^23: adding it rounds a float32 to an integer in the low bits
	magicI = 0x4b400000
)

// Exp32 returns e^x in float32 to ~2 ulp (Cephes' expf polynomial), saturating outside
// [-87.34, 88].
func Exp32(x float32) float32 {
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

// log1p32 returns ln(1+x) in float32 for x in [0, 1], to ~2 ulp however small x is:
// 2·atanh(s) with s = x/(2+x) ≤ 1/3, whose series in s² needs seven terms.
func log1p32(x float32) float32 {
	s := x / (2 + x)
	z := s * s
	p := float32(2.0 / 13)
	p = p*z + 2.0/11
	p = p*z + 2.0/9
	p = p*z + 2.0/7
	p = p*z + 2.0/5
	p = p*z + 2.0/3
	return 2*s + s*z*p
}
