package midi

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadStructure(t *testing.T) {
	melodyTrack := trackBody(name("lead"), on(0, 0, 60, 100), off(480, 0, 60))
	tests := []struct {
		name     string
		data     []byte
		err      string   // substring of the error; "" for success
		warnings []string // substrings, one per expected warning, in order
		tracks   int
		notes    int
	}{
		{name: "format 0", data: smfBytes(480, []ev{on(0, 0, 60, 100), off(480, 0, 60)}), tracks: 1, notes: 1},
		{name: "format 1, three tracks", data: smfBytes(96, []ev{tempo(0, 500000)}, []ev{on(0, 0, 60, 1), off(96, 0, 60)}, []ev{on(0, 1, 64, 1), off(96, 1, 64)}), tracks: 3, notes: 2},
		{
			name: "running status and note-on velocity 0",
			// 90 3C 64, then running status 3C 00 (note-off) and 3E 64, 3E 00.
			data:   append(header(0, 1, 4), chunk("MTrk", []byte{0, 0x90, 60, 100, 4, 60, 0, 0, 62, 100, 4, 62, 0, 0, 0xFF, 0x2F, 0})...),
			tracks: 1, notes: 2,
		},
		{
			name:     "data bytes above 127 are clamped",
			data:     append(header(0, 1, 4), chunk("MTrk", []byte{0, 0x90, 60, 0xFF, 4, 0x80, 60, 0, 0, 0xFF, 0x2F, 0})...),
			warnings: []string{"byte 25: track 0: 1 data bytes above 127 clamped to 127"},
			tracks:   1, notes: 1,
		},
		{
			name:     "missing end-of-track",
			data:     append(header(0, 1, 4), chunk("MTrk", []byte{0, 0x90, 60, 100, 4, 0x80, 60, 0})...),
			warnings: []string{"track 0 has no end-of-track event"},
			tracks:   1, notes: 1,
		},
		{
			name: "truncated last track keeps its whole events",
			// The chunk claims 100 bytes; the note-off is cut inside its data.
			data:     append(header(0, 1, 4), append([]byte("MTrk\x00\x00\x00\x64"), 0, 0x90, 60, 100, 4, 0x80, 60)...),
			warnings: []string{"byte 14: track 0: chunk says 100 bytes but only 7 remain", "byte 26: track 0: ends inside a channel message; kept the 1 events before it", "no end-of-track"},
			tracks:   1, notes: 1,
		},
		{
			name:     "two files glued together",
			data:     append(smfBytes(480, []ev{on(0, 0, 60, 100), off(480, 0, 60)}), smfBytes(480, []ev{on(0, 0, 72, 100), off(480, 0, 72)})...),
			warnings: []string{"byte 35: a second MThd header (two files joined?); the rest of the file (35 bytes) is ignored"},
			tracks:   1, notes: 1,
		},
		{
			name:     "trailing garbage",
			data:     append(smfBytes(480, []ev{on(0, 0, 60, 100), off(480, 0, 60)}), 0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 2, 3, 4),
			warnings: []string{"byte 35: garbage where a chunk header was expected; the rest of the file (9 bytes) is ignored"},
			tracks:   1, notes: 1,
		},
		{
			name:     "a wrong chunk length is resynchronised at the next MTrk",
			data:     append(append(header(1, 2, 480), chunk("MTrk", melodyTrack)...), append([]byte{0x81, 0x82, 0x83}, chunk("MTrk", melodyTrack)...)...),
			warnings: []string{"byte 43: garbage where a chunk header was expected; skipped 3 bytes to the next MTrk"},
			tracks:   2, notes: 2,
		},
		{
			name:     "unknown chunk is skipped",
			data:     append(append(header(0, 1, 480), chunk("XFIH", []byte{1, 2, 3})...), chunk("MTrk", melodyTrack)...),
			warnings: []string{`byte 14: unknown chunk "XFIH" of 3 bytes skipped`},
			tracks:   1, notes: 1,
		},
		{
			name:     "header announces more tracks than there are",
			data:     append(header(1, 3, 480), chunk("MTrk", melodyTrack)...),
			warnings: []string{"byte 10: header announces 3 tracks, the file has 1"},
			tracks:   1, notes: 1,
		},
		{
			name:     "meta event longer than its track",
			data:     append(header(0, 1, 480), chunk("MTrk", []byte{0, 0x90, 60, 100, 4, 0xFF, 0x01, 0x7F, 'a'})...),
			warnings: []string{"byte 26: track 0: meta event 0x01 of 127 bytes runs past the end of the track (1 bytes left); kept the 1 events before it", "no end-of-track"},
			tracks:   1, notes: 1,
		},
		{
			name:     "delta time longer than 4 bytes",
			data:     append(header(0, 1, 480), chunk("MTrk", []byte{0, 0x90, 60, 100, 0x81, 0x81, 0x81, 0x81, 0x01, 0x80, 60, 0})...),
			warnings: []string{"byte 26: track 0: delta time longer than 4 bytes; kept the 1 events before it", "no end-of-track"},
			tracks:   1, // the note-on's track ends on its tick: the note has no length
		},
		{
			name:     "data byte with no running status",
			data:     append(header(0, 1, 480), chunk("MTrk", []byte{0, 60, 100})...),
			warnings: []string{"byte 23: track 0: data byte 0x3C with no running status; kept the 0 events before it", "no end-of-track"},
			tracks:   1,
		},
		{
			name:     "real-time byte in a track is skipped",
			data:     append(header(0, 1, 480), chunk("MTrk", []byte{0, 0xF8, 0, 0x90, 60, 100, 4, 0x80, 60, 0, 0, 0xFF, 0x2F, 0})...),
			warnings: []string{"byte 23: track 0: status byte 0xF8 is not allowed in a file; skipped"},
			tracks:   1, notes: 1,
		},
		{
			name:   "RIFF RMID wrapper",
			data:   append([]byte("RIFF\x00\x00\x00\x00RMIDdata\x00\x00\x00\x00"), smfBytes(480, []ev{on(0, 0, 60, 100), off(480, 0, 60)})...),
			tracks: 1, notes: 1,
		},
		{name: "empty input", data: nil, err: "byte 0: not a Standard MIDI File"},
		{name: "not MIDI", data: []byte("RIFF....WAVEfmt "), err: "byte 0: not a Standard MIDI File"},
		{name: "header cut short", data: []byte("MThd\x00\x00\x00\x06\x00\x01"), err: "byte 0: file ends inside the MThd header"},
		{name: "header length below 6", data: []byte("MThd\x00\x00\x00\x02\x00\x01\x00\x01\x00\x60"), err: "byte 4: MThd header length 2"},
		{name: "division 0", data: append(header(0, 1, 0), chunk("MTrk", melodyTrack)...), err: "byte 12: division of 0 ticks per quarter note"},
		{name: "bad SMPTE rate", data: append(header(0, 1, 0xE728), chunk("MTrk", melodyTrack)...), err: "byte 12: SMPTE division with 25 frames"},
		{name: "no tracks", data: header(0, 1, 480), err: "no MTrk chunk"},
	}
	// 0xE728 is -25 fps, 40 ticks per frame: valid. Make the "bad SMPTE" case really bad.
	tests[len(tests)-2].data = append(header(0, 1, 0xE928), chunk("MTrk", melodyTrack)...)
	tests[len(tests)-2].err = "byte 12: SMPTE division with 23 frames per second"

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Read error = %v, want one containing %q", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "midi: read: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(f.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d matching %q", f.Warnings, len(tt.warnings), tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(f.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, f.Warnings[i], w)
				}
			}
			if len(f.Tracks) != tt.tracks {
				t.Errorf("%d tracks, want %d", len(f.Tracks), tt.tracks)
			}
			if n := len(f.Notes()); n != tt.notes {
				t.Errorf("%d notes, want %d", n, tt.notes)
			}
		})
	}
}

