package midi

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Compound tells whether the meter beats in dotted notes: a numerator that is a multiple
// of 3 over eighths or sixteenths (3/8, 6/8, 9/8, 12/8, 6/16), whose beat is three of the
// denominator's notes. 3/4, 6/4 and 3/2 count their beats in the denominator's notes.
func (m Meter) Compound() bool { return m.Den >= 8 && m.Num > 0 && m.Num%3 == 0 }

// BeatSteps is the length of the meter's beat in 16th-note steps: the denominator's
// note (a quarter in 3/4, a half in 2/2), or three of them in compound meters (a dotted
// quarter in 6/8); at least one step. It is 0 when a bar is not a whole number of steps.
func (m Meter) BeatSteps() int {
	if m.StepsPerBar() == 0 {
		return 0
	}
	b := max(1, StepsPerBar/m.Den)
	if m.Compound() {
		b = max(1, 3*StepsPerBar/m.Den)
	}
	return b
}

// groupAt is the beam group that step pos of a bar of the meter lies in, its start and
// length in steps: notation beams notes shorter than their group within it, keeps them
// there, and starts longer ones on a group. The groups are the beat of compound meters;
// a quarter where the beat is a quarter or longer (2/2 and 4/2 are beamed in quarters);
// where the beat is shorter, two beats, the first group of an odd number of beats three,
// so that 5/8 is grouped 3+2 and 7/8 3+2+2 (a dotted quarter, then quarters), as
// MuseScore and LilyPond group them by default.
func (m Meter) groupAt(pos int) (start, length int) {
	b, spb := m.BeatSteps(), m.StepsPerBar()
	switch n := spb / max(b, 1); {
	case m.Compound():
		length = b
	case b >= StepsPerQuarter:
		length = StepsPerQuarter
	case n < 3:
		return 0, spb
	case n%2 == 1:
		if pos < 3*b {
			return 0, 3 * b
		}
		length = 2 * b
		return pos - (pos-3*b)%length, length
	default:
		length = 2 * b
	}
	return pos - pos%length, length
}

// Pulse is the metrical weight of a step, the signal that says where the beats fall: the
// first step of a bar, of a beat, of the beat's first division (an eighth in 2/4, 4/4 and
// 6/8, a quarter in 2/2), or none of these.
type Pulse uint8

// The pulses, weakest first.
const (
	PulseNone     Pulse = iota // any other step: an off-beat 16th in 4/4 and 6/8
	PulseDivision              // a beat's halves (simple meters) or thirds (compound meters)
	PulseBeat                  // a beat
	PulseBar                   // a bar's first step, its downbeat
	NumPulses     = 4
)

// Pulse is the pulse of step pos of a bar of the meter (pos from 0). A meter whose bar is
// not a whole number of steps has none.
func (m Meter) Pulse(pos int) Pulse {
	b := m.BeatSteps()
	if b == 0 {
		return PulseNone
	}
	d := b / 2
	if m.Compound() {
		d = b / 3
	}
	switch {
	case pos%m.StepsPerBar() == 0:
		return PulseBar
	case pos%b == 0:
		return PulseBeat
	case d > 0 && pos%d == 0:
		return PulseDivision
	}
	return PulseNone
}

// String writes the pulse as one character: '|' bar, '+' beat, '-' division, '.' none.
func (p Pulse) String() string {
	if int(p) < NumPulses {
		return string(".-+|"[p])
	}
	return fmt.Sprintf("Pulse(%d)", p)
}

// Bar is one bar of a piece, in the meter in force.
type Bar struct {
	Number int // from 1, counted through meter changes as Melody.GridMeters counts them
	Start  int // its first step
	Steps  int // its length: the meter's bar, or less where the next meter starts sooner
	Meter  Meter
}

