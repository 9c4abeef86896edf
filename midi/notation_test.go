package midi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fromNotes builds a melody of length steps from notes.
func fromNotes(steps int, ns ...StepNote) Melody {
	m := make(Melody, steps)
	for _, n := range ns {
		m[n.Start] = NoteOnClass(n.Pitch)
		if n.End < steps {
			m[n.End] = NoteOff
		}
	}
	return m.Canonical()
}

// randomMelody is a melody of steps steps with notes and rests of random lengths up to
// two bars, at random pitches over the whole piano range.
func randomMelody(rng *rand.Rand, steps int) Melody {
	m := make(Melody, steps)
	for i := 0; i < steps; {
		d := 1 + rng.IntN(min(steps-i, 2*StepsPerBar))
		if rng.IntN(4) > 0 {
			m[i] = NoteOnClass(MinPitch + rng.IntN(MaxPitch-MinPitch+1))
		} else {
			m[i] = NoteOff
		}
		i += d
	}
	return m.Canonical()
}

// notationCases are melodies for the notation tests: notes across bar lines, long
// notes, sharps, the extremes of the piano, syncopation and rests at both ends.
func notationCases(t *testing.T) []struct {
	name string
	m    Melody
} {
	cases := []struct {
		name string
		m    Melody
	}{
		{"scale", mel(t, "C4", "-", "-", "-", "D4", "-", "-", "-", "E4", "-", "-", "-", "F4", "-", "-", "-")},
		{"across the bar line", fromNotes(32, StepNote{60, 0, 12}, StepNote{64, 12, 20}, StepNote{67, 20, 32})},
		{"held three bars", fromNotes(48, StepNote{62, 0, 48})},
		{"held three bars from an offbeat", fromNotes(56, StepNote{62, 3, 51})},
		{"sharps and naturals", mel(t, "C#4", "C4", "C#5", "-", "C4", "-", "F#3", "F3", "G#4", "-", "G4", "-", "A#6", "x", "A6", "D#4")},
		{"tied sharp across the bar", fromNotes(32, StepNote{61, 8, 24}, StepNote{60, 24, 28})},
		{"lowest and highest", fromNotes(32, StepNote{21, 0, 4}, StepNote{108, 4, 8}, StepNote{22, 8, 12}, StepNote{107, 12, 30})},
		{"bass line", fromNotes(16, StepNote{36, 0, 4}, StepNote{43, 4, 8}, StepNote{40, 8, 12}, StepNote{72, 12, 16})},
		{"rests at both ends", fromNotes(40, StepNote{67, 5, 9}, StepNote{65, 9, 11}, StepNote{64, 20, 27})},
		{"note to the end of an uneven melody", fromNotes(21, StepNote{60, 2, 21})},
		{"syncopated", fromNotes(32, StepNote{60, 1, 4}, StepNote{62, 4, 7}, StepNote{64, 7, 13}, StepNote{65, 13, 19}, StepNote{67, 19, 21}, StepNote{69, 22, 31})},
		{"every length in every place", func() Melody {
			var ns []StepNote
			at := 0
			for d := 1; d <= 17; d++ {
				ns = append(ns, StepNote{48 + d, at, at + d})
				at += d + 1
			}
			return fromNotes(at, ns...)
		}()},
		{"only rests", make(Melody, 20)},
		{"empty", Melody{}},
	}
	rng := rand.New(rand.NewPCG(7, 1))
	for i := range 12 {
		cases = append(cases, struct {
			name string
			m    Melody
		}{"random " + string(rune('a'+i)), randomMelody(rng, 16+rng.IntN(100))})
	}
	return cases
}

// padded is the melody as notation writes it: filled with rest to whole bars (at least
// one), in canonical form.
func padded(m Melody) Melody {
	bars := max(1, (len(m)+StepsPerBar-1)/StepsPerBar)
	p := make(Melody, bars*StepsPerBar)
	copy(p, m)
	if len(m) > 0 && len(m) < len(p) && sounding(m)[len(m)-1] {
		p[len(m)] = NoteOff
	}
	return p.Canonical()
}

