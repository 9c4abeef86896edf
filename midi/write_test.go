package midi

import "testing"

// TestQPMOr: no tempo (0 or less) is DefaultQPM; any other is kept for the writers to judge.
func TestQPMOr(t *testing.T) {
	for in, want := range map[float64]float64{0: DefaultQPM, -3: DefaultQPM, 90: 90, 5000: 5000} {
		if got := QPMOr(in); got != want {
			t.Errorf("QPMOr(%v) = %v, want %v", in, got, want)
		}
	}
}
