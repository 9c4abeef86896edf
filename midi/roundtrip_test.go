package midi

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// dump is the readable form of a file kept beside each golden .mid.
func dump(f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "format %d, %d ticks per quarter, %d track(s)\n", f.Format, f.Division, len(f.Tracks))
	for _, t := range f.Tracks {
		fmt.Fprintf(&b, "track %d %q\n", t.Index, t.Name)
		for _, e := range t.Events {
			fmt.Fprintf(&b, "  tick %6d  step %4.1f  %s\n", e.Tick, float64(e.Tick)*StepsPerQuarter/float64(f.Division), e)
		}
		fmt.Fprintf(&b, "  tick %6d  end-of-track\n", t.End)
	}
	return b.String()
}

func TestRoundTripGolden(t *testing.T) {
	twinkle := mel(t,
		"C4", "-", "-", "x", "C4", "-", "-", "x", "G4", "-", "-", "x", "G4", "-", "-", "x",
		"A4", "-", "-", "x", "A4", "-", "-", "x", "G4", "-", "-", "-", "-", "-", "-", "x",
		"F4", "-", "-", "x", "F4", "-", "-", "x", "E4", "-", "-", "x", "E4", "-", "-", "x",
		"D4", "-", "-", "x", "D4", "-", "-", "x", "C4", "-", "-", "-", "-", "-", "-", "-")
	syncopated := mel(t,
		".", ".", "E5", "-", "-", "D5", "-", "-", "C5", "-", "x", ".", "A4", "G#4", "A4", "-",
		"-", "-", "-", "-", "-", "-", "x", ".", ".", ".", ".", ".", "B4", "C5", "D5", "x")
	extremes := mel(t, "A0", "-", "C8", "x", "C#4", "D4", "D#4", "E4", "E4", "E4", "x", ".", "B3", "-", "-", "-")
	tests := []struct {
		name string
		qpm  float64
		ms   []Melody
	}{
		{"twinkle", 0, []Melody{twinkle}},
		{"syncopated", 96, []Melody{syncopated}},
		{"extremes", 150, []Melody{extremes}},
		{"two-melodies", 120, []Melody{twinkle[:32], syncopated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMelodies(&buf, tt.qpm, tt.ms...); err != nil {
				t.Fatal(err)
			}
			f := mustRead(t, buf.Bytes())
			if len(f.Warnings) > 0 {
				t.Errorf("reading what we wrote warns: %q", f.Warnings)
			}
			got, err := f.Melody(ExtractOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Concat(tt.ms...).Canonical()
			if !slices.Equal(got, want) {
				t.Errorf("read back\n%s want\n%s", got, want)
			}
			if qpm := cmpOr(tt.qpm, DefaultQPM); math.Abs(f.QPM-qpm) > 1e-3 {
				t.Errorf("QPM %v, want %v", f.QPM, qpm)
			}
			for _, n := range f.Notes() {
				if n.Velocity != WriteVelocity || n.Channel != 0 || n.Program != 0 {
					t.Fatalf("note %+v, want velocity 100, channel 1, program 0", n)
				}
			}
			text := fmt.Sprintf("qpm %v\n\n%s\n%s", f.QPM, got, dump(f))
			base := filepath.Join("testdata", "roundtrip", tt.name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".mid", buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(base+".txt", []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantMid, err := os.ReadFile(base + ".mid")
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), wantMid) {
				t.Errorf("written bytes differ from %s.mid", base)
			}
			wantText, err := os.ReadFile(base + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			if text != string(wantText) {
				t.Errorf("dump differs from %s.txt:\n%s", base, text)
			}
			// The golden file itself reads back to the melody: old goldens stay readable.
			g := mustRead(t, wantMid)
			if m, err := g.Melody(ExtractOptions{}); err != nil || !slices.Equal(m, want) {
				t.Errorf("golden %s.mid reads back as %v, %v", base, m, err)
			}
		})
	}
}

func cmpOr(a, b float64) float64 {
	if a != 0 {
		return a
	}
	return b
}

// TestRoundTripRandom writes random melodies and reads them back.
func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		m := make(Melody, 1+rng.IntN(70))
		for j := range m {
			switch r := rng.IntN(10); {
			case r < 4:
				m[j] = 2 + rng.IntN(NumClasses-2)
			case r < 6:
				m[j] = NoteOff
			}
		}
		m[rng.IntN(len(m))] = 2 + rng.IntN(NumClasses-2)
		var buf bytes.Buffer
		if err := WriteMelodies(&buf, 40+rng.Float64()*200, m); err != nil {
			t.Fatal(err)
		}
		got, err := mustRead(t, buf.Bytes()).Melody(ExtractOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := m.Canonical(); !slices.Equal(got, want) {
			t.Fatalf("melody %d: read back\n%s want\n%s", i, got, want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		qpm  float64
		ms   []Melody
		err  string
	}{
		{"class out of range", 120, []Melody{{2, 90}}, "midi: write: melody 0 step 1 has class 90"},
		{"negative class", 120, []Melody{{2}, {-1}}, "melody 1 step 0 has class -1"},
		{"tempo too slow for the format", 3, []Melody{{2}}, "tempo 3 qpm"},
		{"tempo NaN", math.NaN(), []Melody{{2}}, "tempo NaN qpm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteMelodies(&bytes.Buffer{}, tt.qpm, tt.ms...)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("WriteMelodies = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.mid")
	m := mel(t, "C4", "-", "E4", "x")
	if err := WriteFile(path, 100, m); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Melody(ExtractOptions{}); !slices.Equal(got, m) {
		t.Errorf("read back %v, want %v", got, m)
	}
	// A failed write leaves the old file and no temporary behind.
	if err := WriteFile(path, 100, Melody{99}); err == nil || !strings.Contains(err.Error(), "midi: write "+path) {
		t.Errorf("WriteFile of a bad melody: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after a failed write, want 1", len(entries))
	}
	if f, err := ReadFile(path); err != nil || len(f.Tracks) != 1 {
		t.Errorf("the old file is damaged: %v", err)
	}
}
