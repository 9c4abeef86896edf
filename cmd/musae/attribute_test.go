package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"musae/latent"
	"musae/midi"
)

func TestAttributeComputeOptions(t *testing.T) {
	checkOptions(t, withDomains(newAttributeComputeCmd), []optionsCase[attrComputeOptions]{
		{argv: "--domain melody --data d --track MELODY", want: attrComputeOptions{Domain: "melody", Data: "d", Track: "MELODY", Dataset: "mnist", Split: "test", Seed: 1, Out: "attrs.json"}},
		{argv: "--domain melody --data d --limit 500 --seed 2 -o a.json", want: attrComputeOptions{Domain: "melody", Data: "d", Limit: 500, Seed: 2, Dataset: "mnist", Split: "test", Out: "a.json"}},
		{argv: "--domain mnist --split train", want: attrComputeOptions{Domain: "mnist", Dataset: "mnist", Split: "train", Seed: 1, Out: "attrs.json"}},
		{argv: "--model m.safetensors --data d", want: attrComputeOptions{Model: "m.safetensors", Data: "d", Dataset: "mnist", Split: "test", Seed: 1, Out: "attrs.json"}},
		{argv: "--data d", wantErr: "say which domain"},
		{argv: "--domain mnist --split valid", wantErr: `--split "valid"`},
		{argv: "--domain melody --limit -1", wantErr: "--limit must not be negative"},
		{argv: "--domain melody extra", wantErr: `attribute compute takes no arguments, got "extra"`},
	})
}

