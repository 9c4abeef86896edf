package midi

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseChord(t *testing.T) {
	for _, tc := range []struct {
		in           string
		harte, plain string
		pcs          []int
		triad        int // -1: no triad class
	}{
		// Harte, every quality POP909's chord_midi.txt uses.
		{"C:maj", "C:maj", "C", []int{0, 4, 7}, 1},
		{"A:min", "A:min", "Am", []int{9, 0, 4}, 22},
		{"D:sus2", "D:sus2", "Dsus2", []int{2, 4, 9}, -1},
		{"A:min7", "A:min7", "Am7", []int{9, 0, 4, 7}, 22},
		{"G:sus4", "G:sus4", "Gsus4", []int{7, 0, 2}, -1},
		{"F#:maj/3", "F#:maj/3", "F#/Bb", []int{6, 10, 1}, 7},
		{"Eb:maj/5", "Eb:maj/5", "Eb/Bb", []int{3, 7, 10}, 4},
		{"Bb:min/b3", "Bb:min/b3", "Bbm/C#", []int{10, 1, 5}, 23},
		{"Bb:min/5", "Bb:min/5", "Bbm/F", []int{10, 1, 5}, 23},
		{"Bb:sus4(b7)", "Bb:sus4(b7)", "Bb7sus4", []int{10, 3, 5, 8}, -1},
		{"E:min7/b7", "E:min7/b7", "Em7/D", []int{4, 7, 11, 2}, 17},
		{"F:maj7/7", "F:maj7/7", "Fmaj7/E", []int{5, 9, 0, 4}, 6},
		{"G:7", "G:7", "G7", []int{7, 11, 2, 5}, 8},
		{"C:maj6", "C:maj6", "C6", []int{0, 4, 7, 9}, 1},
		{"B:dim", "B:dim", "Bdim", []int{11, 2, 5}, 48},
		{"D:7/b7", "D:7/b7", "D7/C", []int{2, 6, 9, 0}, 3},
		{"F#:maj7/3", "F#:maj7/3", "F#maj7/Bb", []int{6, 10, 1, 5}, 7},
		{"F#:maj7/5", "F#:maj7/5", "F#maj7/C#", []int{6, 10, 1, 5}, 7},
		{"B:hdim7", "B:hdim7", "Bm7b5", []int{11, 2, 5, 9}, 48},
		{"A:7/5", "A:7/5", "A7/E", []int{9, 1, 4, 7}, 10},
		{"C:aug", "C:aug", "Caug", []int{0, 4, 8}, 25},
		{"D:min7/5", "D:min7/5", "Dm7/A", []int{2, 5, 9, 0}, 15},
		{"E:7/3", "E:7/3", "E7/Ab", []int{4, 8, 11, 2}, 5},
		{"A:min6", "A:min6", "Am6", []int{9, 0, 4, 6}, 22},
		{"C#:dim7", "C#:dim7", "C#dim7", []int{1, 4, 7, 10}, 38},
		{"C:minmaj7", "C:minmaj7", "Cm(maj7)", []int{0, 3, 7, 11}, 13},
		{"N", "N", "N.C.", []int{}, 0},
		// Harte beyond POP909.
		{"C:(1,3,5)", "C:maj", "C", []int{0, 4, 7}, 1},
		{"C:maj(9)", "C:maj(2)", "Cadd9", []int{0, 2, 4, 7}, 1},
		{"C:maj(*5)", "C:maj(*5)", "Cno5", []int{0, 4}, -1},
		{"Cb:maj", "B:maj", "B", []int{11, 3, 6}, 12},
		{"C:5", "C:5", "C5", []int{0, 7}, -1},
		// Plain, as lead sheets write them.
		{"C", "C:maj", "C", []int{0, 4, 7}, 1},
		{"Am", "A:min", "Am", []int{9, 0, 4}, 22},
		{"F#m7", "F#:min7", "F#m7", []int{6, 9, 1, 4}, 19},
		{"Bb/D", "Bb:maj/3", "Bb/D", []int{10, 2, 5}, 11},
		{"Cmaj7", "C:maj7", "Cmaj7", []int{0, 4, 7, 11}, 1},
		{"Gsus4", "G:sus4", "Gsus4", []int{7, 0, 2}, -1},
		{"Edim", "E:dim", "Edim", []int{4, 7, 10}, 41},
		{"N.C.", "N", "N.C.", []int{}, 0},
		{" G7 ", "G:7", "G7", []int{7, 11, 2, 5}, 8},
		{"C7sus4", "C:sus4(b7)", "C7sus4", []int{0, 5, 7, 10}, -1},
		{"Bm7b5", "B:hdim7", "Bm7b5", []int{11, 2, 5, 9}, 48},
		{"C/E", "C:maj/3", "C/E", []int{0, 4, 7}, 1},
		{"C/D", "C:maj/2", "C/D", []int{0, 2, 4, 7}, 1}, // a bass outside the chord sounds too
		// note_seq's own cases of TriadChordOneHotEncoding.
		{"C13", "C:9(6)", "C9add13", []int{0, 2, 4, 7, 9, 10}, 1},
		{"Cm(maj7)", "C:minmaj7", "Cm(maj7)", []int{0, 3, 7, 11}, 13},
		{"Faug7", "F:aug(b7)", "Faugaddb7", []int{5, 9, 1, 3}, 30},
		{"Abm7b5", "Ab:hdim7", "Abm7b5", []int{8, 11, 2, 6}, 45},
		{"Bb5", "Bb:5", "Bb5", []int{10, 5}, -1},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c, err := ParseChord(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Harte(); got != tc.harte {
				t.Errorf("Harte() = %q, want %q", got, tc.harte)
			}
			if got := c.String(); got != tc.harte {
				t.Errorf("String() = %q, want %q", got, tc.harte)
			}
			if got := c.Plain(); got != tc.plain {
				t.Errorf("Plain() = %q, want %q", got, tc.plain)
			}
			if got := c.PitchClasses(); !reflect.DeepEqual(got, tc.pcs) {
				t.Errorf("PitchClasses() = %v, want %v", got, tc.pcs)
			}
			class, ok := c.Triad()
			if tc.triad < 0 && ok {
				t.Errorf("Triad() = %d, want none", class)
			}
			if tc.triad >= 0 && (!ok || class != tc.triad) {
				t.Errorf("Triad() = %d, %v, want %d", class, ok, tc.triad)
			}
			for _, s := range []string{c.Harte(), c.Plain()} {
				back, err := ParseChord(s)
				if err != nil || back != c {
					t.Errorf("ParseChord(%q) = %+v, %v; want %+v", s, back, err, c)
				}
			}
		})
	}
}