// Bars lays bars over the first steps steps of a piece with the given meters (by step,
// as File.Meters gives them; the first starts at step 0): in each meter, bars of its
// length from where it starts, the last one before a change cut short by it, and the
// last one of the piece whole, so that the bars cover steps rounded up to a bar. A meter
// whose bar is not a whole number of 16ths (7/32) has no bars: its steps are left out, and
// the bars around them are not contiguous; its bars are still counted in the numbering,
// one to each 16 steps, so that later bar numbers do not depend on it.
func Bars(meters []Meter, steps int) []Bar {
	var bars []Bar
	number := 1
	for k, mt := range meters {
		from, to := max(mt.Step, 0), -1
		if k+1 < len(meters) {
			to = meters[k+1].Step
			if to <= from {
				continue
			}
		}
		if from >= steps && k > 0 {
			break
		}
		end := to
		if to < 0 {
			end = steps
		}
		spb := mt.StepsPerBar()
		if spb == 0 {
			number += (end - from + StepsPerBar - 1) / StepsPerBar
			continue
		}
		for s := from; s < end && s < steps; s += spb {
			n := spb
			if to >= 0 {
				n = min(spb, to-s) // cut short by the next meter
			}
			bars = append(bars, Bar{Number: number, Start: s, Steps: n, Meter: mt})
			number++
		}
	}
	return bars
}

// Pulses is the pulse of each of the first steps steps of a piece with the given meters
// (as for Bars): what a model conditioned on the meter reads beside the melody. Steps in
// a meter whose bar is not a whole number of 16ths are PulseNone.
func Pulses(meters []Meter, steps int) []Pulse {
	ps := make([]Pulse, steps)
	for _, b := range Bars(meters, steps) {
		for i := b.Start; i < min(b.Start+b.Steps, steps); i++ {
			ps[i] = b.Meter.Pulse(i - b.Start)
		}
	}
	return ps
}

// MeterWindow is a window of whole bars of a piece in its own meter.
type MeterWindow struct {
	Melody Melody
	Start  int // the step of the piece's melody where it starts, on a bar line
	Bar    int // the number of its first bar (Bar.Number)
	Bars   int // how many bars it spans
	// Meters are the meters in force, Step counted from the window's start: one, at step
	// 0, unless the meter changes within the window.
	Meters []Meter
}

// Pulses is the pulse of each step of the window (see Pulses).
func (w MeterWindow) Pulses() []Pulse { return Pulses(w.Meters, len(w.Melody)) }

// Meter describes the window's meter for people and for grouping figures: "6/8", or
// the meters joined with "+" when it changes within the window ("3/4+2/4").
func (w MeterWindow) Meter() string {
	var s []string
	for _, m := range w.Meters {
		s = append(s, m.String())
	}
	return strings.Join(s, "+")
}

// MeterWindows cuts windows of bars bars of the piece's own meter, one every hopBars
// bars, from its melody: in 3/4 a 2-bar window is 24 steps, in 6/8 24, in 9/8 36, in 4/2
// 64; windows run on across meter changes, bar by bar, and each says its meters. The
// grid is the 16th-note steps of File.Melody in every meter (see the package
// documentation). A window is kept under File.Windows's rules, with "a bar" the shortest
// bar of the window's meters: it has a note onset and no silent stretch as long as a bar;
// note-offs before its first onset become NoEvent; the melody is padded at its end to a
// whole bar. Stretches in a meter whose bar is not a whole number of 16ths give none. In
// a piece wholly in 4/4 the windows are File.Windows's, in the same order. The error
// wraps ErrNoMelody, saying why, when there is no window.
func (f *File) MeterWindows(opt ExtractOptions, bars, hopBars int) ([]MeterWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return nil, err
	}
	if bars <= 0 || hopBars <= 0 {
		return nil, fmt.Errorf("midi: windows of %d bars with a hop of %d bars", bars, hopBars)
	}
	meters := f.Meters()
	var odd []string
	for _, mt := range meters {
		if s := mt.String(); mt.Step < len(m) && mt.StepsPerBar() == 0 && !slices.Contains(odd, s) {
			odd = append(odd, s)
		}
	}
	ws := MeterWindowsOf(m, meters, bars, hopBars)
	if len(ws) == 0 {
		if len(odd) > 0 {
			return nil, fmt.Errorf("%w: no %d-bar window: a bar of %s is not a whole number of 16ths", ErrNoMelody, bars, strings.Join(odd, ", "))
		}
		return nil, fmt.Errorf("%w: no %d-bar window without a silent bar", ErrNoMelody, bars)
	}
	return ws, nil
}