func TestAttributeApplyOptions(t *testing.T) {
	for _, tc := range []struct {
		argv    string
		want    attrApplyOptions
		wantErr string
	}{
		{argv: "x.mid --name density", want: attrApplyOptions{File: "x.mid", Domain: "melody", Name: "density", Amounts: []float64{1}, Attrs: "attrs.json", Seed: 1}},
		{argv: "x.mid --name pitch --amount -1.5 --attrs a.json --track MELODY --bar 2 -o o.mid", want: attrApplyOptions{File: "x.mid", Domain: "melody", Name: "pitch", Amounts: []float64{-1.5}, Attrs: "a.json", AttrsGiven: true, Track: []string{"MELODY"}, Bar: []int{2}, Out: "o.mid", Seed: 1}},
		{argv: "x.mid --name stepwise --amount -1,0,1,2 --temperature 0.3 --seed 8", want: attrApplyOptions{File: "x.mid", Domain: "melody", Name: "stepwise", Amounts: []float64{-1, 0, 1, 2}, Attrs: "attrs.json", Temperature: 0.3, Seed: 8}},
		{argv: "x.png --name digit3", want: attrApplyOptions{File: "x.png", Domain: "mnist", Name: "digit3", Amounts: []float64{1}, Attrs: "attrs.json", Seed: 1}},
		{argv: "--name density", wantErr: "attribute apply takes one input"},
		{argv: "x.mid --amount x", wantErr: "invalid argument"},
		{argv: "x.mid --temperature -2", wantErr: "must not be negative"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			got, err := parseOptions(t, withDomains(newAttributeApplyCmd), strings.Fields(tc.argv))
			if tc.wantErr != "" {
				wantUsageError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestAttributeMeasureOptions(t *testing.T) {
	checkOptions(t, withDomains(newAttributeMeasureCmd), []optionsCase[attrMeasureOptions]{
		{argv: "--data d --name density", want: attrMeasureOptions{Data: "d", Name: "density", Amount: 1, N: 100, Attrs: "attrs.json", Seed: 1}},
		{argv: "--data d --name pitch --amount -2 -n 300 --track MELODY --model m --attrs a.json --seed 4", want: attrMeasureOptions{Data: "d", Name: "pitch", Amount: -2, N: 300, Track: "MELODY", Model: "m", Attrs: "a.json", AttrsGiven: true, Seed: 4}},
		{argv: "--name density", wantErr: "--data DIR"},
		{argv: "--data d -n 0", wantErr: "-n must be positive"},
	})
}

// writeCorpus writes a folder of four-bar tunes that differ in density, register and
// motion, so that each attribute has a top and a bottom quarter.
func writeCorpus(t *testing.T, dir string, files int) {
	t.Helper()
	for i := range files {
		step := []int{1, 2, 4, 8}[i%4] // 16ths, 8ths, quarters, halves
		leap := []int{1, 2, 5, 7}[(i/4)%4]
		base := 48 + (i*7)%24
		m := make(midi.Melody, 4*midi.StepsPerBar)
		p := base
		for s, k := 0, 0; s < len(m); s, k = s+step, k+1 {
			m[s] = midi.NoteOnClass(p)
			if (k/5)%2 == 0 {
				p += leap
			} else {
				p -= leap
			}
		}
		if err := midi.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.mid", i)), 120, m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAttributeMelodies computes attribute vectors on a small corpus, applies one to a
// tune, measures it on the validation windows, and checks the refusals.
func TestAttributeMelodies(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "corpus")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCorpus(t, data, 40)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")) // keep the window cache out of the user's
	model := tinyModel(t, "mel2-tiny", 8)
	attrs := filepath.Join(dir, "attrs.json")
	out := mustMusae(t, "attribute", "compute", "--model", model, "--data", data, "-o", attrs)
	for _, want := range []string{"density   notes per window: top quarter", "pitch     mean pitch", "stepwise  share of stepwise", "wrote " + attrs + ": 3 attribute vectors of size 8 (density, pitch, stepwise)"} {
		if !strings.Contains(out, want) {
			t.Errorf("compute output lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(attrs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := latent.ReadAttributes(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if a.Dim != 8 || !reflect.DeepEqual(a.Names(), []string{"density", "pitch", "stepwise"}) {
		t.Fatalf("attrs: dim %d, names %v", a.Dim, a.Names())
	}
	for _, name := range a.Names() {
		c := a.Counts[name]
		if c.With == 0 || c.With != c.Without {
			t.Errorf("%s: %d with and %d without, want equal quarters", name, c.With, c.Without)
		}
	}
	// --limit with the same seed gives the same file.
	l1, l2 := filepath.Join(dir, "l1.json"), filepath.Join(dir, "l2.json")
	mustMusae(t, "attribute", "compute", "--model", model, "--data", data, "--limit", "40", "--seed", "3", "-o", l1)
	mustMusae(t, "attribute", "compute", "--model", model, "--data", data, "--limit", "40", "--seed", "3", "-o", l2)
	if !bytes.Equal(mustValue(os.ReadFile(l1)), mustValue(os.ReadFile(l2))) {
		t.Error("compute --limit with one seed gave two files")
	}

	tunePath := filepath.Join(data, "t05.mid")
	applied := filepath.Join(dir, "applied.mid")
	out = mustMusae(t, "attribute", "apply", tunePath, "--model", model, "--attrs", attrs, "--name", "density", "--amount", "0,2", "-o", applied)
	if !strings.Contains(out, "z = mu + 0·density") || !strings.Contains(out, "z = mu + 2·density") || !strings.Contains(out, "wrote "+applied+": 2 melodies") {
		t.Errorf("apply said:\n%s", out)
	}
	if _, err := midi.ReadFile(applied); err != nil {
		t.Fatal(err)
	}

	out = mustMusae(t, "attribute", "measure", "--model", model, "--data", data, "--attrs", attrs, "--name", "density", "--amount", "1.5")
	for _, want := range []string{"validation windows of", "notes per window", "mean pitch", "share of stepwise intervals", "z = mu + 1.5·density", "notes per window: more in"} {
		if !strings.Contains(out, want) {
			t.Errorf("measure output lacks %q:\n%s", want, out)
		}
	}

	for _, tc := range []struct {
		name string
		argv []string
		code int
		say  string
	}{
		{"unknown name", []string{"attribute", "apply", tunePath, "--model", model, "--attrs", attrs, "--name", "loudness"}, exitUsage, `no attribute "loudness"; it has density, pitch, stepwise`},
		{"no name", []string{"attribute", "measure", "--model", model, "--data", data, "--attrs", attrs}, exitUsage, "say which attribute: --name (" + attrs + " has density, pitch, stepwise)"},
		{"other z size", []string{"attribute", "apply", tunePath, "--model", tinyModel(t, "mel2-tiny", 6), "--attrs", attrs, "--name", "pitch"}, exitFailure, "attribute vectors of size 8, but the model's latent size is 6"},
		{"no attrs file", []string{"attribute", "apply", tunePath, "--model", model, "--attrs", filepath.Join(dir, "none.json"), "--name", "pitch"}, exitFailure, "musae attribute compute"},
		{"digits to midi", []string{"attribute", "measure", "--model", tinyModel(t, "mnist-conv", 8), "--data", data, "--attrs", attrs, "--name", "pitch"}, exitFailure, "not a melody, drums or melody16 one"},
		{"no data", []string{"attribute", "compute", "--model", model}, exitUsage, "--data DIR"},
		{"empty folder", []string{"attribute", "compute", "--model", model, "--data", t.TempDir()}, exitFailure, ""},
		{"unknown verb", []string{"attribute", "summon"}, exitUsage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errb := musae(t, tc.argv...)
			if code != tc.code || !strings.Contains(errb, tc.say) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb, tc.code, tc.say)
			}
		})
	}
}

func TestAttributeDigits(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mnist-conv", 4)
	attrs := filepath.Join(dir, "attrs.json")
	code, out, errb := musae(t, "attribute", "compute", "--domain", "mnist", "--model", model, "--limit", "300", "-o", attrs)
	if code != exitOK {
		if strings.Contains(errb, "GoMNIST") || strings.Contains(errb, "MNIST") {
			t.Skipf("no MNIST here: %s", errb)
		}
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(out, "data mnist test set: 300 images") || !strings.Contains(out, "10 attribute vectors of size 4 (digit0, digit1") {
		t.Errorf("compute said:\n%s", out)
	}
	digit := writeDigits(t, dir, 1)[0]
	png := filepath.Join(dir, "applied.png")
	mustMusae(t, "attribute", "apply", digit, "--model", model, "--attrs", attrs, "--name", "digit1", "--amount", "0,1,2", "-o", png)
	if w, _ := pngSize(t, png); w != 2*(4*28+5*2) {
		t.Errorf("strip is %d wide, want the input and 3 digits", w)
	}
	if code, _, errb := musae(t, "attribute", "apply", digit, "--model", model, "--attrs", attrs, "--name", "density"); code != exitUsage || !strings.Contains(errb, "it has digit0, digit1, digit2") {
		t.Errorf("exit %d: %s", code, errb)
	}
}

// TestAttributeBuiltinVectors: with no --attrs and no attrs.json, a built-in model's own
// vectors are used (those musae serve's sliders move along), and a checkpoint's beside it.
func TestAttributeBuiltinVectors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // no attrs.json here
	tune := filepath.Join(dir, "tune.mid")
	if err := midi.WriteMelodies(mustCreate(t, tune), 120, starterTune(0)); err != nil {
		t.Fatal(err)
	}
	out := mustMusae(t, "attribute", "apply", tune, "--name", "density", "--amount", "0,2", "-o", filepath.Join(dir, "denser.mid"))
	if !strings.Contains(out, "z = mu + 2·density") {
		t.Errorf("apply with the built-in vectors said:\n%s", out)
	}
	if code, _, errb := musae(t, "attribute", "apply", tune, "--name", "loudness"); code != exitUsage || !strings.Contains(errb, `the built-in attributes of mel2-meters has no attribute "loudness"; it has density, pitch, stepwise`) {
		t.Errorf("an attribute mel2-meters lacks: exit %d, %s", code, errb)
	}
	// --attrs given is read, not replaced by the built-in vectors.
	if code, _, errb := musae(t, "attribute", "apply", tune, "--name", "density", "--attrs", "attrs.json"); code == exitOK || !strings.Contains(errb, "open attrs.json: no such file") {
		t.Errorf("apply --attrs attrs.json with no such file: exit %d, %s", code, errb)
	}
	// A checkpoint of no vectors says how to make them.
	model := tinyModel(t, "mel2-tiny", 8)
	if code, _, errb := musae(t, "attribute", "apply", tune, "--model", model, "--name", "density"); code == exitOK || !strings.Contains(errb, "make attribute vectors with musae attribute compute") {
		t.Errorf("apply with a checkpoint of no vectors: exit %d, %s", code, errb)
	}
	a := latent.NewAttributes(8)
	a.Set("density", []float32{1, 1, 1, 1, 1, 1, 1, 1})
	var buf bytes.Buffer
	a.WriteJSON(&buf)
	os.WriteFile(strings.TrimSuffix(model, filepath.Ext(model))+".attributes.json", buf.Bytes(), 0o644)
	if out := mustMusae(t, "attribute", "apply", tune, "--model", model, "--name", "density", "-o", filepath.Join(dir, "x.mid")); !strings.Contains(out, "z = mu + 1·density") {
		t.Errorf("apply with vectors beside the checkpoint said:\n%s", out)
	}
}

func mustCreate(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