// MusicXML as read back by the test.
type (
	xmlScore struct {
		XMLName xml.Name       `xml:"score-partwise"`
		Version string         `xml:"version,attr"`
		Title   string         `xml:"work>work-title"`
		Parts   []xmlScorePart `xml:"part-list>score-part"`
		Part    []xmlPart      `xml:"part"`
	}
	xmlScorePart struct {
		ID   string `xml:"id,attr"`
		Name string `xml:"part-name"`
	}
	xmlPart struct {
		ID       string       `xml:"id,attr"`
		Measures []xmlMeasure `xml:"measure"`
	}
	xmlMeasure struct {
		Number    string `xml:"number,attr"`
		Divisions int    `xml:"attributes>divisions"`
		Beats     int    `xml:"attributes>time>beats"`
		BeatType  int    `xml:"attributes>time>beat-type"`
		Fifths    *int   `xml:"attributes>key>fifths"`
		Mode      string `xml:"attributes>key>mode"`
		Clef      string `xml:"attributes>clef>sign"`
		Direction struct {
			Sound struct {
				Tempo string `xml:"tempo,attr"`
			} `xml:"sound"`
		} `xml:"direction"`
		Notes []xmlNote `xml:"note"`
	}
	xmlNote struct {
		Rest     *xmlRest   `xml:"rest"`
		Step     string     `xml:"pitch>step"`
		Alter    int        `xml:"pitch>alter"`
		Octave   int        `xml:"pitch>octave"`
		Duration int        `xml:"duration"`
		Tie      []xmlType  `xml:"tie"`
		Tied     []xmlType  `xml:"notations>tied"`
		Type     string     `xml:"type"`
		Dot      []struct{} `xml:"dot"`
		Beams    []xmlBeam  `xml:"beam"`
	}
	xmlRest struct {
		Measure string `xml:"measure,attr"`
	}
	xmlBeam struct {
		Number int    `xml:"number,attr"`
		Kind   string `xml:",chardata"`
	}
	xmlType struct {
		Type string `xml:"type,attr"`
	}
)

func (n xmlNote) has(ts []xmlType, typ string) bool {
	return slices.ContainsFunc(ts, func(x xmlType) bool { return x.Type == typ })
}

// readMusicXML checks the structure of a score in 4/4 and reads its melody back: pitches
// and tied durations in steps.
func readMusicXML(t *testing.T, doc []byte) (Melody, xmlScore) {
	t.Helper()
	return readMusicXMLIn(t, doc, nil)
}

