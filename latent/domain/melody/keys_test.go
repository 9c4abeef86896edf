package melody

import (
	"bytes"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/midi"
)

// TestWriteKey: a lead sheet is in the key its notes and chords suggest, not its notes'
// alone; melodies moved to a key (ToKey) are written in it, the MIDI file with its key
// signature too; melodies not moved get none in the MIDI file.
func TestWriteKey(t *testing.T) {
	// G B D and A E C, no F: the notes alone say G major; over C Am F G they are in C.
	misleading := quarters(67, 71, 74, 71, 69, 64, 72, 69, 69, 72, 67, 69, 67, 71, 74, 67)
	if k := midi.EstimateKey(misleading); k != (midi.Key{Fifths: 1}) {
		t.Fatalf("the notes alone: %s, want G major", k)
	}
	lead := domain.Example{Value: misleading, Conditions: domain.Conditions{ChordsCondition: "C Am F G"}}
	write := func(xs []domain.Example, format string) string {
		t.Helper()
		var b bytes.Buffer
		if err := New().Write(&b, xs, domain.Layout{Format: format}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	if s := write([]domain.Example{lead}, ".abc"); !strings.Contains(s, "K:C\n") || !strings.Contains(s, `"Am"`) {
		t.Errorf("the lead sheet of C Am F G is not in C major:\n%s", s)
	}
	if s := write([]domain.Example{lead}, ".musicxml"); !strings.Contains(s, "<fifths>0</fifths><mode>major</mode>") {
		t.Errorf("the MusicXML lead sheet of C Am F G is not in C major:\n%s", s)
	}
	keySigs := func(xs []domain.Example) []midi.KeySig {
		t.Helper()
		f, err := midi.ReadNamed(strings.NewReader(write(xs, ".mid")), "x.mid")
		if err != nil {
			t.Fatal(err)
		}
		return f.KeySigs
	}
	if ks := keySigs([]domain.Example{lead}); len(ks) != 0 {
		t.Errorf("a melody not moved to a key: key signatures %v, want none", ks)
	}
	// Moved to Gb: its signature (6 flats, not F#'s 6 sharps), chords and all.
	moved, err := New().ToKey([]domain.Example{lead}, "Gb")
	if err != nil {
		t.Fatal(err)
	}
	if s := write(moved, ".abc"); !strings.Contains(s, "K:Gb\n") || !strings.Contains(s, `"Ebm"`) {
		t.Errorf("moved to Gb:\n%s", s)
	}
	if ks := keySigs(moved); len(ks) != 1 || ks[0].Key != (midi.Key{Fifths: -6}) {
		t.Errorf("moved to Gb: key signatures %v, want Gb major", ks)
	}
	// A major and a minor melody moved to D are in D major and B minor: one signature.
	minor := domain.Example{Value: quarters(69, 72, 76, 74, 72, 71, 68, 69), Conditions: domain.Conditions{ChordsCondition: "Am E"}}
	both, err := New().ToKey([]domain.Example{lead, minor}, "D")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := both[0].Conditions[KeyCondition], both[1].Conditions[KeyCondition]; a != "D major" || b != "B minor" {
		t.Errorf("moved to D: %q and %q, want D major and B minor", a, b)
	}
	if ks := keySigs(both); len(ks) != 1 || ks[0].Key.Fifths != 2 {
		t.Errorf("moved to D: key signatures %v, want 2 sharps", ks)
	}
}
