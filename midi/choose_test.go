package midi

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// notesAt is a track body of notes on channel ch: one note of each pitch list, all of a
// chord together, each chord lasting dur ticks from the end of the one before.
func notesAt(ch, dur int, chords ...[]int) []ev {
	var evs []ev
	for i, c := range chords {
		for _, p := range c {
			evs = append(evs, on(i*dur, ch, p, 100), off((i+1)*dur, ch, p))
		}
	}
	// Offs before ons on the same tick, so that a repeated key is not cut short.
	slices.SortStableFunc(evs, func(a, b ev) int {
		if a.tick != b.tick {
			return a.tick - b.tick
		}
		return int(a.b[0]&0xF0) - int(b.b[0]&0xF0)
	})
	return evs
}

// line is notesAt with one note at a time.
func line(ch, dur int, pitches ...int) []ev {
	cs := make([][]int, len(pitches))
	for i, p := range pitches {
		cs[i] = []int{p}
	}
	return notesAt(ch, dur, cs...)
}

// arpeggio is the pitches on channel ch an 8th apart from tick at, all held to the end of
// the bar, as with the sustain pedal down.
func arpeggio(at, ch int, pitches ...int) []ev {
	var evs []ev
	for i, p := range pitches {
		evs = append(evs, on(at+i*240, ch, p, 90))
	}
	for _, p := range pitches {
		evs = append(evs, off(at+4*480, ch, p))
	}
	return evs
}

func track(head []ev, body []ev) []ev { return append(slices.Clone(head), body...) }