func TestReadTimeMaps(t *testing.T) {
	data := smfBytes(480,
		[]ev{tempo(0, 600000), timeSig(0, 3, 2), tempo(960, 500000), timeSig(1920, 3, 2), timeSig(2880, 4, 2)},
		[]ev{name("  Lead\x00"), on(0, 0, 60, 100), off(480, 0, 60)},
	)
	f := mustRead(t, data)
	if f.QPM != 100 {
		t.Errorf("QPM = %v, want 100 (the first tempo)", f.QPM)
	}
	if want := []Tempo{{0, 100}, {960, 120}}; !slices.Equal(f.Tempos, want) {
		t.Errorf("Tempos = %v, want %v", f.Tempos, want)
	}
	// The restated 3/4 at tick 1920 does not start a new meter.
	if want := []Meter{{0, 3, 4}, {24, 4, 4}}; !slices.Equal(f.Meters(), want) {
		t.Errorf("Meters = %v, want %v", f.Meters(), want)
	}
	if f.Tracks[1].Name != "Lead" {
		t.Errorf("track name %q, want %q", f.Tracks[1].Name, "Lead")
	}
	if g := mustRead(t, smfBytes(480, []ev{on(0, 0, 60, 100), off(480, 0, 60)})); g.QPM != 120 || len(g.Meters()) != 1 || g.Meters()[0] != (Meter{0, 4, 4}) {
		t.Errorf("defaults: QPM %v meters %v, want 120 and 4/4", g.QPM, g.Meters())
	}
}

