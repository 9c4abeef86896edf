package midi

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDrumMap(t *testing.T) {
	for _, tc := range []struct {
		key        int
		groove, gm int // -1: not a drum of the kit
	}{
		{36, Kick, Kick}, {35, Kick, Kick},
		{38, Snare, Snare}, {40, Snare, Snare}, {37, Snare, Snare}, {39, Snare, Snare},
		{42, ClosedHat, ClosedHat}, {44, ClosedHat, ClosedHat},
		{22, ClosedHat, ClosedHat}, // TD-11 hi-hat closed, edge
		{26, OpenHat, OpenHat},     // TD-11 hi-hat open, edge
		{46, OpenHat, OpenHat},
		{43, LowTom, LowTom},
		{58, LowTom, Crash}, // TD-11 floor tom rim; GM vibraslap
		{45, MidTom, LowTom},
		{47, MidTom, MidTom},
		{48, HighTom, MidTom},
		{50, HighTom, HighTom},
		{49, Crash, Crash}, {55, Crash, Crash}, {57, Crash, Crash}, {52, Crash, Crash},
		{51, Ride, Ride}, {53, Ride, Ride}, {59, Ride, Ride},
		{21, -1, -1}, {60, MidTom, MidTom}, {88, -1, -1}, {127, -1, -1}, {0, -1, -1},
	} {
		for _, m := range []struct {
			m    DrumMap
			want int
		}{{DrumMapGroove, tc.groove}, {DrumMapGM, tc.gm}} {
			d, ok := m.m.Drum(tc.key)
			if !ok {
				d = -1
			}
			if d != m.want {
				t.Errorf("%v.Drum(%d) = %d, want %d", m.m, tc.key, d, m.want)
			}
		}
	}
	for d, p := range DrumPitches {
		for _, m := range []DrumMap{DrumMapGroove, DrumMapGM} {
			if got, ok := m.Drum(p); !ok || got != d {
				t.Errorf("%v.Drum(DrumPitches[%s] = %d) = %d, %v", m, DrumNames[d], p, got, ok)
			}
		}
	}
}

