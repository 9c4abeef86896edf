package midi

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// leadSheet is four bars of quarter notes in D major under a progression with a slash
// chord, changes off the bar line (one within a note), a seventh suspension and no chord.
func leadSheet(t *testing.T) (Melody, NotationOptions) {
	t.Helper()
	m := make(Melody, 64)
	for i := 0; i < 64; i += 4 {
		m[i] = NoteOnClass([]int{62, 66, 69, 71, 73}[(i/4)%5])
	}
	m[6] = NoteOff // an eighth, then a rest
	spans, err := ParseProgression("D Bm/F# G*2 A7sus4*1.5 Em7b5*0.5 N.C.", Meter{})
	if err != nil {
		t.Fatal(err)
	}
	k := Key{Fifths: 2}
	return m, NotationOptions{Title: "lead sheet", Key: &k, Chords: spans}
}

// TestLeadSheetMusicXML checks the <harmony> elements of a lead sheet: one per change,
// before the note it starts on (with an offset into a note it starts within), roots and
// basses spelled in the key, kinds and added degrees; then, where MuseScore is installed,
// that it reads the file (checking it against the MusicXML schema) with every chord.
func TestLeadSheetMusicXML(t *testing.T) {
	m, opt := leadSheet(t)
	doc, err := m.MusicXML(opt)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	hs := regexp.MustCompile(`(?s)<harmony.*?</harmony>`).FindAllString(s, -1)
	if len(hs) != 6 {
		t.Fatalf("%d harmony elements, want 6:\n%s", len(hs), s)
	}
	for i, want := range []string{
		`<root-step>D</root-step></root>`, `<root-step>B</root-step></root>`,
		`<root-step>G</root-step></root>`, `<kind text="7sus4">suspended-fourth</kind>`,
		`<kind text="m7b5">half-diminished</kind>`, `<kind text="N.C.">none</kind>`,
	} {
		if !strings.Contains(hs[i], want) {
			t.Errorf("harmony %d lacks %s:\n%s", i+1, want, hs[i])
		}
	}
	for _, want := range []string{"<bass><bass-step>F</bass-step><bass-alter>1</bass-alter></bass>", "<degree-value>7</degree-value><degree-alter>-1</degree-alter><degree-type>add</degree-type>", "<offset>2</offset>"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %s", want)
		}
	}
	// Each harmony comes before a note, in the measure of its chord.
	if strings.Count(s, "</harmony>\n      <note>") != 6 {
		t.Error("a harmony does not stand right before a note")
	}
	mscore, err := exec.LookPath("mscore3")
	if err != nil {
		t.Skip("MuseScore is not installed")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.musicxml"), filepath.Join(dir, "a.mscx")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(mscore, "-o", out, in)
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+dir)
	log, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(log), "not a valid MusicXML file") {
		t.Fatalf("mscore3: %v\n%s", err, log)
	}
	score, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(score), "<Harmony>"); n != 6 {
		t.Errorf("MuseScore read %d chords, want 6", n)
	}
	for _, name := range []string{"<name>m</name>", "<name>m7b5</name>", "<name>N.C.</name>"} {
		if !strings.Contains(string(score), name) {
			t.Errorf("MuseScore's score lacks %s", name)
		}
	}
}

// TestLeadSheetABC checks ABC's chord symbols, each quoted before the note or rest it
// starts on (or within), spelled in the key; then, where abcm2ps is installed, that it
// engraves the tune with no complaint.
func TestLeadSheetABC(t *testing.T) {
	m, opt := leadSheet(t)
	doc, err := m.ABC(opt)
	if err != nil {
		t.Fatal(err)
	}
	got := regexp.MustCompile(`"[^"]*"`).FindAllString(string(doc), -1)
	if want := `"D" "Bm/F#" "G" "A7sus4" "Em7b5" "N.C."`; strings.Join(got, " ") != want {
		t.Errorf("chord symbols %s, want %s\n%s", strings.Join(got, " "), want, doc)
	}
	if !strings.Contains(string(doc), `| "Bm/F#"c4 `) {
		t.Errorf("Bm/F# is not on the second bar's first note:\n%s", doc)
	}
	abcm2ps, err := exec.LookPath("abcm2ps")
	if err != nil {
		t.Skip("abcm2ps is not installed")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "a.abc")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(abcm2ps, "-g", "-O", filepath.Join(dir, "a.svg"), in)
	log, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(strings.ToLower(string(log)), "error") || strings.Contains(string(log), "arning") {
		t.Fatalf("abcm2ps: %v\n%s", err, log)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "a001.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svg), "Bm/F") {
		t.Errorf("the engraving has no Bm/F# chord symbol")
	}
}

// TestChordSymbol spells chords in the key: A#m in F# major, Bbm in F major.
func TestChordSymbol(t *testing.T) {
	c, _ := ParseChord("A#m7/C#")
	if got := c.Symbol(Key{Fifths: 6}); got != "A#m7/C#" {
		t.Errorf("in F# major: %s", got)
	}
	if got := c.Symbol(Key{Fifths: -1}); got != "Bbm7/Db" {
		t.Errorf("in F major: %s", got)
	}
	// Roots off the scale as their degrees are spelled (bIII, bVI, bVII, the #iv of
	// V/V's bass), a bass on the degree of its interval.
	for _, tc := range []struct {
		chord string
		key   Key
		want  string
	}{
		{"Bb", Key{}, "Bb"}, {"Eb", Key{}, "Eb"}, {"Ab", Key{}, "Ab"}, {"D/F#", Key{}, "D/F#"},
		{"F#dim", Key{}, "F#dim"}, {"C#m", Key{-1, true}, "C#m"}, {"Db", Key{1, false}, "C#"},
		{"C+/G#", Key{}, "Caug/G#"}, {"E/G#", Key{-3, false}, "E/G#"}, {"Gm/A#", Key{-2, false}, "Gm/Bb"},
	} {
		c, err := ParseChord(tc.chord)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Symbol(tc.key); got != tc.want {
			t.Errorf("%s in %s: %s, want %s", tc.chord, tc.key, got, tc.want)
		}
	}
}
