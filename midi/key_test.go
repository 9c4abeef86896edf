package midi

import (
	"errors"
	"testing"
)

func TestKeyNames(t *testing.T) {
	for _, tc := range []struct {
		k     Key
		name  string
		tonic int
	}{
		{Key{0, false}, "C major", 0}, {Key{1, false}, "G major", 7}, {Key{-1, false}, "F major", 5},
		{Key{-2, false}, "Bb major", 10}, {Key{-3, true}, "C minor", 0}, {Key{1, true}, "E minor", 4},
		{Key{6, false}, "F# major", 6}, {Key{-6, false}, "Gb major", 6}, {Key{7, false}, "C# major", 1},
		{Key{-7, false}, "Cb major", 11}, {Key{3, true}, "F# minor", 6}, {Key{-6, true}, "Eb minor", 3},
		{Key{0, true}, "A minor", 9}, {Key{-4, false}, "Ab major", 8},
	} {
		if tc.k.String() != tc.name || tc.k.Tonic() != tc.tonic {
			t.Errorf("%+v: %s, tonic %d; want %s, %d", tc.k, tc.k, tc.k.Tonic(), tc.name, tc.tonic)
		}
	}
}

func TestSpell(t *testing.T) {
	name := func(k Key, p int) string {
		l, a, o := k.Spell(p)
		return string(letters[l]) + map[int]string{-1: "b", 0: "", 1: "#"}[a] + itoa(o)
	}
	for _, tc := range []struct {
		k       Key
		pitches []int
		want    string
	}{
		{Key{}, []int{60, 61, 63, 66, 68, 70, 71}, "C4 C#4 Eb4 F#4 G#4 Bb4 B4"},
		{Key{-1, false}, []int{70, 61, 63, 64, 66}, "Bb4 C#4 Eb4 E4 F#4"},
		{Key{-3, true}, []int{63, 68, 70, 71, 66, 61}, "Eb4 Ab4 Bb4 B4 F#4 Db4"},
		{Key{1, false}, []int{66, 65, 61}, "F#4 F4 C#4"},
		{Key{6, false}, []int{65, 66, 70}, "E#4 F#4 A#4"},
		{Key{-6, false}, []int{71, 72, 59, 60}, "Cb5 C5 Cb4 C4"},
		{Key{7, false}, []int{60, 72}, "B#3 B#4"},
		// The leading tone of a minor key.
		{Key{-1, true}, []int{61, 73, 70, 68, 66, 63}, "C#4 C#5 Bb4 G#4 F#4 Eb4"},
		{Key{-2, true}, []int{66, 63, 61}, "F#4 Eb4 C#4"},
		{Key{0, true}, []int{68, 70}, "G#4 Bb4"},
		{Key{3, true}, []int{65, 77}, "E#4 E#5"},
		{Key{4, true}, []int{72}, "B#4"},
		{Key{5, true}, []int{67}, "G4"},
		{Key{-6, true}, []int{62, 64}, "D4 E4"},
		// Naturals before a degree that would write one with an accidental: C, not B#,
		// in E major; E, not Fb, in Eb minor (above); two flats or sharps never.
		{Key{4, false}, []int{72, 70, 62}, "C5 A#4 D4"},
		{Key{-6, false}, []int{62, 69, 67}, "D4 A4 G4"},
		{Key{1, false}, []int{70, 63}, "Bb4 D#4"},
	} {
		var got []string
		for _, p := range tc.pitches {
			got = append(got, name(tc.k, p))
		}
		if s := joinWords(got); s != tc.want {
			t.Errorf("%s: %s, want %s", tc.k, s, tc.want)
		}
	}
}

func TestKeyPitchName(t *testing.T) {
	for _, tc := range []struct {
		k     Key
		pitch int
		want  string
	}{{Key{-1, false}, 70, "Bb4"}, {Key{2, false}, 66, "F#4"}, {Key{-7, false}, 71, "Cb5"}, {Key{7, false}, 60, "B#3"}, {Key{}, 128, "?128"}} {
		if got := tc.k.PitchName(tc.pitch); got != tc.want {
			t.Errorf("%d in %s: %s, want %s", tc.pitch, tc.k, got, tc.want)
		}
	}
}

