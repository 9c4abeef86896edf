package midi

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestReadChordLab(t *testing.T) {
	in := "# a comment\n0.0\t1.5\tC:maj\n\n1.5 3.25 A:min7/b7\n3.25\t4\tN\n"
	got, err := ReadChordLab(strings.NewReader(in), "x.txt")
	if err != nil {
		t.Fatal(err)
	}
	am7, _ := ParseChord("A:min7/b7")
	want := []TimedChord{{0, 1.5, Chord{Kind: Maj}}, {1.5, 3.25, am7}, {3.25, 4, Chord{}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"0 1\n", "x.txt: line 1: want start, end and chord, got 2 fields"},
		{"0 1 C\n1 x C\n", `x.txt: line 2: times "1" "x"`},
		{"2 1 C\n", "end ≥ start"},
		{"-1 1 C\n", "start ≥ 0"},
		{"0 NaN C\n", "want seconds"},
		{"0 1 C\n1 2 C:foo\n", `x.txt: line 2: midi: bad chord symbol "C:foo": unknown shorthand "foo"`},
	} {
		_, err := ReadChordLab(strings.NewReader(tc.in), "x.txt")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "midi: read chords x.txt") {
			t.Errorf("%q: error %v, want one saying %q", tc.in, err, tc.want)
		}
	}
	if _, err := ReadChordLabFile(filepath.Join(t.TempDir(), "none.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// tempoFile is a file of 480 ticks per quarter at 120 qpm, then 60 qpm from tick 1920
// (two seconds in).
func tempoFile(t *testing.T) *File {
	t.Helper()
	f, err := Read(bytes.NewReader(smfBytes(480, []ev{tempo(0, 500000), tempo(1920, 1000000), on(0, 0, 60, 100), off(3840, 0, 60)})))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFileTick(t *testing.T) {
	f := tempoFile(t)
	for _, tick := range []int64{0, 1, 479, 480, 1919, 1920, 1921, 3000, 100000} {
		if got := f.Tick(f.Seconds(tick)); got != tick {
			t.Errorf("Tick(Seconds(%d) = %g) = %d", tick, f.Seconds(tick), got)
		}
	}
	for sec, want := range map[float64]int64{-1: 0, 0.5: 480, 2: 1920, 3: 2400, 1e300: maxTick} {
		if got := f.Tick(sec); got != want {
			t.Errorf("Tick(%g) = %d, want %d", sec, got, want)
		}
	}
	smpte, err := Read(bytes.NewReader(append(header(0, 1, 0xE728), chunk("MTrk", trackBody(on(0, 0, 60, 100), off(500, 0, 60)))...)))
	if err != nil {
		t.Fatal(err)
	}
	if got := smpte.Tick(1); got != 1000 { // 25 fps × 40 ticks a frame
		t.Errorf("SMPTE Tick(1 s) = %d, want 1000", got)
	}
}

func TestStepChords(t *testing.T) {
	f := tempoFile(t) // a step is 1/8 s up to 2 s, then 1/4 s
	c, am, g := Chord{Kind: Maj}, Chord{Root: 9, Kind: Min}, Chord{Root: 7, Kind: Maj}
	timed := []TimedChord{
		{0.01, 1.0, c},        // 0.08 and 8 steps
		{1.0, 1.06, g},        // 8.48 steps: rounds to 8, no length, left out
		{1.06, 2.5, am},       // 8.48 → 8, 2.5 s is 16 + 2 steps
		{2.5, 2.625, g},       // 18, 18.5 → 19: half a step rounds up
		{2.625, 3.0, Chord{}}, // 19, 20
	}
	want := []ChordSpan{{0, 8, c}, {8, 18, am}, {18, 19, g}, {19, 20, Chord{}}}
	if got := f.StepChords(timed, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("StepChords = %+v\nwant %+v", got, want)
	}
	// A file shifted 2 steps later (240 ticks) by AlignToGrid moves its chords with it.
	shifted := []ChordSpan{{2, 10, c}, {10, 20, am}, {20, 21, g}, {21, 22, Chord{}}}
	if got := f.StepChords(timed, 240); !reflect.DeepEqual(got, shifted) {
		t.Errorf("StepChords shifted = %+v\nwant %+v", got, shifted)
	}
	// Overlapping spans: the later starts where the earlier ends.
	if got := f.StepChords([]TimedChord{{0, 1, c}, {0.5, 1.5, g}}, 0); !reflect.DeepEqual(got, []ChordSpan{{0, 8, c}, {8, 12, g}}) {
		t.Errorf("overlapping: %+v", got)
	}
	per := ChordsPerStep(want, 6, 6)
	if !reflect.DeepEqual(per, []Chord{c, c, am, am, am, am}) {
		t.Errorf("ChordsPerStep(6, 6) = %v", per)
	}
	if per := ChordsPerStep(want, 18, 4); !reflect.DeepEqual(per, []Chord{g, {}, {}, {}}) {
		t.Errorf("ChordsPerStep past the end = %v", per)
	}
}

func TestParseProgression(t *testing.T) {
	ch := func(s string) Chord {
		c, err := ParseChord(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		in    string
		meter Meter
		want  []ChordSpan
	}{
		{"C Am F G", Meter{}, []ChordSpan{{0, 16, ch("C")}, {16, 32, ch("Am")}, {32, 48, ch("F")}, {48, 64, ch("G")}}},
		{"C*2 G*2 Am F", Meter{}, []ChordSpan{{0, 8, ch("C")}, {8, 16, ch("G")}, {16, 32, ch("Am")}, {32, 48, ch("F")}}},
		{"C*2 G | Am", Meter{}, []ChordSpan{{0, 8, ch("C")}, {8, 16, ch("G")}, {16, 32, ch("Am")}}},
		{"C*1 | G*6 D", Meter{}, []ChordSpan{{0, 16, ch("C")}, {16, 40, ch("G")}, {40, 48, ch("D")}}},
		{"C:maj A:min7 # a comment\nN.C. G:7/3", Meter{}, []ChordSpan{{0, 16, ch("C")}, {16, 32, ch("Am7")}, {32, 48, Chord{}}, {48, 64, ch("G7/B")}}},
		{"D G*1 A", Meter{Num: 3, Den: 4}, []ChordSpan{{0, 12, ch("D")}, {12, 16, ch("G")}, {16, 24, ch("A")}}},
		{"Em*1 D", Meter{Num: 6, Den: 8}, []ChordSpan{{0, 6, ch("Em")}, {6, 12, ch("D")}}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseProgression(tc.in, tc.meter)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		in   string
		m    Meter
		want string
	}{
		{"", Meter{}, "no chords"},
		{"| # nothing", Meter{}, "no chords"},
		{"C Hm", Meter{}, `"Hm"`},
		{"C*0", Meter{}, `"C*0": want a number of beats`}, {"C*0.1", Meter{}, `"C*0.1": want a number of beats`},
		{"C*x", Meter{}, `"C*x"`},
		{"C*99999999999", Meter{}, "more than 4096 bars"},
		{strings.Repeat("C ", MaxProgressionBars+1), Meter{}, "more than 4096 bars"},
		{"C", Meter{Num: 7, Den: 32}, "no whole number of 16ths"},
	} {
		_, err := ParseProgression(tc.in, tc.m)
		if !errors.Is(err, ErrProgression) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.20q: error %v, want ErrProgression saying %q", tc.in, err, tc.want)
		}
	}
	path := filepath.Join(t.TempDir(), "prog.txt")
	if err := os.WriteFile(path, []byte("C G\nAm F # verse\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if spans, err := ReadProgressionFile(path, Meter{}); err != nil || len(spans) != 4 || spans[3].Start != 48 {
		t.Errorf("ReadProgressionFile = %+v, %v", spans, err)
	}
	// Sharps are chords, not comments: three bars, the last of E.
	if spans, err := ParseProgression("F#m C#7 E #E", Meter{}); err != nil || len(spans) != 3 || spans[1].Chord.Root != 1 || spans[2].Chord.Plain() != "E" {
		t.Errorf(`ParseProgression("F#m C#7 E #E") = %+v, %v, want 3 bars`, spans, err)
	}
	os.WriteFile(path, []byte("C Q"), 0o644)
	if _, err := ReadProgressionFile(path, Meter{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a bad file: %v, want its name", err)
	}
}

// chordNotes are note events of block chords: each (start, end) in 16ths holds pitches.
func chordNotes(blocks ...struct {
	start, end int
	pitches    []int
}) []ev {
	var evs []ev
	for _, b := range blocks {
		for _, p := range b.pitches {
			evs = append(evs, on(b.start*120, 0, p, 80), off(b.end*120, 0, p))
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return a.tick - b.tick })
	return evs
}

func TestEstimateChords(t *testing.T) {
	type block = struct {
		start, end int
		pitches    []int
	}
	ch := func(s string) Chord { c, _ := ParseChord(s); return c }
	for _, tc := range []struct {
		name   string
		blocks []block
		seg    int
		want   []ChordSpan
	}{
		{"triads", []block{{0, 8, []int{48, 52, 55}}, {8, 16, []int{45, 60, 64}}}, 0,
			[]ChordSpan{{0, 8, ch("C")}, {8, 16, ch("Am")}}},
		{"inversion and a seventh", []block{{0, 8, []int{40, 48, 55}}, {8, 16, []int{43, 53, 59, 62}}}, 0,
			[]ChordSpan{{0, 8, ch("C/E")}, {8, 16, ch("G7")}}},
		{"a half bar of one chord merges; silence is no chord", []block{{0, 16, []int{50, 57, 65}}, {24, 32, []int{43, 50, 55, 59}}}, 0,
			[]ChordSpan{{0, 16, ch("Dm")}, {16, 24, Chord{}}, {24, 32, ch("G")}}},
		{"a passing tone does not make a seventh", []block{{0, 16, []int{48, 52, 55}}, {6, 7, []int{71}}}, 0,
			[]ChordSpan{{0, 16, ch("C")}}},
		{"a beat each", []block{{0, 4, []int{48, 52, 55}}, {4, 8, []int{53, 57, 60}}, {8, 12, []int{55, 59, 62}}}, 4,
			[]ChordSpan{{0, 4, ch("C")}, {4, 8, ch("F")}, {8, 12, ch("G")}, {12, 16, Chord{}}}},
		{"the bass tells sus2 from sus4", []block{{0, 8, []int{48, 50, 55}}, {8, 16, []int{43, 48, 50}}}, 0,
			[]ChordSpan{{0, 8, ch("Csus2")}, {8, 16, ch("Gsus4")}}},
		{"diminished and augmented", []block{{0, 8, []int{47, 50, 53}}, {8, 16, []int{48, 52, 56}}}, 0,
			[]ChordSpan{{0, 8, ch("Bdim")}, {8, 16, ch("Caug")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(smfBytes(480, chordNotes(tc.blocks...))))
			if err != nil {
				t.Fatal(err)
			}
			got := f.EstimateChords(EstimateChordsOptions{SegmentSteps: tc.seg})
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", spansString(got), spansString(tc.want))
			}
		})
	}
	// Only the tracks asked for count, and drums never.
	f, err := Read(bytes.NewReader(smfBytes(480,
		chordNotes(struct {
			start, end int
			pitches    []int
		}{0, 16, []int{48, 52, 55}}),
		[]ev{on(0, 1, 45, 80), on(0, 1, 48, 80), on(0, 1, 52, 80), off(1920, 1, 45), off(1920, 1, 48), off(1920, 1, 52), on(0, DrumChannel, 36, 100), off(1920, DrumChannel, 36)})))
	if err != nil {
		t.Fatal(err)
	}
	if got := spansString(f.EstimateChords(EstimateChordsOptions{Tracks: []int{1}})); got != "0–16 A:min" {
		t.Errorf("track 1: %s, want 0–16 A:min", got)
	}
	if got := spansString(f.EstimateChords(EstimateChordsOptions{Tracks: []int{0}})); got != "0–16 C:maj" {
		t.Errorf("track 0: %s, want 0–16 C:maj", got)
	}
	if got := f.EstimateChords(EstimateChordsOptions{Tracks: []int{5}}); got != nil {
		t.Errorf("no such track: %v, want none", got)
	}
}

func spansString(spans []ChordSpan) string {
	var parts []string
	for _, sp := range spans {
		parts = append(parts, fmt.Sprintf("%d–%d %s", sp.Start, sp.End, sp.Chord))
	}
	return strings.Join(parts, ", ")
}

// TestFormatProgression writes progressions as text and reads them back to the same
// chords at every step, changes off the beat and stretches without a chord included.
func TestFormatProgression(t *testing.T) {
	for _, tc := range []struct {
		spans []ChordSpan
		want  string
	}{
		{[]ChordSpan{{0, 16, Chord{Root: 0, Kind: Maj}}, {16, 48, Chord{Root: 9, Kind: Min}}}, "C Am Am"},
		{[]ChordSpan{{0, 8, Chord{Root: 0, Kind: Maj}}, {8, 22, Chord{Root: 7, Kind: Dom7}}, {22, 32, Chord{Root: 5, Kind: Maj}}}, "C*2 G7 G7*1.5 F"},
		{[]ChordSpan{{4, 16, Chord{Root: 2, Kind: Min}}, {20, 21, Chord{Root: 7, Kind: Maj}}}, "N.C.*1 Dm N.C.*1 G*0.25"},
	} {
		got := FormatProgression(tc.spans, Meter{})
		if got != tc.want {
			t.Errorf("FormatProgression(%v) = %q, want %q", tc.spans, got, tc.want)
		}
		back, err := ParseProgression(got, Meter{})
		if err != nil {
			t.Fatal(err)
		}
		end := tc.spans[len(tc.spans)-1].End
		if a, b := ChordsPerStep(back, 0, end), ChordsPerStep(tc.spans, 0, end); !reflect.DeepEqual(a, b) {
			t.Errorf("%q reads back as %v, want %v", got, a, b)
		}
	}
	if got := ChordsIn([]ChordSpan{{0, 20, Chord{Kind: Maj}}, {20, 40, Chord{Root: 2, Kind: Min}}}, 16, 16); !reflect.DeepEqual(got, []ChordSpan{{0, 4, Chord{Kind: Maj}}, {4, 16, Chord{Root: 2, Kind: Min}}}) {
		t.Errorf("ChordsIn = %v", got)
	}
}