// MeterWindowsOf cuts the windows of File.MeterWindows from a melody with the given
// meters (by step; the first at step 0).
func MeterWindowsOf(m Melody, meters []Meter, bars, hopBars int) []MeterWindow {
	if bars <= 0 || hopBars <= 0 || len(meters) == 0 {
		return nil
	}
	bs := Bars(meters, len(m))
	snd := sounding(m)
	var ws []MeterWindow
	for i := 0; i+bars <= len(bs); i += hopBars {
		if w, ok := windowOfBars(m, snd, bs[i:i+bars], false); ok {
			ws = append(ws, w)
		}
	}
	return ws
}

// BarWindow is the window of the piece's melody that starts at the bar numbered bar (from
// 1, as Bars numbers them through meter changes) and spans bars bars: the melody's steps,
// in canonical form, the last bar of the piece filled with rest. It returns an error
// wrapping ErrNoMelody when the window has no notes, and one naming the bar when it is
// past the end or in a meter whose bar is not a whole number of 16ths.
func (f *File) BarWindow(opt ExtractOptions, bar, bars int) (MeterWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return MeterWindow{}, err
	}
	bs := Bars(f.Meters(), len(m))
	if bar < 1 || bars < 1 {
		return MeterWindow{}, fmt.Errorf("midi: %d bars from bar %d: bars count from 1", bars, bar)
	}
	if len(bs) == 0 || bar > bs[len(bs)-1].Number {
		n := 0
		if len(bs) > 0 {
			n = bs[len(bs)-1].Number
		}
		return MeterWindow{}, fmt.Errorf("%w: bar %d is past the end of the melody, which has %d bars", ErrNoBar, bar, n)
	}
	i := slices.IndexFunc(bs, func(b Bar) bool { return b.Number == bar })
	if i < 0 {
		return MeterWindow{}, fmt.Errorf("midi: bar %d is in a meter whose bar is not a whole number of 16ths", bar)
	}
	span := bs[i:min(i+bars, len(bs))]
	w := MeterWindow{Start: span[0].Start, Bar: bar, Bars: len(span)}
	for k, b := range span {
		if k > 0 && b.Start != span[k-1].Start+span[k-1].Steps {
			return MeterWindow{}, fmt.Errorf("midi: bars %d–%d run into a meter whose bar is not a whole number of 16ths", bar, bar+bars-1)
		}
		if k == 0 || b.Meter != span[k-1].Meter {
			mt := b.Meter
			mt.Step = b.Start - w.Start
			w.Meters = append(w.Meters, mt)
		}
	}
	last := span[len(span)-1]
	// Bars past the melody's last are rests of the last meter.
	steps := last.Start + last.Steps - w.Start + (bars-len(span))*last.Meter.StepsPerBar()
	w.Bars = bars
	w.Melody = make(Melody, steps)
	copy(w.Melody, m[min(w.Start, len(m)):])
	w.Melody = w.Melody.Canonical()
	if len(w.Melody.Notes()) == 0 {
		return w, fmt.Errorf("%w: %s have no notes", ErrNoMelody, w.Span())
	}
	return w, nil
}

// ErrNoBar says that a bar asked for is past the end of the melody.
var ErrNoBar = errors.New("midi: no such bar")

// WindowAt is the window of WindowSteps steps (two bars of 4/4) that File.Windows's models
// read, from the start of the bar numbered bar in the piece's own meter (see BarWindow): two
// bars of 4/4 or 2/2, four of 2/4, eight of 1/4. Bars in other meters, and windows that
// run into another meter, are refused, naming the meter: a model of 4/4 windows would
// read a 6/8 bar as 16 steps and lose the bar lines. An error wraps ErrNoBar when the bar
// is past the end, ErrNoMelody when the window has no notes.
func (f *File) WindowAt(opt ExtractOptions, bar int) (MeterWindow, error) {
	return f.StepsWindowAt(opt, bar, WindowSteps)
}

