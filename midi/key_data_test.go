package midi

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// pop909Key is the key annotated for song id of POP909 (annotations/NNN/key_audio.txt:
// start, end and key, such as Gb:maj, a line per key): the one it is in longest, as its
// tonic's pitch class and mode.
func pop909Key(t *testing.T, id string) (tonic int, minor bool) {
	t.Helper()
	p := filepath.Join(pop909, "annotations", id, "key_audio.txt")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	held, best := map[string]float64{}, ""
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("%s: line %d: want start, end and key, got %q", p, i+1, line)
		}
		start, err1 := strconv.ParseFloat(fs[0], 64)
		end, err2 := strconv.ParseFloat(fs[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: line %d: times %q %q", p, i+1, fs[0], fs[1])
		}
		held[fs[2]] += end - start
		if best == "" || held[fs[2]] > held[best] {
			best = fs[2]
		}
	}
	pc, mode, err := parseNote(best)
	if err != nil || mode != ":maj" && mode != ":min" {
		t.Fatalf("%s: key %q: want a tonic and :maj or :min", p, best)
	}
	return pc, mode == ":min"
}

// TestEstimateKeyPOP909 measures how often the key estimated from POP909's melodies (its
// MELODY track), by their notes alone (EstimateKey) and with the annotated chords
// (chord_midi.txt, EstimateKeyWithChords) or with the chords estimated from its PIANO and
// BRIDGE tracks (File.EstimateChords, as for a file without annotations), is the song's annotated key (the one it is in
// longest; same tonic and mode, enharmonics equal), over the first POP909_SONGS songs (all
// 909 unless set; 100 with -short), and holds both to floors a little below what they
// give. The figures: go test ./midi -run TestEstimateKeyPOP909 -v
func TestEstimateKeyPOP909(t *testing.T) {
	if _, err := os.Stat(filepath.Join(pop909, "annotations", "001", "key_audio.txt")); err != nil {
		t.Skip("POP909 with its annotations is not here:", err)
	}
	songs := 909
	if s, err := strconv.Atoi(os.Getenv("POP909_SONGS")); err == nil && s > 0 {
		songs = min(s, 909)
	}
	if testing.Short() {
		songs = 100
	}
	type tally struct{ exact, relative int }
	var notes, chords, estimated tally
	n := 0
	count := func(c *tally, k Key, tonic int, minor bool) {
		switch {
		case k.Tonic() == tonic && k.Minor == minor:
			c.exact++
		case k.Minor != minor && (Key{Fifths: k.Fifths, Minor: minor}).Tonic() == tonic:
			c.relative++
		}
	}
	for i := 1; i <= songs; i++ {
		id, f, spans := pop909Song(t, i)
		m, err := f.Melody(ExtractOptions{Track: "MELODY"})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		tonic, minor := pop909Key(t, id)
		count(&notes, EstimateKey(m), tonic, minor)
		count(&chords, EstimateKeyWithChords(m, spans), tonic, minor)
		var acc []int
		for _, name := range []string{"PIANO", "BRIDGE"} {
			if i, err := f.TrackIndex(name); err == nil {
				acc = append(acc, i)
			}
		}
		count(&estimated, EstimateKeyWithChords(m, f.EstimateChords(EstimateChordsOptions{Tracks: acc})), tonic, minor)
		n++
	}
	pct := func(k int) float64 { return 100 * float64(k) / float64(n) }
	t.Logf("POP909 songs 1–%d, the estimated key is the annotated one: notes alone %.1f%% (%.1f%% its relative key), notes and annotated chords %.1f%% (%.1f%%), notes and the chords estimated from PIANO and BRIDGE %.1f%% (%.1f%%)",
		songs, pct(notes.exact), pct(notes.relative), pct(chords.exact), pct(chords.relative), pct(estimated.exact), pct(estimated.relative))
	// Over all 909: 69.1%, 89.7% and 89.4%; over the first 100, 67%, 90% and 89%.
	if pct(notes.exact) < 62 || pct(chords.exact) < 86 || pct(estimated.exact) < 85 {
		t.Errorf("notes alone %.1f%%, with the annotated chords %.1f%%, with the estimated chords %.1f%%: want at least 62%%, 86%% and 85%%", pct(notes.exact), pct(chords.exact), pct(estimated.exact))
	}
}
