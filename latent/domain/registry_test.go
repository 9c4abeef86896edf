package domain_test

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/latent/domain/melody"
	"musae/models"
)

func TestRegistry(t *testing.T) {
	reg := domain.NewRegistry(digits.New(), melody.New())
	for _, tc := range []struct {
		file, want string
	}{{"a.mid", "melody"}, {"B.MIDI", "melody"}, {"c.kar", "melody"}, {"d.png", "mnist"}, {"e.wav", ""}, {"f", ""}} {
		got := ""
		if d := reg.ForFile(tc.file); d != nil {
			got = d.Info().Name
		}
		if got != tc.want {
			t.Errorf("ForFile(%q) = %q, want %q", tc.file, got, tc.want)
		}
	}
	if d, err := reg.ForModel("mel2-small"); err != nil || d.Info().Name != "melody" {
		t.Errorf("ForModel(mel2-small) = %v, %v", d, err)
	}
	if _, err := reg.ForModel("mel2-huge"); err == nil || !strings.Contains(err.Error(), "one of mnist-conv32, mnist-conv, mnist-conv2, mel2-meters, mel2-tiny, mel2-small") {
		t.Errorf("ForModel(mel2-huge): %v", err)
	}
	if _, err := reg.Lookup("drums"); err == nil || !strings.Contains(err.Error(), `no domain "drums" (one of mnist, melody)`) {
		t.Errorf("Lookup(drums): %v", err)
	}
}

func TestRegistryOpen(t *testing.T) {
	reg := domain.NewRegistry(digits.New(), melody.New())
	m, err := reg.Open("", "melody")
	if err != nil || m.Meta.Model != "mel2-meters" || m.Domain.Info().Name != "melody" {
		t.Fatalf("the melody default: %v, %v", m, err)
	}
	if _, err := reg.Open("mnist-conv", "melody"); err == nil || !strings.Contains(err.Error(), "holds a mnist model (mnist-conv), not a melody one") {
		t.Errorf("a digit model for melodies: %v", err)
	}
	if _, err := reg.Open("mel3", ""); err == nil || !strings.Contains(err.Error(), `no model "mel3": not a file, and the built-in models are mel2-chords, mel2-denoise, mel2-elaborate, mel2-meters, mel2-tiny, mnist-conv, mnist-conv2`) {
		t.Errorf("an unknown name: %v", err)
	}
	// A checkpoint of a domain the registry lacks names the domain.
	d, err := reg.New("mnist-conv2", 0, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := models.SaveCheckpoint(path, d.Params(), nil, d.Meta); err != nil {
		t.Fatal(err)
	}
	if _, err := domain.Open(path, melody.New()); err == nil || !strings.Contains(err.Error(), `unknown domain "mnist"`) {
		t.Errorf("a digit checkpoint among melodies only: %v", err)
	}
	back, err := domain.Open(path, digits.New())
	if err != nil || back.Meta.Model != "mnist-conv2" || back.Z() != 2 {
		t.Errorf("the checkpoint back: %v, %v", back, err)
	}
	// The canonical encoder is recorded as "", another one by name.
	if m, _ := reg.New("mel2-tiny", 8, "rnn", 1); m.Meta.Encoder != "" || m.Z() != 8 {
		t.Errorf("mel2-tiny with its own encoder: encoder %q, z %d", m.Meta.Encoder, m.Z())
	}
	if m, _ := reg.New("mel2-tiny", 8, "conv", 1); m.Meta.Encoder != "conv" {
		t.Errorf("mel2-tiny with the conv encoder: encoder %q", m.Meta.Encoder)
	}
	if _, err := reg.New("mnist-conv", 0, "transformer", 1); err == nil || !strings.Contains(err.Error(), `unknown encoder "transformer"`) {
		t.Errorf("an unknown encoder: %v", err)
	}
}

func TestRegistryRefusesTwins(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("two melody domains registered without a panic")
		}
	}()
	domain.NewRegistry(melody.New(), digits.New(), melody.New())
}

func TestModelDecodeChecksSizes(t *testing.T) {
	m, err := domain.Open("mnist-conv2", digits.New())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Decode([][]float32{{0, 0, 0}}, 0, nil); err == nil || !strings.Contains(err.Error(), "vector 1 has 3 values, the model's latent size is 2") {
		t.Errorf("a 3-D vector into a 2-D latent: %v", err)
	}
	if _, err := m.Decode([][]float32{{0, 0}}, 0.5, nil); !domain.IsInputError(err) {
		t.Errorf("digits at a temperature: %v, want an InputError", err)
	}
	if _, _, err := m.Encode([]domain.Example{melody.Example(nil, 120)}); err == nil {
		t.Error("a melody encoded by a digit model without an error")
	}
	var ie *domain.InputError
	if !errors.As(domain.Inputf("x %d", 1), &ie) || ie.Error() != "x 1" {
		t.Errorf("Inputf: %v", ie)
	}
}