func TestGrooveRead(t *testing.T) {
	const div = 480 // 120 ticks a step
	for _, tc := range []struct {
		name   string
		file   []byte
		opt    DrumOptions
		want   map[[2]int]DrumHit // {step, drum} → hit
		steps  int
		errIs  error
		errHas string
	}{
		{
			name: "channel 10, rounding to the nearest step, offsets",
			file: smfBytes(div, []ev{
				on(0, 9, 36, 100), on(59, 9, 42, 40), // 0.49 of a step late: step 0
				off(60, 9, 36), off(100, 9, 42),
				on(180, 9, 38, 90), off(200, 9, 38), // 1.5 steps: halves round up to step 2
				on(470, 9, 22, 70), off(480, 9, 22), // closed hi-hat edge, early on step 4
				on(480, 0, 60, 100), off(600, 0, 60), // a piano note: not a drum
			}),
			want: map[[2]int]DrumHit{
				{0, Kick}: {100, 0}, {0, ClosedHat}: {40, 59.0 / 120},
				{2, Snare}: {90, -0.5}, {4, ClosedHat}: {70, -10.0 / 120},
			},
			steps: 5,
		},
		{
			name: "the loudest hit of a drum on a step wins",
			file: smfBytes(div, []ev{
				on(0, 9, 42, 30), off(10, 9, 42),
				on(20, 9, 44, 90), off(30, 9, 44), // pedal hi-hat: a closed hi-hat
				on(30, 9, 22, 60), off(40, 9, 22),
			}),
			want:  map[[2]int]DrumHit{{0, ClosedHat}: {90, 20.0 / 120}},
			steps: 1,
		},
		{
			name: "a named track on channel 1 is read as drums",
			file: smfBytes(div, []ev{name("piano"), on(0, 0, 60, 100), off(480, 0, 60)},
				[]ev{name("hats"), on(0, 0, 42, 80), off(60, 0, 42), on(240, 0, 46, 80), off(300, 0, 46)}),
			opt:   DrumOptions{Track: "hats"},
			want:  map[[2]int]DrumHit{{0, ClosedHat}: {80, 0}, {2, OpenHat}: {80, 0}},
			steps: 3,
		},
		{
			name: "taps: every note on any channel and key is a hit of the open hi-hat, the loudest of a step kept",
			file: smfBytes(div, []ev{on(0, 0, 60, 70), on(10, 3, 72, 90), off(60, 0, 60), off(60, 3, 72),
				on(240, 9, 36, 50), off(300, 9, 36), on(370, 0, 100, 80), off(400, 0, 100)}),
			opt:   DrumOptions{Taps: true},
			want:  map[[2]int]DrumHit{{0, OpenHat}: {90, 10.0 / 120}, {2, OpenHat}: {50, 0}, {3, OpenHat}: {80, 10.0 / 120}},
			steps: 4,
		},
		{
			name: "GM map",
			file: smfBytes(div, []ev{on(0, 9, 45, 100), off(60, 9, 45), on(120, 9, 58, 100), off(180, 9, 58)}),
			opt:  DrumOptions{Map: DrumMapGM},
			want: map[[2]int]DrumHit{{0, LowTom}: {100, 0}, {1, Crash}: {100, 0}}, steps: 2,
		},
		{
			name: "groove map",
			file: smfBytes(div, []ev{on(0, 9, 45, 100), off(60, 9, 45), on(120, 9, 58, 100), off(180, 9, 58)}),
			want: map[[2]int]DrumHit{{0, MidTom}: {100, 0}, {1, LowTom}: {100, 0}}, steps: 2,
		},
		{
			name: "the groove lasts to the end of the track",
			file: smfBytes(div, []ev{on(0, 9, 36, 100), off(60, 9, 36), meta(3840, 0x01, 'e')}),
			want: map[[2]int]DrumHit{{0, Kick}: {100, 0}}, steps: 32,
		},
		{
			name:   "no drum channel",
			file:   smfBytes(div, []ev{on(0, 0, 36, 100), off(60, 0, 36)}),
			errIs:  ErrNoDrums,
			errHas: "none of the 1 notes of the file is on the drum channel (10)",
		},
		{
			name:   "keys outside the kit",
			file:   smfBytes(div, []ev{on(0, 9, 100, 100), off(60, 9, 100)}),
			errIs:  ErrNoDrums,
			errHas: "1 on keys the kit leaves out",
		},
		{name: "no notes", file: smfBytes(div, []ev{tempo(0, 500000)}), errIs: ErrNoDrums, errHas: "has no notes"},
		{name: "no such track", file: smfBytes(div, []ev{on(0, 9, 36, 100)}), opt: DrumOptions{Track: "drums"}, errIs: ErrNoTrack},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := mustRead(t, tc.file).Groove(tc.opt)
			if tc.errIs != nil {
				if !errors.Is(err, tc.errIs) || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want %v containing %q", err, tc.errIs, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(g) != tc.steps {
				t.Errorf("%d steps, want %d", len(g), tc.steps)
			}
			if err := g.Validate(); err != nil {
				t.Error(err)
			}
			for s := range g {
				for d, h := range g[s] {
					w := tc.want[[2]int{s, d}]
					if h.Velocity != w.Velocity || math.Abs(h.Offset-w.Offset) > 1e-9 {
						t.Errorf("step %d %s = %+v, want %+v", s, DrumNames[d], h, w)
					}
				}
			}
		})
	}
}

