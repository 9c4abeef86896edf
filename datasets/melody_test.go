package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nlpodyssey/safetensors"
	gomidi "gitlab.com/gomidi/midi/v2"
	"gitlab.com/gomidi/midi/v2/smf"

	"musae/midi"
)

// tune is a melody of bars 4/4 bars: quarter notes climbing from root.
func tune(root, bars int) midi.Melody {
	var m midi.Melody
	for i := range bars * 4 {
		m = append(m, midi.NoteOnClass(root+i), 0, 0, 0)
	}
	return m
}

// writeSMF writes a one-track file with a time signature num/den and quarter notes.
func writeSMF(t *testing.T, path string, num, den uint8, channel uint8, pitches ...uint8) {
	t.Helper()
	var tr smf.Track
	tr.Add(0, smf.MetaMeter(num, den))
	for _, p := range pitches {
		tr.Add(0, gomidi.NoteOn(channel, p, 100))
		tr.Add(480, gomidi.NoteOff(channel, p))
	}
	tr.Close(0)
	s := smf.New()
	s.TimeFormat = smf.MetricTicks(480)
	if err := s.Add(tr); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(path); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// corpus writes a small corpus and returns its folder.
func corpus(t *testing.T) string {
	dir := t.TempDir()
	for i := range 20 {
		p := filepath.Join(dir, fmt.Sprintf("set%d", i%3), fmt.Sprintf("tune%02d.mid", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := midi.WriteFile(p, 120, tune(48+i, 3+i%3)); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "README.md"), []byte("not music"))
	writeFile(t, filepath.Join(dir, "broken.MID"), []byte("RIFF....WAVE"))
	writeFile(t, filepath.Join(dir, ".hidden", "x.mid"), []byte("ignored"))
	writeSMF(t, filepath.Join(dir, "waltz.mid"), 3, 4, 0, 60, 62, 64, 65, 67, 69, 71, 72, 74, 76, 77, 79)
	writeSMF(t, filepath.Join(dir, "drums.mid"), 4, 4, 9, 36, 38, 36, 38, 36, 38, 36, 38, 36, 38, 36, 38)
	return dir
}

func TestLoadMelodies(t *testing.T) {
	dir := corpus(t)
	c, err := LoadMelodies(dir, MelodyOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 20 {
		t.Errorf("%d files gave windows, want 20", len(c.Files))
	}
	wantSkipped := []SkippedFile{
		{"broken.MID", "byte 0: not a Standard MIDI File (no MThd header)"},
		{"drums.mid", "no melody: none of the 12 notes of the file is usable: 12 on the drum channel 10"},
		{"waltz.mid", "no melody: no 2-bar window in a meter that divides 4/4 (the piece is in 3/4)"},
	}
	if !slices.Equal(c.Skipped, wantSkipped) {
		t.Errorf("Skipped =\n%q\nwant\n%q", c.Skipped, wantSkipped)
	}
	// A tune of b bars gives b-1 windows.
	want := 0
	for i := range 20 {
		want += 3 + i%3 - 1
	}
	if got := len(c.Train) + len(c.Validation); got != want {
		t.Errorf("%d windows, want %d", got, want)
	}
	for _, w := range slices.Concat(c.Train, c.Validation) {
		if len(w) != midi.WindowSteps || w.Validate() != nil {
			t.Fatalf("bad window %v", w)
		}
	}
	if !slices.IsSortedFunc(c.Files, func(a, b MelodyFile) int { return strings.Compare(a.Path, b.Path) }) || c.Files[0].Path != "set0/tune00.mid" {
		t.Errorf("files not in path order with slash paths: %v", c.Files[:2])
	}

	// Files already on the grid are left as they are by AlignGrid.
	aligned, err := LoadMelodies(dir, MelodyOptions{NoCache: true, AlignGrid: true})
	if err != nil {
		t.Fatal(err)
	}
	equalCorpus(t, "aligned", aligned, c)

	// A folder named through a link is the folder.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	linked, err := LoadMelodies(link, MelodyOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	equalCorpus(t, "through a link", linked, c)

	any, err := LoadMelodies(dir, MelodyOptions{NoCache: true, AnyMeter: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(any.Files) != 21 {
		t.Errorf("AnyMeter: %d files, want the waltz too", len(any.Files))
	}
}

func TestLoadMelodiesErrors(t *testing.T) {
	if _, err := LoadMelodies(filepath.Join(t.TempDir(), "nope"), MelodyOptions{}); err == nil || !strings.Contains(err.Error(), "datasets: melodies:") {
		t.Errorf("missing folder: %v", err)
	}
	if _, err := LoadMelodies(t.TempDir(), MelodyOptions{ValidationShare: 1.5}); err == nil {
		t.Error("a share above 1 should fail")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := LoadMelodiesContext(ctx, corpus(t), MelodyOptions{NoCache: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled load: %v", err)
	}
}

func TestLoadMelodiesTrack(t *testing.T) {
	dir := t.TempDir()
	// Two tracks: a high accompaniment and a lower MELODY.
	var acc, lead smf.Track
	acc.Add(0, smf.MetaTrackSequenceName("PIANO"))
	lead.Add(0, smf.MetaTrackSequenceName("MELODY"))
	for i := range 16 {
		acc.Add(0, gomidi.NoteOn(1, 84, 100))
		acc.Add(480, gomidi.NoteOff(1, 84))
		lead.Add(0, gomidi.NoteOn(0, uint8(60+i%5), 100))
		lead.Add(480, gomidi.NoteOff(0, uint8(60+i%5)))
	}
	acc.Close(0)
	lead.Close(0)
	s := smf.NewSMF1()
	s.TimeFormat = smf.MetricTicks(480)
	if err := s.Add(acc); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(lead); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile(filepath.Join(dir, "song.mid")); err != nil {
		t.Fatal(err)
	}
	merged, err := LoadMelodies(dir, MelodyOptions{NoCache: true, ValidationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	picked, err := LoadMelodies(dir, MelodyOptions{NoCache: true, ValidationShare: -1, Track: "MELODY"})
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Train) == 0 || len(picked.Train) == 0 {
		t.Fatalf("windows: merged %d, picked %d", len(merged.Train), len(picked.Train))
	}
	if p, _ := midi.ClassPitch(merged.Train[0][0]); p != 84 {
		t.Errorf("merged tracks start with %s, want the higher C6", midi.PitchName(p))
	}
	if p, _ := midi.ClassPitch(picked.Train[0][0]); p != 60 {
		t.Errorf("the MELODY track starts with %s, want C4", midi.PitchName(p))
	}
	none, err := LoadMelodies(dir, MelodyOptions{NoCache: true, Track: "VOCALS"})
	if err != nil {
		t.Fatal(err)
	}
	if len(none.Skipped) != 1 || !strings.Contains(none.Skipped[0].Reason, `no such track "VOCALS"`) {
		t.Errorf("Skipped = %q", none.Skipped)
	}
}

func TestLoadMelodiesDuplicates(t *testing.T) {
	dir := t.TempDir()
	// The same bar eight times: every window is the same.
	var m midi.Melody
	for range 8 {
		m = append(m, tune(60, 1)...)
	}
	if err := midi.WriteFile(filepath.Join(dir, "loop.mid"), 120, m); err != nil {
		t.Fatal(err)
	}
	c, err := LoadMelodies(dir, MelodyOptions{NoCache: true, ValidationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Train) != 1 || c.Files[0].Duplicates != 6 {
		t.Errorf("%d windows and %d duplicates, want 1 and 6", len(c.Train), c.Files[0].Duplicates)
	}
}

func TestMelodySplit(t *testing.T) {
	dir := corpus(t)
	split := func(c *MelodyCorpus) map[string]bool {
		m := map[string]bool{}
		for _, f := range c.Files {
			m[f.Path] = f.Validation
		}
		return m
	}
	a, err := LoadMelodies(dir, MelodyOptions{NoCache: true, ValidationShare: 0.3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	nval := 0
	for _, v := range split(a) {
		if v {
			nval++
		}
	}
	if nval == 0 || nval == len(a.Files) {
		t.Fatalf("%d of %d files in validation with share 0.3", nval, len(a.Files))
	}
	// The same relative paths elsewhere, created in another order and with other files
	// beside them, split the same way.
	other := t.TempDir()
	for i := len(a.Files) - 1; i >= 0; i-- {
		data, err := os.ReadFile(filepath.Join(dir, a.Files[i].Path))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(other, a.Files[i].Path), data)
	}
	if err := midi.WriteFile(filepath.Join(other, "extra.mid"), 120, tune(60, 4)); err != nil {
		t.Fatal(err)
	}
	b, err := LoadMelodies(other, MelodyOptions{NoCache: true, ValidationShare: 0.3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	sb := split(b)
	delete(sb, "extra.mid")
	if sa := split(a); !mapsEqual(sa, sb) {
		t.Errorf("the split depends on more than paths and seed:\n%v\n%v", sa, sb)
	}
	c, err := LoadMelodies(dir, MelodyOptions{NoCache: true, ValidationShare: 0.3, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	if mapsEqual(split(a), split(c)) {
		t.Error("seeds 7 and 8 give the same split")
	}
	for _, share := range []float64{-1, 1} {
		c, err := LoadMelodies(dir, MelodyOptions{NoCache: true, ValidationShare: share})
		if err != nil {
			t.Fatal(err)
		}
		if (share < 0 && len(c.Validation) > 0) || (share == 1 && len(c.Train) > 0) {
			t.Errorf("share %v: %d train, %d validation", share, len(c.Train), len(c.Validation))
		}
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestMelodyCache(t *testing.T) {
	dir := corpus(t)
	cacheDir := t.TempDir()
	opt := MelodyOptions{CacheDir: cacheDir}
	cold, err := LoadMelodies(dir, opt)
	if err != nil || cold.CacheErr != nil {
		t.Fatal(err, cold.CacheErr)
	}
	if cold.Cached != 0 {
		t.Errorf("cold load: %d cached", cold.Cached)
	}
	warm, err := LoadMelodies(dir, opt)
	if err != nil || warm.CacheErr != nil {
		t.Fatal(err, warm.CacheErr)
	}
	if warm.Cached != 23 {
		t.Errorf("warm load: %d of 23 files from the cache", warm.Cached)
	}
	equalCorpus(t, "warm", warm, cold)

	// Rewriting one file reads that file again, and only it.
	p := filepath.Join(dir, "set0", "tune00.mid")
	if err := midi.WriteFile(p, 120, tune(70, 6)); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	changed, err := LoadMelodies(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Cached != 22 || changed.Files[0].Windows != 5 {
		t.Errorf("after a change: %d cached, first file %d windows; want 22 and 5", changed.Cached, changed.Files[0].Windows)
	}
	fresh, err := LoadMelodies(dir, MelodyOptions{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	equalCorpus(t, "after a change", changed, fresh)

	// Other extraction options use another cache.
	for _, o := range []MelodyOptions{{AnyMeter: true}, {AlignGrid: true}, {Track: "0"}, {AllPrograms: true}} {
		o.CacheDir = cacheDir
		if c, _ := LoadMelodies(dir, o); c.Cached != 0 {
			t.Errorf("options %+v: %d cached, want 0", o, c.Cached)
		}
	}
	// A damaged cache is reported and ignored.
	caches, _ := filepath.Glob(filepath.Join(cacheDir, "melodies-*.cache"))
	if len(caches) != 5 {
		t.Fatalf("%d cache files, want 5", len(caches))
	}
	for _, cp := range caches {
		data, _ := os.ReadFile(cp)
		data[len(data)/2] ^= 0xFF
		writeFile(t, cp, data)
	}
	damaged, err := LoadMelodies(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if damaged.CacheErr == nil || !strings.Contains(damaged.CacheErr.Error(), "checksum mismatch") || damaged.Cached != 0 {
		t.Errorf("damaged cache: CacheErr %v, %d cached", damaged.CacheErr, damaged.Cached)
	}
	equalCorpus(t, "damaged cache", damaged, fresh)
	// NoCache writes nothing.
	empty := t.TempDir()
	if _, err := LoadMelodies(dir, MelodyOptions{CacheDir: empty, NoCache: true}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("NoCache wrote %d files", len(entries))
	}
}

func equalCorpus(t *testing.T, what string, a, b *MelodyCorpus) {
	t.Helper()
	eq := func(x, y []midi.Melody) bool {
		return slices.EqualFunc(x, y, func(a, b midi.Melody) bool { return slices.Equal(a, b) })
	}
	if !eq(a.Train, b.Train) || !eq(a.Validation, b.Validation) || !slices.Equal(a.Files, b.Files) || !slices.Equal(a.Skipped, b.Skipped) {
		t.Errorf("%s: corpora differ: %d/%d train, %d/%d validation, files %v / %v", what, len(a.Train), len(b.Train), len(a.Validation), len(b.Validation), a.Files, b.Files)
	}
}

func TestTranspose(t *testing.T) {
	c := midi.NoteOnClass
	tests := []struct {
		m         midi.Melody
		semitones int
		want      midi.Melody
		ok        bool
	}{
		{midi.Melody{c(60), 0, midi.NoteOff, c(64)}, 5, midi.Melody{c(65), 0, midi.NoteOff, c(69)}, true},
		{midi.Melody{c(60), 0, midi.NoteOff, c(64)}, -5, midi.Melody{c(55), 0, midi.NoteOff, c(59)}, true},
		{midi.Melody{c(22), c(60)}, -1, midi.Melody{c(21), c(59)}, true},
		{midi.Melody{c(21), c(60)}, -1, nil, false},
		{midi.Melody{c(108)}, 1, nil, false},
		{midi.Melody{0, 1}, 3, midi.Melody{0, 1}, true},
	}
	for _, tt := range tests {
		got, ok := Transpose(tt.m, tt.semitones)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("Transpose(%v, %d) = %v, %v; want %v, %v", tt.m, tt.semitones, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMelodySetFill(t *testing.T) {
	ws := []midi.Melody{tune(60, 2), tune(30, 2), tune(100, 2)}
	b := MelodyBatch(ws)
	if b.N != 3 || b.T != midi.WindowSteps || b.D != midi.NumClasses {
		t.Fatalf("batch %d×%d×%d", b.N, b.T, b.D)
	}
	for i, w := range ws {
		for j, x := range w {
			if int(b.Classes[i*b.T+j]) != x || b.X[(i*b.T+j)*b.D+x] != 1 {
				t.Fatalf("example %d step %d: class %d, want %d one-hot", i, j, b.Classes[i*b.T+j], x)
			}
		}
	}
	set := MelodySet{Windows: ws, MaxTranspose: MusicVAETranspose}
	rng := rand.New(rand.NewPCG(3, 4))
	shifts := map[int]bool{}
	for range 50 {
		set.Fill(b, []int{0, 1, 2}, rng)
		for i, w := range ws {
			p0, _ := midi.ClassPitch(w[0])
			p1, _ := midi.ClassPitch(int(b.Classes[i*b.T]))
			d := p1 - p0
			if d < -5 || d > 5 {
				t.Fatalf("shift %d outside ±5", d)
			}
			for j, x := range w { // the whole window moves together
				if p, ok := midi.ClassPitch(x); ok {
					if q, _ := midi.ClassPitch(int(b.Classes[i*b.T+j])); q-p != d {
						t.Fatalf("step %d moved %d, step 0 moved %d", j, q-p, d)
					}
				} else if int(b.Classes[i*b.T+j]) != x {
					t.Fatalf("a rest step changed")
				}
			}
			if i == 0 {
				shifts[d] = true
			}
		}
	}
	if len(shifts) < 8 {
		t.Errorf("only %d distinct shifts in 50 draws", len(shifts))
	}
}

func TestWriteMelodySafetensors(t *testing.T) {
	c := &MelodyCorpus{Train: []midi.Melody{tune(60, 2), tune(62, 2)}, Validation: []midi.Melody{tune(64, 2)}}
	var buf bytes.Buffer
	if err := WriteMelodySafetensors(&buf, c, map[string]string{"source": "test"}); err != nil {
		t.Fatal(err)
	}
	st, err := safetensors.Deserialize(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for name, ws := range map[string][]midi.Melody{"train": c.Train, "validation": c.Validation} {
		tv, ok := st.Tensor(name)
		if !ok {
			t.Fatalf("no tensor %q", name)
		}
		if tv.DType() != safetensors.I64 || !slices.Equal(tv.Shape(), []uint64{uint64(len(ws)), 32}) {
			t.Errorf("%s: %v %v, want I64 [%d 32]", name, tv.DType(), tv.Shape(), len(ws))
		}
		for i, w := range ws {
			for j, x := range w {
				k := (i*32 + j) * 8
				if got := int64(tv.Data()[k]) | int64(tv.Data()[k+1])<<8; got != int64(x) {
					t.Fatalf("%s[%d,%d] = %d, want %d", name, i, j, got, x)
				}
			}
		}
	}
	if err := WriteMelodySafetensors(&buf, &MelodyCorpus{Train: []midi.Melody{tune(60, 2), {2}}}, nil); err == nil {
		t.Error("windows of different lengths should fail")
	}
	// 16-bar windows export as [N, 256].
	buf.Reset()
	if err := WriteMelodySafetensors(&buf, &MelodyCorpus{Train: []midi.Melody{tune(60, 16)}, Validation: []midi.Melody{tune(61, 16)}}, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := safetensors.Deserialize(buf.Bytes()); err != nil {
		t.Fatal(err)
	} else if tv, _ := st.Tensor("train"); !slices.Equal(tv.Shape(), []uint64{1, 256}) {
		t.Errorf("16-bar windows: shape %v, want [1 256]", tv.Shape())
	}
}

func TestMelodyStats(t *testing.T) {
	c := &MelodyCorpus{
		Files:   []MelodyFile{{Path: "a.mid", Windows: 1}, {Path: "b.mid", Windows: 1, Validation: true, Duplicates: 2}},
		Skipped: []SkippedFile{{"c.mid", "no melody: the file has no notes"}, {"d.mid", "byte 0: not a Standard MIDI File (no MThd header)"}},
		// One window: C4 for a bar, then a bar of rest.
		Train:      []midi.Melody{append(midi.Melody{midi.NoteOnClass(60)}, make(midi.Melody, 31)...)},
		Validation: []midi.Melody{tune(67, 2)},
	}
	c.Train[0][16] = midi.NoteOff
	s := c.Stats()
	want := MelodyStats{
		Files: 2, Skipped: 2, TrainFiles: 1, ValidationFiles: 1, Train: 1, Validation: 1, Duplicates: 2,
		Notes: 9, LowPitch: 60, HighPitch: 74, NotesPerBar: 9.0 / 4, SoundingShare: 48.0 / 64,
		MeanPitch:   float64(60+67+68+69+70+71+72+73+74) / 9,
		SkipReasons: map[string]int{"no notes": 1, "not a readable MIDI file": 1},
	}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Errorf("Stats =\n%+v\nwant\n%+v", s, want)
	}
}

// TestLoadRealCorpora loads the whole of POP909 and Nottingham, cold and then warm.
func TestLoadRealCorpora(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 1,943 files")
	}
	for _, tc := range []struct {
		dir, track        string
		files, minWindows int
		maxSkipped        int
	}{
		{"pop909", "MELODY", 909, 30000, 10},
		{"nottingham", "", 1034, 9000, 450},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join("..", "..", "shared", "data", "melodies", tc.dir)
			if _, err := os.Stat(dir); err != nil {
				t.Skip(err)
			}
			opt := MelodyOptions{Track: tc.track, CacheDir: t.TempDir()}
			start := time.Now()
			cold, err := LoadMelodies(dir, opt)
			if err != nil {
				t.Fatal(err)
			}
			coldTime := time.Since(start)
			start = time.Now()
			warm, err := LoadMelodies(dir, opt)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d files, %d skipped, %d+%d windows; cold %v, warm %v",
				tc.dir, len(cold.Files), len(cold.Skipped), len(cold.Train), len(cold.Validation), coldTime, time.Since(start))
			if n := len(cold.Files) + len(cold.Skipped); n != tc.files {
				t.Errorf("%d files read, want %d", n, tc.files)
			}
			if len(cold.Skipped) > tc.maxSkipped || len(cold.Train)+len(cold.Validation) < tc.minWindows {
				t.Errorf("%d skipped, %d windows", len(cold.Skipped), len(cold.Train)+len(cold.Validation))
			}
			for _, s := range cold.Skipped {
				// Both corpora are clean MIDI: the only reason to skip is a meter that is
				// not 4/4 or a division of it.
				if !strings.Contains(s.Reason, "in a meter that divides 4/4") {
					t.Errorf("%s skipped: %s", s.Path, s.Reason)
				}
			}
			if warm.Cached != tc.files {
				t.Errorf("warm load: %d of %d from the cache", warm.Cached, tc.files)
			}
			equalCorpus(t, "warm", warm, cold)
		})
	}
}

// TestLoadMelodiesOwnMeter: with OwnMeter the waltz gives windows of 2 bars of 3/4 and a
// jig of 6/8, each window names its meter, the 4/4 tunes give the windows they give
// without it, and nothing is cached.
func TestLoadMelodiesOwnMeter(t *testing.T) {
	dir := corpus(t)
	writeSMF(t, filepath.Join(dir, "jig.mid"), 6, 8, 0, 67, 69, 71, 72, 74, 76, 77, 79)
	cacheDir := t.TempDir()
	c, err := LoadMelodies(dir, MelodyOptions{OwnMeter: true, CacheDir: cacheDir, ValidationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := LoadMelodies(dir, MelodyOptions{NoCache: true, ValidationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 22 || len(c.Skipped) != 2 || len(c.TrainMeters) != len(c.Train) || c.ValidationMeters != nil {
		t.Fatalf("%d files, %d skipped, %d meters for %d windows", len(c.Files), len(c.Skipped), len(c.TrainMeters), len(c.Train))
	}
	byMeter := map[string][]int{}
	var fourFour []midi.Melody
	for i, w := range c.Train {
		byMeter[c.TrainMeters[i]] = append(byMeter[c.TrainMeters[i]], len(w))
		if c.TrainMeters[i] == "4/4" {
			fourFour = append(fourFour, w)
		}
	}
	// Twelve quarter notes of 3/4 are 4 bars: 3 windows of 24 steps; eight of 6/8 are 2
	// bars and 8 steps: 2 windows of 24 (the last padded).
	if !slices.Equal(byMeter["3/4"], []int{24, 24, 24}) || !slices.Equal(byMeter["6/8"], []int{24, 24}) || len(byMeter) != 3 {
		t.Errorf("windows by meter %v", byMeter)
	}
	if !slices.EqualFunc(fourFour, plain.Train, func(a, b midi.Melody) bool { return slices.Equal(a, b) }) {
		t.Errorf("4/4 windows differ from those without OwnMeter: %d and %d", len(fourFour), len(plain.Train))
	}
	s := c.Stats()
	if s.Meters["3/4"] != (MeterStats{Files: 1, Windows: 3}) || s.Meters["4/4"].Files != 20 || s.Meters["4/4"].Windows != len(plain.Train) {
		t.Errorf("stats by meter %v", s.Meters)
	}
	if plain.Stats().Meters != nil {
		t.Error("stats by meter without OwnMeter")
	}
	if entries, _ := os.ReadDir(cacheDir); len(entries) != 0 {
		t.Errorf("OwnMeter wrote a cache: %v", entries)
	}
}

// TestMelodyBars cuts 16-bar windows (hop 1 bar) with MelodyOptions.Bars, cached apart
// from the 2-bar windows of the same folder.
func TestMelodyBars(t *testing.T) {
	dir := t.TempDir()
	// 20 bars, no two alike: 5 windows of 16 bars.
	var m midi.Melody
	for b := range 20 {
		for k := range 4 {
			m = append(m, midi.NoteOnClass(40+b+k), 0, 0, 0)
		}
	}
	if err := midi.WriteFile(filepath.Join(dir, "long.mid"), 120, m); err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	for range 2 { // cold, then from the cache
		two, err := LoadMelodies(dir, MelodyOptions{CacheDir: cacheDir, ValidationShare: -1})
		if err != nil {
			t.Fatal(err)
		}
		long, err := LoadMelodies(dir, MelodyOptions{CacheDir: cacheDir, ValidationShare: -1, Bars: 16})
		if err != nil {
			t.Fatal(err)
		}
		if len(two.Train) != 19 || len(long.Train) != 5 {
			t.Fatalf("%d windows of 2 bars and %d of 16, want 19 and 5", len(two.Train), len(long.Train))
		}
		for i, w := range long.Train {
			if !slices.Equal(w, m[i*midi.StepsPerBar:i*midi.StepsPerBar+256]) {
				t.Errorf("16-bar window %d: %v", i, w)
			}
		}
	}
}
