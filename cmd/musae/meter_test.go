package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/midi"
	"musae/models"
)

// metersCheckpoint writes mel2-meters widened from mel2-tiny (so that it decodes as
// mel2-tiny does, in any meter) to a checkpoint in dir.
func metersCheckpoint(t *testing.T, dir string) string {
	t.Helper()
	reg := builtinDomains()
	tiny, err := reg.Open("mel2-tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := reg.New("mel2-meters", 0, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Domain.(domain.Widener).Widen(m, tiny); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "meters.safetensors")
	if err := models.SaveCheckpoint(ck, m.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	return ck
}

// inMeter writes a file of eighth notes in the meter, bars bars long.
func inMeter(t *testing.T, path string, num, den, bars int) {
	t.Helper()
	mt := midi.Meter{Num: num, Den: den}
	m := make(midi.Melody, bars*mt.StepsPerBar())
	for i := 0; i < len(m); i += 2 {
		m[i] = midi.NoteOnClass(60 + (i/2)%8)
	}
	if err := midi.WriteFileWith(path, midi.WriteOptions{Meters: []midi.Meter{mt}}, m.Canonical()); err != nil {
		t.Fatal(err)
	}
}

func metersOf(t *testing.T, path string) string {
	t.Helper()
	f, err := midi.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, m := range f.Meters() {
		s = append(s, m.String())
	}
	return strings.Join(s, " ")
}

// TestMeterVerbs: sample --meter, interpolate across meters (the first input's), and
// reconstruct keep the meter in their MIDI files; mel2-tiny refuses both the flag and a
// waltz, saying why.
func TestMeterVerbs(t *testing.T) {
	dir := t.TempDir()
	ck := metersCheckpoint(t, dir)
	waltz, jig := filepath.Join(dir, "waltz.mid"), filepath.Join(dir, "jig.mid")
	inMeter(t, waltz, 3, 4, 4)
	inMeter(t, jig, 6, 8, 4)

	out := filepath.Join(dir, "s")
	mustMusae(t, "sample", "--model", ck, "--meter", "6/8", "-n", "2", "-o", out)
	for _, f := range []string{"sample-01.mid", "all.mid"} {
		if got := metersOf(t, filepath.Join(out, f)); got != "6/8" {
			t.Errorf("sample --meter 6/8: %s is in %s", f, got)
		}
	}
	if got := metersOf(t, filepath.Join(out, "sample-01.mid")); got != "6/8" {
		t.Errorf("%s", got)
	}

	morph := filepath.Join(dir, "morph.mid")
	say := mustMusae(t, "interpolate", waltz, jig, "--model", ck, "--steps", "3", "-o", morph)
	if got := metersOf(t, morph); got != "3/4" {
		t.Errorf("a waltz morphed into a jig is in %s, want the waltz's 3/4\n%s", got, say)
	}
	if !strings.Contains(say, "bars 1–2 of 6/8") {
		t.Errorf("interpolate did not say the jig's window:\n%s", say)
	}
	mustMusae(t, "interpolate", waltz, jig, "--model", ck, "--steps", "3", "--meter", "6/8", "-o", morph)
	if got := metersOf(t, morph); got != "6/8" {
		t.Errorf("--meter 6/8: the morph is in %s", got)
	}
	abc := filepath.Join(dir, "morph.abc")
	mustMusae(t, "interpolate", jig, jig, "--model", ck, "--steps", "2", "-o", abc)
	if b, err := os.ReadFile(abc); err != nil || !strings.Contains(string(b), "M:6/8") {
		t.Errorf("a jig's morph in ABC: %v\n%s", err, b)
	}

	rec := filepath.Join(dir, "rec.mid")
	mustMusae(t, "reconstruct", jig, "--model", ck, "-o", rec)
	if got := metersOf(t, rec); got != "6/8" {
		t.Errorf("a jig's reconstruction is in %s", got)
	}

	for _, tc := range []struct {
		argv []string
		say  string
	}{
		{[]string{"sample", "--model", "mel2-tiny", "--meter", "6/8", "-o", filepath.Join(dir, "t")}, "mel2-tiny takes no --meter"},
		{[]string{"interpolate", waltz, jig, "--model", "mel2-tiny", "-o", morph}, "24 sixteenths of 3/4; mel2-tiny reads windows of 32"},
		{[]string{"sample", "--model", ck, "--meter", "7/32", "-o", filepath.Join(dir, "t")}, "--meter: meter \"7/32\""},
	} {
		code, _, errb := musae(t, tc.argv...)
		if code != exitUsage || !strings.Contains(errb, tc.say) {
			t.Errorf("musae %s: exit %d, %s; want exit %d saying %q", strings.Join(tc.argv, " "), code, errb, exitUsage, tc.say)
		}
	}
}
