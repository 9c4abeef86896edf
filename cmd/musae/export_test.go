package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"musae/midi"
)

func TestExportOptions(t *testing.T) {
	checkOptions(t, newExportCmd, []optionsCase[exportOptions]{
		{argv: "songs/a.mid --format abc", want: exportOptions{File: "songs/a.mid", Format: "abc", Out: "a.abc"}},
		{argv: "a.mid --format MusicXML -t MELODY", want: exportOptions{File: "a.mid", Format: "musicxml", Track: "MELODY", Out: "a.musicxml"}},
		{argv: "a.mid -o score.xml", want: exportOptions{File: "a.mid", Format: "musicxml", Out: "score.xml"}},
		{argv: "a.mid -o tune.ABC", want: exportOptions{File: "a.mid", Format: "abc", Out: "tune.ABC"}},
		{argv: "a.mid --format abc -o -", want: exportOptions{File: "a.mid", Format: "abc", Out: "-"}},
		{argv: "a.mid", wantErr: "say which notation: --format musicxml or --format abc"},
		{argv: "a.mid -o -", wantErr: "say which notation"},
		{argv: "a.mid --format pdf", wantErr: `--format "pdf": want musicxml or abc`},
		{argv: "--format abc", wantErr: "export takes one MIDI file, got 0"},
	})
}