// StepsWindowAt is WindowAt for windows of steps steps, a whole number of 4/4 bars (256 for
// MusicVAE's 16-bar models).
func (f *File) StepsWindowAt(opt ExtractOptions, bar, steps int) (MeterWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return MeterWindow{}, err
	}
	if steps < StepsPerBar || steps%StepsPerBar != 0 {
		return MeterWindow{}, fmt.Errorf("midi: a window of %d steps is not a whole number of bars of 4/4", steps)
	}
	bars4 := steps / StepsPerBar
	bs := Bars(f.Meters(), len(m))
	i := slices.IndexFunc(bs, func(b Bar) bool { return b.Number == bar })
	if i < 0 || bar < 1 {
		return f.BarWindow(opt, bar, bars4) // says why there is no such bar
	}
	// Bars from bar on until steps steps, those past the end in the last bar's meter.
	n, got := 0, 0
	for k := i; got < steps; k++ {
		b := bs[min(k, len(bs)-1)]
		if k >= len(bs) {
			b.Steps = b.Meter.StepsPerBar()
		}
		if !b.Meter.DividesFourFour() {
			return MeterWindow{}, fmt.Errorf("midi: bar %d is in %s: windows of %d bars of 4/4 (%d sixteenths) take bars of 4/4, 2/2, 2/4 or 1/4 only", b.Number+max(0, k-len(bs)+1), b.Meter, bars4, steps)
		}
		n, got = n+1, got+b.Steps
	}
	if got != steps {
		return MeterWindow{}, fmt.Errorf("midi: the %d sixteenths from bar %d end inside bar %d: windows of %d bars of 4/4 start on a bar line and end on one", steps, bar, bar+n-1, bars4)
	}
	return f.BarWindow(opt, bar, n)
}

// Span names the window's bars for people: "bar 3", "bars 3–4", "bars 3–6 of 2/4",
// "bars 1–2 of 3/4+2/4"; the meter is named unless it is 4/4.
func (w MeterWindow) Span() string {
	s := fmt.Sprintf("bars %d–%d", w.Bar, w.Bar+w.Bars-1)
	if w.Bars == 1 {
		s = fmt.Sprintf("bar %d", w.Bar)
	}
	if m := w.Meter(); m != "4/4" {
		s += " of " + m
	}
	return s
}

// MaxOwnWindowSteps is the longest window OwnWindowBars gives: two bars of 12/8 or 6/4.
const MaxOwnWindowSteps = 48

// OwnWindowBars is how many bars of the meter make one window of a model of every meter:
// the bars that fill WindowSteps (two bars of 4/4 or 2/2, four of 2/4, one of 4/2: the
// windows of 4/4 models), else two bars (24 steps in 3/4 and 6/8, 36 in 9/8, 40 in 5/4, 48
// in 12/8), else one bar where two would pass MaxOwnWindowSteps (7/4: 28 steps). It is 0
// for a meter whose bar is not a whole number of 16ths or is longer than
// MaxOwnWindowSteps.
func OwnWindowBars(m Meter) int {
	spb := m.StepsPerBar()
	switch {
	case spb == 0 || spb > MaxOwnWindowSteps:
		return 0
	case WindowSteps%spb == 0:
		return WindowSteps / spb
	case 2*spb <= MaxOwnWindowSteps:
		return 2
	}
	return 1
}

// OwnWindowSpan is the window of OwnWindowBars bars that starts at step 0 of a piece
// with the given meters (by step, the first at 0; Bars lays its bars): its bars, and its
// length in steps. It returns no bars when the first meter gives none, or the bars run into
// a meter whose bar is not a whole number of 16ths, or the window would pass
// MaxOwnWindowSteps.
func OwnWindowSpan(meters []Meter) ([]Bar, int) {
	if len(meters) == 0 {
		return nil, 0
	}
	n := OwnWindowBars(meters[0])
	if n == 0 {
		return nil, 0
	}
	bs := Bars(meters, 2*MaxOwnWindowSteps)
	if len(bs) < n {
		return nil, 0
	}
	bs = bs[:n]
	for k := 1; k < n; k++ {
		if bs[k].Start != bs[k-1].Start+bs[k-1].Steps {
			return nil, 0
		}
	}
	end := bs[n-1].Start + bs[n-1].Steps
	if end > MaxOwnWindowSteps {
		return nil, 0
	}
	return bs, end
}