func TestChooseMelodyTrack(t *testing.T) {
	const q = 480
	tune := []int{60, 62, 64, 65, 67, 69, 71, 72}
	triads := [][]int{{48, 52, 55}, {53, 57, 60}, {55, 59, 62}, {48, 52, 55}, {53, 57, 60}, {55, 59, 62}}
	var high [][]int
	for _, c := range triads {
		high = append(high, []int{c[0] + 24, c[1] + 24, c[2] + 24})
	}
	for _, tc := range []struct {
		name      string
		tracks    [][]ev
		opt       ExtractOptions
		index     int
		reason    string // a part of the reason
		optsTrack string
	}{
		{
			name:      "a track named MELODY wins over a more melodic one",
			tracks:    [][]ev{track([]ev{name("PIANO")}, line(0, q/2, append(tune, tune...)...)), track([]ev{name("MELODY")}, line(1, q, 60, 64))},
			index:     1,
			reason:    `track 1 "MELODY" (named as a melody)`,
			optsTrack: "1",
		},
		{
			name:      "names match by word, in any case, whatever the program",
			tracks:    [][]ev{line(0, q, tune...), track([]ev{name("Lead vocal"), prog(0, 1, 73)}, line(1, q, 72, 74))},
			index:     1,
			reason:    `track 1 "Lead vocal" (named as a melody)`,
			optsTrack: "1",
		},
		{
			name:   "a track named as a melody with only drums is not taken",
			tracks: [][]ev{track([]ev{name("melody")}, line(9, q, tune...)), line(0, q, 60, 62)},
			index:  1,
			reason: "track 1, the only track with notes of programs 0–31 off the drum channel",
		},
		{
			name:      "unnamed: the single line beats the chord track, higher and with more notes",
			tracks:    [][]ev{notesAt(0, q, high...), line(1, q, 60, 62, 64, 65, 67)},
			index:     1,
			reason:    "track 1: the most melodic of 2 tracks, 5 of its 5 notes sound alone in C3–C6, around E4 (next: track 0, 0 of 18, around G#5)",
			optsTrack: "1",
		},
		{
			name: "a pedalled arpeggio sounds over its own onsets",
			// Each note of the arpeggio rings to the end of its bar, so only the first of
			// each bar sounds alone; the line below it is the melody.
			tracks: [][]ev{
				append(arpeggio(0, 0, 60, 67, 72, 76), arpeggio(4*q, 0, 60, 67, 72, 76)...),
				line(1, q, 55, 57, 59, 60, 62, 64),
			},
			index:     1,
			reason:    "6 of its 6 notes sound alone in C3–C6, around C4 (next: track 0, 2 of 8, around A4)",
			optsTrack: "1",
		},
		{
			name:      "a high fill with under half the melody's notes is no line",
			tracks:    [][]ev{line(0, q, 84, 83, 81), line(1, q/2, 60, 62, 64, 65, 67, 69, 71)},
			index:     1,
			reason:    "7 of its 7 notes sound alone",
			optsTrack: "1",
		},
		{
			name:      "the melody beats a busier bass line below C3",
			tracks:    [][]ev{line(0, q/2, 36, 43, 36, 43, 38, 45, 38, 45, 36, 43), line(1, q, 72, 71, 69, 67)},
			index:     1,
			reason:    "4 of its 4 notes sound alone",
			optsTrack: "1",
		},
		{
			name:      "drums are never chosen, however melodic",
			tracks:    [][]ev{line(9, q/4, append(tune, tune...)...), line(0, q, 60, 62), line(1, q, 50, 52, 53)},
			index:     2,
			reason:    "the most melodic of 2 tracks",
			optsTrack: "2",
		},
		{
			name:      "of tracks as melodic, the higher wins",
			tracks:    [][]ev{line(0, q, 60, 62, 64), line(1, q, 72, 74, 76), line(2, q, 48, 50, 52)},
			index:     1,
			reason:    "track 1: the most melodic of 3 tracks, 3 of its 3 notes",
			optsTrack: "1",
		},
		{
			name:   "programs outside 0–31 are left out, and said",
			tracks: [][]ev{track([]ev{name("Piano")}, notesAt(0, q, triads...)), track([]ev{name("Low")}, line(2, q, 12, 14)), track([]ev{name("Flute"), prog(0, 1, 73)}, line(1, q, tune...))},
			index:  0,
			reason: `track 0 "Piano", the only track with notes of programs 0–31 off the drum channel; left out for programs outside 0–31: track 2 "Flute" (73 Flute)`,
		},
		{
			name:      "AllPrograms weighs them",
			tracks:    [][]ev{track([]ev{name("Piano")}, notesAt(0, q, triads...)), track([]ev{name("Flute"), prog(0, 1, 73)}, line(1, q, tune...))},
			opt:       ExtractOptions{AllPrograms: true},
			index:     1,
			reason:    `track 1 "Flute": the most melodic of 2 tracks`,
			optsTrack: "1",
		},
		{
			name:      "a track asked for is taken",
			tracks:    [][]ev{track([]ev{name("MELODY")}, line(0, q, tune...)), track([]ev{name("Bass")}, line(1, q, 36))},
			opt:       ExtractOptions{Track: "bass"},
			index:     1,
			reason:    `track 1 "Bass", as asked`,
			optsTrack: "1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(q, tc.tracks...))
			got, err := f.ChooseMelodyTrack(tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got.Index != tc.index || !strings.Contains(got.Reason, tc.reason) || got.Options.Track != tc.optsTrack || got.Options.AllPrograms != tc.opt.AllPrograms {
				t.Errorf("got track %d, options %+v, %q\nwant track %d, Track %q, %q", got.Index, got.Options, got.Reason, tc.index, tc.optsTrack, tc.reason)
			}
			if _, err := f.Melody(got.Options); err != nil {
				t.Errorf("the options chosen give no melody: %v", err)
			}
		})
	}
}

