package datasets

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"musae/midi"
)

// writeBeat writes a file of bars bars of a rock beat (kick on 1 and 3, snare on 2 and 4,
// eighth-note hats); with vary, every second bar ends on a crash.
func writeBeat(t *testing.T, path string, bars int, vary bool) {
	t.Helper()
	d := make(midi.Drums, bars*16)
	for s := range d {
		if s%2 == 0 {
			d[s] |= 1 << midi.ClosedHat
		}
		switch s % 16 {
		case 0, 8:
			d[s] |= 1 << midi.Kick
		case 4, 12:
			d[s] |= 1 << midi.Snare
		}
		if vary && s%16 == 14 && s/16%2 == 1 {
			d[s] |= 1 << midi.Crash
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := midi.WriteDrumsFile(path, 100, d); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDrums(t *testing.T) {
	dir := t.TempDir()
	writeBeat(t, filepath.Join(dir, "d1", "a.mid"), 4, false) // 3 windows, 1 pattern
	writeBeat(t, filepath.Join(dir, "d1", "b.mid"), 5, true)  // 4 windows, 2 patterns
	writeBeat(t, filepath.Join(dir, "d2", "c.mid"), 3, false) // 2 windows
	writeBeat(t, filepath.Join(dir, "d2", "unlisted.mid"), 3, false)
	if err := os.WriteFile(filepath.Join(dir, "d2", "fill.mid"), drumBytes(t, midi.Drums{1}), 0o644); err != nil {
		t.Fatal(err)
	}
	info := "drummer,midi_filename,split\nx,d1/a.mid,train\nx,d1/b.mid,train\nx,d2/c.mid,validation\nx,d2/fill.mid,train\n"
	if err := os.WriteFile(filepath.Join(dir, "info.csv"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadDrums(context.Background(), dir, DrumOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SplitFrom != "info.csv" || len(c.Files) != 3 || len(c.Skipped) != 2 {
		t.Fatalf("split from %s, files %+v, skipped %+v", c.SplitFrom, c.Files, c.Skipped)
	}
	if len(c.TrainGrooves) != 7 || len(c.Train) != 3 || len(c.ValidationGrooves) != 2 || len(c.Validation) != 1 {
		t.Errorf("train %d windows %d patterns, validation %d windows %d patterns; want 7, 3, 2, 1",
			len(c.TrainGrooves), len(c.Train), len(c.ValidationGrooves), len(c.Validation))
	}
	reasons := c.Skipped[0].Reason + " / " + c.Skipped[1].Reason
	if !strings.Contains(reasons, "without a silent bar") || !strings.Contains(reasons, "not listed in info.csv") {
		t.Errorf("skip reasons %q", reasons)
	}
	b := DrumBatch(c.Validation)
	if b.N != 1 || b.T != 32 || b.D != midi.NumDrumClasses || b.Classes[0] != 1<<midi.Kick|1<<midi.ClosedHat || b.Classes[4] != 1<<midi.Snare|1<<midi.ClosedHat {
		t.Errorf("batch %d×%d×%d, classes %v", b.N, b.T, b.D, b.Classes[:5])
	}

	// Without info.csv, every file is split by hash.
	os.Remove(filepath.Join(dir, "info.csv"))
	c, err = LoadDrums(context.Background(), dir, DrumOptions{ValidationShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if c.SplitFrom != "a hash of each path" || len(c.Files) != 4 {
		t.Errorf("without info.csv: split from %s, %d files", c.SplitFrom, len(c.Files))
	}

	for _, bad := range []struct{ csv, want string }{
		{"a,b\n1,2\n", "want columns midi_filename and split"},
		{"midi_filename,split\nd1/a.mid,dev\n", `line 2: split "dev"`},
	} {
		os.WriteFile(filepath.Join(dir, "info.csv"), []byte(bad.csv), 0o644)
		if _, err := LoadDrums(context.Background(), dir, DrumOptions{}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("info.csv %q: %v, want %q", bad.csv, err, bad.want)
		}
	}
	if _, err := LoadDrums(context.Background(), filepath.Join(dir, "none"), DrumOptions{}); err == nil || !strings.HasPrefix(err.Error(), "datasets: drums: ") {
		t.Errorf("missing folder: %v", err)
	}
}

func drumBytes(t *testing.T, d midi.Drums) []byte {
	var buf bytes.Buffer
	if err := midi.WriteDrums(&buf, 0, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
