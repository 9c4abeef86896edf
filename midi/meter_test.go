package midi

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func pulseString(ps []Pulse) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
	}
	return b.String()
}

// TestMeterPulses pins where the beats fall in one bar of each meter: '|' the downbeat,
// '+' a beat, '-' the beat's division, '.' a 16th between; and the bar's beam groups, in
// steps.
func TestMeterPulses(t *testing.T) {
	for _, tc := range []struct {
		num, den int
		compound bool
		beat     int
		groups   string
		pulses   string
	}{
		{4, 4, false, 4, "4 4 4 4", "|.-.+.-.+.-.+.-."},
		{2, 4, false, 4, "4 4", "|.-.+.-."},
		{3, 4, false, 4, "4 4 4", "|.-.+.-.+.-."},
		{5, 4, false, 4, "4 4 4 4 4", "|.-.+.-.+.-.+.-.+.-."},
		{2, 2, false, 8, "4 4 4 4", "|...-...+...-..."},
		{3, 2, false, 8, "4 4 4 4 4 4", "|...-...+...-...+...-..."},
		{4, 2, false, 8, "4 4 4 4 4 4 4 4", "|...-...+...-...+...-...+...-..."},
		{6, 8, true, 6, "6 6", "|.-.-.+.-.-."},
		{9, 8, true, 6, "6 6 6", "|.-.-.+.-.-.+.-.-."},
		{12, 8, true, 6, "6 6 6 6", "|.-.-.+.-.-.+.-.-.+.-.-."},
		{3, 8, true, 6, "6", "|.-.-."},
		{5, 8, false, 2, "6 4", "|-+-+-+-+-"},
		{7, 8, false, 2, "6 4 4", "|-+-+-+-+-+-+-"},
		{11, 8, false, 2, "6 4 4 4 4", "|-+-+-+-+-+-+-+-+-+-+-"},
		{4, 8, false, 2, "4 4", "|-+-+-+-"},
		{2, 8, false, 2, "4", "|-+-"},
		{1, 8, false, 2, "2", "|-"},
		{5, 16, false, 1, "3 2", "|++++"},
		{6, 4, false, 4, "4 4 4 4 4 4", "|.-.+.-.+.-.+.-.+.-.+.-."},
		{1, 4, false, 4, "4", "|.-."},
	} {
		m := Meter{Num: tc.num, Den: tc.den}
		var ps []Pulse
		var gs []string
		for i := range m.StepsPerBar() {
			ps = append(ps, m.Pulse(i))
			if start, n := m.groupAt(i); start == i {
				gs = append(gs, itoa(n))
			} else if start > i || start+n <= i {
				t.Errorf("%s: step %d in the group of %d steps from %d", m, i, n, start)
			}
		}
		if got := pulseString(ps); got != tc.pulses || m.Compound() != tc.compound || m.BeatSteps() != tc.beat || strings.Join(gs, " ") != tc.groups {
			t.Errorf("%s: pulses %s, compound %v, beat %d, groups %v; want %s, %v, %d, %s", m, got, m.Compound(), m.BeatSteps(), gs, tc.pulses, tc.compound, tc.beat, tc.groups)
		}
	}
	if m := (Meter{Num: 7, Den: 32}); m.BeatSteps() != 0 || m.Pulse(0) != PulseNone {
		t.Errorf("7/32: beat %d, pulse %v; want none", m.BeatSteps(), m.Pulse(0))
	}
}