// readMusicXMLIn is readMusicXML for a score in the given meters (nil: 4/4): every
// measure as long as its bar, with the time signature of its meter where it changes.
func readMusicXMLIn(t *testing.T, doc []byte, meters []Meter) (Melody, xmlScore) {
	t.Helper()
	if meters == nil {
		meters = []Meter{{0, 4, 4}}
	}
	if !bytes.Contains(doc, []byte(`<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN"`)) {
		t.Error("no MusicXML 4.0 DOCTYPE")
	}
	var s xmlScore
	if err := xml.Unmarshal(doc, &s); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if s.Version != "4.0" || len(s.Parts) != 1 || len(s.Part) != 1 || s.Parts[0].ID != s.Part[0].ID || s.Parts[0].Name == "" {
		t.Fatalf("score-partwise version %q, score-parts %+v, parts %d: want 4.0 and one named part whose id matches", s.Version, s.Parts, len(s.Part))
	}
	ms := s.Part[0].Measures
	if len(ms) == 0 {
		t.Fatal("no measures")
	}
	div := ms[0].Divisions
	if div <= 0 || ms[0].Beats != meters[0].Num || ms[0].BeatType != meters[0].Den || ms[0].Clef == "" || ms[0].Fifths == nil {
		t.Fatalf("measure 1 has divisions %d, time %d/%d, clef %q, key %v", div, ms[0].Beats, ms[0].BeatType, ms[0].Clef, ms[0].Fifths)
	}
	if StepsPerQuarter%div != 0 && div%StepsPerQuarter != 0 {
		t.Fatalf("divisions %d", div)
	}
	values := map[string]int{"breve": 32, "whole": 16, "half": 8, "quarter": 4, "eighth": 2, "16th": 1}
	total := 0 // steps
	for _, me := range ms {
		for _, n := range me.Notes {
			total += n.Duration * StepsPerQuarter / div
		}
	}
	bars := Bars(meters, total)
	if len(bars) != len(ms) {
		t.Fatalf("%d measures, want %d bars", len(ms), len(bars))
	}
	var (
		m        Melody
		open     = -1 // pitch of a tie awaiting its stop
		sounding bool
	)
	for i, me := range ms {
		if me.Number != strconv.Itoa(i+1) {
			t.Fatalf("measure %d is numbered %q", i+1, me.Number)
		}
		if changed := i > 0 && bars[i].Meter != bars[i-1].Meter; changed && (me.Beats != bars[i].Meter.Num || me.BeatType != bars[i].Meter.Den) || !changed && i > 0 && me.Beats != 0 {
			t.Fatalf("measure %d has time %d/%d, in %s", i+1, me.Beats, me.BeatType, bars[i].Meter)
		}
		sum := 0
		var open1 bool
		for _, n := range me.Notes {
			for _, bm := range n.Beams {
				if n.Rest != nil || (n.Type != "eighth" && n.Type != "16th") || bm.Number == 2 && n.Type != "16th" {
					t.Fatalf("measure %d: a beam %d on a %s (rest %v)", i+1, bm.Number, n.Type, n.Rest != nil)
				}
				if bm.Number != 1 {
					continue
				}
				switch {
				case bm.Kind == "begin" && !open1:
					open1 = true
				case bm.Kind == "continue" && open1:
				case bm.Kind == "end" && open1:
					open1 = false
				default:
					t.Fatalf("measure %d: beam %q", i+1, bm.Kind)
				}
			}
			if open1 && !slices.ContainsFunc(n.Beams, func(b xmlBeam) bool { return b.Number == 1 }) {
				t.Fatalf("measure %d: an unbeamed note inside a beam", i+1)
			}
			sum += n.Duration
			steps := n.Duration * StepsPerQuarter / div
			v, ok := values[n.Type]
			if len(n.Dot) == 1 {
				v = v * 3 / 2
			}
			if n.Rest != nil && n.Rest.Measure == "yes" && n.Type == "" && len(n.Dot) == 0 {
				v, ok = bars[i].Steps, true // a measure rest needs no type
			}
			if n.Rest != nil && (n.Rest.Measure == "yes") != (steps == bars[i].Steps) {
				t.Fatalf("measure %d: a rest of %d steps with measure=%q", i+1, steps, n.Rest.Measure)
			}
			if !ok || len(n.Dot) > 1 || v != steps {
				t.Fatalf("measure %d: a note of type %q with %d dots lasts %d steps", i+1, n.Type, len(n.Dot), steps)
			}
			stop, start := n.has(n.Tie, "stop"), n.has(n.Tie, "start")
			if stop != n.has(n.Tied, "stop") || start != n.has(n.Tied, "start") {
				t.Fatalf("measure %d: tie and tied disagree: %+v %+v", i+1, n.Tie, n.Tied)
			}
			from := len(m)
			m = append(m, make(Melody, steps)...)
			if n.Rest != nil {
				if stop || start || open >= 0 {
					t.Fatalf("measure %d: a rest tied, or a tie ending in a rest", i+1)
				}
				if sounding {
					m[from] = NoteOff
				}
				sounding = false
				continue
			}
			p := (n.Octave+1)*12 + strings.Index("C D EF G A B", n.Step) + n.Alter
			if stop != (open >= 0) || stop && p != open {
				t.Fatalf("measure %d: tie stop %v on %s after a tie start on %d", i+1, stop, PitchName(p), open)
			}
			open = -1
			if start {
				open = p
			}
			if !stop {
				m[from] = NoteOnClass(p)
			}
			sounding = true
		}
		if open1 {
			t.Fatalf("measure %d ends inside a beam", i+1)
		}
		if want := bars[i].Steps * div / StepsPerQuarter; sum != want {
			t.Fatalf("measure %d lasts %d divisions, want %d", i+1, sum, want)
		}
	}
	if open >= 0 {
		t.Fatal("the last note's tie is never stopped")
	}
	return m, s
}

