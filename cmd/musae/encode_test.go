package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	goimage "image"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"musae/image"
	"musae/latent/domain"
	"musae/midi"
	"musae/models"
)

// parseOptions runs a verb's command line through its constructor, with a runF that
// captures the options instead of doing the work.
func parseOptions[O any](t *testing.T, newCmd func(func(*O) error) *cobra.Command, argv []string) (*O, error) {
	t.Helper()
	var got *O
	cmd := newCmd(func(o *O) error { got = o; return nil })
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	err := cmd.Execute()
	if err == nil && got == nil {
		t.Fatal("the command neither failed nor reached runF")
	}
	return got, err
}

// withDomains gives a verb's constructor musae's own domains, as parseOptions and
// checkOptions want it.
func withDomains[O any](newCmd func(*domain.Registry, func(*O) error) *cobra.Command) func(func(*O) error) *cobra.Command {
	return func(runF func(*O) error) *cobra.Command { return newCmd(builtinDomains(), runF) }
}

// optionsCase is an argv and the options it parses to, or the usage error it gives.
type optionsCase[O comparable] struct {
	argv    string
	want    O
	wantErr string
}

// checkOptions parses each case's argv with the command newCmd makes, as table tests of
// argv → options do.
func checkOptions[O comparable](t *testing.T, newCmd func(func(*O) error) *cobra.Command, cases []optionsCase[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.argv, func(t *testing.T) {
			got, err := parseOptions(t, newCmd, strings.Fields(tc.argv))
			if tc.wantErr != "" {
				wantUsageError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tc.want {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

// wantUsageError fails unless err is a usage error that says want.
func wantUsageError(t *testing.T, err error, want string) {
	t.Helper()
	var ue usageError
	if err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &ue) {
		t.Fatalf("error %v, want a usage error saying %q", err, want)
	}
}

// tinyModel saves a freshly initialised (untrained) canonical model with latent size z to
// a temporary checkpoint and returns its path; enough to test the plumbing.
func tinyModel(t *testing.T, name string, z int) string {
	t.Helper()
	m, err := builtinDomains().New(name, z, "", 7)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("%s-z%d.safetensors", name, z))
	if err := models.SaveCheckpoint(path, m.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	return path
}

// musae runs the CLI and returns its exit code, stdout and stderr.
func musae(t *testing.T, argv ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), argv, &out, &errb)
	return code, out.String(), errb.String()
}

// mustMusae runs the CLI and fails the test unless it succeeds.
func mustMusae(t *testing.T, argv ...string) string {
	t.Helper()
	code, out, errb := musae(t, argv...)
	if code != exitOK {
		t.Fatalf("musae %s: exit %d: %s", strings.Join(argv, " "), code, errb)
	}
	return out
}

// tune returns a melody of bars 4/4 bars from pitches, one note per quarter (or per
// eighth when eighths), a rest in place of pitch 0.
func tune(pitches []int, eighths bool) midi.Melody {
	step := midi.StepsPerQuarter
	if eighths {
		step /= 2
	}
	m := make(midi.Melody, len(pitches)*step)
	for i, p := range pitches {
		if p == 0 {
			m[i*step] = midi.NoteOff
			continue
		}
		m[i*step] = midi.NoteOnClass(p)
	}
	return m.Canonical()
}

// writeTunes writes a few two-bar tunes to dir and returns their paths.
func writeTunes(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	for i, ps := range [][]int{
		{60, 62, 64, 65, 67, 65, 64, 62},
		{72, 67, 64, 60, 72, 67, 64, 60},
		{55, 0, 59, 0, 62, 0, 67, 0},
	} {
		p := filepath.Join(dir, fmt.Sprintf("tune%d.mid", i+1))
		if err := midi.WriteFile(p, 100, tune(ps, false)); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// writeDigits writes n 28×28 PNG "digits" (bars of ink at different places) to dir.
func writeDigits(t *testing.T, dir string, n int) []string {
	t.Helper()
	var paths []string
	for i := range n {
		pix := make([]float32, 28*28)
		for r := 4; r < 24; r++ {
			for c := 8 + 3*i; c < 12+3*i && c < 28; c++ {
				pix[r*28+c] = 1
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("digit%d.png", i))
		if err := image.WritePNG(p, image.ToGray(pix, 28, 28)); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// pngSize decodes a PNG and returns its size.
func pngSize(t *testing.T, path string) (w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := goimage.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func TestEncodeOptions(t *testing.T) {
	for _, tc := range []struct {
		argv    string
		want    encodeOptions
		wantErr string
	}{
		{argv: "a.mid b.mid", want: encodeOptions{Domain: "melody", Out: "z.json", Files: []string{"a.mid", "b.mid"}}},
		{argv: "a.mid --track MELODY --bar 3 --model m.safetensors -o -", want: encodeOptions{Domain: "melody", Model: "m.safetensors", Track: "MELODY", Bar: 3, Out: "-", Files: []string{"a.mid"}}},
		{argv: "x.png y.PNG -o d.json", want: encodeOptions{Domain: "mnist", Out: "d.json", Files: []string{"x.png", "y.PNG"}}},
		{argv: "tune.txt --domain melody", want: encodeOptions{Domain: "melody", Out: "z.json", Files: []string{"tune.txt"}}},
		{argv: "tune.txt --model m.safetensors", want: encodeOptions{Model: "m.safetensors", Out: "z.json", Files: []string{"tune.txt"}}},
		{argv: "", wantErr: "name the files to encode"},
		{argv: "a.mid x.png", wantErr: "cannot tell the domain"},
		{argv: "a.mid --domain mnist", wantErr: "--domain mnist, but a.mid are melody inputs"},
		{argv: "a.mid --domain sound", wantErr: `--domain "sound"`},
		{argv: "a.mid --bar -1", wantErr: "bars count from 1"},
		{argv: "a.mid --nope", wantErr: "unknown flag"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			got, err := parseOptions(t, withDomains(newEncodeCmd), strings.Fields(tc.argv))
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

func TestDecodeOptions(t *testing.T) {
	checkOptions(t, withDomains(newDecodeCmd), []optionsCase[decodeOptions]{
		{argv: "z.json", want: decodeOptions{File: "z.json", Seed: 1}},
		{argv: "z.json --model m.safetensors --temperature 0.5 --seed 9 -o out.mid", want: decodeOptions{File: "z.json", Model: "m.safetensors", Temperature: 0.5, Seed: 9, Out: "out.mid"}},
		{argv: "z.json --domain mnist -o d.png", want: decodeOptions{File: "z.json", Domain: "mnist", Seed: 1, Out: "d.png"}},
		{argv: "", wantErr: "decode takes one JSON file"},
		{argv: "a.json b.json", wantErr: "got 2 arguments"},
		{argv: "z.json --temperature -1", wantErr: "must not be negative"},
		{argv: "z.json --domain jazz", wantErr: `--domain "jazz"`},
	})
}

// TestEncodeDecodeMelodies encodes tunes to JSON and decodes them back to one MIDI file,
// checks the JSON's fields, and that decoding is repeatable byte for byte.
func TestEncodeDecodeMelodies(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mel2-tiny", 8)
	tunes := writeTunes(t, dir)
	zjson := filepath.Join(dir, "z.json")
	out := mustMusae(t, "encode", tunes[0], tunes[1], "--model", model, "-o", zjson)
	if !strings.Contains(out, "wrote "+zjson+": 2 latent vectors of size 8") {
		t.Errorf("encode said:\n%s", out)
	}
	lf, err := readLatentFile(builtinDomains(), zjson)
	if err != nil {
		t.Fatal(err)
	}
	if lf.Model != "mel2-tiny" || lf.Domain != "melody" || lf.Z != 8 || lf.Checkpoint != model || len(lf.Entries) != 2 {
		t.Fatalf("z.json: model %s domain %s z %d checkpoint %s, %d entries", lf.Model, lf.Domain, lf.Z, lf.Checkpoint, len(lf.Entries))
	}
	for i, e := range lf.Entries {
		if e.File != tunes[i] || e.Where != "the first 2-bar window with notes" || len(e.Mu) != 8 || len(e.Logvar) != 8 || e.QPM < 99.9 || e.QPM > 100.1 {
			t.Errorf("entry %d: %+v", i, e)
		}
	}

	// -o - gives the same JSON on stdout, and nothing else.
	if js := mustMusae(t, "encode", tunes[0], tunes[1], "--model", model, "-o", "-"); js != string(mustValue(os.ReadFile(zjson))) {
		t.Errorf("encode -o - wrote\n%s", js)
	}

	mid := filepath.Join(dir, "decoded.mid")
	out = mustMusae(t, "decode", zjson, "-o", mid)
	if !strings.Contains(out, "wrote "+mid+": 2 melodies at 100 qpm") || !strings.Contains(out, "1 of 2: mu of "+tunes[0]) {
		t.Errorf("decode said:\n%s", out)
	}
	f, err := midi.ReadFile(mid)
	if err != nil {
		t.Fatal(err)
	}
	if f.QPM < 99.9 || f.QPM > 100.1 {
		t.Errorf("decoded file at %g qpm, want the input's 100", f.QPM)
	}
	// As a score: the same melodies, a bar of rest between, in the format -o names.
	abc := filepath.Join(dir, "decoded.abc")
	mustMusae(t, "decode", zjson, "-o", abc)
	if s := string(mustValue(os.ReadFile(abc))); !strings.HasPrefix(s, "X:1\nT:decoded\n") || !strings.Contains(s, "Q:1/4=100") || strings.Count(s, "|") < 5 {
		t.Errorf("decode -o decoded.abc wrote\n%s", s)
	}

	// An entry's z, when given, is decoded instead of its mu; sampling repeats with the seed.
	lf.Entries[1].Z = make([]float32, 8)
	edited := filepath.Join(dir, "edited.json")
	b, _ := lf.Marshal()
	if err := os.WriteFile(edited, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var outs [2][]byte
	for i := range outs {
		p := filepath.Join(dir, fmt.Sprintf("s%d.mid", i))
		out = mustMusae(t, "decode", edited, "--temperature", "1", "--seed", "5", "-o", p)
		outs[i] = mustValue(os.ReadFile(p))
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("decode with the same seed wrote different files")
	}
	if !strings.Contains(out, "2 of 2: z of "+tunes[1]) {
		t.Errorf("decode of an edited file said:\n%s", out)
	}
}

func TestEncodeDecodeDigits(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mnist-conv", 4)
	digits := writeDigits(t, dir, 3)
	zjson := filepath.Join(dir, "d.json")
	mustMusae(t, "encode", digits[0], digits[1], digits[2], "--model", model, "-o", zjson)
	png := filepath.Join(dir, "d.png")
	out := mustMusae(t, "decode", zjson, "-o", png)
	if !strings.Contains(out, "3 digits decoded by mnist-conv") {
		t.Errorf("decode said %q", out)
	}
	// 2×2 cells of 28 with 2 pixels of padding, doubled.
	if w, h := pngSize(t, png); w != 2*(2*28+3*2) || h != w {
		t.Errorf("grid is %d×%d", w, h)
	}
	if code, _, errb := musae(t, "decode", zjson, "--temperature", "0.5", "-o", png); code != exitUsage || !strings.Contains(errb, "--temperature applies to melodies") {
		t.Errorf("digits with --temperature: exit %d, %s", code, errb)
	}
	if code, _, errb := musae(t, "decode", zjson, "-o", filepath.Join(dir, "d.mid")); code != exitUsage || !strings.Contains(errb, "PNG") {
		t.Errorf("digits to .mid: exit %d, %s", code, errb)
	}
}

// TestDecodeRefusals: a z.json is decoded only by a model of its configuration and z size.
func TestDecodeRefusals(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mel2-tiny", 8)
	tunes := writeTunes(t, dir)
	zjson := filepath.Join(dir, "z.json")
	mustMusae(t, "encode", tunes[0], "--model", model, "-o", zjson)
	lf, _ := readLatentFile(builtinDomains(), zjson)
	bad := func(name string, edit func(*latentFile)) string {
		c := *lf
		c.Entries = append([]domain.LatentEntry(nil), lf.Entries...)
		edit(&c)
		p := filepath.Join(dir, name)
		b, _ := c.Marshal()
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		argv []string
		code int
		say  string
	}{
		{"other z size", []string{"decode", zjson, "--model", tinyModel(t, "mel2-tiny", 6)}, exitFailure, "encoded by mel2-tiny with z size 8, but"},
		{"other domain", []string{"decode", zjson, "--model", tinyModel(t, "mnist-conv", 8)}, exitFailure, "not a melody one"},
		{"other config", []string{"decode", bad("small.json", func(c *latentFile) { c.Model = "mel2-small" }), "--model", model}, exitFailure, "encoded by mel2-small with z size 8, but " + model + " is mel2-tiny"},
		{"short vector", []string{"decode", bad("short.json", func(c *latentFile) { c.Entries[0].Mu = c.Entries[0].Mu[:5] })}, exitFailure, "mu has 5 values, but the file's z size is 8"},
		{"short z", []string{"decode", bad("shortz.json", func(c *latentFile) { c.Entries[0].Z = []float32{1} })}, exitFailure, "z has 1 values"},
		{"lost checkpoint", []string{"decode", bad("lost.json", func(c *latentFile) { c.Checkpoint = filepath.Join(dir, "gone.safetensors") })}, exitFailure, "say which model to decode with: --model"},
		{"wrong domain flag", []string{"decode", zjson, "--domain", "mnist"}, exitUsage, "holds melody latents, not mnist ones"},
		{"not JSON", []string{"decode", tunes[0]}, exitFailure, "not the JSON that musae encode writes"},
		{"encode png with melody model", []string{"encode", "x.png", "--model", model}, exitFailure, "not a mnist one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errb := musae(t, tc.argv...)
			if code != tc.code || !strings.Contains(errb, tc.say) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb, tc.code, tc.say)
			}
		})
	}
}

func TestLatentFileJSON(t *testing.T) {
	lf := latentFile{Model: "mnist-conv2", Checkpoint: "m.safetensors", Domain: "mnist", Z: 2,
		Entries: []domain.LatentEntry{{File: "a.png", Where: "w", Mu: []float32{0.5, -1e-7}, Logvar: []float32{-2, 3}}, {Z: []float32{1, 2}}}}
	b, err := lf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "model": "mnist-conv2",
  "checkpoint": "m.safetensors",
  "domain": "mnist",
  "z": 2,
  "entries": [
    {
      "file": "a.png",
      "where": "w",
      "mu": [0.5,-1e-7],
      "logvar": [-2,3]
    },
    {
      "z": [1,2]
    }
  ]
}
`
	if string(b) != want {
		t.Errorf("marshal wrote\n%s\nwant\n%s", b, want)
	}
	var back latentFile
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, lf) {
		t.Errorf("read back %+v (%v), want %+v", back, err, lf)
	}
}

func mustValue[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
