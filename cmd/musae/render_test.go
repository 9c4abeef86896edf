package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"musae/latent/domain"
	"musae/latent/domain/melody"
	"musae/midi"
)

func TestRenderOptions(t *testing.T) {
	checkOptions(t, newRenderCmd, []optionsCase[renderOptions]{
		{argv: "songs/a.mid", want: renderOptions{File: "songs/a.mid", Out: "a.wav", MaxDuration: 30 * time.Minute}},
		{argv: "a.mid -o out/b.WAV", want: renderOptions{File: "a.mid", Out: "out/b.WAV", MaxDuration: 30 * time.Minute}},
		{argv: "a.mid --max-duration 2h", want: renderOptions{File: "a.mid", Out: "a.wav", MaxDuration: 2 * time.Hour}},
		{argv: "a.mid --max-duration 0s", wantErr: "--max-duration 0s: want a positive duration"},
		{argv: "a.mid --max-duration -1m", wantErr: "--max-duration -1m0s: want a positive duration"},
		{argv: "a.mid -o b.mp3", wantErr: "-o b.mp3: the audio is a WAV file"},
		{argv: "", wantErr: "render takes one MIDI file, got 0"},
		{argv: "a.mid b.mid", wantErr: "render takes one MIDI file, got 2"},
		{argv: "a.mid --seed 3", wantErr: "unknown flag: --seed"},
	})
}

// rawSMF builds a format-1 file at 96 ticks a quarter from track bodies of raw events
// (delta times below 128), each closed with an end-of-track.
func rawSMF(tracks ...[]byte) []byte {
	b := []byte("MThd\x00\x00\x00\x06\x00\x01")
	b = binary.BigEndian.AppendUint16(b, uint16(len(tracks)))
	b = binary.BigEndian.AppendUint16(b, 96)
	for _, tr := range tracks {
		tr = append(tr, 0, 0xFF, 0x2F, 0)
		b = append(b, "MTrk"...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(tr)))
		b = append(b, tr...)
	}
	return b
}

// quarters is a track body of quarter notes of the pitches on channel ch (0–15).
func quarters(ch byte, pitches ...byte) []byte {
	var b []byte
	for _, p := range pitches {
		b = append(b, 0, 0x90|ch, p, 100, 96, 0x80|ch, p, 0)
	}
	return b
}

// wavSamples reads the sample count from the header of a WAV file written by musae, and
// checks the file is as long as the header says.
func wavSamples(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 44 || string(data[:4]) != "RIFF" || string(data[8:16]) != "WAVEfmt " || string(data[36:40]) != "data" {
		t.Fatalf("%s is not a WAV file musae writes", path)
	}
	n := int(binary.LittleEndian.Uint32(data[40:44]))
	if len(data) != 44+n {
		t.Fatalf("%s: %d bytes, the header says %d of data", path, len(data), n)
	}
	return n / 2
}

func TestRenderRun(t *testing.T) {
	dir := t.TempDir()
	tunePath := filepath.Join(dir, "tune.mid")
	if err := midi.WriteFile(tunePath, 100, tune([]int{60, 62, 64, 0, 67, 65, 64, 62}, false)); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	drums := write("drums.mid", rawSMF(quarters(midi.DrumChannel, 36, 38)))
	empty := write("empty.mid", rawSMF([]byte{0, 0xFF, 0x51, 3, 0x07, 0xA1, 0x20}))
	text := write("notes.mid", []byte("C D E F G\n"))
	// A note, then an event 2^28 ticks later: 388 hours at 96 ticks a quarter.
	corrupt := write("corrupt.mid", rawSMF(append(quarters(0, 60), 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0x01, 0x00)))
	out := filepath.Join(dir, "tune.wav")

	// 8 quarters at 100 qpm: 4.8 s.
	say := mustMusae(t, "render", tunePath, "-o", out)
	if !strings.Contains(say, "wrote "+out+": 0:04.8 (211680 samples at 44100 Hz), 7 notes of "+tunePath) {
		t.Errorf("said %q", say)
	}
	if n := wavSamples(t, out); n != 211680 {
		t.Errorf("%d samples, want 211680", n)
	}
	for _, tc := range []struct {
		argv []string
		code int
		say  string
	}{
		{[]string{"render", filepath.Join(dir, "missing.mid"), "-o", out}, exitFailure, filepath.Join(dir, "missing.mid")},
		{[]string{"render", text, "-o", out}, exitFailure, "midi: read " + text},
		{[]string{"render", drums, "-o", out}, exitFailure, drums + ": no notes to render: its 2 notes are all drums"},
		{[]string{"render", empty, "-o", out}, exitFailure, empty + ": no notes to render"},
		{[]string{"render", corrupt, "-o", out}, exitFailure, corrupt + ": midi: past the render limits: the audio would last 388h21m"},
		{[]string{"render", corrupt, "-o", out}, exitFailure, "longer than the limit of 30m0s; if that is right, --max-duration raises the limits"},
		{[]string{"render", tunePath, "-o", out, "--max-duration", "4s"}, exitFailure, tunePath + ": midi: past the render limits: the audio would last 4.8s, longer than the limit of 4s"},
		{[]string{"render", tunePath, "-o", filepath.Join(dir, "no", "x.wav")}, exitFailure, filepath.Join(dir, "no", "x.wav")},
	} {
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			code, _, errb := musae(t, tc.argv...)
			if code != tc.code || !strings.Contains(errb, tc.say) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb, tc.code, tc.say)
			}
		})
	}
	if n := wavSamples(t, out); n != 211680 {
		t.Errorf("a failed render changed %s: %d samples", out, n)
	}
	mustMusae(t, "render", tunePath, "-o", out, "--max-duration", "5s")
	if n := wavSamples(t, out); n != 211680 {
		t.Errorf("--max-duration 5s: %d samples, want 211680", n)
	}

	// A storm of 300 notes held together: the 236 first lose their voice, and say so.
	var storm []byte
	for i := range 300 {
		storm = append(storm, 0, 0x90|byte(i/100), byte(i%100), 100)
	}
	stormPath := write("storm.mid", rawSMF(append(storm, 96, 0xFF, 0x01, 0x00)))
	say = mustMusae(t, "render", stormPath, "-o", out)
	if !strings.Contains(say, "300 notes of "+stormPath) || !strings.Contains(say, "more than 64 notes sounded at once: 236 were cut short to free a voice") {
		t.Errorf("said %q", say)
	}
}