func TestMusicXML(t *testing.T) {
	for _, tc := range notationCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := tc.m.MusicXML(NotationOptions{Title: "A & B <tune>", QPM: 96})
			if err != nil {
				t.Fatal(err)
			}
			back, s := readMusicXML(t, doc)
			if want := padded(tc.m); !slices.Equal(back, want) {
				t.Fatalf("read back\n%swant\n%s\n%s", back, want, doc)
			}
			if s.Title != "A & B <tune>" || s.Part[0].Measures[0].Direction.Sound.Tempo != "96" {
				t.Errorf("title %q, tempo %q", s.Title, s.Part[0].Measures[0].Direction.Sound.Tempo)
			}
		})
	}
}

func TestMusicXMLClef(t *testing.T) {
	for _, tc := range []struct {
		m    Melody
		clef string
	}{
		{fromNotes(16, StepNote{36, 0, 4}, StepNote{43, 4, 8}, StepNote{59, 8, 12}, StepNote{72, 12, 16}), "F"},
		{fromNotes(16, StepNote{36, 0, 4}, StepNote{60, 4, 8}, StepNote{62, 8, 12}, StepNote{59, 12, 16}), "G"},
		{Melody{}, "G"},
	} {
		doc, err := tc.m.MusicXML(NotationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, s := readMusicXML(t, doc); s.Part[0].Measures[0].Clef != tc.clef {
			t.Errorf("%v: clef %s, want %s", tc.m.Notes(), s.Part[0].Measures[0].Clef, tc.clef)
		}
	}
}

func TestNotationErrors(t *testing.T) {
	for _, tc := range []struct {
		m   Melody
		opt NotationOptions
		say string
	}{
		{Melody{NoteOnClass(60), NumClasses}, NotationOptions{}, "step 1 has class 90"},
		{Melody{NoteOnClass(60)}, NotationOptions{QPM: -1}, "tempo -1 qpm"},
	} {
		_, err1 := tc.m.MusicXML(tc.opt)
		_, err2 := tc.m.ABC(tc.opt)
		for _, err := range []error{err1, err2} {
			if err == nil || !strings.HasPrefix(err.Error(), "midi: ") || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("error %v, want one saying %q", err, tc.say)
			}
		}
	}
}

// TestABCText pins how notes are split into written values: within a beat, on beats,
// and not across the middle of the bar unless from its start.
func TestABCText(t *testing.T) {
	for _, tc := range []struct {
		m    Melody
		want string
	}{
		{fromNotes(16, StepNote{60, 4, 16}), "z4 C4- C8 |]"},
		{fromNotes(16, StepNote{60, 0, 12}, StepNote{72, 12, 16}), "C12 c4 |]"},
		{fromNotes(16, StepNote{60, 2, 8}, StepNote{62, 8, 14}), "z2C2- C4 D6z2 |]"},
		{fromNotes(16, StepNote{60, 1, 4}, StepNote{61, 4, 7}, StepNote{64, 7, 8}, StepNote{60, 8, 9}), "zC3 ^C3E =Cz3 z4 |]"},
		// A note that falls a semitone is written as the flat of the letter above.
		{fromNotes(16, StepNote{60, 1, 4}, StepNote{61, 4, 7}, StepNote{60, 7, 9}), "zC3 _D3C- Cz3 z4 |]"},
		{fromNotes(32, StepNote{61, 14, 18}, StepNote{49, 18, 19}), "z12 z2^C2- | ^C2^C,z z4 z8 |]"},
		{fromNotes(8, StepNote{21, 0, 2}, StepNote{108, 2, 4}, StepNote{59, 4, 5}), "A,,,,2c'''2 B,z3 z8 |]"},
		{Melody{}, "z16 |]"},
	} {
		abc, err := tc.m.ABC(NotationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		body := string(abc[bytes.Index(abc, []byte("K:C\n"))+4:])
		if strings.TrimSpace(body) != tc.want {
			t.Errorf("%v: wrote %q, want %q", tc.m.Notes(), body, tc.want)
		}
	}
}

// TestABCRoundTrip has abc2midi (Debian's abcmidi) play what ABC writes and reads the
// melody back from its MIDI file. abc2midi starts each note a tick late and ends the
// track a few ticks after the last bar, which quantising to 16ths absorbs.
func TestABCRoundTrip(t *testing.T) {
	abc2midi := requireTool(t, "abc2midi")
	dir := t.TempDir()
	for i, tc := range notationCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			abc, err := tc.m.ABC(NotationOptions{Title: tc.name, QPM: 90})
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
			if f.QPM < 89.99 || f.QPM > 90.01 {
				t.Errorf("tempo %v qpm, want 90", f.QPM)
			}
			want := padded(tc.m)
			got, err := f.Melody(ExtractOptions{})
			if len(want.Notes()) == 0 {
				if !errors.Is(err, ErrNoMelody) {
					t.Fatalf("a melody of rests gave %v, %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Canonical(), want) {
				t.Fatalf("abc2midi played\n%swant\n%s\n%s", got, want, abc)
			}
		})
	}
}