func TestExportRun(t *testing.T) {
	dir := t.TempDir()
	tunePath := filepath.Join(dir, "tune.mid")
	// C4 D4 E4 F4 quarters, then G4 held across the bar line into bar 2.
	m := append(tune([]int{60, 62, 64, 65}, false), midi.NoteOnClass(67), 0, 0, 0, 0, 0, 0, 0, midi.NoteOff)
	if err := midi.WriteFile(tunePath, 96, m); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	twoTracks := write("two.mid", rawSMF(quarters(0, 60, 62, 64, 65), quarters(1, 48, 43)))
	flute := write("flute.mid", rawSMF(append([]byte{0, 0xC0, 73}, quarters(0, 60, 62, 64, 65)...)))
	waltz := write("waltz.mid", rawSMF(append([]byte{0, 0xFF, 0x58, 4, 3, 2, 24, 8}, quarters(0, 67, 64, 64, 65, 62, 62)...)))
	// A jig in B flat (2 flats), by its key signature: Bb Eb as quarter and eighth, ...
	var jigNotes []byte
	for i, p := range []byte{70, 75, 74, 72, 70, 69, 70, 65, 62, 63, 65, 70} {
		d := byte(48) // an eighth at 96 ticks a quarter
		if i%2 == 0 {
			d = 96
		}
		jigNotes = append(jigNotes, 0, 0x90, p, 100, d, 0x80, p, 0)
	}
	jig := write("jig.mid", rawSMF(append([]byte{0, 0xFF, 0x58, 4, 6, 3, 36, 8, 0, 0xFF, 0x59, 2, 0xFE, 0}, jigNotes...)))
	text := write("notes.mid", []byte("C D E F G\n"))

	abc := "X:1\nT:tune\nM:4/4\nL:1/16\nQ:1/4=96\nK:C\nC4 D4 E4 F4 | G8 z8 |]\n"
	if got := mustMusae(t, "export", tunePath, "--format", "abc", "-o", "-"); got != abc {
		t.Errorf("-o - wrote\n%s\nwant\n%s", got, abc)
	}
	out := filepath.Join(dir, "tune.musicxml")
	say := mustMusae(t, "export", tunePath, "-o", out)
	if want := "wrote " + out + ": musicxml, 2 bars of 4/4 in C major, 5 notes C4–G4, at 96 qpm, from " + tunePath; !strings.Contains(say, want) {
		t.Errorf("said %q, want %q", say, want)
	}
	if doc, err := os.ReadFile(out); err != nil || !strings.Contains(string(doc), "<score-partwise version=\"4.0\">") || !strings.Contains(string(doc), "<work-title>tune</work-title>") {
		t.Errorf("%s: %v\n%s", out, err, doc)
	}

	for _, tc := range []struct {
		argv []string
		code int
		say  string // on stderr, or on stdout when the exit code is 0
	}{
		{[]string{"export", twoTracks, "--format", "abc", "-o", "-"}, exitOK, "K:C\nC4 D4 E4 F4 |]\n"},
		{[]string{"export", twoTracks, "--format", "abc", "-o", filepath.Join(dir, "two.abc")}, exitOK,
			"note: " + twoTracks + " has notes in several tracks; the melody is track 0: the most melodic of 2 tracks, 4 of its 4 notes sound alone in C3–C6"},
		{[]string{"export", flute, "--format", "abc", "-o", "-"}, exitUsage,
			flute + ": midi: no melody: none of the 4 notes of the file is usable: 4 of programs outside 0–31 (73 Flute); " +
				"MusicVAE's melody models leave out programs outside 0–31: pick a track to take its notes anyway, or keep all programs\n" +
				"  --track 0 takes track 0, the only track with usable notes"},
		{[]string{"export", flute, "--track", "0", "--format", "abc", "-o", "-"}, exitOK, "K:C\nC4 D4 E4 F4 |]\n"},
		{[]string{"export", twoTracks, "--track", "1", "--format", "abc", "-o", "-"}, exitOK, "K:C\nC,4 G,,4 z8 |]\n"},
		{[]string{"export", twoTracks, "--track", "7", "--format", "abc", "-o", "-"}, exitUsage, "no such track \"7\""},
		{[]string{"export", waltz, "--format", "abc", "-o", filepath.Join(dir, "waltz.abc")}, exitOK, "note: " + waltz + " has no key signature; the score is in D minor, estimated from the notes\nwrote " +
			filepath.Join(dir, "waltz.abc") + ": abc, 2 bars of 3/4 in D minor, 6 notes D4–G4"},
		{[]string{"export", waltz, "--format", "abc", "-o", "-"}, exitOK, "M:3/4\nL:1/16\nQ:1/4=120\nK:Dm\nG4 E4 E4 | F4 D4 D4 |]\n"},
		{[]string{"export", jig, "--format", "abc", "-o", "-"}, exitOK, "M:6/8\nL:1/16\nQ:1/4=120\nK:Bb\nB4e2 d4c2 | B4A2 B4F2 | D4E2 F4B2 |]\n"},
		{[]string{"export", jig, "--format", "musicxml", "-o", "-"}, exitOK, "<key><fifths>-2</fifths><mode>major</mode></key>\n        <time><beats>6</beats><beat-type>8</beat-type></time>"},
		{[]string{"export", twoTracks, "--track", "0", "--chords", "--format", "abc", "-o", "-"}, exitOK, "K:C\n\"C\"C4 \"G\"D4 \"N.C.\"E4 F4 |]\n"},
		{[]string{"export", twoTracks, "--track", "0", "--chords", "--format", "abc", "-o", filepath.Join(dir, "lead.abc")}, exitOK, "note: the chord symbols are the chords estimated a beat at a time from track 1"},
		{[]string{"export", tunePath, "--chords", "--format", "abc", "-o", "-"}, exitUsage, tunePath + ": --chords: the file has no chords"},
		{[]string{"export", filepath.Join(dir, "missing.mid"), "--format", "abc"}, exitFailure, filepath.Join(dir, "missing.mid")},
		{[]string{"export", text, "--format", "musicxml"}, exitFailure, "midi: read " + text},
		{[]string{"export", tunePath, "--format", "abc", "-o", filepath.Join(dir, "no", "t.abc")}, exitFailure, filepath.Join(dir, "no", "t.abc")},
	} {
		t.Run(strings.Join(tc.argv[1:], " "), func(t *testing.T) {
			code, stdout, errb := musae(t, tc.argv...)
			if tc.code == exitOK {
				errb = stdout
			}
			if code != tc.code || !strings.Contains(errb, tc.say) {
				t.Fatalf("exit %d, output %q; want %d and %q", code, errb, tc.code, tc.say)
			}
		})
	}
}