func TestBars(t *testing.T) {
	for _, tc := range []struct {
		name   string
		meters []Meter
		steps  int
		want   []Bar
	}{
		{"4/4, last bar whole", []Meter{{0, 4, 4}}, 20, []Bar{{1, 0, 16, Meter{0, 4, 4}}, {2, 16, 16, Meter{0, 4, 4}}}},
		{"6/8", []Meter{{0, 6, 8}}, 24, []Bar{{1, 0, 12, Meter{0, 6, 8}}, {2, 12, 12, Meter{0, 6, 8}}}},
		// A 3/4 bar, then 2/4 from step 12, then 3/4 again from step 18, in the middle
		// of the second 2/4 bar, which that cuts short.
		{"changes", []Meter{{0, 3, 4}, {12, 2, 4}, {18, 3, 4}}, 30,
			[]Bar{{1, 0, 12, Meter{0, 3, 4}}, {2, 12, 6, Meter{12, 2, 4}}, {3, 18, 12, Meter{18, 3, 4}}}},
		{"a meter of no whole steps counts bars of 16", []Meter{{0, 4, 4}, {16, 7, 32}, {48, 3, 4}}, 60,
			[]Bar{{1, 0, 16, Meter{0, 4, 4}}, {4, 48, 12, Meter{48, 3, 4}}}},
		{"a meter after the end", []Meter{{0, 3, 4}, {40, 4, 4}}, 30,
			[]Bar{{1, 0, 12, Meter{0, 3, 4}}, {2, 12, 12, Meter{0, 3, 4}}, {3, 24, 12, Meter{0, 3, 4}}}},
		{"nothing", []Meter{{0, 4, 4}}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Bars(tc.meters, tc.steps); !slices.Equal(got, tc.want) {
				t.Errorf("Bars = %v\nwant %v", got, tc.want)
			}
		})
	}
}

// TestMeterWindowsFourFour holds MeterWindows to File.Windows in 4/4: the same windows,
// in the same order, from random melodies.
func TestMeterWindowsFourFour(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		m := randomMelody(rng, 1+rng.IntN(200))
		if i%3 == 0 { // silent stretches too
			for k := rng.IntN(len(m)); k < len(m) && rng.IntN(40) > 0; k++ {
				m[k] = NoEvent
			}
			m = m.Canonical()
		}
		for _, bars := range []int{1, 2, 4} {
			want := Windows(m, bars, 1)
			got := MeterWindowsOf(m, []Meter{{0, 4, 4}}, bars, 1)
			var mels []Melody
			for _, w := range got {
				mels = append(mels, w.Melody)
				if w.Meter() != "4/4" || w.Start%16 != 0 || w.Bar != w.Start/16+1 || w.Bars != bars {
					t.Fatalf("window %+v", w)
				}
			}
			if !slices.EqualFunc(mels, want, func(a, b Melody) bool { return slices.Equal(a, b) }) {
				t.Fatalf("melody %d, %d bars: MeterWindows gave %d windows, Windows %d\n%s", i, bars, len(mels), len(want), m)
			}
		}
	}
}

