package midi

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPitchName(t *testing.T) {
	tests := []struct {
		p    int
		want string
	}{{60, "C4"}, {61, "C#4"}, {69, "A4"}, {21, "A0"}, {108, "C8"}, {0, "C-1"}, {127, "G9"}, {59, "B3"}, {-1, "?-1"}, {128, "?128"}}
	for _, tt := range tests {
		if got := PitchName(tt.p); got != tt.want {
			t.Errorf("PitchName(%d) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestClasses(t *testing.T) {
	if NumClasses != 90 {
		t.Fatalf("NumClasses = %d, want 90", NumClasses)
	}
	if c := NoteOnClass(MinPitch); c != 2 {
		t.Errorf("NoteOnClass(A0) = %d, want 2", c)
	}
	if c := NoteOnClass(MaxPitch); c != 89 {
		t.Errorf("NoteOnClass(C8) = %d, want 89", c)
	}
	for c := -1; c <= NumClasses; c++ {
		p, ok := ClassPitch(c)
		if wantOK := c >= 2 && c < NumClasses; ok != wantOK {
			t.Errorf("ClassPitch(%d) ok = %v, want %v", c, ok, wantOK)
		} else if ok && NoteOnClass(p) != c {
			t.Errorf("NoteOnClass(ClassPitch(%d)) = %d", c, NoteOnClass(p))
		}
	}
	if err := (Melody{0, 1, 89, 90}).Validate(); err == nil || !strings.Contains(err.Error(), "step 3 has class 90") {
		t.Errorf("Validate = %v, want step 3 named", err)
	}
}

func TestMelodyNotesAndCanonical(t *testing.T) {
	m := mel(t, "x", ".", "C4", "-", "x", "x", "E4", "G4", "-")
	want := []StepNote{{60, 2, 4}, {64, 6, 7}, {67, 7, 9}}
	if got := m.Notes(); !slices.Equal(got, want) {
		t.Errorf("Notes = %v, want %v", got, want)
	}
	if got, want := m.Canonical(), mel(t, ".", ".", "C4", "-", "x", ".", "E4", "G4", "-"); !slices.Equal(got, want) {
		t.Errorf("Canonical = %v, want %v", got, want)
	}
}

func TestGrid(t *testing.T) {
	m := mel(t, "C4", "-", "-", "-", "E4", "-", "x", ".", "G#4", ".", ".", ".", "x", ".", ".", ".", "A0")
	want := "" +
		"   1 | C4  -   -   -    E4  -   .   .    Ab4 -   -   -    .   .   .   .   |\n" + // in F minor
		"   2 | A0  |\n"
	if got := m.String(); got != want {
		t.Errorf("String =\n%s\nwant\n%s", got, want)
	}
	if got := mel(t, "C4", "-", "-").Grid(2); got != "   1 | C4  -   |\n   2 | -   |\n" {
		t.Errorf("Grid(2) = %q", got)
	}
	if got := (Melody{95}).String(); !strings.Contains(got, "?") {
		t.Errorf("an invalid class shows as %q, want ?", got)
	}
}

// TestGridSpelling: the grid names notes as the melody's key spells them, or as the key
// given to GridKey does (the helper mel reads sharps only).
func TestGridSpelling(t *testing.T) {
	four := []Meter{{Num: 4, Den: 4}}
	f := mel(t, "F4", "-", "-", "-", "A4", "-", "-", "-", "A#4", "-", "-", "-", "C5", "-", "-", "-",
		"A#4", "-", "-", "-", "A4", "-", "-", "-", "G4", "-", "-", "-", "F4", "-", "-", "-")
	if got := f.GridMeters(four); !strings.Contains(got, "Bb4") || strings.Contains(got, "A#4") {
		t.Errorf("an F major line:\n%s\nwant Bb4, not A#4", got)
	}
	b := mel(t, "B4", "-", "D#5", "-", "F#5", "-", "A#4", "-", "B4", "-", "-", "-")
	if got := b.GridMeters(four); !strings.Contains(got, "A#4") || !strings.Contains(got, "D#5") {
		t.Errorf("a B major line:\n%s\nwant A#4 and D#5", got)
	}
	if got := f.GridKey(four, Key{Fifths: 5}); !strings.Contains(got, "A#4") {
		t.Errorf("the F major line spelled in B major (GridKey):\n%s\nwant A#4", got)
	}
}

func TestExtract(t *testing.T) {
	const q = 480 // ticks per quarter; a 16th is 120
	tests := []struct {
		name   string
		tracks [][]ev
		opt    ExtractOptions
		want   Melody
		err    error  // errors.Is target
		errMsg string // substring
	}{
		{
			name:   "one note",
			tracks: [][]ev{{on(0, 0, 60, 100), off(q, 0, 60)}},
			want:   mel(t, "C4", "-", "-", "-"),
		},
		{
			name:   "rest between notes and the track end after the last",
			tracks: [][]ev{{on(0, 0, 60, 100), off(120, 0, 60), on(360, 0, 62, 100), off(480, 0, 62), meta(720, 1, 'x')}},
			want:   mel(t, "C4", "x", ".", "D4", "x", "."),
		},
		{
			name:   "onsets and ends round to the nearest step, halves up",
			tracks: [][]ev{{on(59, 0, 60, 100), off(180, 0, 60), on(181, 0, 62, 100), off(300, 0, 62)}},
			// 59 → 0, 180 → 2 (1.5 up), 181 → 2, 300 → 3 (2.5 up)
			want: mel(t, "C4", "-", "D4"),
		},
		{
			name:   "a note that quantises to nothing lasts one step",
			tracks: [][]ev{{on(0, 0, 60, 100), off(10, 0, 60), on(240, 0, 64, 100), off(q, 0, 64)}},
			want:   mel(t, "C4", "x", "E4", "-"),
		},
		{
			name:   "of notes starting together the highest wins",
			tracks: [][]ev{{on(0, 0, 60, 100), on(0, 0, 67, 100), on(0, 0, 64, 100), off(q, 0, 60), off(q, 0, 64), off(q, 0, 67)}},
			want:   mel(t, "G4", "-", "-", "-"),
		},
		{
			name:   "a later onset ends the note before it, even a higher one",
			tracks: [][]ev{{on(0, 0, 72, 100), on(240, 0, 60, 100), off(360, 0, 60), off(q, 0, 72)}},
			want:   mel(t, "C5", "-", "C4", "x"),
		},
		{
			name:   "tracks merge in time order",
			tracks: [][]ev{{on(0, 0, 60, 100), off(240, 0, 60)}, {on(240, 1, 65, 100), off(q, 1, 65)}},
			want:   mel(t, "C4", "-", "F4", "-"),
		},
		{
			name:   "drums and programs outside 0–31 are ignored",
			tracks: [][]ev{{prog(0, 1, 40), on(0, 9, 80, 100), on(0, 1, 90, 100), on(240, 0, 60, 100), off(q, 9, 80), off(q, 1, 90), off(q, 0, 60)}},
			want:   mel(t, ".", ".", "C4", "-"),
		},
		{
			name:   "AllPrograms keeps them",
			tracks: [][]ev{{prog(0, 1, 40), on(0, 9, 80, 100), on(0, 1, 90, 100), on(240, 0, 60, 100), off(q, 9, 80), off(q, 1, 90), off(q, 0, 60)}},
			opt:    ExtractOptions{AllPrograms: true},
			want:   mel(t, "F#6", "-", "C4", "-"),
		},
		{
			name:   "pitches outside the piano range are ignored",
			tracks: [][]ev{{on(0, 0, 20, 100), on(0, 0, 109, 100), off(240, 0, 20), off(240, 0, 109), on(240, 0, 21, 100), off(q, 0, 21)}},
			want:   mel(t, ".", ".", "A0", "-"),
		},
		{
			name:   "a track picked by name keeps all its programs",
			tracks: [][]ev{{name("PIANO"), on(0, 0, 48, 100), off(q, 0, 48)}, {name("MELODY"), prog(0, 1, 73), on(0, 1, 72, 100), off(240, 1, 72)}},
			opt:    ExtractOptions{Track: "melody"},
			want:   mel(t, "C5", "-"), // as long as the chosen track
		},
		{
			name:   "a track picked by index",
			tracks: [][]ev{{name("PIANO"), on(0, 0, 48, 100), off(q, 0, 48)}, {name("MELODY"), on(0, 1, 72, 100), off(240, 1, 72)}},
			opt:    ExtractOptions{Track: "0"},
			want:   mel(t, "C3", "-", "-", "-"),
		},
		{
			name:   "no such track",
			tracks: [][]ev{{name("PIANO"), on(0, 0, 48, 100), off(q, 0, 48)}},
			opt:    ExtractOptions{Track: "MELODY"},
			err:    ErrNoTrack, errMsg: `"MELODY" (the file has 0 "PIANO")`,
		},
		{
			name:   "only drums",
			tracks: [][]ev{{on(0, 9, 36, 100), off(q, 9, 36)}},
			err:    ErrNoMelody, errMsg: "none of the 1 notes of the file is usable: 1 on the drum channel 10",
		},
		{
			name:   "no notes at all",
			tracks: [][]ev{{meta(0, 1, 'x')}},
			err:    ErrNoMelody, errMsg: "the file has no notes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(480, tt.tracks...))
			got, err := f.Melody(tt.opt)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.errMsg) {
					t.Fatalf("Melody error = %v, want %v containing %q", err, tt.err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Melody: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Melody =\n%s want\n%s", got, tt.want)
			}
		})
	}
}

func TestExtractSMPTE(t *testing.T) {
	// 25 frames of 40 ticks: 1000 ticks a second; at 120 qpm a 16th is 125 ticks.
	data := append(header(0, 1, 0xE728), chunk("MTrk", trackBody(on(0, 0, 60, 100), off(500, 0, 60), on(500, 0, 62, 100), off(1000, 0, 62)))...)
	f := mustRead(t, data)
	if f.Division != 0 || f.SMPTE != (SMPTE{25, 40}) {
		t.Fatalf("division %d SMPTE %v, want 0 and {25 40}", f.Division, f.SMPTE)
	}
	m, err := f.Melody(ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := mel(t, "C4", "-", "-", "-", "D4", "-", "-", "-"); !slices.Equal(m, want) {
		t.Errorf("Melody = %v, want %v", m, want)
	}
}

func TestWindows(t *testing.T) {
	bar := func(steps ...string) []string { return steps }
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	c4Bar := bar("C4", "-", "-", "-", "D4", "-", "-", "-", "E4", "-", "-", "-", "F4", "-", "-", "-")
	silent := bar(".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".")
	rest := bar("x", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".")
	tests := []struct {
		name string
		m    []string
		want [][]string
	}{
		{
			name: "three bars give two windows a bar apart",
			m:    cat(c4Bar, c4Bar, c4Bar),
			want: [][]string{cat(c4Bar, c4Bar), cat(c4Bar, c4Bar)},
		},
		{
			name: "a silent bar ends a phrase",
			m:    cat(c4Bar, c4Bar, rest, c4Bar, c4Bar),
			want: [][]string{cat(c4Bar, c4Bar), cat(c4Bar, c4Bar)},
		},
		{
			name: "a rest shorter than a bar across the bar line is kept",
			m:    cat(bar("C4", "-", "-", "-", "-", "-", "-", "-", "-", "-", "x", ".", ".", ".", ".", "."), bar(".", ".", "C4", "x", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", "."), silent),
			want: [][]string{cat(bar("C4", "-", "-", "-", "-", "-", "-", "-", "-", "-", "x", ".", ".", ".", ".", "."), bar(".", ".", "C4", "x", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", "."))},
		},
		{
			name: "a window starting in a held note starts with a rest; its note-offs before the first onset are dropped",
			m:    cat(bar("C4", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"), bar("-", "-", "x", ".", "D4", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"), c4Bar),
			want: [][]string{
				cat(bar("C4", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"), bar("-", "-", "x", ".", "D4", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-")),
				cat(bar(".", ".", ".", ".", "D4", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"), c4Bar),
			},
		},
		{
			name: "a window with no onset is dropped",
			m:    cat(bar("C4"), bar("-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-")),
			want: [][]string{cat(bar("C4"), bar("-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"))},
		},
		{
			name: "the end is padded to a bar, with a note-off after a sounding note",
			m:    cat(c4Bar, bar("G4", "-", "-", "-")),
			want: [][]string{cat(c4Bar, bar("G4", "-", "-", "-", "x", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", "."))},
		},
		{
			name: "silence at the start: only windows from the first phrase's bar",
			m:    cat(silent, bar(".", ".", ".", ".", ".", "."), bar("C4", "-", "-", "-", "-", "-", "-", "-", "-", "-"), c4Bar),
			want: [][]string{cat(bar(".", ".", ".", ".", ".", "."), bar("C4", "-", "-", "-", "-", "-", "-", "-", "-", "-"), c4Bar)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Windows(mel(t, tt.m...), WindowBars, 1)
			var want []Melody
			for _, w := range tt.want {
				want = append(want, mel(t, w...))
			}
			if !slices.EqualFunc(got, want, func(a, b Melody) bool { return slices.Equal(a, b) }) {
				t.Errorf("Windows gave %d:\n%v\nwant %d:\n%v", len(got), got, len(want), want)
			}
			for _, w := range got {
				if len(w) != WindowSteps {
					t.Errorf("window of %d steps", len(w))
				}
			}
		})
	}
	if Windows(mel(t, c4Bar...), 0, 1) != nil || Windows(mel(t, c4Bar...), 1, 0) != nil {
		t.Error("Windows with no bars or no hop should give nothing")
	}
}

func TestFileWindowsMeters(t *testing.T) {
	var notes []ev
	for i := 0; i < 16; i++ { // 16 quarter notes: four bars of 4/4
		notes = append(notes, on(i*480, 0, 60+i, 100), off(i*480+480, 0, 60+i))
	}
	tests := []struct {
		name    string
		meter   []ev
		opt     ExtractOptions
		windows int
		errMsg  string
	}{
		{name: "no time signature is 4/4", windows: 3},
		{name: "2/4 divides 4/4", meter: []ev{timeSig(0, 2, 2)}, windows: 3},
		{name: "1/4, as POP909 marks its songs", meter: []ev{timeSig(0, 1, 2)}, windows: 3},
		{name: "3/4 gives none", meter: []ev{timeSig(0, 3, 2)}, errMsg: "no 2-bar window in a meter that divides 4/4 (the piece is in 3/4)"},
		{name: "3/4 with AnyMeter", meter: []ev{timeSig(0, 3, 2)}, opt: ExtractOptions{AnyMeter: true}, windows: 3},
		// 4/4 for two bars, then 6/8: one window in the 4/4 part.
		{name: "windows stay inside a meter", meter: []ev{timeSig(0, 4, 2), timeSig(3840, 6, 3)}, windows: 1},
		// A bar of 3/4 (12 steps) first: 4/4 bars count from step 12, and the end is
		// padded to a whole bar from there.
		{name: "bars count from where the meter starts", meter: []ev{timeSig(0, 3, 2), timeSig(1440, 4, 2)}, windows: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(480, tt.meter, notes))
			ws, err := f.Windows(tt.opt, WindowBars, 1)
			if tt.errMsg != "" {
				if !errors.Is(err, ErrNoMelody) || !strings.Contains(err.Error(), tt.errMsg) {
					t.Fatalf("Windows error %v, want ErrNoMelody with %q", err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != tt.windows {
				t.Fatalf("%d windows, want %d", len(ws), tt.windows)
			}
			if tt.name == "bars count from where the meter starts" {
				// The first 4/4 window starts on the 4th quarter note, D#4.
				if p, _ := ClassPitch(ws[0][0]); p != 63 {
					t.Errorf("first window starts with %s, want D#4", PitchName(p))
				}
			}
		})
	}
}

func TestGridMeters(t *testing.T) {
	m := mel(t, "C4", "-", "-", "-", "-", "-", "D4", "-", "-", "-", "-", "-", "E4", "x", ".", ".", "F4", "-")
	got := m.GridMeters([]Meter{{0, 6, 8}, {12, 1, 4}})
	want := "" +
		"     6/8\n" +
		"   1 | C4  -   -   -   -   -    D4  -   -   -   -   -   |\n" +
		"     1/4\n" +
		"   2 | E4  .   .   .   |\n" +
		"   3 | F4  -   |\n"
	if got != want {
		t.Errorf("GridMeters =\n%s\nwant\n%s", got, want)
	}
}

func TestProgramName(t *testing.T) {
	for p, want := range map[int]string{0: "Acoustic Grand Piano", 40: "Violin", 73: "Flute", 127: "Gunshot", 128: "program 128"} {
		if got := ProgramName(p); got != want {
			t.Errorf("ProgramName(%d) = %q, want %q", p, got, want)
		}
	}
}

func TestGridOffset(t *testing.T) {
	// Quarter notes on beats and 8ths between, all played `lag` ticks after the file's grid.
	played := func(lag int, num, log2den int) []ev {
		evs := []ev{timeSig(0, num, log2den)}
		for i := range 24 {
			start := lag + i*240
			if i%4 == 3 {
				start += 120 // some 16ths too
			}
			evs = append(evs, on(start, 0, 60+i%12, 100), off(start+100, 0, 60+i%12))
		}
		return evs
	}
	tests := []struct {
		name  string
		evs   []ev
		shift int64
		ok    bool
		first int // step of the first note after aligning
	}{
		{"on the grid", played(0, 4, 2), 0, true, 0},
		{"a little late", played(50, 4, 2), -50, true, 0},
		{"an 8th and a bit late: beats win", played(300, 4, 2), 180, true, 4},
		{"an 8th late, on the file's 16ths: sequenced, left alone", played(240, 4, 2), 0, true, 2},
		{"compound meter keeps its 8ths", played(240, 6, 3), 0, true, 2},
		{"too few notes", played(50, 4, 2)[:10], 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(480, tt.evs))
			shift, ok := f.GridOffset()
			if shift != tt.shift || ok != tt.ok {
				t.Fatalf("GridOffset = %d, %v; want %d, %v", shift, ok, tt.shift, tt.ok)
			}
			if got := f.AlignToGrid(); got != tt.shift {
				t.Fatalf("AlignToGrid = %d", got)
			}
			if !ok {
				return
			}
			m, err := f.Melody(ExtractOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range m.Notes() {
				if want := tt.first + 2*i + i%4/3; n.Start != want {
					t.Fatalf("note %d at step %d after aligning, want %d:\n%s", i, n.Start, want, m)
				}
			}
			if f.TimeSigs[0].Tick != 0 {
				t.Errorf("the time signature at tick 0 moved to %d", f.TimeSigs[0].Tick)
			}
		})
	}
	// Triplets share no 16th phase.
	var trip []ev
	for i := range 30 {
		trip = append(trip, on(i*160, 0, 60, 100), off(i*160+100, 0, 60))
	}
	if shift, ok := mustRead(t, smfBytes(480, trip)).GridOffset(); ok || shift != 0 {
		t.Errorf("triplets: GridOffset = %d, %v; want 0, false", shift, ok)
	}
}

func TestExtractByIndex(t *testing.T) {
	// Track 2 is named "0".
	f := mustRead(t, smfBytes(480,
		[]ev{on(0, 0, 60, 100), off(480, 0, 60)},
		[]ev{on(0, 0, 62, 100), off(480, 0, 62)},
		[]ev{name("0"), on(0, 0, 64, 100), off(480, 0, 64)},
	))
	for _, tc := range []struct {
		opt   ExtractOptions
		pitch int
	}{
		{ExtractOptions{Track: "0"}, 64}, // by name first
		{ExtractOptions{Track: "0", ByIndex: true}, 60},
		{ExtractOptions{Track: "2", ByIndex: true}, 64},
	} {
		m, err := f.Melody(tc.opt)
		if err != nil {
			t.Fatalf("%+v: %v", tc.opt, err)
		}
		if p, _ := ClassPitch(m[0]); p != tc.pitch {
			t.Errorf("%+v: the melody starts with %s, want %s", tc.opt, PitchName(p), PitchName(tc.pitch))
		}
	}
	for _, sel := range []string{"3", "-1", "x"} {
		if _, err := f.Melody(ExtractOptions{Track: sel, ByIndex: true}); !errors.Is(err, ErrNoTrack) || !strings.Contains(err.Error(), "3 tracks") {
			t.Errorf("index %q: error %v, want ErrNoTrack", sel, err)
		}
	}
}