// TestRenderInterrupt checks that an interrupted render exits 130 within a second and
// leaves no WAV, nor a temporary file, behind.
func TestRenderInterrupt(t *testing.T) {
	dir := t.TempDir()
	// 16 notes held for 25 minutes: seconds of work.
	var held []byte
	for p := range byte(16) {
		held = append(held, 0, 0x90, 60+p, 100)
	}
	long := filepath.Join(dir, "long.mid")
	if err := os.WriteFile(long, rawSMF(append(held, 0x91, 0xCA, 0x00, 0xFF, 0x01, 0x00)), 0o644); err != nil { // 25 × 60 × 2 × 96 ticks later
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"render", long, "-o", filepath.Join(dir, "long.wav")}, &stdout, &stderr)
	if took := time.Since(start); code != exitInterrupt || took > 1200*time.Millisecond {
		t.Errorf("exit %d after %v (%s), want %d within a second of the interrupt at 200 ms", code, took, stderr.String(), exitInterrupt)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the folder, want only long.mid: the interrupted render left one", len(ents))
	}
}

// TestWAVBesideMIDI checks that --wav writes a WAV file beside every MIDI file that
// sample and interpolate write, as long as its melodies at their tempo.
func TestWAVBesideMIDI(t *testing.T) {
	dir := t.TempDir()
	say := mustMusae(t, "sample", "--domain", "melody", "-n", "2", "--wav", "-o", dir)
	// Two 2-bar samples at 120 qpm (4 s each), and both with a bar of rest between (10 s).
	for name, secs := range map[string]int{"sample-01": 4, "sample-02": 4, "all": 10} {
		mid, wav := filepath.Join(dir, name+".mid"), filepath.Join(dir, name+".wav")
		if _, err := os.Stat(mid); err != nil {
			t.Fatal(err)
		}
		if n := wavSamples(t, wav); n != secs*midi.SampleRate {
			t.Errorf("%s: %d samples, want %d", wav, n, secs*midi.SampleRate)
		}
		if !strings.Contains(say, mid+" and "+wav) {
			t.Errorf("sample did not mention %s:\n%s", wav, say)
		}
	}

	tunes := writeTunes(t, dir) // at 100 qpm
	out := filepath.Join(dir, "morph.mid")
	say = mustMusae(t, "interpolate", tunes[0], tunes[1], "--model", "mel2-tiny", "--steps", "3", "--each", "--wav", "-o", out)
	if !strings.Contains(say, "wrote "+out+" and "+filepath.Join(dir, "morph.wav")) {
		t.Errorf("interpolate did not mention the WAV:\n%s", say)
	}
	// 3 steps of 2 bars and 2 bars of rest between: 8 bars of 2.4 s at 100 qpm.
	if n := wavSamples(t, filepath.Join(dir, "morph.wav")); n != 8*24*midi.SampleRate/10 {
		t.Errorf("morph.wav: %d samples, want %d", n, 8*24*midi.SampleRate/10)
	}
	for i := 1; i <= 3; i++ {
		p := filepath.Join(dir, "morph-0"+strconv.Itoa(i)+".wav")
		if n := wavSamples(t, p); n != 2*24*midi.SampleRate/10 {
			t.Errorf("%s: %d samples, want %d", p, n, 2*24*midi.SampleRate/10)
		}
	}

	for _, argv := range [][]string{
		{"sample", "--domain", "mnist", "--wav", "-o", filepath.Join(dir, "d.png")},
		{"sample", "--model", "mnist-conv", "--wav", "-o", filepath.Join(dir, "d.png")},
		{"interpolate", "a.png", "b.png", "--wav"},
	} {
		if code, _, errb := musae(t, argv...); code != exitUsage || !strings.Contains(errb, "--wav is for melodies") {
			t.Errorf("%v: exit %d, %s", argv, code, errb)
		}
	}
}

// TestWAVBesideMIDILimit checks that --wav keeps render's limit on length: melodies that
// would play for longer are refused, naming the WAV, before either file is written.
func TestWAVBesideMIDILimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "long.mid")
	// 1,000 bars at 30 qpm: 2h13m20s.
	long := make(midi.Melody, 1000*midi.StepsPerBar)
	long[0] = midi.NoteOnClass(60)
	m, err := builtinDomains().Open("", "melody")
	if err != nil {
		t.Fatal(err)
	}
	xs := []domain.Example{melody.Example(long, 0)}
	_, err = writeTimed(m, path, xs, 30, true)
	if !errors.Is(err, midi.ErrRenderLimit) || !strings.Contains(err.Error(), filepath.Join(dir, "long.wav")+": midi: past the render limits: the audio would last 2h13m20s") {
		t.Errorf("error %v, want ErrRenderLimit naming long.wav", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a refused render left %s", ents[0].Name())
	}
	// Without --wav the MIDI file has no such limit.
	if _, err := writeTimed(m, path, xs, 30, false); err != nil {
		t.Fatal(err)
	}
}