func TestMeterWindows(t *testing.T) {
	// Eighth notes throughout: 36 of them.
	var notes []ev
	for i := range 36 {
		notes = append(notes, on(i*240, 0, 60+i%12, 100), off(i*240+240, 0, 60+i%12))
	}
	for _, tc := range []struct {
		name   string
		meter  []ev
		steps  []int    // length of each window
		starts []int    // step of each window
		bars   []int    // first bar of each window
		meters []string // each window's meter
		pulses string   // of the first window
		errMsg string
	}{
		{name: "3/4", meter: []ev{timeSig(0, 3, 2)}, steps: []int{24, 24, 24, 24, 24}, starts: []int{0, 12, 24, 36, 48}, bars: []int{1, 2, 3, 4, 5},
			meters: []string{"3/4", "3/4", "3/4", "3/4", "3/4"}, pulses: "|.-.+.-.+.-.|.-.+.-.+.-."},
		{name: "6/8", meter: []ev{timeSig(0, 6, 3)}, steps: []int{24, 24, 24, 24, 24}, starts: []int{0, 12, 24, 36, 48}, bars: []int{1, 2, 3, 4, 5},
			meters: []string{"6/8", "6/8", "6/8", "6/8", "6/8"}, pulses: "|.-.-.+.-.-.|.-.-.+.-.-."},
		{name: "9/8", meter: []ev{timeSig(0, 9, 3)}, steps: []int{36, 36, 36}, starts: []int{0, 18, 36}, bars: []int{1, 2, 3},
			meters: []string{"9/8", "9/8", "9/8"}, pulses: "|.-.-.+.-.-.+.-.-.|.-.-.+.-.-.+.-.-."},
		{name: "4/2, two 4/4 bars to the bar", meter: []ev{timeSig(0, 4, 1)}, steps: []int{64, 64}, starts: []int{0, 32}, bars: []int{1, 2},
			meters: []string{"4/2", "4/2"}, pulses: "|...-...+...-...+...-...+...-...|...-...+...-...+...-...+...-..."},
		// 3/4 for two bars (24 steps), then 2/4: windows run across the change.
		{name: "a change of meter", meter: []ev{timeSig(0, 3, 2), timeSig(2880, 2, 2)}, steps: []int{24, 20, 16, 16, 16, 16, 16}, starts: []int{0, 12, 24, 32, 40, 48, 56},
			bars: []int{1, 2, 3, 4, 5, 6, 7}, meters: []string{"3/4", "3/4+2/4", "2/4", "2/4", "2/4", "2/4", "2/4"}, pulses: "|.-.+.-.+.-.|.-.+.-.+.-."},
		{name: "7/32", meter: []ev{timeSig(0, 7, 5)}, errMsg: "no 2-bar window: a bar of 7/32 is not a whole number of 16ths"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(480, tc.meter, notes))
			ws, err := f.MeterWindows(ExtractOptions{}, 2, 1)
			if tc.errMsg != "" {
				if !errors.Is(err, ErrNoMelody) || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("error %v, want ErrNoMelody saying %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var steps, starts, bars []int
			var meters []string
			for _, w := range ws {
				steps, starts, bars, meters = append(steps, len(w.Melody)), append(starts, w.Start), append(bars, w.Bar), append(meters, w.Meter())
			}
			if !slices.Equal(steps, tc.steps) || !slices.Equal(starts, tc.starts) || !slices.Equal(bars, tc.bars) || !slices.Equal(meters, tc.meters) {
				t.Fatalf("windows of %v steps at %v, bars %v, meters %v; want %v at %v, %v, %v", steps, starts, bars, meters, tc.steps, tc.starts, tc.bars, tc.meters)
			}
			if got := pulseString(ws[0].Pulses()); got != tc.pulses {
				t.Errorf("pulses of the first window\n%s, want\n%s", got, tc.pulses)
			}
			m, _ := f.Melody(ExtractOptions{})
			for _, w := range ws {
				if want := m[w.Start:min(w.Start+len(w.Melody), len(m))]; !slices.Equal(w.Melody[:len(want)], want) {
					t.Errorf("window at %d is not the melody's steps", w.Start)
				}
			}
		})
	}
	if _, err := mustRead(t, smfBytes(480, notes)).MeterWindows(ExtractOptions{}, 0, 1); err == nil {
		t.Error("MeterWindows of 0 bars: no error")
	}
}

// TestPulsesAcrossChange: a bar cut short by a change of meter is a bar of its own, and
// the new meter's bars count from the change.
func TestPulsesAcrossChange(t *testing.T) {
	got := pulseString(Pulses([]Meter{{0, 6, 8}, {18, 2, 4}}, 30))
	if want := "|.-.-.+.-.-.|.-.-.|.-.+.-.|.-."; got != want {
		t.Errorf("Pulses = %s, want %s", got, want)
	}
}

