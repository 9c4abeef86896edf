package midi

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// oldFits is the rule of written values in 4/4 before meters: a piece shorter than a
// quarter stays within its beat; a longer one starts at a multiple of its undotted length
// and crosses the middle of the bar only from the bar's start.
func oldFits(pos, dur int) bool {
	if pos+dur > StepsPerBar {
		return false
	}
	if dur < StepsPerQuarter {
		return pos/StepsPerQuarter == (pos+dur-1)/StepsPerQuarter
	}
	base := 1
	for base*2 <= dur {
		base *= 2
	}
	const half = StepsPerBar / 2
	return pos%base == 0 && !(pos > 0 && pos < half && pos+dur > half)
}

// TestFitsFourFour holds the rule of every meter to the rule 4/4 scores were written by.
func TestFitsFourFour(t *testing.T) {
	b := Bar{Number: 1, Steps: 16, Meter: Meter{0, 4, 4}}
	for pos := range 16 {
		for _, dur := range writtenValues {
			if fits(b, pos, dur) != oldFits(pos, dur) {
				t.Errorf("4/4: %d steps at %d: fits %v, was %v", dur, pos, fits(b, pos, dur), oldFits(pos, dur))
			}
		}
	}
}

// paddedIn is the melody as notation writes it in the meters: filled with rest to whole
// bars (at least one), in canonical form.
func paddedIn(m Melody, meters []Meter) Melody {
	bs := Bars(meters, max(len(m), 1))
	p := make(Melody, bs[len(bs)-1].Start+bs[len(bs)-1].Steps)
	copy(p, m)
	if len(m) > 0 && len(m) < len(p) && sounding(m)[len(m)-1] {
		p[len(m)] = NoteOff
	}
	return p.Canonical()
}

type notationCase struct {
	name string
	m    Melody
	opt  NotationOptions
}

// meterCases are melodies in meters other than 4/4 and in keys other than C major:
// dotted rhythms, notes across bars and beats, every sharp and flat, meter changes.
func meterCases() []notationCase {
	// Each meter is written in three keys in turn: 3/4 in C, F and Bb, 6/8 in C minor, Eb
	// minor and D, 9/8 in E minor, C# and Cb, 12/8 in Eb, Ab and Db, 2/4 in Gb, D minor and
	// G minor, ...
	keys := []*Key{nil, {-1, false}, {-2, false}, {-3, true}, {-6, true}, {2, false}, {1, true}, {7, false}, {-7, false},
		{-3, false}, {-4, false}, {-5, false}, {-6, false}, {-1, true}, {-2, true}, {3, true}, {4, true}, {5, true}}
	meters := [][]Meter{
		{{0, 3, 4}}, {{0, 6, 8}}, {{0, 9, 8}}, {{0, 12, 8}}, {{0, 2, 4}}, {{0, 2, 2}}, {{0, 3, 8}},
		{{0, 4, 2}}, {{0, 5, 4}}, {{0, 3, 2}}, {{0, 3, 4}, {24, 2, 4}, {40, 6, 8}}, {{0, 6, 8}, {24, 9, 8}},
		{{0, 7, 8}}, {{0, 5, 8}},
	}
	rng := rand.New(rand.NewPCG(12, 8))
	var cases []notationCase
	for i, ms := range meters {
		for j := range 3 {
			k := keys[(i*3+j)%len(keys)]
			name := Meter(ms[0]).String()
			if len(ms) > 1 {
				name += " and changes"
			}
			if k != nil {
				name += " in " + k.String()
			}
			var m Melody
			switch j {
			case 0: // a jig's and a waltz's rhythms: quarter–eighth, dotted notes
				var ns []StepNote
				at := 0
				for n, d := range []int{4, 2, 6, 3, 1, 2, 8, 12, 2, 2, 2, 18, 1, 1, 4, 24} {
					ns = append(ns, StepNote{58 + (n*5)%14, at, at + d})
					at += d
				}
				m = fromNotes(at, ns...)
			default:
				m = randomMelody(rng, 16+rng.IntN(120))
			}
			cases = append(cases, notationCase{name + " " + string(rune('a'+j)), m, NotationOptions{Title: name, QPM: 90, Meters: ms, Key: k}})
		}
	}
	// Bars of rest, as between the steps of a morph, in meters whose bar is no written
	// value.
	for _, ms := range [][]Meter{{{0, 9, 8}}, {{0, 5, 4}}, {{0, 6, 8}, {12, 9, 8}}} {
		m := fromNotes(Bars(ms, 60)[2].Start+4, StepNote{67, 0, 6}, StepNote{69, 6, 12}, StepNote{71, Bars(ms, 60)[2].Start, Bars(ms, 60)[2].Start + 4})
		cases = append(cases, notationCase{Meter(ms[0]).String() + " with a bar of rest", m, NotationOptions{Title: "rests", Meters: ms}})
	}
	return cases
}

