package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"musae/midi"
)

func TestInspectOptions(t *testing.T) {
	tests := []struct {
		argv    string
		want    inspectOptions
		wantErr string
	}{
		{argv: "a.mid", want: inspectOptions{Path: "a.mid"}},
		{argv: "a.mid --track MELODY --bars 8", want: inspectOptions{Path: "a.mid", Track: "MELODY", Bars: 8}},
		{argv: "-t 2 -n 4 --events --all-programs --align b.midi", want: inspectOptions{Path: "b.midi", Track: "2", Bars: 4, Events: true, AllPrograms: true, Align: true}},
		{argv: "", wantErr: "inspect takes one MIDI file, got 0 arguments"},
		{argv: "a.mid b.mid", wantErr: "got 2 arguments"},
		{argv: "a.mid --bars -1", wantErr: "--bars -1"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			var got *inspectOptions
			cmd := newInspectCmdWith(func(_ context.Context, o *inspectOptions, _ io.Writer) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.argv))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("error %v, want a usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestInspectRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tune.mid")
	c := midi.NoteOnClass
	m := midi.Melody{c(60), 0, 0, 0, c(64), 0, midi.NoteOff, 0, c(67), 0, 0, 0, 0, 0, 0, 0, c(72), 0, 0, 0}
	if err := midi.WriteFile(path, 90, m); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"inspect", path, "--events"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"format    0, 1 track(s), 480 ticks per quarter note",
		"tempo     90 qpm",
		"meter     4/4 from step 0",
		`    0  "musae melody"        1         0 Acoustic Grand Piano                   4  C4–C5`,
		"note-on ch 1 C4 vel 100",
		`melody of track 0 "musae melody"`,
		"4 notes, C4–C5, 20 steps; 1 2-bar windows",
		"   1 | C4  -   -   -    E4  -   .   .    G4  -   -   -    -   -   -   -   |\n   2 | C5  -   -   -   |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "merged") {
		t.Error("a one-track file should not show a merged melody")
	}

	for _, tc := range []struct {
		argv []string
		code int
		say  string
	}{
		{[]string{"inspect", filepath.Join(t.TempDir(), "none.mid")}, exitFailure, "none.mid"},
		{[]string{"inspect", path, "--track", "VOCALS"}, exitFailure, `no such track "VOCALS"`},
		{[]string{"inspect", path, "--nope"}, exitUsage, "unknown flag"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.argv, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.say) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.argv, code, errb.String(), tc.code, tc.say)
		}
	}
}

func TestFirstBars(t *testing.T) {
	grid := "     3/4\n   1 | a |\n   2 | b |\n     2/4\n   3 | c |\n"
	if got, want := firstBars(grid, 2), "     3/4\n   1 | a |\n   2 | b |\n  ... 1 more bars (--bars 0 shows all)\n"; got != want {
		t.Errorf("firstBars = %q, want %q", got, want)
	}
	if got := firstBars(grid, 5); got != grid {
		t.Errorf("firstBars past the end = %q", got)
	}
}

// manyTracks is a format-1 file of n tracks at 96 ticks a quarter, each of one quarter
// note, named by the names given (the rest unnamed).
func manyTracks(n int, names ...string) []byte {
	b := []byte("MThd\x00\x00\x00\x06\x00\x01")
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	b = binary.BigEndian.AppendUint16(b, 96)
	for i := range n {
		var tr []byte
		if i < len(names) {
			tr = append(tr, 0, 0xFF, 0x03, byte(len(names[i])))
			tr = append(tr, names[i]...)
		}
		p := byte(48 + i%36)
		tr = append(tr, 0, 0x90, p, 100, 96, 0x80, p, 0, 0, 0xFF, 0x2F, 0)
		b = append(b, "MTrk"...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(tr)))
		b = append(b, tr...)
	}
	return b
}

// TestInspectManyTracks checks that inspect's work grows linearly with the tracks (it
// grew with their square: 10,000 tracks took 76 s), counting allocations, which do not
// depend on the machine's load, and that each track's melody is its own.
func TestInspectManyTracks(t *testing.T) {
	dir := t.TempDir()
	allocs := func(n int) float64 {
		path := filepath.Join(dir, fmt.Sprintf("tracks-%d.mid", n))
		if err := os.WriteFile(path, manyTracks(n), 0o644); err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(1, func() {
			if err := runInspect(context.Background(), &inspectOptions{Path: path}, io.Discard); err != nil {
				t.Fatal(err)
			}
		})
	}
	a1, a2 := allocs(1000), allocs(2000)
	if a2 > 2.5*a1 {
		t.Errorf("inspect made %.0f allocations for 1,000 tracks and %.0f for 2,000: more than linear", a1, a2)
	}

	// Track 2 is named "0": track 0's melody is still track 0's (C3), not track 2's (D3).
	path := filepath.Join(dir, "names.mid")
	if err := os.WriteFile(path, manyTracks(3, "", "", "0"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runInspect(context.Background(), &inspectOptions{Path: path}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "melody of track 0\n  1 notes, C3–C3"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}
