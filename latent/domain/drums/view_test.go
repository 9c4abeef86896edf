package drums

import (
	"testing"

	"musae/latent/domain"
	"musae/midi"
)

func TestViewAndStarters(t *testing.T) {
	xs := New().Starters()
	if len(xs) != 5 {
		t.Fatalf("%d beats to start from, want 5", len(xs))
	}
	for _, x := range xs {
		d, err := Drums(x)
		if err != nil || len(d) != midi.WindowSteps || d.Validate() != nil || d.NumHits() == 0 {
			t.Fatalf("beat %q: %v, %d steps", x.Source, err, len(d))
		}
		v, err := New().View(x)
		if err != nil {
			t.Fatal(err)
		}
		if v.Kind != domain.ViewGrid || v.Channel != midi.DrumChannel || len(v.Lanes) != midi.NumDrums || len(v.Notes) != d.NumHits() {
			t.Fatalf("%s: view of %d lanes, %d notes on channel %d; want 9, %d on 9", x.Source, len(v.Lanes), len(v.Notes), v.Channel, d.NumHits())
		}
		for _, n := range v.Notes {
			lane := v.Lanes[n.Lane]
			drum := -1
			for b, p := range midi.DrumPitches {
				if p == n.Pitch {
					drum = b
				}
			}
			if lane.Pitch != n.Pitch || drum < 0 || !d.Hits(n.Start, drum) || n.End != n.Start+1 {
				t.Errorf("%s: hit %+v in lane %+v", x.Source, n, lane)
			}
		}
	}
	if v, _ := New().View(xs[0]); v.Text != "26 hits: kick 6, snare 4, closed hi-hat 16" || v.Lanes[len(v.Lanes)-1].Name != "kick" {
		t.Errorf("the rock beat reads %q, bottom lane %q", v.Text, v.Lanes[len(v.Lanes)-1].Name)
	}
}