// TestReadTempoOutOfRange checks that a first tempo melodies cannot be written at is
// brought within MinQPM..MaxQPM when the file is read, with a warning naming where it is,
// while Tempos keeps it as it is: the file plays as written.
func TestReadTempoOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		us      int // µs a quarter
		qpm     float64
		warning string
	}{
		{30000, MaxQPM, "byte 42: track 1: tempo of 2000 qpm is outside the 4..1000 qpm that musae writes; melodies from the file are written at 1000 qpm"},
		{1<<24 - 1, MinQPM, "byte 42: track 1: tempo of 3.576 qpm is outside the 4..1000 qpm that musae writes; melodies from the file are written at 4 qpm"},
		{60000, 1000, ""},
		{15000000, 4, ""},
	} {
		// A later tempo in track 0, then the first one in track 1.
		f := mustRead(t, smfBytes(480, []ev{tempo(960, 500000)}, []ev{tempo(0, tc.us), on(0, 0, 60, 100), off(480, 0, 60)}))
		if f.QPM != tc.qpm || f.Tempos[0].QPM != 60e6/float64(tc.us) {
			t.Errorf("%d µs a quarter: QPM %v and first tempo %v, want %v and %v", tc.us, f.QPM, f.Tempos[0].QPM, tc.qpm, 60e6/float64(tc.us))
		}
		if got := strings.Join(f.Warnings, "\n"); got != tc.warning {
			t.Errorf("%d µs a quarter: warnings %q, want %q", tc.us, got, tc.warning)
		}
		var b bytes.Buffer
		if err := WriteMelodies(&b, f.QPM, held(60, 4)); err != nil {
			t.Errorf("%d µs a quarter: writing at the file's QPM: %v", tc.us, err)
		}
	}
}

func TestMeterStepsPerBar(t *testing.T) {
	tests := []struct {
		num, den, want int
	}{{4, 4, 16}, {2, 2, 16}, {2, 4, 8}, {1, 4, 4}, {3, 4, 12}, {6, 8, 12}, {7, 8, 14}, {9, 8, 18}, {3, 32, 0}}
	for _, tt := range tests {
		if got := (Meter{Num: tt.num, Den: tt.den}).StepsPerBar(); got != tt.want {
			t.Errorf("%d/%d: StepsPerBar = %d, want %d", tt.num, tt.den, got, tt.want)
		}
	}
}

