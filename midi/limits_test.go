package midi

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// renderAll synthesises the audio, failing the test on an error.
func renderAll(t *testing.T, a *Audio) []int16 {
	t.Helper()
	s, err := a.Samples(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustAudio(t *testing.T, f *File, opt RenderOptions) *Audio {
	t.Helper()
	a, err := f.Audio(opt)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRenderChunks checks that the samples do not depend on how they are cut into chunks
// between looks at the context, for notes that start, release and end across chunks.
func TestRenderChunks(t *testing.T) {
	f := mustRead(t, smfBytes(480, []ev{
		on(0, 0, 60, 100), on(100, 0, 64, 90), off(700, 0, 60), on(900, 0, 67, 127), off(1000, 0, 64), off(1900, 0, 67), meta(2400, 0x01),
	}))
	want := renderAll(t, mustAudio(t, f, RenderOptions{}))
	defer func(c int) { chunkSamples = c }(chunkSamples)
	for _, c := range []int{1, 997, 4096, len(want), 1 << 20} {
		chunkSamples = c
		if got := renderAll(t, mustAudio(t, f, RenderOptions{})); !slicesEqual(got, want) {
			t.Errorf("in chunks of %d samples the audio differs", c)
		}
	}
}

// TestRenderVoices checks the polyphony limit and which voice a note takes.
func TestRenderVoices(t *testing.T) {
	// 120 qpm at 480 ticks a quarter: 960 ticks a second.
	const sec = 960
	cases := []struct {
		name      string
		notes     []ev // the file, with a note that must take a voice at 1 s
		survivors []ev // the file less the note that loses its voice
	}{
		{
			name:      "the oldest held note gives its voice",
			notes:     []ev{on(0, 0, 60, 100), on(sec/2, 0, 64, 100), on(sec, 0, 67, 100), off(2*sec, 0, 60), off(2*sec, 0, 64), off(2*sec, 0, 67)},
			survivors: []ev{on(sec/2, 0, 64, 100), on(sec, 0, 67, 100), off(2*sec, 0, 64), off(2*sec, 0, 67)},
		},
		{
			// 60 started first but is held; 64 started later and was let go at 0.95 s:
			// still ringing out, it is the quieter and gives its voice.
			name:      "a released note gives its voice before a held one",
			notes:     []ev{on(0, 0, 60, 100), on(sec/2, 0, 64, 100), off(sec*95/100, 0, 64), on(sec, 0, 67, 100), off(2*sec, 0, 60), off(2*sec, 0, 67)},
			survivors: []ev{on(0, 0, 60, 100), on(sec, 0, 67, 100), off(2*sec, 0, 60), off(2*sec, 0, 67)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opt := RenderOptions{Voices: 2}
			a := mustAudio(t, mustRead(t, smfBytes(480, tc.notes)), opt)
			if a.Stolen() != 1 {
				t.Errorf("%d notes lost their voice, want 1", a.Stolen())
			}
			got := renderAll(t, a)
			want := renderAll(t, mustAudio(t, mustRead(t, smfBytes(480, tc.survivors)), opt))
			if len(got) != len(want) {
				t.Fatalf("%d samples, want %d", len(got), len(want))
			}
			// From the end of the 5 ms fade of the note that lost its voice on, only the
			// two others sound: the very samples of the file without it.
			from := SampleRate + newShape(SampleRate).steal
			if !slicesEqual(got[from:], want[from:]) {
				t.Error("after the fade, the audio is not that of the two notes that kept their voices")
			}
			// Before 1 s, the note that loses its voice sounds.
			if slicesEqual(got[SampleRate/2:SampleRate], want[SampleRate/2:SampleRate]) {
				t.Error("before it lost its voice, the note did not sound")
			}
			// It fades rather than clicks: no jump between samples larger than the
			// music has elsewhere.
			if j, limit := maxJump(got[SampleRate-10:from+10]), 2*maxJump(want[from:from+4410]); j > limit {
				t.Errorf("a jump of %d between samples where the voice is taken, want at most %d", j, limit)
			}
		})
	}

	// A chord of 100 notes on the default 64 voices: the 36 first in the file's order
	// give theirs up at once, and the rest is as loud as 64 notes.
	var chord, kept []ev
	for p := 20; p < 120; p++ {
		chord = append(chord, on(0, 0, p, 60))
		if p >= 56 {
			kept = append(kept, on(0, 0, p, 60))
		}
	}
	chord, kept = append(chord, meta(480, 0x01)), append(kept, meta(480, 0x01))
	a := mustAudio(t, mustRead(t, smfBytes(480, chord)), RenderOptions{})
	if a.Stolen() != 36 {
		t.Errorf("%d notes of a chord of 100 lost their voice, want 36", a.Stolen())
	}
	if !slicesEqual(renderAll(t, a), renderAll(t, mustAudio(t, mustRead(t, smfBytes(480, kept)), RenderOptions{}))) {
		t.Error("a chord of 100 notes does not sound as its last 64")
	}
}

func maxJump(s []int16) int {
	j := 0
	for i := 1; i < len(s); i++ {
		j = max(j, abs(int(s[i])-int(s[i-1])))
	}
	return j
}

func TestRenderLimits(t *testing.T) {
	// A note, then an end of track 2^27 ticks later: 194 hours at 120 qpm and 96 ticks
	// a quarter, in 22 bytes of track.
	long := mustRead(t, smfBytes(96, []ev{on(0, 0, 60, 100), off(96, 0, 60), meta(1<<27, 0x01)}))
	// 20 notes held for 10 s: 200 s of notes sounding (their releases are cut at the end),
	// 20 voices throughout.
	var held []ev
	for p := 60; p < 80; p++ {
		held = append(held, on(0, 0, p, 100))
	}
	storm := mustRead(t, smfBytes(96, append(held, meta(10*2*96, 0x01))))
	for _, tc := range []struct {
		name string
		err  error
		opt  RenderOptions
		f    *File
		want string // in the error, "" for none
	}{
		{name: "194 hours", f: long, want: "the audio would last 194h10m50.7s, longer than the limit of 30m0s"},
		{name: "194 hours in a WAV file", f: long, opt: RenderOptions{MaxSeconds: 1e6}, want: "longer than a WAV file holds at 44100 Hz (13h31m35.8s)"},
		{name: "20 voices for 10 s", f: storm},
		{name: "20 voices for 10 s, limit 10 s", f: storm, opt: RenderOptions{MaxSeconds: 10}, want: "the notes would sound for 3m20s in all (at most 64 at once), longer than the limit of 2m40s (16 voices throughout 10s)"},
		{name: "20 voices for 10 s on 12 voices, limit 10 s", f: storm, opt: RenderOptions{MaxSeconds: 10, Voices: 12}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			a, err := tc.f.Audio(tc.opt)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v to schedule", took)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrRenderLimit) || !strings.Contains(err.Error(), tc.want) || a != nil {
				t.Fatalf("error %v, want ErrRenderLimit saying %q", err, tc.want)
			}
		})
	}

	// Melodies have the same limit on length: 1,000 bars at 30 qpm last 2h13m20s.
	m := make(Melody, 1000*StepsPerBar)
	m[0] = NoteOnClass(60)
	if _, err := MelodyAudio(30, RenderOptions{}, m); !errors.Is(err, ErrRenderLimit) || !strings.Contains(err.Error(), "would last 2h13m20s") {
		t.Errorf("1,000 bars at 30 qpm: error %v, want ErrRenderLimit", err)
	}
	a, err := MelodyAudio(30, RenderOptions{MaxSeconds: 3 * 3600}, m)
	if err != nil || a.Len() != 8000*SampleRate {
		t.Errorf("1,000 bars at 30 qpm, limit 3 h: %v, want %d samples", err, 8000*SampleRate)
	}
	// MelodyAudio plays what RenderMelody plays.
	short := mel(t, "C4", "-", "E4", "x", "G4", "-", "-", "-")
	b, err := MelodyAudio(100, RenderOptions{}, short, short)
	if err != nil || !slicesEqual(renderAll(t, b), RenderMelody(100, RenderOptions{}, short, short)) {
		t.Errorf("MelodyAudio (error %v) differs from RenderMelody", err)
	}
}

// TestRenderCancel checks that a render stops soon after its context is cancelled and
// leaves no file, neither the WAV nor its temporary file.
func TestRenderCancel(t *testing.T) {
	// 16 notes held for 25 minutes: seconds of work.
	var held []ev
	for p := 60; p < 76; p++ {
		held = append(held, on(0, 0, p, 100))
	}
	f := mustRead(t, smfBytes(96, append(held, meta(25*60*2*96, 0x01))))
	a := mustAudio(t, f, RenderOptions{})
	dir := t.TempDir()
	path := filepath.Join(dir, "long.wav")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.WriteWAVFile(ctx, path); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), path) {
		t.Errorf("cancelled before the start: error %v, want context.Canceled naming %s", err, path)
	}
	if _, err := a.Samples(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Samples: error %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := a.WriteWAVFile(ctx, path)
	if took := time.Since(start); took > time.Second {
		t.Errorf("stopped %v after the start, want within a second of the cancel at 100 ms", took)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled during the render: error %v, want context.Canceled", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a cancelled render left %s in its folder", ents[0].Name())
	}

	// The streamed WAV is the one WriteWAV makes of the samples.
	short := mustAudio(t, mustRead(t, smfBytes(480, []ev{on(0, 0, 60, 100), off(960, 0, 60)})), RenderOptions{})
	var streamed bytes.Buffer
	if err := short.WriteWAV(context.Background(), &streamed); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(streamed.Bytes(), wavBytes(t, renderAll(t, short), SampleRate)) {
		t.Error("Audio.WriteWAV differs from WriteWAV of its samples")
	}
}
