package midi

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes through reading, note pairing, extraction and windowing.
// None of it may panic; what it returns must be well formed. The seeds (crafted files,
// and the real files of ../shared/data/midi-robustness when present) run with go test.
func FuzzRead(f *testing.F) {
	f.Add(smfBytes(480, []ev{on(0, 0, 60, 100), off(480, 0, 60)}))
	f.Add(smfBytes(96, []ev{tempo(0, 500000), timeSig(0, 6, 3)}, []ev{name("MELODY"), prog(0, 0, 5), on(0, 0, 72, 1), on(0, 0, 60, 1), off(96, 0, 60), off(200, 0, 72)}))
	f.Add(append(header(0, 1, 0xE728), chunk("MTrk", trackBody(on(0, 0, 60, 100), off(500, 0, 60)))...))
	f.Add(append(header(0, 1, 4), chunk("MTrk", []byte{0, 0x90, 60, 0xFF, 4, 60, 0, 0xF8})...))
	f.Add([]byte("MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f"))
	f.Add(append([]byte("RIFF\x00\x00\x00\x00RMIDdata"), smfBytes(480, []ev{on(0, 0, 60, 100)})...))
	paths, _ := filepath.Glob(filepath.Join("..", "..", "shared", "data", "midi-robustness", "*.mid"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil && len(data) < 16<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data))
		if err != nil {
			if file != nil {
				t.Fatal("Read returned a file and an error")
			}
			return
		}
		_ = file.Notes()
		_ = file.Meters()
		// Whatever the file claims, rendering it is refused or bounded by the limits.
		if a, err := file.Audio(RenderOptions{MaxSeconds: 2}); err != nil {
			if !errors.Is(err, ErrRenderLimit) {
				t.Fatalf("Audio: %v", err)
			}
		} else if s, err := a.Samples(context.Background()); err != nil || len(s) != a.Len() || a.Len() > 2*SampleRate+1 {
			t.Fatalf("Audio of %d samples gave %d, error %v", a.Len(), len(s), err)
		}
		for _, tr := range file.Tracks {
			for _, e := range tr.Events {
				_ = e.String()
			}
		}
		m, err := file.Melody(ExtractOptions{AllPrograms: true})
		if err != nil {
			if !errors.Is(err, ErrNoMelody) {
				t.Fatalf("Melody: %v", err)
			}
			return
		}
		if len(m) == 0 || len(m) > MaxSteps || m.Validate() != nil {
			t.Fatalf("Melody of %d steps, Validate: %v", len(m), m.Validate())
		}
		if len(m) < 1<<14 {
			_ = m.String()
			// Bars, windows and scores in the file's own meters and key.
			if ws, err := file.MeterWindows(ExtractOptions{AllPrograms: true}, WindowBars, 1); err == nil {
				for _, w := range ws {
					if len(w.Pulses()) != len(w.Melody) || w.Melody.Validate() != nil {
						t.Fatalf("window %+v", w)
					}
				}
			} else if !errors.Is(err, ErrNoMelody) {
				t.Fatalf("MeterWindows: %v", err)
			}
			// The key under the file's own chords, as export and inspect take it.
			k, _ := file.Key(m, file.EstimateChords(EstimateChordsOptions{}))
			if _, err := m.ABC(NotationOptions{Meters: file.Meters(), Key: &k}); err != nil && !strings.Contains(err.Error(), "not a whole number of 16ths") {
				t.Fatalf("ABC: %v", err)
			}
		}
		file.AlignToGrid()
		ws, err := file.Windows(ExtractOptions{AllPrograms: true, AnyMeter: true}, WindowBars, 1)
		if err != nil && !errors.Is(err, ErrNoMelody) {
			t.Fatalf("Windows: %v", err)
		}
		for _, w := range ws {
			if len(w) != WindowSteps || w.Validate() != nil || w[0] == NoteOff {
				t.Fatalf("bad window %v", w)
			}
		}
	})
}
