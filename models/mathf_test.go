package models

import (
	"math"
	"testing"
)

func TestExp32(t *testing.T) {
	var worst float64
	for x := -87.0; x < 88; x += 0.001 {
		f := float32(x)
		w := math.Exp(float64(f))
		worst = max(worst, math.Abs(float64(Exp32(f))-w)/w)
	}
	if worst > 3e-7 {
		t.Errorf("worst relative error %.3g", worst)
	}
	if e := Exp32(-1000); e < 0 || e > 1e-37 || math.IsInf(float64(Exp32(1000)), 0) {
		t.Errorf("saturation: Exp32(-1000) = %g, Exp32(1000) = %g", Exp32(-1000), Exp32(1000))
	}
}

func TestLog1p32(t *testing.T) {
	var worst float64
	check := func(x float32) {
		w := math.Log1p(float64(x))
		if x == 0 {
			if g := log1p32(x); g != 0 {
				t.Errorf("log1p32(0) = %g", g)
			}
			return
		}
		worst = max(worst, math.Abs(float64(log1p32(x))-w)/w)
	}
	for x := 0.0; x <= 1; x += 1e-5 {
		check(float32(x))
	}
	for x := float32(1e-30); x < 1e-3; x *= 1.1 {
		check(x)
	}
	if worst > 3e-7 {
		t.Errorf("worst relative error %.3g", worst)
	}
}