func joinWords(ws []string) string {
	s := ""
	for i, w := range ws {
		if i > 0 {
			s += " "
		}
		s += w
	}
	return s
}

// TestEstimateKey: scales and arpeggios land in their keys; a melody with no notes is in
// C major.
func TestEstimateKey(t *testing.T) {
	seq := func(durs int, pitches ...int) Melody {
		var ns []StepNote
		for i, p := range pitches {
			ns = append(ns, StepNote{p, i * durs, (i + 1) * durs})
		}
		return fromNotes(len(pitches)*durs, ns...)
	}
	for _, tc := range []struct {
		name string
		m    Melody
		want Key
	}{
		{"C major scale", seq(4, 60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60), Key{0, false}},
		{"G major", seq(4, 67, 71, 74, 72, 71, 69, 66, 67, 62, 67), Key{1, false}},
		{"F major", seq(4, 65, 69, 72, 70, 69, 67, 64, 65, 60, 65), Key{-1, false}},
		{"Bb major", seq(4, 70, 74, 77, 75, 74, 72, 69, 70, 65, 70), Key{-2, false}},
		{"A minor", seq(4, 69, 72, 76, 74, 72, 71, 68, 69, 64, 69), Key{0, true}},
		{"E minor", seq(4, 64, 67, 71, 69, 67, 66, 63, 64, 59, 64), Key{1, true}},
		{"C minor", seq(4, 60, 63, 67, 65, 63, 62, 59, 60, 55, 60), Key{-3, true}},
		{"no notes", make(Melody, 16), Key{}},
	} {
		if got := EstimateKey(tc.m); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestFileKey(t *testing.T) {
	notes := []ev{on(0, 0, 62, 100), off(480, 0, 62)}
	f := mustRead(t, smfBytes(480, []ev{meta(0, metaKeySig, 0xFE, 1), meta(960, metaKeySig, 9, 0)}, notes))
	if len(f.KeySigs) != 1 || f.KeySigs[0].Key != (Key{-2, true}) {
		t.Fatalf("key signatures %v, want G minor alone (9 sharps is malformed)", f.KeySigs)
	}
	cAmFG, err := ParseProgression("C Am F G", Meter{})
	if err != nil {
		t.Fatal(err)
	}
	if k, from := f.Key(nil, cAmFG); k != (Key{-2, true}) || from != KeyFromFile || k.String() != "G minor" {
		t.Errorf("Key = %s, %s; want G minor, its key signature (the chords do not override it)", k, from)
	}
	g := mustRead(t, smfBytes(480, notes))
	if k, from := g.Key(Melody{NoteOnClass(62)}, nil); from != KeyFromNotes || k.Tonic() != 2 {
		t.Errorf("a file with no key signature: %s, %s; want a key on D, estimated from the notes", k, from)
	}
	if k, from := g.Key(Melody{NoteOnClass(62)}, cAmFG); from != KeyFromNotesAndChords || k != (Key{}) {
		t.Errorf("a file with no key signature under C Am F G: %s, %s; want C major, estimated from the notes and chords", k, from)
	}
	if k, from := g.Key(Melody{NoteOnClass(62)}, []ChordSpan{{0, 16, Chord{}}}); from != KeyFromNotes || k.Tonic() != 2 {
		t.Errorf("under no chord: %s, %s; want a key on D, estimated from the notes", k, from)
	}
}

// TestParseKey reads keys as people write them and refuses what is not one.
func TestParseKey(t *testing.T) {
	for s, want := range map[string]Key{
		"D": {Fifths: 2}, "Bm": {Fifths: 2, Minor: true}, "F# minor": {Fifths: 3, Minor: true},
		"Eb major": {Fifths: -3}, "c": {}, "Gb": {Fifths: -6}, "F#": {Fifths: 6}, "bbm": {Fifths: -5, Minor: true},
	} {
		got, err := ParseKey(s)
		if err != nil || got != want {
			t.Errorf("ParseKey(%q) = %v, %v, want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "H", "D dorian", "D#", "Fbm"} {
		if _, err := ParseKey(s); !errors.Is(err, ErrKey) {
			t.Errorf("ParseKey(%q): error %v, want ErrKey", s, err)
		}
	}
	for _, tc := range []struct {
		from, to string
		shift    int
	}{{"C", "D", 2}, {"C", "A", -3}, {"Am", "D", 2}, {"Am", "Bm", 2}, {"C", "Em", 7 - 12}, {"F#", "C", 6 - 12}} {
		a, _ := ParseKey(tc.from)
		b, _ := ParseKey(tc.to)
		if got := a.ShiftTo(b); got != tc.shift {
			t.Errorf("%s to %s: %d, want %d", tc.from, tc.to, got, tc.shift)
		}
	}
}

// TestEstimateKeyWithChords: progressions, with no melody and under melodies, land in
// their keys; one melody's notes alone say G major, its chords C major.
func TestEstimateKeyWithChords(t *testing.T) {
	seq := func(durs int, pitches ...int) Melody {
		var ns []StepNote
		for i, p := range pitches {
			ns = append(ns, StepNote{p, i * durs, (i + 1) * durs})
		}
		return fromNotes(len(pitches)*durs, ns...)
	}
	// Over C Am F G the notes of G major's tonic triad and E, A, with no F: the notes
	// alone say G major (as a melody sampled over C Am F G did).
	misleading := seq(4, 67, 71, 74, 71, 69, 64, 72, 69, 69, 72, 67, 69, 67, 71, 74, 67)
	if k := EstimateKey(misleading); k != (Key{1, false}) {
		t.Fatalf("the misleading melody's notes alone: %s, want G major (else the case below proves nothing)", k)
	}
	for _, tc := range []struct {
		chords string
		m      Melody
		want   Key
	}{
		{"C Am F G", nil, Key{0, false}},
		{"Am Dm E Am", nil, Key{0, true}},
		{"F Bb C F", nil, Key{-1, false}},
		{"D G A D", nil, Key{2, false}},
		{"Bb Eb F Bb", nil, Key{-2, false}},
		{"Em Am B7 Em", nil, Key{1, true}},
		{"Cm Fm G7 Cm", nil, Key{-3, true}},
		{"E A B7 E", nil, Key{4, false}},
		{"Gm Cm D Gm", nil, Key{-2, true}},
		{"C Am F G", misleading, Key{0, false}},
		{"C F G7 C", seq(4, 60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60, 67, 65, 64, 62, 60), Key{0, false}},
		{"Am Dm E Am", seq(4, 69, 72, 76, 74, 72, 71, 68, 69, 64, 69, 72, 71, 69, 68, 71, 69), Key{0, true}},
	} {
		spans, err := ParseProgression(tc.chords, Meter{})
		if err != nil {
			t.Fatal(err)
		}
		m := tc.m
		if m == nil {
			m = make(Melody, spans[len(spans)-1].End)
		}
		if got := EstimateKeyWithChords(m, spans); got != tc.want {
			t.Errorf("%s (melody of %d notes): %s, want %s", tc.chords, len(m.Notes()), got, tc.want)
		}
	}
	// A root outside 0..11 is read as its pitch class.
	g, odd := []ChordSpan{{0, 64, Chord{Root: 7, Kind: Maj}}}, []ChordSpan{{0, 64, Chord{Root: 19, Kind: Maj}}}
	if a, b := EstimateKeyWithChords(misleading, g), EstimateKeyWithChords(misleading, odd); a != b {
		t.Errorf("under G: %s; under a G of root 19: %s", a, b)
	}
	// No chord is the notes' estimate.
	if got := EstimateKeyWithChords(misleading, []ChordSpan{{0, 64, Chord{}}}); got != EstimateKey(misleading) {
		t.Errorf("under no chord: %s, want the notes' %s", got, EstimateKey(misleading))
	}
}
