package midi

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestPhraseBars: short bars that divide 4/4 are taken together to fill one, counted from
// where their meter starts; other meters keep their bars; a group cut short by a change is
// a bar of its own.
func TestPhraseBars(t *testing.T) {
	for _, tc := range []struct {
		meters []Meter
		steps  int
		want   []int // each bar's steps
	}{
		{[]Meter{{0, 4, 4}}, 48, []int{16, 16, 16}},
		{[]Meter{{0, 2, 4}}, 48, []int{16, 16, 16}},
		{[]Meter{{0, 1, 4}}, 40, []int{16, 16, 8}},
		{[]Meter{{0, 3, 4}}, 36, []int{12, 12, 12}},
		{[]Meter{{0, 6, 8}}, 24, []int{12, 12}},
		{[]Meter{{0, 12, 8}}, 48, []int{24, 24}},
		{[]Meter{{0, 4, 2}}, 64, []int{32, 32}},
		// 3/4 for one bar, then 2/4 (bars of 8 in pairs), then 2/4 cut short by 3/4.
		{[]Meter{{0, 3, 4}, {12, 2, 4}, {36, 3, 4}}, 48, []int{12, 16, 8, 12}},
	} {
		var got []int
		for _, b := range PhraseBars(tc.meters, tc.steps) {
			got = append(got, b.Steps)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v over %d steps: bars of %v, want %v", tc.meters, tc.steps, got, tc.want)
		}
	}
	bs, steps := PhraseSpan([]Meter{{0, 3, 4}}, 16)
	if len(bs) != 16 || steps != 192 {
		t.Errorf("16 bars of 3/4: %d bars, %d steps", len(bs), steps)
	}
	if bs, _ := PhraseSpan([]Meter{{0, 4, 2}}, 16); bs != nil {
		t.Errorf("16 bars of 4/2 (32 steps each): %v", bs)
	}
}

// TestPhraseWindowsFourFour: in 4/4, 2/4 and 1/4 the phrases are File.Windows's 16-bar
// windows of 4/4, in the same order.
func TestPhraseWindowsFourFour(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		m := randomMelody(rng, 200+rng.IntN(300))
		want := Windows(m, 16, 1)
		for _, mt := range []Meter{{0, 4, 4}, {0, 2, 4}, {0, 1, 4}} {
			var got []Melody
			for _, w := range PhraseWindowsOf(m, []Meter{mt}, 16, 1) {
				got = append(got, w.Melody)
				if len(w.Melody) != 256 || w.Start%16 != 0 || w.Bars != 256/mt.StepsPerBar() {
					t.Fatalf("melody %d in %s: window of %d steps at %d, %d bars", i, mt, len(w.Melody), w.Start, w.Bars)
				}
			}
			if !slices.EqualFunc(got, want, func(a, b Melody) bool { return slices.Equal(a, b) }) {
				t.Fatalf("melody %d in %s: %d phrases, Windows gives %d", i, mt, len(got), len(want))
			}
		}
	}
}

// TestPhraseWindows cuts 16-bar phrases from files in 3/4, 6/8, 12/8 and 4/2: 16 of their
// bars each, the piece's own steps; 4/2's bars are too long for a phrase.
func TestPhraseWindows(t *testing.T) {
	var notes []ev
	for i := range 200 { // eighth notes: 100 bars of 4/4's length
		notes = append(notes, on(i*240, 0, 60+i%12, 100), off(i*240+240, 0, 60+i%12))
	}
	for _, tc := range []struct {
		name   string
		sig    ev
		steps  int // of each phrase
		errMsg string
	}{
		{name: "3/4", sig: timeSig(0, 3, 2), steps: 192},
		{name: "6/8", sig: timeSig(0, 6, 3), steps: 192},
		{name: "12/8", sig: timeSig(0, 12, 3), steps: 384},
		{name: "4/2", sig: timeSig(0, 4, 1), errMsg: "a bar of 4/2 is not a whole number of 16ths or is longer than 24"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(480, []ev{tc.sig}, notes))
			ws, err := f.PhraseWindows(ExtractOptions{}, 16, 1)
			if tc.errMsg != "" {
				if !errors.Is(err, ErrNoMelody) || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("error %v, want ErrNoMelody saying %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, _ := f.Melody(ExtractOptions{})
			spb := tc.steps / 16
			bars := (len(m) + spb - 1) / spb // the last one padded to a whole bar
			if want := bars - 16 + 1; len(ws) != want {
				t.Errorf("%d phrases from %d bars, want %d", len(ws), bars, want)
			}
			for k, w := range ws {
				if len(w.Melody) != tc.steps || w.Start != k*spb || w.Bar != k+1 || w.Bars != 16 || w.Meter() != tc.name {
					t.Fatalf("phrase %d: %d steps at %d, bars %d+%d of %s", k, len(w.Melody), w.Start, w.Bar, w.Bars, w.Meter())
				}
				if end := min(w.Start+tc.steps, len(m)); !slices.Equal(w.Melody[1:end-w.Start], m[w.Start+1:end]) {
					t.Fatalf("phrase %d is not the melody's steps", k)
				}
			}
			// A phrase from 4 bars before the end runs past it: rests.
			w, err := f.PhraseWindowAt(ExtractOptions{}, bars-3, 16)
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Melody) != tc.steps || w.Melody[len(w.Melody)-1] != NoEvent {
				t.Errorf("the phrase from 4 bars before the end: %d steps, ending %v", len(w.Melody), w.Melody[len(w.Melody)-4:])
			}
		})
	}
	f := mustRead(t, smfBytes(480, []ev{timeSig(0, 4, 1)}, notes))
	if _, err := f.PhraseWindowAt(ExtractOptions{}, 1, 16); err == nil || !strings.Contains(err.Error(), "4/2") {
		t.Errorf("a phrase of 4/2: error %v, want one naming 4/2", err)
	}
}

// TestPhraseCutShort: a window whose last bar a change of meter cuts short is left out,
// since its own meters would lay it out as whole bars.
func TestPhraseCutShort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := randomMelody(rng, 600)
	for k := range m {
		if k%4 == 0 {
			m[k] = NoteOnClass(60 + k%12)
		}
	}
	// 4/4 for 16 bars and 12 steps, then 3/4.
	meters := []Meter{{0, 4, 4}, {16*16 + 12, 3, 4}}
	for _, w := range PhraseWindowsOf(m, meters, 16, 1) {
		if got := PhraseBars(w.Meters, len(w.Melody)); len(got) != 16 || got[15].Start+got[15].Steps != len(w.Melody) {
			t.Fatalf("window at %d of %d steps in %s: its meters lay out %d bars", w.Start, len(w.Melody), w.Meter(), len(got))
		}
		if w.Start == 16 {
			t.Errorf("the window of bars 2–17 (the last cut short to 12 steps) was kept")
		}
	}
}