func TestEncodeStopsWhenCancelled(t *testing.T) {
	m, err := domain.Open("mnist-conv2", digits.New())
	if err != nil {
		t.Fatal(err)
	}
	xs := make([]domain.Example, 3*domain.BatchSize)
	for i := range xs {
		p := make([]float32, digits.Rows*digits.Cols)
		for j := range p {
			p[j] = float32((i*31+j)%17) / 16
		}
		xs[i] = digits.Example(p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := m.EncodeContext(ctx, xs); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled encode: %v", err)
	}
	mu, _, err := m.EncodeContext(context.Background(), xs)
	if err != nil || len(mu) != len(xs) {
		t.Fatalf("%d means, %v", len(mu), err)
	}
	// Batching changes no result: the last example alone encodes as among the others.
	one, _, _ := m.Encode(xs[len(xs)-1:])
	for j := range one[0] {
		if one[0][j] != mu[len(mu)-1][j] {
			t.Fatalf("mu[%d] is %g alone and %g in a batch", j, one[0][j], mu[len(mu)-1][j])
		}
	}
}

// builtinFS is the melody domain with other built-in files.
type builtinFS struct {
	melody.Domain
	fsys fstest.MapFS
}

func (b builtinFS) Builtin() fs.FS { return b.fsys }

func TestBuiltinAttributes(t *testing.T) {
	reg := domain.NewRegistry(digits.New(), melody.New())
	for name, dim := range map[string]int{"mel2-tiny": 64, "mnist-conv": 16, "mnist-conv2": 2} {
		a, err := reg.BuiltinAttributes(name)
		if err != nil || a == nil || a.Dim != dim || len(a.Names()) < 3 {
			t.Errorf("BuiltinAttributes(%s) = %v, %v; want vectors of size %d", name, a, err, dim)
		}
	}
	if _, err := reg.BuiltinAttributes("mel2-small"); err == nil || !strings.Contains(err.Error(), `no built-in model "mel2-small"`) {
		t.Errorf("BuiltinAttributes(mel2-small), which is not built in: %v", err)
	}
	bare := domain.NewRegistry(builtinFS{fsys: fstest.MapFS{"mel2-tiny.safetensors": {}}})
	if a, err := bare.BuiltinAttributes("mel2-tiny"); a != nil || err != nil {
		t.Errorf("a built-in model with no attributes file: %v, %v", a, err)
	}
	broken := domain.NewRegistry(builtinFS{fsys: fstest.MapFS{"mel2-tiny.safetensors": {}, "mel2-tiny.attributes.json": {Data: []byte(`{"dim": 2, "vectors": {"x": [1]}}`)}}})
	if _, err := broken.BuiltinAttributes("mel2-tiny"); err == nil || !strings.Contains(err.Error(), "built-in attributes of mel2-tiny") {
		t.Errorf("a broken attributes file: %v", err)
	}
}

// TestWriteFileContextCancelled writes melodies under a context that is done after the
// first write (the header): the SMF writer (gomidi's) drops its writer's later errors and
// returns nil, but no file cut short may be left.
func TestWriteFileContextCancelled(t *testing.T) {
	reg := domain.NewRegistry(melody.New())
	m, err := reg.Open("mel2-tiny", "melody")
	if err != nil {
		t.Fatal(err)
	}
	xs, err := m.Sample(2, 0.5, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x.mid", "x.abc"} {
		for after := range 3 {
			path := filepath.Join(t.TempDir(), name)
			ctx := &doneAfter{Context: context.Background(), n: after}
			err := m.WriteFileContext(ctx, path, xs, domain.Layout{})
			_, statErr := os.Stat(path)
			// Done while it was writing, it fails and leaves nothing; else it writes the file.
			if done := ctx.n < 0; done != (err != nil) || (err == nil) != (statErr == nil) {
				t.Errorf("%s, done after %d writes: %v, and the file: %v", name, after, err, statErr)
			}
		}
	}
}

// doneAfter is a context that is done (Canceled) once Err has been asked n times.
type doneAfter struct {
	context.Context
	n int
}

func (c *doneAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}