func TestNotesPairing(t *testing.T) {
	tests := []struct {
		name string
		evs  []ev
		want []Note
	}{
		{
			name: "note-on velocity 0 ends the note",
			evs:  []ev{on(0, 0, 60, 90), on(10, 0, 60, 0)},
			want: []Note{{Pitch: 60, Velocity: 90, Start: 0, End: 10}},
		},
		{
			name: "a note-off ends every earlier note of its key",
			evs:  []ev{on(0, 0, 60, 90), on(5, 0, 60, 80), off(10, 0, 60)},
			want: []Note{{Pitch: 60, Velocity: 90, Start: 0, End: 10}, {Pitch: 60, Velocity: 80, Start: 5, End: 10}},
		},
		{
			name: "a note-off on the tick of a new note-on ends only the old one",
			evs:  []ev{on(0, 0, 60, 90), on(10, 0, 60, 80), off(10, 0, 60), off(20, 0, 60)},
			want: []Note{{Pitch: 60, Velocity: 90, Start: 0, End: 10}, {Pitch: 60, Velocity: 80, Start: 10, End: 20}},
		},
		{
			name: "channels are kept apart; programs follow the channel in time",
			evs:  []ev{prog(0, 1, 40), on(0, 0, 60, 90), on(0, 1, 60, 90), off(10, 0, 60), prog(15, 1, 7), off(20, 1, 60), on(20, 1, 62, 90), off(30, 1, 62)},
			want: []Note{{Pitch: 60, Velocity: 90, Start: 0, End: 10}, {Channel: 1, Program: 40, Pitch: 60, Velocity: 90, Start: 0, End: 20}, {Channel: 1, Program: 7, Pitch: 62, Velocity: 90, Start: 20, End: 30}},
		},
		{
			name: "a note never ended lasts to the end of its track",
			evs:  []ev{on(0, 0, 60, 90), off(10, 0, 62), meta(40, 0x01, 'x')},
			want: []Note{{Pitch: 60, Velocity: 90, Start: 0, End: 40}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustRead(t, smfBytes(480, tt.evs))
			if got := f.Notes(); !slices.Equal(got, tt.want) {
				t.Errorf("Notes =\n%v, want\n%v", got, tt.want)
			}
		})
	}
}

// TestReadRobustness reads every file of ../shared/data/midi-robustness, whole and
// damaged: each must give a melody or an error that says why, and never a panic.
func TestReadRobustness(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "midi-robustness")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.mid"))
	kar, _ := filepath.Glob(filepath.Join(dir, "*.kar"))
	paths = append(paths, kar...)
	if len(paths) == 0 {
		t.Skipf("no files in %s", dir)
	}
	// What the files hold, from MANIFEST.tsv and from reading them as a musician.
	want := map[string]struct {
		tracks  int
		melody  bool   // whether the default extraction finds notes
		warning string // a substring of some warning, "" for none expected
	}{
		"crimson__default.mid":             {tracks: 380},                     // drums and programs ≥ 32 only
		"freewheeling__bcf2000-preset.mid": {tracks: 1},                       // sysex, no notes
		"songwrite__son_lyre.mid":          {tracks: 1, warning: "above 127"}, // velocity 0xFF
		"note-seq__example_is_drum.mid":    {tracks: 41, melody: true, warning: "no end-of-track"},
		"python3-pyo__mapleleafrag.mid":    {tracks: 1, melody: true},
		"note-seq__english1.mid":           {tracks: 1, melody: true},
	}
	for _, p := range paths {
		base := filepath.Base(p)
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			f, err := ReadFile(p)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			m, merr := f.Melody(ExtractOptions{})
			switch {
			case merr != nil && !errors.Is(merr, ErrNoMelody):
				t.Errorf("Melody: %v, want a melody or ErrNoMelody", merr)
			case merr == nil && (len(m) == 0 || m.Validate() != nil):
				t.Errorf("Melody gave %d steps, Validate: %v", len(m), m.Validate())
			}
			if w, ok := want[base]; ok {
				if len(f.Tracks) != w.tracks {
					t.Errorf("%d tracks, want %d", len(f.Tracks), w.tracks)
				}
				if (merr == nil) != w.melody {
					t.Errorf("Melody error %v, want a melody: %v", merr, w.melody)
				}
				if w.warning != "" && !slices.ContainsFunc(f.Warnings, func(s string) bool { return strings.Contains(s, w.warning) }) {
					t.Errorf("warnings %q lack %q", f.Warnings, w.warning)
				}
			}
			// Damage it: cut it at many places, and glue it to itself.
			for _, n := range []int{0, 1, 13, 14, 15, 22, 23, len(data) / 3, len(data) / 2, len(data) - 1} {
				if n > len(data) {
					continue
				}
				exercise(t, data[:n])
			}
			exercise(t, append(slices.Clone(data), data...))
		})
	}
}