func TestParseChordRefuses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"H", `"H" is no note name`},
		{"c", `"c" is no note name`},
		{"C:", "no shorthand or degree list"},
		{"C:major", `unknown shorthand "major"`},
		{"C:maj(9", "closing parenthesis"},
		{"C:maj(15)", `degree "15"`},
		{"C:maj/x", "bass: degree"},
		{"Cxyz", `unknown quality "xyz"`},
		{"C/H", "bass:"},
		{"C/Eb7", `bass: "7" after the note name`},
		{"Cadd", "want add and a degree"},
		{"Cno", "want no and a degree"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseChord(tc.in)
			if err == nil {
				t.Fatalf("ParseChord(%q) succeeded", tc.in)
			}
			if !errors.Is(err, ErrChord) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "midi: ") {
				t.Errorf("error %q: want it to wrap ErrChord and say %q", err, tc.want)
			}
		})
	}
}

// TestTriadClasses checks TriadChord against Triad: every class names a chord that
// encodes back to it, as note_seq's decode_event and encode_event pair.
func TestTriadClasses(t *testing.T) {
	seen := map[string]bool{}
	for class := 0; class < TriadClasses; class++ {
		c, ok := TriadChord(class)
		if !ok {
			t.Fatalf("TriadChord(%d) not ok", class)
		}
		if back, ok := c.Triad(); !ok || back != class {
			t.Errorf("TriadChord(%d) = %v, whose Triad is %d, %v", class, c, back, ok)
		}
		seen[c.Plain()] = true
	}
	if len(seen) != TriadClasses {
		t.Errorf("%d distinct chords for %d classes", len(seen), TriadClasses)
	}
	for _, class := range []int{-1, TriadClasses} {
		if _, ok := TriadChord(class); ok {
			t.Errorf("TriadChord(%d) ok", class)
		}
	}
	if c, _ := TriadChord(45); c.Plain() != "Abdim" {
		t.Errorf("class 45 is %s, want Abdim", c.Plain())
	}
}

