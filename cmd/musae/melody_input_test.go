package main

import (
	"os"
	"path/filepath"
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
		first       int // the pitch of the window's first note
	}{
		{song, "", `the first 2-bar window with notes, of track 1 "MELODY" (named as a melody)`, 60},
		{unnamed, "", "the first 2-bar window with notes, of track 1: the most melodic of 2 tracks, 8 of its 8 notes sound alone in C3–C6, around F#4 (next: track 0, 0 of 24, around E3)", 72},
		{song, "PIANO", "the first 2-bar window with notes", 55},
		{single, "", "the first 2-bar window with notes", 60},
	} {
		t.Run(filepath.Base(tc.path)+" "+tc.track, func(t *testing.T) {
			in, err := domain.ReadFile(melody.New(), tc.path, domain.ReadOptions{Track: tc.track})
			if err != nil {
				t.Fatal(err)
			}
			if in.Where != tc.where {
				t.Errorf("where %q\nwant  %q", in.Where, tc.where)
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