func TestMusicXMLMeters(t *testing.T) {
	for _, tc := range meterCases() {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := tc.m.MusicXML(tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			back, s := readMusicXMLIn(t, doc, tc.opt.Meters)
			if want := paddedIn(tc.m, tc.opt.Meters); !slices.Equal(back, want) {
				t.Fatalf("read back\n%swant\n%s\n%s", back.GridMeters(tc.opt.Meters), want.GridMeters(tc.opt.Meters), doc)
			}
			m1 := s.Part[0].Measures[0]
			k := tc.opt.key()
			mode := map[bool]string{false: "major", true: "minor"}[k.Minor]
			if tc.opt.Key == nil {
				mode = ""
			}
			if *m1.Fifths != k.Fifths || m1.Mode != mode {
				t.Errorf("key %d %q, want %d %q", *m1.Fifths, m1.Mode, k.Fifths, mode)
			}
		})
	}
}

// TestMusicXMLSpelling: notes are spelled in the key, flats in flat keys.
func TestMusicXMLSpelling(t *testing.T) {
	m := fromNotes(16, StepNote{70, 0, 4}, StepNote{63, 4, 8}, StepNote{66, 8, 12}, StepNote{64, 12, 16})
	for _, tc := range []struct {
		key  *Key
		want string
	}{
		{nil, "Bb4 D#4 F#4 E4"}, // as A minor spells them, which the notes fit better than C major
		{&Key{-2, false}, "Bb4 Eb4 F#4 E4"},
		{&Key{2, false}, "A#4 D#4 F#4 E4"},
		{&Key{-6, true}, "Bb4 Eb4 Gb4 E4"},
	} {
		doc, err := m.MusicXML(NotationOptions{Key: tc.key})
		if err != nil {
			t.Fatal(err)
		}
		_, s := readMusicXML(t, doc)
		var got []string
		for _, n := range s.Part[0].Measures[0].Notes {
			got = append(got, n.Step+map[int]string{-1: "b", 0: "", 1: "#"}[n.Alter]+itoa(n.Octave))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("key %v: %v, want %s", tc.key, got, tc.want)
		}
	}
}