func TestChordTransposeAndHas(t *testing.T) {
	c, _ := ParseChord("A:min7/b7")
	up := c.Transpose(3)
	if up.Harte() != "C:min7/b7" || up.BassPitchClass() != 10 {
		t.Errorf("A:min7/b7 up 3 = %s, bass %d; want C:min7/b7, bass 10", up, up.BassPitchClass())
	}
	if down := c.Transpose(-10); down.Harte() != "B:min7/b7" {
		t.Errorf("A:min7/b7 down 10 = %s, want B:min7/b7", down)
	}
	for pitch, want := range map[int]bool{69: true, 60: true, 64: true, 67: true, 61: false, 71: false, 48 + 9: true} {
		if got := c.Has(pitch % 12); got != want {
			t.Errorf("A:min7 has %s: %v, want %v", PitchName(pitch), got, want)
		}
	}
	if (Chord{}).Has(0) || (Chord{}).Transpose(5) != (Chord{}) || (Chord{}).BassPitchClass() != -1 {
		t.Error("no chord has a note, moves, or has a bass")
	}
}

// FuzzParseChord holds ParseChord to never panicking and to what it returns: a chord
// whose Harte and plain spellings parse back to it, whose pitch classes are its root,
// its bass and in 0..11, and whose triad class is in range.
func FuzzParseChord(f *testing.F) {
	for _, s := range []string{"C:maj", "F#:maj/3", "Bb:sus4(b7)", "C:(1,b3,*5)", "N", "N.C.", "Bb/D", "Cm(maj7)", "C7sus4", "Cadd9no5", "Ab##m7b5/Fb", "C:maj(*1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChord(s)
		if err != nil {
			if !errors.Is(err, ErrChord) {
				t.Fatalf("error %v does not wrap ErrChord", err)
			}
			return
		}
		for _, spelled := range []string{c.Harte(), c.Plain()} {
			back, err := ParseChord(spelled)
			if err != nil || back != c {
				t.Fatalf("%q → %+v spelled %q → %+v, %v", s, c, spelled, back, err)
			}
		}
		pcs := c.PitchClasses()
		for _, p := range pcs {
			if p < 0 || p > 11 || !c.Has(p) {
				t.Fatalf("%q: pitch class %d of %v", s, p, pcs)
			}
		}
		if c.Kind != NoChord && !c.Has(c.BassPitchClass()) {
			t.Fatalf("%q: bass %d not among %v", s, c.BassPitchClass(), pcs)
		}
		if class, ok := c.Triad(); ok && (class < 0 || class >= TriadClasses) {
			t.Fatalf("%q: triad class %d", s, class)
		}
		_ = fmt.Sprint(c)
	})
}

// FuzzParseProgression holds ParseProgression to never panicking and to spans that
// follow one another from step 0, each of a step or more, within MaxProgressionBars.
func FuzzParseProgression(f *testing.F) {
	for _, s := range []string{"C Am F G", "C*2 G*2 Am F", "C*2 G | Am", "N.C. | | G:7/3*3", "C*99999", "# x\nD"} {
		f.Add(s, 4, 4)
	}
	f.Add("Em*1 D", 6, 8)
	f.Fuzz(func(t *testing.T, s string, num, den int) {
		spans, err := ParseProgression(s, Meter{Num: num % 64, Den: den % 64})
		if err != nil {
			if !errors.Is(err, ErrProgression) {
				t.Fatalf("error %v does not wrap ErrProgression", err)
			}
			return
		}
		at := 0
		for _, sp := range spans {
			if sp.Start < at || sp.End <= sp.Start || sp.End > MaxProgressionBars*64*StepsPerBar {
				t.Fatalf("%q: span %+v after step %d", s, sp, at)
			}
			at = sp.End
		}
	})
}

