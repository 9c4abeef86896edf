package midi

import (
	"math"
	"testing"
)

func TestReconstructionScore(t *testing.T) {
	w1 := mel(t, "C4", "-", "D4", "x", ".", "E4", "-", "-")
	w2 := mel(t, "G4", "-", "-", "-", "A4", "-", "-", "-")
	var s ReconstructionScore
	s.Add(w1, w1)                                               // exact
	s.Add(w2, mel(t, "G4", "-", "-", "-", "B4", "-", "-", "x")) // one onset and one hold wrong
	s.Add(w2, mel(t, "G4", "-"))                                // too short: the rest is wrong
	if s.Windows != 3 || s.Exact != 1 || s.Steps != 24 || s.Hits != 8+6+2 || s.Onsets != 3+2+2 || s.OnsetHits != 3+1+1 || s.Holds != 4+6+6 {
		t.Fatalf("counts %+v", s)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"accuracy", s.Accuracy(), 16.0 / 24}, {"onsets", s.OnsetAccuracy(), 5.0 / 7}, {"exact", s.ExactShare(), 1.0 / 3}, {"hold", s.HoldBaseline(), 16.0 / 24},
	} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s %v, want %v", c.name, c.got, c.want)
		}
	}
	var all ReconstructionScore
	all.Merge(s)
	all.Merge(s)
	if all.Windows != 6 || all.Hits != 32 || all.Accuracy() != s.Accuracy() {
		t.Errorf("merged %+v", all)
	}
	if (ReconstructionScore{}).Accuracy() != 0 {
		t.Error("an empty score is not 0")
	}
}