// OwnWindows cuts the windows of a model of every meter from the piece's melody, one every
// hopBars bars (bars of 4/4 in 2/4 and 1/4): at each bar, OwnWindowBars bars of the meter
// in force there (see MeterWindows for the rules a window is kept under, the grid and the
// error; in 2/4 and 1/4 "a bar" of silence is one of 4/4). Windows run on
// across meter changes, bar by bar, and say their meters; a window that would pass
// MaxOwnWindowSteps is left out. In a piece wholly in 4/4, 2/2, 2/4 or 4/2 they are the
// 32-step windows of 4/4 models, and in 4/4 exactly File.Windows's, in the same order.
func (f *File) OwnWindows(opt ExtractOptions, hopBars int) ([]MeterWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return nil, err
	}
	if hopBars <= 0 {
		return nil, fmt.Errorf("midi: windows with a hop of %d bars", hopBars)
	}
	meters := f.Meters()
	odd := oddMeters(meters, len(m), func(mt Meter) bool { return OwnWindowBars(mt) == 0 })
	ws := OwnWindowsOf(m, meters, hopBars)
	if len(ws) == 0 {
		if len(odd) > 0 {
			return nil, fmt.Errorf("%w: no window: a bar of %s is not a whole number of 16ths or is longer than %d", ErrNoMelody, strings.Join(odd, ", "), MaxOwnWindowSteps)
		}
		return nil, fmt.Errorf("%w: no window without a silent bar", ErrNoMelody)
	}
	return ws, nil
}

// OwnWindowsOf cuts the windows of File.OwnWindows from a melody with the given meters (by
// step; the first at step 0).
func OwnWindowsOf(m Melody, meters []Meter, hopBars int) []MeterWindow {
	if hopBars <= 0 || len(meters) == 0 {
		return nil
	}
	bs := Bars(meters, wholeBarSteps(len(m), meters))
	snd := sounding(m)
	var ws []MeterWindow
	for i := 0; i < len(bs); i += hopBars * ownHop(bs[i].Meter) {
		n := OwnWindowBars(bs[i].Meter)
		if n == 0 || i+n > len(bs) {
			continue
		}
		if w, ok := windowOfBars(m, snd, bs[i:i+n], true); ok && len(w.Melody) <= MaxOwnWindowSteps {
			ws = append(ws, w)
		}
	}
	return ws
}

// wholeBarSteps is the length of a melody of steps steps with the given meters taken to
// its last bar's end: in 2/4 and 1/4, as File.Windows has it, to a whole bar of 4/4.
func wholeBarSteps(steps int, meters []Meter) int {
	if last := meters[len(meters)-1]; ownHop(last) > 1 {
		n := last.StepsPerBar() * ownHop(last)
		steps = (steps + n - 1) / n * n
	}
	return steps
}

// oddMeters lists, once each, the meters that start within the first steps steps and that
// give no window (none says so), for the error of a piece that gives none.
func oddMeters(meters []Meter, steps int, none func(Meter) bool) []string {
	var odd []string
	for _, mt := range meters {
		if s := mt.String(); mt.Step < steps && none(mt) && !slices.Contains(odd, s) {
			odd = append(odd, s)
		}
	}
	return odd
}

// ownHop is how many bars of the meter one hop of OwnWindowsOf moves: the bars that fill a
// bar of 4/4 where they divide it (two of 2/4, four of 1/4, as File.Windows hops), so that
// a song marked 1/4, as most of POP909 is, gives its 4/4 windows and not four times as
// many starting on every beat; else one.
func ownHop(m Meter) int {
	if spb := m.StepsPerBar(); spb > 0 && spb < StepsPerBar && StepsPerBar%spb == 0 {
		return StepsPerBar / spb
	}
	return 1
}