// FuzzReadChordLab holds ReadChordLab to never panicking, and what it reads to times in
// order within each chord, which StepChords places without panicking.
func FuzzReadChordLab(f *testing.F) {
	f.Add("0.0\t1.5\tC:maj\n1.5 3 A:min7/b7\n3 4 N\n")
	f.Add("0 1e300 C\n")
	f.Add("# c\n\n1 2 x\n")
	file, err := Read(bytes.NewReader(smfBytes(480, []ev{tempo(0, 500000), tempo(1920, 1000000)})))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		timed, err := ReadChordLab(strings.NewReader(s), "x")
		if err != nil {
			return
		}
		for _, tc := range timed {
			if !(tc.Start >= 0 && tc.End >= tc.Start) {
				t.Fatalf("%+v", tc)
			}
		}
		for _, sp := range file.StepChords(timed, -100) {
			if sp.End <= sp.Start || sp.Start < 0 {
				t.Fatalf("span %+v", sp)
			}
		}
	})
}

// TestNearTriad checks the triad class of chords without one: suspensions and power
// chords read as the major triad on their root, a flat-five chord by its third, and
// chords with a triad keep Triad's class.
func TestNearTriad(t *testing.T) {
	for _, tc := range []struct {
		sym   string
		class int
		exact bool
	}{
		{"C", 1, true}, {"Am7", 13 + 9, true}, {"N.C.", 0, true}, {"Bdim", 37 + 11, true},
		{"Gsus4", 1 + 7, false}, {"D:sus2", 1 + 2, false}, {"E5", 1 + 4, false},
		{"C:(3,b5)", 1, false}, {"C:(1,b3)", 13, false},
	} {
		c, err := ParseChord(tc.sym)
		if err != nil {
			t.Fatal(err)
		}
		if class, exact := c.NearTriad(); class != tc.class || exact != tc.exact {
			t.Errorf("%s: NearTriad() = %d, %v, want %d, %v", tc.sym, class, exact, tc.class, tc.exact)
		}
	}
	for class, want := range map[int]int{0: 0, 1: 3, 12: 2, 13 + 11: 13 + 1, 48: 37 + 1} {
		if got := TransposeTriad(class, 2); got != want {
			t.Errorf("TransposeTriad(%d, 2) = %d, want %d", class, got, want)
		}
	}
}

// TestChordTones counts chord tones on strong beats and off them.
func TestChordTones(t *testing.T) {
	m := make(Melody, 32)
	m[0], m[4], m[8], m[16], m[24], m[30] = NoteOnClass(60), NoteOnClass(62), NoteOnClass(64), NoteOnClass(69), NoteOnClass(71), NoteOnClass(72)
	spans, _ := ParseProgression("C Am", Meter{})
	var s ChordTones
	s.Add(m, ChordsPerStep(spans, 0, 30)) // the last note is past the chords
	if s != (ChordTones{Strong: 4, StrongTones: 3, Notes: 5, Tones: 3}) {
		t.Errorf("%+v, want 4 strong onsets (3 chord tones: C, E, A; not B) of 5", s)
	}
}

// TestWriteChords writes a melody with its chords as a second track and reads the file
// back: the melody is the melody track's, and the chords estimated from the other track
// are the ones written, a slash chord's bass included.
func TestWriteChords(t *testing.T) {
	m := make(Melody, 64)
	for i := 0; i < 64; i += 4 {
		m[i] = NoteOnClass(72 + i/8)
	}
	spans, err := ParseProgression("C Am/E F*2 G7*2 Dm", Meter{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteMelodiesWith(&b, WriteOptions{Chords: spans}, m); err != nil {
		t.Fatal(err)
	}
	f, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.ChooseMelodyTrack(ExtractOptions{})
	if err != nil || c.Index != 0 {
		t.Fatalf("melody track %+v, %v, want track 0", c, err)
	}
	got, err := f.Melody(c.Options)
	if err != nil || got.String() != m.String() {
		t.Fatalf("melody %v, %v", got, err)
	}
	est := f.EstimateChords(EstimateChordsOptions{Tracks: []int{1}})
	if a, b := FormatProgression(est, Meter{}), FormatProgression(spans, Meter{}); a != b {
		t.Errorf("chords read back %q, want %q", a, b)
	}
}