func TestChooseMelodyTrackFormat0(t *testing.T) {
	// One track holds a piano line and strings; the choice merges, so the strings stay out.
	const q = 480
	evs := append([]ev{prog(0, 1, 48)}, notesAt(1, 4*q, []int{72, 76, 79})...)
	evs = append(evs, line(0, q, 60, 62, 64, 65)...)
	slices.SortStableFunc(evs, func(a, b ev) int { return a.tick - b.tick })
	f := mustRead(t, smfBytes(q, evs))
	got, err := f.ChooseMelodyTrack(ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Index != 0 || got.Options.Track != "" {
		t.Fatalf("got %+v, want track 0 merged", got)
	}
	m, err := f.Melody(got.Options)
	if err != nil {
		t.Fatal(err)
	}
	if want := mel(t, "C4", "-", "-", "-", "D4", "-", "-", "-", "E4", "-", "-", "-", "F4", "-", "-", "-"); !slices.Equal(m, want) {
		t.Errorf("melody\n%s, want\n%s", m, want)
	}
}

func TestChooseMelodyTrackRefuses(t *testing.T) {
	const q = 480
	for _, tc := range []struct {
		name   string
		tracks [][]ev
		opt    ExtractOptions
		is     error
		says   []string
	}{
		{
			name:   "a flute, and how to take it",
			tracks: [][]ev{{name("tempo")}, track([]ev{name("Flute"), prog(0, 0, 73)}, line(0, q, 72, 74, 76)), track([]ev{prog(0, 1, 40)}, line(1, q, 60))},
			is:     ErrNoMelody,
			says: []string{
				"midi: no melody: none of the 4 notes of the file is usable: 4 of programs outside 0–31 (73 Flute, 40 Violin); ",
				"MusicVAE's melody models leave out programs outside 0–31: pick a track to take its notes anyway, or keep all programs",
			},
		},
		{
			name:   "only drums",
			tracks: [][]ev{line(9, q, 36, 38, 42)},
			is:     ErrNoMelody,
			says:   []string{"none of the 3 notes of the file is usable: 3 on the drum channel 10"},
		},
		{
			name:   "no notes",
			tracks: [][]ev{{name("empty")}},
			is:     ErrNoMelody,
			says:   []string{"the file has no notes"},
		},
		{
			name:   "no such track",
			tracks: [][]ev{line(0, q, 60)},
			opt:    ExtractOptions{Track: "MELODY"},
			is:     ErrNoTrack,
			says:   []string{`no such track "MELODY" (the file has 0 "")`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(q, tc.tracks...))
			got, err := f.ChooseMelodyTrack(tc.opt)
			if !errors.Is(err, tc.is) {
				t.Fatalf("got %+v, %v; want an error wrapping %v", got, err, tc.is)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q\nwant it to say %q", err, s)
				}
			}
		})
	}
}

func TestNamesMelody(t *testing.T) {
	for name, want := range map[string]bool{
		"MELODY": true, "melody": true, "Melody 2": true, "Lead Vocal": true, "vocals": true, "VOICE": true,
		"": false, "PIANO": false, "BRIDGE": false, "Leader": false, "Melodyne": false, "Bass": false,
	} {
		if got := namesMelody(name); got != want {
			t.Errorf("namesMelody(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestChooseMelodyTrackPOP909 hides the track names of POP909's songs (MELODY, BRIDGE,
// PIANO) and checks that the most melodic track is nearly always MELODY, as a person
// listening would say; with the names, it always is.
func TestChooseMelodyTrackPOP909(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 909 files")
	}
	paths, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "melodies", "pop909", "*.mid"))
	if len(paths) == 0 {
		t.Skip("no POP909 here")
	}
	chosen := map[string]int{}
	for _, p := range paths {
		f, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f.AlignToGrid()
		if c, err := f.ChooseMelodyTrack(ExtractOptions{}); err != nil || f.Tracks[c.Index].Name != "MELODY" {
			t.Errorf("%s: %+v, %v; want MELODY", p, c, err)
		}
		names := make([]string, len(f.Tracks))
		for i := range f.Tracks {
			names[i], f.Tracks[i].Name = f.Tracks[i].Name, ""
		}
		c, err := f.ChooseMelodyTrack(ExtractOptions{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		chosen[names[c.Index]]++
	}
	t.Logf("with the names hidden, of %d songs: %v", len(paths), chosen)
	if 100*chosen["MELODY"] < 93*len(paths) {
		t.Errorf("MELODY chosen in %d of %d songs, want at least 93%%", chosen["MELODY"], len(paths))
	}
}
