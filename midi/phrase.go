package midi

import (
	"fmt"
	"slices"
	"strings"
)

// MaxPhraseBarSteps is the longest bar a phrase of a 16-bar model of every meter holds: a
// bar of 12/8 or 6/4.
const MaxPhraseBarSteps = 24

// PhraseBars lays the bars of a phrase over the first steps steps of a piece with the
// given meters (as Bars lays them): the bars of Bars, except that the bars of a meter that
// divides 4/4 and is shorter (2/4, 1/4, 2/8) are taken together as many as fill a bar of
// 4/4, counted from where the meter starts (as File.OwnWindows hops), so that a song marked
// 1/4, as most of POP909 is, has phrases of 16 bars of 4/4, and a reel in 2/4 phrases of 32
// of its bars. A group cut short by a change of meter is a bar of its own, shorter. Each
// bar's Number is that of its first bar in the piece.
func PhraseBars(meters []Meter, steps int) []Bar {
	var out []Bar
	in := 0 // bars of the piece in the last phrase bar
	for _, b := range Bars(meters, steps) {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if h := ownHop(b.Meter); h > 1 && in < h && last.Meter == b.Meter && last.Start+last.Steps == b.Start {
				last.Steps += b.Steps
				in++
				continue
			}
		}
		out = append(out, b)
		in = 1
	}
	return out
}

// PhraseSpan is the layout of a phrase of bars phrase bars that starts at step 0 of a piece
// with the given meters (by step, the first at 0): its bars (PhraseBars) and its length in
// steps. It returns no bars when the meters give fewer (a meter whose bar is not a whole
// number of 16ths), or a bar is longer than MaxPhraseBarSteps.
func PhraseSpan(meters []Meter, bars int) ([]Bar, int) {
	if len(meters) == 0 || bars <= 0 {
		return nil, 0
	}
	bs := PhraseBars(meters, max(meters[len(meters)-1].Step, 0)+bars*2*MaxPhraseBarSteps)
	if len(bs) < bars {
		return nil, 0
	}
	bs = bs[:bars]
	for k, b := range bs {
		if b.Steps > MaxPhraseBarSteps || (k > 0 && b.Start != bs[k-1].Start+bs[k-1].Steps) {
			return nil, 0
		}
	}
	return bs, bs[bars-1].Start + bs[bars-1].Steps
}

// PhraseWindows cuts windows of bars phrase bars (PhraseBars) of the piece's own meter, one
// every hopBars phrase bars, from its melody: MusicVAE's 16-bar windows in every meter (in
// 4/4, 2/2, 2/4 and 1/4 exactly File.Windows's of 16 bars of 4/4, in the same order). The
// rules a window is kept under, its grid and the error are File.OwnWindows's; a window with
// a bar longer than MaxPhraseBarSteps is left out.
func (f *File) PhraseWindows(opt ExtractOptions, bars, hopBars int) ([]MeterWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return nil, err
	}
	if bars <= 0 || hopBars <= 0 {
		return nil, fmt.Errorf("midi: windows of %d bars with a hop of %d bars", bars, hopBars)
	}
	meters := f.Meters()
	odd := oddMeters(meters, len(m), func(mt Meter) bool {
		spb := mt.StepsPerBar()
		return spb == 0 || spb > MaxPhraseBarSteps
	})
	ws := PhraseWindowsOf(m, meters, bars, hopBars)
	if len(ws) == 0 {
		if len(odd) > 0 {
			return nil, fmt.Errorf("%w: no %d-bar window: a bar of %s is not a whole number of 16ths or is longer than %d", ErrNoMelody, bars, strings.Join(odd, ", "), MaxPhraseBarSteps)
		}
		return nil, fmt.Errorf("%w: no %d-bar window without a silent bar", ErrNoMelody, bars)
	}
	return ws, nil
}

// PhraseWindowsOf cuts the windows of File.PhraseWindows from a melody with the given
// meters (by step; the first at step 0).
func PhraseWindowsOf(m Melody, meters []Meter, bars, hopBars int) []MeterWindow {
	if bars <= 0 || hopBars <= 0 || len(meters) == 0 {
		return nil
	}
	bs := PhraseBars(meters, wholeBarSteps(len(m), meters))
	snd := sounding(m)
	var ws []MeterWindow
	for i := 0; i+bars <= len(bs); i += hopBars {
		span := bs[i : i+bars]
		if slices.ContainsFunc(span, func(b Bar) bool { return b.Steps > MaxPhraseBarSteps }) {
			continue
		}
		// A window whose last bar a change of meter cuts short says no meter of its
		// own that lays it out (it ends before the change): left out.
		if w, ok := windowOfBars(m, snd, span, true); ok && sameSteps(PhraseBars(w.Meters, len(w.Melody)), span) {
			w.Bars = len(Bars(w.Meters, len(w.Melody)))
			ws = append(ws, w)
		}
	}
	return ws
}

// PhraseWindowAt is the phrase of bars phrase bars of the piece's own meter that starts at
// the bar numbered bar (see BarWindow), laid out from that bar (PhraseBars of the meters
// from there), the bars past the end of the melody rests. An error wraps ErrNoBar when the
// bar is past the end, ErrNoMelody when the phrase has no notes, and names the meter when
// its bars make no phrase.
func (f *File) PhraseWindowAt(opt ExtractOptions, bar, bars int) (MeterWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return MeterWindow{}, err
	}
	bs := Bars(f.Meters(), len(m))
	i := slices.IndexFunc(bs, func(b Bar) bool { return b.Number == bar })
	if i < 0 || bar < 1 {
		return f.BarWindow(opt, bar, 1) // says why there is no such bar
	}
	// The meters from bar on, by step from its start, laid out past the melody's end.
	var rel []Meter
	for k, b := range bs[i:] {
		if k == 0 || b.Meter != bs[i+k-1].Meter {
			mt := b.Meter
			mt.Step = b.Start - bs[i].Start
			rel = append(rel, mt)
		}
	}
	span, steps := PhraseSpan(rel, bars)
	if span == nil {
		return MeterWindow{}, fmt.Errorf("midi: the %d bars from bar %d are in %s: a phrase takes bars of whole 16ths of at most %d", bars, bar, meterNames(rel), MaxPhraseBarSteps)
	}
	w, err := f.BarWindow(opt, bar, len(Bars(rel, steps)))
	if err != nil {
		return w, err
	}
	if len(w.Melody) != steps {
		return MeterWindow{}, fmt.Errorf("midi: the %d bars from bar %d run into a meter whose bar is not a whole number of 16ths", bars, bar)
	}
	if !sameSteps(PhraseBars(w.Meters, steps), span) {
		return MeterWindow{}, fmt.Errorf("midi: the %d bars from bar %d end in a bar that a change of meter cuts short: start a bar earlier or later", bars, bar)
	}
	return w, nil
}

// sameSteps tells whether two lists of bars have the same lengths, bar by bar.
func sameSteps(a, b []Bar) bool {
	return slices.EqualFunc(a, b, func(x, y Bar) bool { return x.Steps == y.Steps })
}

// meterNames lists the distinct meters for messages: "3/4, 2/4".
func meterNames(ms []Meter) string {
	var s []string
	for _, m := range ms {
		if !slices.Contains(s, m.String()) {
			s = append(s, m.String())
		}
	}
	return strings.Join(s, ", ")
}