// TestMusicXMLInMuseScore has MuseScore (Debian's musescore3) import what MusicXML writes,
// checking it against the MusicXML schema it carries, play it to MIDI and write it back as
// MusicXML. The notes, the time signatures and the key signature read back from the MIDI
// file must be the score's, and MuseScore's MusicXML must have the score's key signature,
// spelling and beams: what it understood is what was meant.
// A copy of the first score with an element the schema does not allow must fail the
// check, so that a MuseScore that stopped saying so would fail the test, not pass it.
func TestMusicXMLInMuseScore(t *testing.T) {
	mscore := requireTool(t, "mscore3", "musescore3")
	dir := t.TempDir()
	var cases []notationCase
	for _, tc := range notationCases(t) {
		cases = append(cases, notationCase{tc.name, tc.m, NotationOptions{Title: tc.name, QPM: 90}})
	}
	// Scores in 3/4, 6/8, 9/8, ..., meter changes, and flat and sharp keys.
	cases = append(cases, meterCases()...)
	var (
		job  []museScoreJob
		docs [][]byte
	)
	for i, tc := range cases {
		doc, err := tc.m.MusicXML(tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, doc)
		job = append(job, museScoreJob{filepath.Join(dir, itoa(i)+".musicxml"), []string{filepath.Join(dir, itoa(i)+".mid"), filepath.Join(dir, itoa(i)+"-back.musicxml")}})
	}
	invalid := bytes.Replace(docs[0], []byte("<voice>1</voice>"), []byte("<voice>1</voice><stem-length>3</stem-length>"), 1)
	docs = append(docs, invalid)
	job = append(job, museScoreJob{filepath.Join(dir, "invalid.musicxml"), []string{filepath.Join(dir, "invalid.mid")}})
	for i, doc := range docs {
		if err := os.WriteFile(job[i].In, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logs := museScore(t, mscore, dir, job)
	if l := logs[len(job)-1]; !strings.Contains(l, "not a valid MusicXML file") {
		t.Fatalf("MuseScore took a score with an element the schema does not allow, saying\n%s", l)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// MuseScore logs a file that fails the schema, and goes on; and an error of its
			// importer ("Error at line 5 col 16: no instrument found for part 'P1'").
			if strings.Contains(logs[i], "not a valid MusicXML file") || strings.Contains(strings.ToLower(logs[i]), "error") {
				t.Errorf("MuseScore:\n%s", logs[i])
			}
			back, err := os.ReadFile(job[i].Out[1])
			if err != nil {
				t.Fatal(err)
			}
			var ours, theirs xmlScore
			if err := xml.Unmarshal(docs[i], &ours); err != nil {
				t.Fatal(err)
			}
			if err := xml.Unmarshal(back, &theirs); err != nil {
				t.Fatalf("MuseScore's MusicXML: %v", err)
			}
			if w, g := ours.Part[0].Measures[0].Fifths, theirs.Part[0].Measures[0].Fifths; g == nil || *g != *w {
				t.Errorf("MuseScore's MusicXML has key %v, want %d fifths", g, *w)
			}
			if w, g := writtenNotes(ours), writtenNotes(theirs); g != w {
				t.Errorf("MuseScore's MusicXML has the notes and beams\n%s\nwant\n%s", g, w)
			}
			f, err := ReadFile(job[i].Out[0])
			if err != nil {
				t.Fatal(err)
			}
			meters, _ := tc.opt.meters()
			if ms := f.Meters(); !slices.Equal(ms, meters) {
				t.Errorf("MuseScore wrote meters %v, want %v", ms, meters)
			}
			// MuseScore 3 writes the key's sharps or flats, and always major.
			if want := tc.opt.key(); len(f.KeySigs) != 1 || f.KeySigs[0].Tick != 0 || f.KeySigs[0].Key.Fifths != want.Fifths {
				t.Errorf("MuseScore wrote key signatures %v, want one of %d fifths at the start", f.KeySigs, want.Fifths)
			}
			got, err := f.Melody(ExtractOptions{})
			want := tc.m.Notes()
			if len(want) == 0 {
				if !errors.Is(err, ErrNoMelody) {
					t.Fatalf("a melody of rests came back as %v, %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Notes(), want) {
				t.Fatalf("MuseScore played\n%swant\n%s", got.GridMeters(meters), tc.m.GridMeters(meters))
			}
		})
	}
}

// museScoreJob is one file for mscore3 -j to convert, into each of the files Out.
type museScoreJob struct {
	In  string   `json:"in"`
	Out []string `json:"out"`
}

// writtenNotes lists a score's notes as written, bar by bar: each pitched note's spelling
// (Bb4; a tie's stop marked ~) and its beams ([1begin][2hook]), rests as r. Hooks are
// not told apart: MuseScore turns them its own way (it writes the 16th of a dotted 8th,
// 16th and 8th in 6/8 with a forward hook, where we write the backward hook that ties it
// to the dotted 8th).
func writtenNotes(s xmlScore) string {
	var b strings.Builder
	for _, me := range s.Part[0].Measures {
		b.WriteString("|")
		for _, n := range me.Notes {
			b.WriteString(" ")
			if n.Rest != nil {
				b.WriteString("r")
				continue
			}
			if n.has(n.Tie, "stop") {
				b.WriteString("~")
			}
			b.WriteString(n.Step + map[int]string{-1: "b", 0: "", 1: "#"}[n.Alter] + itoa(n.Octave))
			for _, bm := range n.Beams {
				b.WriteString("[" + itoa(bm.Number) + strings.TrimPrefix(strings.TrimPrefix(bm.Kind, "forward "), "backward ") + "]")
			}
		}
	}
	return b.String()
}

// museScore has one MuseScore convert each of the job's files ("in" to "out"): it takes
// a quarter of a second to start. It returns what MuseScore logged about each file.
func museScore(t *testing.T, mscore, dir string, job []museScoreJob) []string {
	t.Helper()
	jobFile := filepath.Join(dir, "job.json")
	b, _ := json.Marshal(job)
	if err := os.WriteFile(jobFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Qt wants a runtime folder only its user may enter.
	run := filepath.Join(dir, "xdg")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(mscore, "-j", jobFile)
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+run)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mscore3 -j: %v\n%s", err, out)
	}
	// Each file's part of the log begins "convert <FILE>..." and ends "... success!".
	logs := make([]string, len(job))
	for i, j := range job {
		from := bytes.Index(out, []byte("convert <"+j.In+">..."))
		if from < 0 {
			t.Fatalf("MuseScore said nothing of %s:\n%s", j.In, out)
		}
		part := out[from:]
		if end := bytes.Index(part, []byte("... success!")); end >= 0 {
			part = part[:end]
		} else {
			t.Errorf("MuseScore did not convert %s", j.In)
		}
		logs[i] = string(part)
	}
	return logs
}

// requireTool finds one of a program's names on PATH. Without it the test skips, unless
// MUSAE_REQUIRE_TOOLS=1 (CI sets it, having installed the program), when it fails.
func requireTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MUSAE_REQUIRE_TOOLS") == "1" {
		t.Fatalf("none of %v is installed, and MUSAE_REQUIRE_TOOLS=1", names)
	}
	t.Skipf("none of %v is installed", names)
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }
