package seq

import (
	"bytes"
	"testing"

	"musae/latent/domain"
	"musae/midi"
)

// TestSame: equal steps counted over a's length, a shorter b's missing steps unequal.
func TestSame(t *testing.T) {
	for _, c := range []struct {
		a, b        midi.Drums
		same, total int
	}{
		{midi.Drums{1, 2, 3}, midi.Drums{1, 0, 3}, 2, 3},
		{midi.Drums{1, 2, 3}, midi.Drums{1}, 1, 3},
		{midi.Drums{1}, midi.Drums{1, 2, 3}, 1, 1},
		{nil, midi.Drums{1}, 0, 0},
	} {
		if same, total := Same(c.a, c.b); same != c.same || total != c.total {
			t.Errorf("Same(%v, %v) = %d, %d; want %d, %d", c.a, c.b, same, total, c.same, c.total)
		}
	}
}

// TestExamples: each generated sequence becomes an example of the domain's steps.
func TestExamples(t *testing.T) {
	xs := Examples[midi.Melody]([][]int32{{60, 0, 1}, {}})
	if len(xs) != 2 {
		t.Fatalf("%d examples", len(xs))
	}
	if m, ok := xs[0].Value.(midi.Melody); !ok || len(m) != 3 || m[0] != 60 || m[1] != 0 || m[2] != 1 {
		t.Errorf("example 1 holds %#v", xs[0].Value)
	}
	if m, ok := xs[1].Value.(midi.Melody); !ok || len(m) != 0 {
		t.Errorf("example 2 holds %#v", xs[1].Value)
	}
}

// TestWriteMIDI: MIDI is written, another format refused as an input error naming it.
func TestWriteMIDI(t *testing.T) {
	xs := []domain.Example{{Value: make(midi.Drums, midi.WindowSteps)}}
	var b bytes.Buffer
	if err := WriteMIDI(&b, xs, domain.Layout{Format: ".mid"}, "drums", midi.WriteDrums); err != nil || !bytes.HasPrefix(b.Bytes(), []byte("MThd")) {
		t.Fatalf("%v, %q", err, b.Bytes()[:min(8, b.Len())])
	}
	err := WriteMIDI(&b, xs, domain.Layout{Format: ".abc"}, "drums", midi.WriteDrums)
	if err == nil || err.Error() != "drums: cannot write .abc files; write .mid" || !domain.IsInputError(err) {
		t.Errorf(".abc: %v", err)
	}
}

// TestMeasure: the mean over the examples where a measure is defined, and a line of the
// defined ones.
func TestMeasure(t *testing.T) {
	first := Measure[midi.Melody]{Name: "first", Of: func(m midi.Melody) (float64, bool) {
		if len(m) == 0 {
			return 0, false
		}
		return float64(m[0]), true
	}, Format: Fixed(1)}
	size := Measure[midi.Melody]{Name: "size", Of: func(m midi.Melody) (float64, bool) { return float64(len(m)), true }, Format: Fixed(0)}
	if mean, n := first.Mean([]midi.Melody{{60}, {}, {63, 1}}); mean != 61.5 || n != 2 {
		t.Errorf("Mean = %v over %d, want 61.5 over 2", mean, n)
	}
	if mean, n := first.Mean([]midi.Melody{{}}); mean != 0 || n != 0 {
		t.Errorf("Mean of none = %v over %d", mean, n)
	}
	ms := []Measure[midi.Melody]{first, size}
	if got := Describe(ms, midi.Melody{60, 0}); got != "first 60.0, size 2" {
		t.Errorf("Describe = %q", got)
	}
	if got := Describe(ms[:1], midi.Melody{}); got != "" {
		t.Errorf("Describe of nothing defined = %q", got)
	}
}

// TestSplit: a split's windows, all of them training first, without writing into train.
func TestSplit(t *testing.T) {
	train, valid := make([]int, 2, 4), []int{7}
	train[0], train[1] = 1, 2
	if got := Split("validation", train, valid); len(got) != 1 || got[0] != 7 {
		t.Errorf("validation: %v", got)
	}
	if got := Split("train", train, valid); len(got) != 2 || got[1] != 2 {
		t.Errorf("train: %v", got)
	}
	got := Split("all", train, valid)
	if len(got) != 3 || got[0] != 1 || got[2] != 7 || train[:3][2] != 0 {
		t.Errorf("all: %v (train's spare room: %v)", got, train[:3])
	}
}
