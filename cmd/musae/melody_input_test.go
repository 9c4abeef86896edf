package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/latent/domain/melody"
	"musae/midi"
)

func TestReadMelodyInputChoosesTrack(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	named := func(s string, body []byte) []byte {
		return append([]byte{0, 0xFF, 0x03, byte(len(s))}, append([]byte(s), body...)...)
	}
	// A chord of three notes on every quarter, below a line named MELODY.
	var chords []byte
	for range 8 {
		chords = append(chords, 0, 0x90, 48, 90, 0, 0x90, 52, 90, 0, 0x90, 55, 90, 96, 0x80, 48, 0, 0, 0x80, 52, 0, 0, 0x80, 55, 0)
	}
	song := write("song.mid", rawSMF(named("PIANO", chords), named("MELODY", quarters(1, 60, 62, 64, 65, 67, 65, 64, 62))))
	unnamed := write("unnamed.mid", rawSMF(chords, quarters(1, 72, 71, 69, 67, 65, 64, 62, 60)))
	single := write("single.mid", rawSMF(quarters(0, 60, 62, 64, 65, 67, 65, 64, 62)))

	for _, tc := range []struct {
		path, track string
		where       string
		first       int    // the pitch of the window's first note
		chords      string // the chords read under the window (from the other track); * for any
	}{
		{song, "", `the first 2-bar window with notes, of track 1 "MELODY" (named as a melody), chords estimated a beat at a time from track 0`, 60, "C C"},
		{unnamed, "", "the first 2-bar window with notes, of track 1: the most melodic of 2 tracks, 8 of its 8 notes sound alone in C3–C6, around F#4 (next: track 0, 0 of 24, around E3), chords estimated a beat at a time from track 0", 72, "C C"},
		{song, "PIANO", "the first 2-bar window with notes, chords estimated a beat at a time from track 1", 55, "*"},
		{single, "", "the first 2-bar window with notes", 60, ""},
	} {
		t.Run(filepath.Base(tc.path)+" "+tc.track, func(t *testing.T) {
			in, err := domain.ReadFile(melody.New(), tc.path, domain.ReadOptions{Track: tc.track})
			if err != nil {
				t.Fatal(err)
			}
			if in.Where != tc.where {
				t.Errorf("where %q\nwant  %q", in.Where, tc.where)
			}
			if got := in.Conditions["chords"]; tc.chords != "*" && got != tc.chords {
				t.Errorf("chords %q, want %q", got, tc.chords)
			}
			w := in.Value.(midi.Melody)
			if p, ok := midi.ClassPitch(w[0]); !ok || p != tc.first {
				t.Errorf("window starts with class %d, want a note-on of %s:\n%s", w[0], midi.PitchName(tc.first), w)
			}
		})
	}

	drums := write("drums.mid", rawSMF(quarters(9, 36, 38, 36, 38)))
	if _, err := domain.ReadFile(melody.New(), drums, domain.ReadOptions{}); err == nil || !strings.Contains(err.Error(), drums+": midi: no melody: none of the 4 notes of the file is usable: 4 on the drum channel 10") || domain.IsInputError(err) {
		t.Errorf("drums only: %v, want the reason, not a usage error", err)
	}
}

// TestReadMelodyInputBarsInOwnMeter: --bar counts bars in the file's own meter, as a
// score of it numbers them, and a bar in a meter that the 4/4 model cannot read is
// refused, naming the meter.
func TestReadMelodyInputBarsInOwnMeter(t *testing.T) {
	dir := t.TempDir()
	var pitches []byte
	for i := range 24 {
		pitches = append(pitches, byte(48+i))
	}
	write := func(name string, meters ...byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, rawSMF(meters, quarters(0, pitches...)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	timeSig := func(delta byte, num, log2den byte) []byte { return []byte{delta, 0xFF, 0x58, 4, num, log2den, 24, 8} }
	fourFour := write("four.mid")
	twoFour := write("two.mid", timeSig(0, 2, 2)...)
	jig := write("jig.mid", timeSig(0, 6, 3)...)
	// One bar of 3/4, then 4/4 from the fourth quarter (tick 288), in a track of its own.
	waltzThenFour := write("waltz-four.mid", append(timeSig(0, 3, 2), append([]byte{0x82, 0x20}, timeSig(0, 4, 2)[1:]...)...)...)
	for _, tc := range []struct {
		path  string
		bar   int
		where string
		first int // the window's first pitch
	}{
		{fourFour, 2, "bars 2–3", 52},
		{twoFour, 3, "bars 3–6 of 2/4", 52},
		{waltzThenFour, 2, "bars 2–3", 51},
		{waltzThenFour, 3, "bars 3–4", 55},
		{jig, 2, "bars 2–3 of 6/8", 0},
		{waltzThenFour, 1, "bars 1–2 of 3/4+4/4", 0},
	} {
		t.Run(filepath.Base(tc.path)+" bar "+strconv.Itoa(tc.bar), func(t *testing.T) {
			in, err := domain.ReadFile(melody.New(), tc.path, domain.ReadOptions{Bar: tc.bar})
			if err != nil {
				t.Fatal(err)
			}
			w := in.Value.(midi.Melody)
			if tc.first == 0 {
				// Another meter: the window in it, which a model of 4/4 windows refuses,
				// naming the meter and the model that reads it.
				m, err := domain.Open("mel2-tiny", melody.New())
				if err != nil {
					t.Fatal(err)
				}
				_, _, err = m.Encode([]domain.Example{in})
				if in.Where != tc.where || !domain.IsInputError(err) || !strings.Contains(err.Error(), "of "+in.Conditions["meter"]+"; mel2-tiny reads windows of 32") || !strings.Contains(err.Error(), "mel2-meters") {
					t.Errorf("%s (%s), mel2-tiny: %v; want %s, refused as an input error", in.Where, in.Conditions, err, tc.where)
				}
				return
			}
			if p, _ := midi.ClassPitch(w[0]); in.Where != tc.where || p != tc.first || len(w) != midi.WindowSteps {
				t.Errorf("%s from %s (%d steps), want %s from %s", in.Where, midi.PitchName(p), len(w), tc.where, midi.PitchName(tc.first))
			}
		})
	}
	for _, tc := range []struct {
		path  string
		bar   int
		say   string
		usage bool
	}{
		{fourFour, 7, fourFour + ": --bar 7 is past the end of the melody, which has 6 bars", true},
		{jig, 9, jig + ": --bar 9 is past the end of the melody, which has 8 bars", true},
	} {
		_, err := domain.ReadFile(melody.New(), tc.path, domain.ReadOptions{Bar: tc.bar})
		if err == nil || !strings.Contains(err.Error(), tc.say) || domain.IsInputError(err) != tc.usage {
			t.Errorf("%s --bar %d: %v; want %q (a usage error: %v)", tc.path, tc.bar, err, tc.say, tc.usage)
		}
	}
}