func TestDrumsClasses(t *testing.T) {
	f := mustRead(t, smfBytes(480, []ev{on(0, 9, 36, 100), on(0, 9, 38, 100), on(0, 9, 51, 100), on(120, 9, 46, 100), off(180, 9, 46)}))
	d, err := f.Drums(DrumOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := Drums{1<<Kick | 1<<Snare | 1<<Ride, 1 << OpenHat}
	if len(d) != 2 || d[0] != want[0] || d[1] != want[1] {
		t.Fatalf("Drums = %v, want %v", d, want)
	}
	if d[0] != 1+2+256 || d.NumHits() != 4 || !d.Hits(1, OpenHat) || d.Hits(1, Kick) {
		t.Errorf("classes %v: hits %d", d, d.NumHits())
	}
	if err := (Drums{0, 511}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (Drums{0, 512}).Validate(); err == nil || !strings.Contains(err.Error(), "step 1 has class 512") {
		t.Errorf("Validate(512) = %v", err)
	}
}

func TestDrumsGrid(t *testing.T) {
	d := make(Drums, 16)
	for i := 0; i < 16; i += 2 {
		d[i] = 1 << ClosedHat
	}
	d[0] |= 1 << Kick
	d[8] |= 1 << Kick
	d[4] |= 1 << Snare
	d[12] |= 1 << Snare
	want := "" +
		"closed hi-hat |x.x.x.x.x.x.x.x.|\n" +
		"snare         |....x.......x...|\n" +
		"kick          |x.......x.......|\n"
	if got := d.Grid(16); got != want {
		t.Errorf("Grid:\n%s\nwant:\n%s", got, want)
	}
	if got := (Drums{0, 0}).String(); !strings.Contains(got, "2 steps of silence") {
		t.Errorf("silence: %q", got)
	}
}

func TestGrooveRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		var gs []Groove
		for k := 0; k < 1+rng.IntN(3); k++ {
			g := make(Groove, 32)
			for s := range g {
				for d := range g[s] {
					if rng.IntN(5) == 0 {
						g[s][d] = DrumHit{Velocity: 1 + rng.IntN(127), Offset: rng.Float64() - 0.5}
					}
				}
			}
			g[0][Kick] = DrumHit{Velocity: 100, Offset: 0.25} // a hit at the start, not early
			gs = append(gs, g)
		}
		var buf bytes.Buffer
		if err := WriteGrooves(&buf, 97, gs...); err != nil {
			t.Fatal(err)
		}
		got, err := mustRead(t, buf.Bytes()).Groove(DrumOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var want Groove
		for _, g := range gs {
			want = append(want, g...)
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d steps back, want %d", trial, len(got), len(want))
		}
		for s := range want {
			for d := range want[s] {
				w, g := want[s][d], got[s][d]
				// Hits within a tick of a step's edge may round into the next step; keep
				// the test to those clear of it.
				if math.Abs(w.Offset+0.5) < 1.0/120 || math.Abs(w.Offset-0.5) < 1.0/120 {
					continue
				}
				if s == 0 && w.Offset < 0 {
					w.Offset = 0 // an early hit at the very start is written at the start
				}
				if w.Velocity != g.Velocity || math.Abs(w.Offset-g.Offset) > 0.5/120+1e-9 {
					t.Fatalf("trial %d step %d %s: wrote %+v, read %+v", trial, s, DrumNames[d], w, g)
				}
			}
		}
	}
}

func TestWriteDrumsRoundTrip(t *testing.T) {
	d := Drums{1<<Kick | 1<<ClosedHat, 0, 1 << ClosedHat, 0, 1<<Snare | 1<<OpenHat, 0, 0, 1 << LowTom, 1 << MidTom, 1 << HighTom, 1 << Crash, 1 << Ride, 511, 0, 0, 0}
	for _, m := range []DrumMap{DrumMapGroove, DrumMapGM} {
		var buf bytes.Buffer
		if err := WriteDrums(&buf, 0, d); err != nil {
			t.Fatal(err)
		}
		f := mustRead(t, buf.Bytes())
		for _, n := range f.Notes() {
			if n.Channel != DrumChannel {
				t.Fatalf("note %+v off the drum channel", n)
			}
		}
		got, err := f.Drums(DrumOptions{Map: m})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(d) {
			t.Fatalf("%v: %d steps, want %d", m, len(got), len(d))
		}
		for i := range d {
			if got[i] != d[i] {
				t.Fatalf("%v: step %d = %d, want %d", m, i, got[i], d[i])
			}
		}
	}
	var buf bytes.Buffer
	if err := WriteDrums(&buf, 0, Drums{0, 600}); err == nil || !strings.Contains(err.Error(), "step 1 has class 600") {
		t.Errorf("class 600: %v", err)
	}
	if err := WriteGrooves(&buf, 0, Groove{{{Velocity: 200}}}); err == nil || !strings.Contains(err.Error(), "velocity 200") {
		t.Errorf("velocity 200: %v", err)
	}
	if err := WriteGrooves(&buf, 0, Groove{{{Velocity: 20, Offset: 0.5}}}); err == nil || !strings.Contains(err.Error(), "offset 0.5") {
		t.Errorf("offset 0.5: %v", err)
	}
}

func TestDrumWindows(t *testing.T) {
	d := make(Drums, 80) // five bars: hits in bars 1, 2, 4 and 5
	for _, s := range []int{0, 16, 17, 48, 64} {
		d[s] = 1 << Kick
	}
	ws := DrumWindows(d, 2, 1)
	// windows at bars 1–2 (ok), 2–3 (bar 3 silent), 3–4 (bar 3 silent), 4–5 (ok)
	if len(ws) != 2 || ws[0][0] != 1 || ws[0][17] != 1 || ws[1][0] != 1 || ws[1][16] != 1 {
		t.Fatalf("windows %v", ws)
	}
	// A pattern ending inside a bar is padded to it.
	if ws := DrumWindows(d[:70], 2, 1); len(ws) != 2 || len(ws[1]) != 32 {
		t.Fatalf("padded: %d windows", len(ws))
	}
	f := mustRead(t, smfBytes(480, []ev{timeSig(0, 3, 2), on(0, 9, 36, 100), off(60, 9, 36), meta(480*12, 1, 'x')}))
	if _, err := f.GrooveWindows(DrumOptions{}, 2, 1); !errors.Is(err, ErrNoDrums) || !strings.Contains(err.Error(), "3/4") {
		t.Errorf("3/4: %v", err)
	}
}

// FuzzDrums feeds arbitrary bytes through reading drums and cutting windows: none of it
// may panic, and what comes back must be valid.
func FuzzDrums(f *testing.F) {
	f.Add(smfBytes(480, []ev{on(0, 9, 36, 100), on(59, 9, 42, 40), off(60, 9, 36), off(100, 9, 42)}))
	f.Add(smfBytes(96, []ev{tempo(0, 500000), timeSig(0, 6, 3)}, []ev{name("hats"), on(0, 0, 42, 1), on(0, 9, 22, 1), off(96, 0, 42)}))
	f.Add(append(header(0, 1, 0xE728), chunk("MTrk", trackBody(on(0, 9, 38, 100), off(500, 9, 38)))...))
	paths, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "midi-robustness", "*.mid"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil && len(data) < 16<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, opt := range []DrumOptions{{}, {Track: "0", Map: DrumMapGM}} {
			g, err := file.Groove(opt)
			if err != nil {
				if !errors.Is(err, ErrNoDrums) && !errors.Is(err, ErrNoTrack) {
					t.Fatalf("Groove: %v", err)
				}
				continue
			}
			if len(g) == 0 || len(g) > MaxSteps || g.Validate() != nil || g.Drums().Validate() != nil {
				t.Fatalf("groove of %d steps: %v", len(g), g.Validate())
			}
			ws, err := file.GrooveWindows(opt, 2, 1)
			if err != nil && !errors.Is(err, ErrNoDrums) {
				t.Fatalf("GrooveWindows: %v", err)
			}
			for _, w := range ws {
				if len(w) != 32 || w.Validate() != nil {
					t.Fatalf("bad window")
				}
			}
		}
	})
}

// TestGrooveMIDIDatasetKeys reads files of the Groove MIDI Dataset, when it is here: every
// note is on the drum channel and on a TD-11 key that DrumMapGroove maps, as the paper's
// table has them all.
func TestGrooveMIDIDatasetKeys(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "drums", "groove", "drummer1", "*", "*.mid"))
	if len(paths) == 0 {
		t.Skip("no Groove MIDI Dataset here")
	}
	notes := 0
	for _, p := range paths[:min(len(paths), 30)] {
		f, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range f.Notes() {
			if _, ok := DrumMapGroove.Drum(n.Pitch); !ok || n.Channel != DrumChannel {
				t.Fatalf("%s: note %+v is not a drum of the kit", p, n)
			}
			notes++
		}
		if _, err := f.Groove(DrumOptions{}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if notes == 0 {
		t.Fatal("no notes read")
	}
}