// TestMusicXMLSpellingTowards: a chromatic note is spelled as a step to the note after
// it, through ties and rests; one that leaps keeps the key's spelling.
func TestMusicXMLSpellingTowards(t *testing.T) {
	for _, tc := range []struct {
		key  Key
		m    Melody
		want string // every written note, tied pieces too
	}{
		{Key{-2, false}, fromNotes(16, StepNote{67, 0, 4}, StepNote{61, 4, 8}, StepNote{62, 8, 16}), "G4 C#4 D4"},
		{Key{-2, false}, fromNotes(16, StepNote{70, 0, 8}, StepNote{65, 8, 10}, StepNote{73, 10, 12}, StepNote{70, 12, 16}), "Bb4 F4 Db5 Bb4"},
		// A tune in G minor under the signature of Bb major: C#, its raised fourth.
		{Key{-2, false}, fromNotes(16, StepNote{67, 0, 8}, StepNote{70, 8, 10}, StepNote{73, 10, 12}, StepNote{69, 12, 14}, StepNote{67, 14, 16}), "G4 Bb4 C#5 A4 G4"},
		{Key{1, false}, fromNotes(16, StepNote{70, 0, 4}, StepNote{69, 4, 8}, StepNote{70, 8, 12}, StepNote{71, 12, 16}), "Bb4 A4 A#4 B4"},
		{Key{-1, false}, fromNotes(32, StepNote{63, 12, 20}, StepNote{64, 24, 32}), "D#4 D#4 E4"},
		{Key{}, fromNotes(16, StepNote{73, 0, 4}, StepNote{72, 4, 8}, StepNote{73, 8, 12}, StepNote{74, 12, 16}), "Db5 C5 C#5 D5"},
		{Key{-1, true}, fromNotes(16, StepNote{61, 0, 4}, StepNote{62, 4, 8}, StepNote{61, 8, 12}, StepNote{64, 12, 16}), "C#4 D4 C#4 E4"},
		{Key{-3, false}, fromNotes(16, StepNote{64, 0, 4}, StepNote{63, 4, 8}, StepNote{64, 8, 12}, StepNote{65, 12, 16}), "E4 Eb4 E4 F4"},
		// A leading tone that no black key is keeps its letter.
		{Key{3, true}, fromNotes(16, StepNote{66, 0, 4}, StepNote{65, 4, 8}, StepNote{64, 8, 12}, StepNote{66, 12, 16}), "F#4 E#4 E4 F#4"},
		{Key{4, true}, fromNotes(16, StepNote{73, 0, 4}, StepNote{72, 4, 8}, StepNote{71, 8, 12}, StepNote{73, 12, 16}), "C#5 B#4 B4 C#5"},
	} {
		doc, err := tc.m.MusicXML(NotationOptions{Key: &tc.key})
		if err != nil {
			t.Fatal(err)
		}
		_, s := readMusicXML(t, doc)
		var got []string
		for _, me := range s.Part[0].Measures {
			for _, n := range me.Notes {
				if n.Rest == nil {
					got = append(got, n.Step+map[int]string{-1: "b", 0: "", 1: "#"}[n.Alter]+itoa(n.Octave))
				}
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s %v: %v, want %s", tc.key, tc.m.Notes(), got, tc.want)
		}
	}
}

// TestMusicXMLBeams: eighths beamed in threes in 6/8 and in twos in 3/4, 16ths with a
// second beam, a 16th beside a dotted eighth with a hook.
func TestMusicXMLBeams(t *testing.T) {
	eighths := func(n int) Melody {
		var ns []StepNote
		for i := range n {
			ns = append(ns, StepNote{60 + i, 2 * i, 2*i + 2})
		}
		return fromNotes(2*n, ns...)
	}
	for _, tc := range []struct {
		m     Melody
		meter Meter
		want  string // each note's beams, "1b 2e" for begin on beam 1, end on beam 2
	}{
		{eighths(6), Meter{0, 6, 8}, "1b 1c 1e 1b 1c 1e"},
		{eighths(6), Meter{0, 3, 4}, "1b 1e 1b 1e 1b 1e"},
		{eighths(9), Meter{0, 9, 8}, "1b 1c 1e 1b 1c 1e 1b 1c 1e"},
		{eighths(3), Meter{0, 3, 8}, "1b 1c 1e"},
		{eighths(7), Meter{0, 7, 8}, "1b 1c 1e 1b 1e 1b 1e"},
		{eighths(5), Meter{0, 5, 8}, "1b 1c 1e 1b 1e"},
		{fromNotes(14, StepNote{60, 0, 2}, StepNote{62, 2, 6}, StepNote{64, 6, 8}, StepNote{65, 8, 14}), Meter{0, 7, 8}, "- - 1b 1e -"},
		{fromNotes(12, StepNote{60, 0, 3}, StepNote{62, 3, 4}, StepNote{64, 4, 6}, StepNote{65, 6, 7}, StepNote{67, 7, 8}, StepNote{69, 8, 12}),
			Meter{0, 3, 4}, "1b 1e,2h< 1b 1c,2b 1e,2e -"},
		{fromNotes(12, StepNote{60, 0, 4}, StepNote{62, 4, 6}, StepNote{64, 6, 12}), Meter{0, 6, 8}, "- - -"},
	} {
		doc, err := tc.m.MusicXML(NotationOptions{Meters: []Meter{tc.meter}})
		if err != nil {
			t.Fatal(err)
		}
		_, s := readMusicXMLIn(t, doc, []Meter{tc.meter})
		var got []string
		for _, n := range s.Part[0].Measures[0].Notes {
			var bs []string
			for _, b := range n.Beams {
				kind := map[string]string{"begin": "b", "continue": "c", "end": "e", "forward hook": "h>", "backward hook": "h<"}[b.Kind]
				bs = append(bs, itoa(b.Number)+kind)
			}
			if len(bs) == 0 {
				bs = []string{"-"}
			}
			got = append(got, strings.Join(bs, ","))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s %v: beams %s, want %s", tc.meter, tc.m.Notes(), strings.Join(got, " "), tc.want)
		}
	}
}

// TestMusicXMLBarRest: a bar of rest is one measure rest, with no type, which readers
// draw as a whole rest.
func TestMusicXMLBarRest(t *testing.T) {
	for _, mt := range []Meter{{0, 9, 8}, {0, 5, 4}, {0, 6, 8}, {0, 3, 4}, {0, 4, 4}} {
		spb := mt.StepsPerBar()
		m := fromNotes(2*spb+4, StepNote{60, 0, 4}, StepNote{62, 2 * spb, 2*spb + 4})
		doc, err := m.MusicXML(NotationOptions{Meters: []Meter{mt}})
		if err != nil {
			t.Fatal(err)
		}
		_, s := readMusicXMLIn(t, doc, []Meter{mt})
		ns := s.Part[0].Measures[1].Notes
		if len(ns) != 1 || ns[0].Rest == nil || ns[0].Rest.Measure != "yes" || ns[0].Duration != spb || ns[0].Type != "" || len(ns[0].Dot) != 0 {
			t.Errorf("%s: bar 2 is %+v, want one measure rest with no type", mt, ns)
		}
	}
}

// TestABCTextMeters pins how notes are written in other meters and keys: values on the
// beats, spaces between beam groups, accidentals against the key signature.
func TestABCTextMeters(t *testing.T) {
	six := []Meter{{0, 6, 8}}
	for _, tc := range []struct {
		m      Melody
		opt    NotationOptions
		header string
		want   string
	}{
		{fromNotes(12, StepNote{65, 0, 2}, StepNote{67, 2, 4}, StepNote{69, 4, 6}, StepNote{70, 6, 8}, StepNote{72, 8, 10}, StepNote{74, 10, 12}),
			NotationOptions{Meters: six, Key: &Key{-1, false}}, "M:6/8\nL:1/16\nQ:1/4=120\nK:F\n", "F2G2A2 B2c2d2 |]"},
		{fromNotes(12, StepNote{60, 0, 4}, StepNote{62, 4, 6}, StepNote{64, 6, 10}, StepNote{65, 10, 12}), NotationOptions{Meters: six}, "M:6/8", "C4D2 E4F2 |]"},
		{fromNotes(12, StepNote{60, 0, 8}), NotationOptions{Meters: six}, "M:6/8", "C6- C2z4 |]"},
		{fromNotes(18, StepNote{60, 6, 18}), NotationOptions{Meters: []Meter{{0, 9, 8}}}, "M:9/8", "z6 C12 |]"},
		{fromNotes(12, StepNote{60, 0, 4}, StepNote{62, 4, 12}), NotationOptions{Meters: []Meter{{0, 3, 4}}}, "M:3/4", "C4 D8 |]"},
		{fromNotes(16, StepNote{60, 0, 4}, StepNote{62, 4, 12}, StepNote{64, 12, 16}), NotationOptions{Meters: []Meter{{0, 2, 2}}}, "M:2/2", "C4 D4- D4 E4 |]"},
		{fromNotes(16, StepNote{62, 0, 4}, StepNote{62, 4, 8}, StepNote{61, 8, 16}), NotationOptions{Key: &Key{-6, true}}, "K:Ebm\n", "=D4 =D4 _D8 |]"},
		{fromNotes(16, StepNote{66, 0, 4}, StepNote{65, 4, 8}, StepNote{66, 8, 16}), NotationOptions{Key: &Key{2, false}}, "K:D\n", "F4 =F4 ^F8 |]"},
		{fromNotes(20, StepNote{60, 0, 12}, StepNote{62, 12, 20}), NotationOptions{Meters: []Meter{{0, 3, 4}, {12, 2, 4}}}, "M:3/4", "C12 | [M:2/4] D8 |]"},
		{fromNotes(48, StepNote{60, 0, 24}, StepNote{62, 24, 48}), NotationOptions{Meters: []Meter{{0, 12, 8}}}, "M:12/8", "C24 | D24 |]"},
		{fromNotes(32, StepNote{60, 0, 32}), NotationOptions{Meters: []Meter{{0, 4, 2}}}, "M:4/2", "C32 |]"},
		{fromNotes(14, StepNote{60, 0, 2}, StepNote{62, 2, 4}, StepNote{64, 4, 6}, StepNote{65, 6, 8}, StepNote{67, 8, 14}), NotationOptions{Meters: []Meter{{0, 7, 8}}}, "M:7/8", "C2D2E2 F2G2- G4 |]"},
		{fromNotes(10, StepNote{60, 0, 2}, StepNote{62, 2, 6}, StepNote{64, 6, 10}), NotationOptions{Meters: []Meter{{0, 5, 8}}}, "M:5/8", "C2D4 E4 |]"},
		// A bar of rest is one rest, Z where the bar is no written value.
		{fromNotes(36, StepNote{60, 18, 36}), NotationOptions{Meters: []Meter{{0, 9, 8}}}, "M:9/8", "Z | C12- C6 |]"},
		{fromNotes(40, StepNote{62, 0, 20}), NotationOptions{Meters: []Meter{{0, 5, 4}}}, "M:5/4", "D16- D4 | Z |]"},
		{fromNotes(24, StepNote{62, 12, 24}), NotationOptions{Meters: []Meter{{0, 6, 8}}}, "M:6/8", "z12 | D12 |]"},
	} {
		abc, err := tc.m.ABC(tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		body := strings.TrimSpace(string(abc[bytes.Index(abc, []byte("\nK:"))+1:]))
		body = body[strings.IndexByte(body, '\n')+1:]
		if !bytes.Contains(abc, []byte(tc.header)) || body != tc.want {
			t.Errorf("%v in %v: wrote\n%s\nwant %q and %q", tc.m.Notes(), tc.opt.Meters, abc, tc.header, tc.want)
		}
	}
}

// TestABCRoundTripMeters has abc2midi play what ABC writes in other meters and keys, and
// reads the melody and the time signatures back.
func TestABCRoundTripMeters(t *testing.T) {
	abc2midi := requireTool(t, "abc2midi")
	dir := t.TempDir()
	for i, tc := range meterCases() {
		t.Run(tc.name, func(t *testing.T) {
			abc, err := tc.m.ABC(tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			src, out := filepath.Join(dir, itoa(i)+".abc"), filepath.Join(dir, itoa(i)+".mid")
			if err := os.WriteFile(src, abc, 0o644); err != nil {
				t.Fatal(err)
			}
			log, err := exec.Command(abc2midi, src, "-o", out).CombinedOutput()
			if err != nil || bytes.Contains(bytes.ToLower(log), []byte("error")) || bytes.Contains(bytes.ToLower(log), []byte("warning")) {
				t.Fatalf("abc2midi: %v\n%s\n%s", err, log, abc)
			}
			f, err := ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			want := paddedIn(tc.m, tc.opt.Meters)
			got, err := f.Melody(ExtractOptions{})
			if len(want.Notes()) == 0 {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Canonical(), want) {
				t.Fatalf("abc2midi played\n%swant\n%s\n%s", got.GridMeters(tc.opt.Meters), want.GridMeters(tc.opt.Meters), abc)
			}
			// abc2midi writes a change of meter where the first note tied across its bar
			// line starts (bar 2's last note, not bar 3's first): compare the meters only.
			var ms, want2 []string
			for _, mt := range f.Meters() {
				if mt.Step < len(want) {
					ms = append(ms, mt.String())
				}
			}
			for _, mt := range tc.opt.Meters {
				want2 = append(want2, mt.String())
			}
			if !slices.Equal(ms, want2) {
				t.Errorf("meters %v, want %v", ms, want2)
			}
			if k := tc.opt.key(); len(f.KeySigs) == 0 || f.KeySigs[0].Key != k {
				t.Errorf("key signatures %v, want %s", f.KeySigs, k)
			}
		})
	}
}

func TestNotationMeterErrors(t *testing.T) {
	m := fromNotes(16, StepNote{60, 0, 16})
	for _, tc := range []struct {
		opt NotationOptions
		say string
	}{
		{NotationOptions{Meters: []Meter{{0, 7, 32}}}, "a bar of 7/32 is not a whole number of 16ths"},
		{NotationOptions{Meters: []Meter{{0, 65, 4}}}, "a meter of 65/4: want at most 64 beats to the bar"},
		{NotationOptions{Meters: []Meter{{4, 3, 4}}}, "the first meter starts at step 4, want 0"},
		{NotationOptions{Meters: []Meter{{0, 3, 4}, {0, 2, 4}}}, "meters out of order"},
		{NotationOptions{Key: &Key{Fifths: 8}}, "a key of 8 fifths, want -7..7"},
	} {
		_, err1 := m.MusicXML(tc.opt)
		_, err2 := m.ABC(tc.opt)
		for _, err := range []error{err1, err2} {
			if err == nil || !strings.HasPrefix(err.Error(), "midi: ") || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("%+v: error %v, want one saying %q", tc.opt, err, tc.say)
			}
		}
	}
}