func TestBarWindow(t *testing.T) {
	var notes []ev // 12 eighth notes: two bars of 6/8
	for i := range 12 {
		notes = append(notes, on(i*240, 0, 60+i, 100), off(i*240+240, 0, 60+i))
	}
	f := mustRead(t, smfBytes(480, []ev{timeSig(0, 6, 3)}, notes))
	w, err := f.BarWindow(ExtractOptions{}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ClassPitch(w.Melody[0]); len(w.Melody) != 24 || p != 66 || w.Start != 12 || w.Span() != "bars 2–3 of 6/8" || len(w.Melody.Notes()) != 6 {
		t.Errorf("bars 2–3: %d steps from %s at %d, %q, %d notes; want 24 from F#4 at 12, bars 2–3 of 6/8, 6 notes", len(w.Melody), PitchName(p), w.Start, w.Span(), len(w.Melody.Notes()))
	}
	if _, err := f.BarWindow(ExtractOptions{}, 3, 1); !errors.Is(err, ErrNoBar) || !strings.Contains(err.Error(), "bar 3 is past the end of the melody, which has 2 bars") {
		t.Errorf("bar 3: %v", err)
	}
	if _, err := f.WindowAt(ExtractOptions{}, 1); err == nil || !strings.Contains(err.Error(), "bar 1 is in 6/8") {
		t.Errorf("WindowAt in 6/8: %v", err)
	}
	// 4/4 for one bar, then 3/4: the 32 steps from bar 1 run into it.
	g := mustRead(t, smfBytes(480, []ev{timeSig(0, 4, 2), timeSig(1920, 3, 2)}, notes))
	if _, err := g.WindowAt(ExtractOptions{}, 1); err == nil || !strings.Contains(err.Error(), "bar 2 is in 3/4") {
		t.Errorf("WindowAt into 3/4: %v", err)
	}
	h := mustRead(t, smfBytes(480, notes))
	if w, err := h.WindowAt(ExtractOptions{}, 2); err != nil || w.Span() != "bars 2–3" || len(w.Melody) != WindowSteps || len(w.Melody.Notes()) != 4 {
		t.Errorf("WindowAt in 4/4 past the last note: %+v, %v", w, err)
	}
}

// TestWriteMeters: written files carry their time signatures and key signature, and read
// back to the same melody, meters and key.
func TestWriteMeters(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	m := randomMelody(rng, 100)
	meters := []Meter{{0, 6, 8}, {24, 9, 8}, {60, 3, 4}}
	var b bytes.Buffer
	if err := WriteMelodiesWith(&b, WriteOptions{QPM: 100, Meters: meters, Key: &Key{-3, true}}, m); err != nil {
		t.Fatal(err)
	}
	f := mustRead(t, b.Bytes())
	got, err := f.Melody(ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, m.Canonical()) || !slices.Equal(f.Meters(), meters) || len(f.KeySigs) != 1 || f.KeySigs[0].Key != (Key{-3, true}) {
		t.Errorf("read back meters %v, keys %v, melody equal %v", f.Meters(), f.KeySigs, slices.Equal(got, m.Canonical()))
	}
	// The 6/8 metronome clicks on the dotted quarter: 36 MIDI clocks.
	for _, e := range f.Tracks[0].Events {
		if e.Status == 0xFF && e.Meta == metaTimeSig && e.Data[0] == 6 && e.Data[2] != 36 {
			t.Errorf("6/8 clicks every %d clocks, want 36", e.Data[2])
		}
	}
	for _, bad := range []WriteOptions{{Meters: []Meter{{4, 3, 4}}}, {Meters: []Meter{{0, 3, 5}}}, {Key: &Key{8, false}}} {
		if err := WriteMelodiesWith(&b, bad, m); err == nil || !strings.HasPrefix(err.Error(), "midi: write: ") {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
}

// TestStepsWindowAt: 16 bars of 4/4 (256 sixteenths) are 32 bars of 2/4 counted in the
// piece's own meter, and a length that is not whole 4/4 bars is refused.
func TestStepsWindowAt(t *testing.T) {
	var notes []ev // 40 quarter notes: 20 bars of 2/4
	for i := range 40 {
		notes = append(notes, on(i*480, 0, 50+i, 100), off(i*480+480, 0, 50+i))
	}
	f := mustRead(t, smfBytes(480, []ev{timeSig(0, 2, 2)}, notes))
	w, err := f.StepsWindowAt(ExtractOptions{}, 3, 256)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ClassPitch(w.Melody[0]); len(w.Melody) != 256 || p != 54 || w.Span() != "bars 3–34 of 2/4" || len(w.Melody.Notes()) != 36 {
		t.Errorf("16 bars of 4/4 from bar 3 of 2/4: %d steps from %s, %q, %d notes", len(w.Melody), PitchName(p), w.Span(), len(w.Melody.Notes()))
	}
	if _, err := f.StepsWindowAt(ExtractOptions{}, 1, 40); err == nil || !strings.Contains(err.Error(), "not a whole number of bars") {
		t.Errorf("40 steps: %v", err)
	}
}

func TestOwnWindowBars(t *testing.T) {
	for _, tc := range []struct {
		num, den, bars, steps int
	}{
		{4, 4, 2, 32}, {2, 2, 2, 32}, {2, 4, 4, 32}, {1, 4, 8, 32}, {4, 2, 1, 32},
		{3, 4, 2, 24}, {6, 8, 2, 24}, {9, 8, 2, 36}, {12, 8, 2, 48}, {5, 4, 2, 40}, {6, 4, 2, 48},
		{3, 8, 2, 12}, {7, 4, 1, 28}, {3, 2, 2, 48}, {7, 32, 0, 0}, {4, 1, 0, 0},
	} {
		mt := Meter{Num: tc.num, Den: tc.den}
		bars := OwnWindowBars(mt)
		_, steps := OwnWindowSpan([]Meter{mt})
		if bars != tc.bars || steps != tc.steps {
			t.Errorf("%s: %d bars of %d steps, want %d of %d", mt, bars, steps, tc.bars, tc.steps)
		}
	}
	// A change of meter inside the window: the bars of the first meter's count, each in
	// its own meter.
	if bs, steps := OwnWindowSpan([]Meter{{Num: 3, Den: 4}, {Step: 12, Num: 2, Den: 4}}); len(bs) != 2 || steps != 20 {
		t.Errorf("3/4 then 2/4: %v, %d steps, want 2 bars of 20 steps", bs, steps)
	}
}

func TestOwnWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 100 {
		m := randomMelody(rng, 1+rng.IntN(200))
		// In 4/4: exactly File.Windows's.
		want := Windows(m, 2, 1)
		var got []Melody
		for _, w := range OwnWindowsOf(m, []Meter{{0, 4, 4}}, 1) {
			got = append(got, w.Melody)
		}
		if !slices.EqualFunc(got, want, func(a, b Melody) bool { return slices.Equal(a, b) }) {
			t.Fatalf("melody %d in 4/4: %d windows, Windows gives %d", i, len(got), len(want))
		}
		// In 2/4 and 1/4 too (POP909 marks its songs 1/4): the same windows, hops and
		// silences counted in bars of 4/4.
		for _, mt := range []Meter{{0, 2, 4}, {0, 1, 4}} {
			got = got[:0]
			for _, w := range OwnWindowsOf(m, []Meter{mt}, 1) {
				got = append(got, w.Melody)
			}
			if !slices.EqualFunc(got, want, func(a, b Melody) bool { return slices.Equal(a, b) }) {
				t.Fatalf("melody %d in %s: %d windows, Windows gives %d", i, mt, len(got), len(want))
			}
		}
		for _, tc := range []struct {
			mt    Meter
			steps int
		}{{Meter{0, 3, 4}, 24}, {Meter{0, 2, 4}, 32}, {Meter{0, 1, 4}, 32}, {Meter{0, 4, 2}, 32}, {Meter{0, 12, 8}, 48}, {Meter{0, 9, 8}, 36}} {
			// Windows start on bar lines, and on a 4/4 bar's in 2/4 and 1/4 (as
			// File.Windows hops).
			hop := tc.mt.StepsPerBar()
			if hop < 16 && 16%hop == 0 {
				hop = 16
			}
			for _, w := range OwnWindowsOf(m, []Meter{tc.mt}, 1) {
				if len(w.Melody) != tc.steps || w.Meter() != tc.mt.String() || w.Start%hop != 0 || w.Bars != OwnWindowBars(tc.mt) {
					t.Fatalf("melody %d in %s: window of %d steps at %d, %d bars of %s", i, tc.mt, len(w.Melody), w.Start, w.Bars, w.Meter())
				}
			}
		}
	}
}
