package rnn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"musae/models"
)

// meterBatch returns n sequences of random classes and controls for a hierarchical decoder
// of c whose bars have the steps lens[i] gives (summing at most to c.Steps): the bars of
// different meters.
func meterBatch(rng *rand.Rand, c HierConfig, lens [][]int) *models.Batch {
	n := len(lens)
	b := models.NewBatch(n, c.Steps, c.Classes, true)
	b.SetControls(c.Controls)
	for i, bars := range lens {
		seq := make([]int32, c.Steps)
		for t := range seq {
			seq[t] = int32(rng.IntN(c.Classes))
		}
		b.SetClasses(i, seq)
		for j := range b.ExampleControls(i) {
			b.ExampleControls(i)[j] = rng.Float32()
		}
		sum := 0
		for _, l := range bars {
			sum += l
		}
		b.SetLength(i, sum)
		b.BarLengths = append(b.BarLengths, bars...)
	}
	return b
}

// meterHier is tinyHier with two controls per step and bars of up to 4 steps.
func meterHier(t *testing.T, rng *rand.Rand) (HierConfig, *HierDecoder) {
	c := tinyHier(1, 1)
	c.Controls = 2
	d := NewHierDecoder(c, rng)
	scaleParams(d.Params(), 1.5)
	return c, d
}

var meterBars = [][]int{{4, 3, 2}, {2, 2, 2}, {4, 4, 4}}

// TestHierBarLengths checks a hierarchical decoder whose bars differ in length and which
// reads controls: its NLL is the sum of its bar decoder's over each bar alone (each with
// its own steps, controls and the class before it), its gradients agree with finite
// differences, and bars all of the decoder's length score as without bar lengths.
func TestHierBarLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	c, d := meterHier(t, rng)
	n, S := len(meterBars), c.Steps/c.Bars
	b := meterBatch(rng, c, meterBars)
	z := randSlice(rng, n*c.Z)
	got := slices.Clone(d.NLL(z, b, false))

	d.conduct(z, n, false)
	emb := slices.Clone(d.emb)
	want := make([]float64, n)
	for i, bars := range meterBars {
		at := 0
		for bar, l := range bars {
			one := models.NewBatch(1, S, c.Classes, true)
			one.SetControls(c.Controls)
			row := make([]int32, S)
			copy(row, b.Classes[i*c.Steps+at:i*c.Steps+at+l])
			one.SetClasses(0, row)
			copy(one.ExampleControls(0), b.ExampleControls(i)[at*c.Controls:(at+l)*c.Controls])
			one.SetLength(0, l)
			d.Bar.Start = []int32{-1}
			if bar > 0 {
				d.Bar.Start[0] = b.Classes[i*c.Steps+at-1]
			}
			want[i] += d.Bar.NLL(emb[(bar*n+i)*d.Hidden:(bar*n+i+1)*d.Hidden], one, false)[0]
			d.Bar.Start = nil
			at += l
		}
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-4*math.Abs(want[i]) {
			t.Errorf("sequence %d (bars %v): NLL %g, its bars one by one %g", i, meterBars[i], got[i], want[i])
		}
	}

	zp := models.WrapParam("z", z, n, c.Z)
	w := randSlice(rng, c.Bars*n)
	loss := func() float64 {
		var s float64
		for r, v := range d.BarNLL(z, b, true) {
			s += float64(w[r]) * v
		}
		return s
	}
	backward := func() {
		loss()
		models.AddTo(zp.Grad, d.BackwardBars(w))
	}
	if err := models.GradCheck(append(d.Params(), zp), loss, backward, 30, 1e-2, 2e-2, rng); err != nil {
		t.Errorf("bars of different lengths: %v", err)
	}

	full := meterBatch(rng, c, [][]int{{S, S, S}, {S, S, S}, {S, S, S}})
	with := slices.Clone(d.NLL(z, full, false))
	full.BarLengths, full.Lengths = nil, nil
	if without := d.NLL(z, full, false); !equalWithin(with, without, 1e-9) {
		t.Errorf("full bars with bar lengths %v, without %v", with, without)
	}
}

// TestHierBarLengthsGenerate checks decoding in a layout of bars of different lengths: a
// greedy sequence has its bars' steps and, teacher-forced, is its own argmax at every
// step; kept bars stay where their bars lie.
func TestHierBarLengthsGenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	c, d := meterHier(t, rng)
	n := len(meterBars)
	b := meterBatch(rng, c, meterBars)
	z := randSlice(rng, n*c.Z)
	seqs := d.GenerateFor(z, b, 0, nil)
	for i, s := range seqs {
		if len(s) != b.Len(i) {
			t.Fatalf("sequence %d: %d steps, its bars %v", i, len(s), meterBars[i])
		}
		copy(b.Classes[i*c.Steps:], s)
	}
	if hits, total := d.TeacherForcedAccuracy(z, b); hits != total || total != b.Steps() {
		t.Errorf("greedy sequences teacher-forced: %d of %d steps (of %d) are their own argmax", hits, total, b.Steps())
	}
	if hits, total := d.Accuracy(z, b); hits != total {
		t.Errorf("greedy accuracy on greedy sequences: %d of %d", hits, total)
	}
	kept := make([][]int32, n)
	for i := range kept {
		kept[i] = make([]int32, b.Len(i))
		for j := range kept[i] {
			kept[i][j] = int32(rng.IntN(c.Classes))
		}
	}
	keep := []bool{false, true, false}
	out := d.GenerateKeeping(z, n, b, keep, kept, 1, rng)
	for i, bars := range meterBars {
		from, to := bars[0], bars[0]+bars[1]
		if len(out[i]) != b.Len(i) || !slices.Equal(out[i][from:to], kept[i][from:to]) {
			t.Errorf("sequence %d (bars %v): %v, bar 2 kept from %v", i, bars, out[i], kept[i])
		}
	}
}

func equalWithin(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*math.Max(1, math.Abs(a[i])) {
			return false
		}
	}
	return true
}