// exercise runs the whole read-and-extract path over data and fails on a panic or on an
// error that names no byte offset.
func exercise(t *testing.T, data []byte) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panic on %d bytes: %v", len(data), p)
		}
	}()
	f, err := Read(bytes.NewReader(data))
	if err != nil {
		if !strings.Contains(err.Error(), "byte ") {
			t.Errorf("error %q names no byte offset", err)
		}
		return
	}
	if _, err := f.Windows(ExtractOptions{}, WindowBars, 1); err != nil && !errors.Is(err, ErrNoMelody) {
		t.Errorf("Windows: %v", err)
	}
}

func TestReadTooLarge(t *testing.T) {
	_, err := Read(io0{})
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("Read of an endless stream: %v, want a size error", err)
	}
}

// io0 is an endless reader of "MThd" bytes.
type io0 struct{}

func (io0) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "MThd"[i%4]
	}
	return len(p), nil
}

func TestSecondsAndLength(t *testing.T) {
	// 480 ticks a quarter: 120 qpm for one quarter, then 60 qpm.
	f := mustRead(t, smfBytes(480, []ev{tempo(480, 1000000)}, []ev{on(0, 0, 60, 100), off(1440, 0, 60)}))
	for _, tt := range []struct {
		tick int64
		want float64
	}{{0, 0}, {480, 0.5}, {960, 1.5}, {1440, 2.5}} {
		if got := f.Seconds(tt.tick); got != tt.want {
			t.Errorf("Seconds(%d) = %v, want %v", tt.tick, got, tt.want)
		}
	}
	if f.Length() != 1440 {
		t.Errorf("Length = %d, want 1440", f.Length())
	}
	smpte := mustRead(t, append(header(0, 1, 0xE728), chunk("MTrk", trackBody(on(0, 0, 60, 100), off(500, 0, 60)))...))
	if got := smpte.Seconds(500); got != 0.5 {
		t.Errorf("SMPTE Seconds(500) = %v, want 0.5", got)
	}
}

func TestEventString(t *testing.T) {
	f := mustRead(t, smfBytes(480, []ev{
		name("Lead"), tempo(0, 500000), timeSig(0, 6, 3), prog(0, 2, 73),
		on(0, 2, 61, 90), on(10, 2, 61, 0), off(20, 2, 62),
		{20, []byte{0xB2, 7, 100}}, {20, []byte{0xE2, 0, 0x40}}, {20, []byte{0xF0, 2, 0x7E, 0xF7}},
	}))
	var got []string
	for _, e := range f.Tracks[0].Events {
		got = append(got, e.String())
	}
	want := []string{`track-name "Lead"`, "tempo 120 qpm", "time-signature 6/8", "program ch 3 73",
		"note-on ch 3 C#4 vel 90", "note-off ch 3 C#4 (note-on vel 0)", "note-off ch 3 D4",
		"control ch 3 #7 = 100", "pitch-bend ch 3 0", "sysex 2 bytes"}
	if !slices.Equal(got, want) {
		t.Errorf("events\n%q\nwant\n%q", got, want)
	}
}