// windowOfBars cuts the window of the contiguous bars span under MeterWindows's rules;
// with fourFour, the silence that drops it is a bar of 4/4 in 2/4 and 1/4 (as for
// File.Windows), not one of their short bars.
func windowOfBars(m Melody, snd []bool, span []Bar, fourFour bool) (MeterWindow, bool) {
	gap := 0
	var ms []Meter
	for k, b := range span {
		if k > 0 && b.Start != span[k-1].Start+span[k-1].Steps {
			return MeterWindow{}, false
		}
		g := b.Meter.StepsPerBar()
		if fourFour {
			g *= ownHop(b.Meter)
		}
		if gap == 0 || g < gap {
			gap = g
		}
		if k == 0 || b.Meter != span[k-1].Meter {
			mt := b.Meter
			mt.Step = b.Start - span[0].Start
			ms = append(ms, mt)
		}
	}
	start, end := span[0].Start, span[len(span)-1].Start+span[len(span)-1].Steps
	w, ok := cutWindow(m, snd, start, end-start, gap)
	if !ok {
		return MeterWindow{}, false
	}
	return MeterWindow{Melody: w, Start: start, Bar: span[0].Number, Bars: len(span), Meters: ms}, true
}

// OwnWindowAt is the window of File.OwnWindows that starts at the bar numbered bar (see
// BarWindow): OwnWindowBars bars of the meter in force there, the bars past the end of the
// melody rests. An error wraps ErrNoBar when the bar is past the end, ErrNoMelody when the
// window has no notes, and names the meter when its bars make no window.
func (f *File) OwnWindowAt(opt ExtractOptions, bar int) (MeterWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return MeterWindow{}, err
	}
	bs := Bars(f.Meters(), len(m))
	i := slices.IndexFunc(bs, func(b Bar) bool { return b.Number == bar })
	if i < 0 || bar < 1 {
		return f.BarWindow(opt, bar, 1) // says why there is no such bar
	}
	n := OwnWindowBars(bs[i].Meter)
	if n == 0 {
		return MeterWindow{}, fmt.Errorf("midi: bar %d is in %s, whose bar is longer than a window's %d sixteenths", bar, bs[i].Meter, MaxOwnWindowSteps)
	}
	w, err := f.BarWindow(opt, bar, n)
	if err != nil {
		return w, err
	}
	if len(w.Melody) > MaxOwnWindowSteps {
		return MeterWindow{}, fmt.Errorf("midi: bars %d–%d (%s) are %d sixteenths, longer than a window's %d", bar, bar+n-1, w.Meter(), len(w.Melody), MaxOwnWindowSteps)
	}
	return w, nil
}

// NumMeterControls is the number of features per step MeterControls writes.
const NumMeterControls = NumPulses + 3

// MeterControls writes what a model of every meter reads beside each step of a window of
// steps steps with the given meters (by step from its start) into dst, [steps,
// NumMeterControls]: the step's pulse one-hot (none, division, beat, bar: Pulse), whether
// its bar's meter is compound (6/8, 9/8, 12/8: Meter.Compound), its place in its bar (0
// at the downbeat, rising by 1/bar length a step) and its place in the window (0 at the
// first step, rising by 1/steps). The pulses say where the beats fall; the compound flag
// tells a 3/4 bar's quarters from a 6/8 bar's dotted quarters where their pulses agree;
// the places say how far the bar and the window have to run, which a phrase ending needs.
// Steps in a meter whose bar is not a whole number of 16ths are all zero.
func MeterControls(dst []float32, meters []Meter, steps int) {
	clear(dst[:steps*NumMeterControls])
	pulses := Pulses(meters, steps)
	for _, b := range Bars(meters, steps) {
		for t := b.Start; t < min(b.Start+b.Steps, steps); t++ {
			row := dst[t*NumMeterControls : (t+1)*NumMeterControls]
			row[pulses[t]] = 1
			if b.Meter.Compound() {
				row[NumPulses] = 1
			}
			row[NumPulses+1] = float32(t-b.Start) / float32(b.Meter.StepsPerBar())
			row[NumPulses+2] = float32(t) / float32(steps)
		}
	}
}
