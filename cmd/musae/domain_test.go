package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/latent/domain/melody"
	"musae/models"
	"musae/models/rnn"
)

// chant is a toy third domain, known only to this test: a chant is a line of 8 syllables
// of "do", "re", "mi" and "fa", written as the letters d, r, m, f in a .chant text file
// ("drmfdrmf"). It is its own package's worth of code and one more name in the registry,
// and no verb knows it: the verbs below find it through the registry alone.
type chant struct{}

const (
	chantSteps   = 8
	chantLetters = "drmf"
)

func (chant) Info() domain.Info {
	return domain.Info{
		Name: "chant", Noun: "chants", Kind: "text",
		Models: []string{"chant-tiny"}, Encoder: "rnn",
		Inputs: []string{".chant"}, Outputs: []string{".chant"}, OutputKind: "a chant file",
		Shape:   [3]int{chantSteps, len(chantLetters), 1},
		Samples: 4, Temperature: 1, TemperatureUse: "sampling temperature for chants (default 1)",
		Loss: models.Loss{MaxBeta: 1},
	}
}

func (chant) Config(model string, z int) (json.RawMessage, error) {
	if model != "chant-tiny" {
		return nil, fmt.Errorf("chant: no model %q", model)
	}
	c := rnn.Config{Name: model, Classes: len(chantLetters), Steps: chantSteps, EncoderHidden: 8, DecoderHidden: []int{8}, Z: 3}
	if z > 0 {
		c.Z = z
	}
	return json.Marshal(c)
}

func (chant) Build(meta models.Meta, rng *rand.Rand) (*models.VAE, error) {
	var cfg rnn.Config
	if err := json.Unmarshal(meta.Config, &cfg); err != nil {
		return nil, err
	}
	m, err := rnn.New(cfg, rng)
	if err != nil {
		return nil, err
	}
	return &models.VAE{Enc: m.Enc, Dec: m.Dec, Z: cfg.Z}, nil
}

func (chant) Params(meta models.Meta) (int64, error) {
	var cfg rnn.Config
	if err := json.Unmarshal(meta.Config, &cfg); err != nil {
		return 0, err
	}
	return cfg.EncoderParams() + cfg.DecoderParams(), nil
}

func (chant) Builtin() fs.FS { return nil }

func (chant) Read(r io.Reader, name string, _ domain.ReadOptions) (domain.Example, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return domain.Example{}, err
	}
	line = strings.TrimSpace(line)
	if len(line) != chantSteps || strings.Trim(line, chantLetters) != "" {
		return domain.Example{}, domain.Inputf("%s: %q is not a chant of %d of the syllables %s", name, line, chantSteps, chantLetters)
	}
	return domain.Example{Value: line, Source: name, Where: "the first line"}, nil
}

func (chant) Write(w io.Writer, xs []domain.Example, _ domain.Layout) error {
	for _, x := range xs {
		if _, err := fmt.Fprintln(w, x.Value); err != nil {
			return err
		}
	}
	return nil
}

func (chant) Batch(xs []domain.Example) (*models.Batch, error) {
	b := models.NewBatch(len(xs), chantSteps, len(chantLetters), true)
	for i, x := range xs {
		s, _ := x.Value.(string)
		cls := make([]int32, chantSteps)
		for t := range cls {
			cls[t] = int32(strings.IndexByte(chantLetters, s[t]))
		}
		b.SetClasses(i, cls)
	}
	return b, nil
}

func (chant) Decode(m *domain.Model, zs [][]float32, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	var flat []float32
	for _, z := range zs {
		flat = append(flat, z...)
	}
	seqs := m.VAE.Dec.(*rnn.Decoder).Generate(flat, len(zs), temperature, rng)
	out := make([]domain.Example, len(seqs))
	for i, s := range seqs {
		b := make([]byte, len(s))
		for t, c := range s {
			b[t] = chantLetters[c]
		}
		out[i] = domain.Example{Value: string(b)}
	}
	return out, nil
}

func (c chant) Sample(m *domain.Model, n int, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	return c.Decode(m, latent.SamplePrior(n, m.VAE.Z, 1, rng), temperature, rng)
}

func (chant) Eval(context.Context, *domain.Model, domain.DataOptions, io.Writer) error {
	return domain.ErrUnsupported
}

func (chant) Train(*models.Trainer, *domain.Model, domain.TrainOptions) error {
	return domain.ErrUnsupported
}

// TestThirdDomain registers a toy domain beside musae's own and runs sample, interpolate,
// encode and decode on it through the CLI: verbs generic over domains need nothing else.
func TestThirdDomain(t *testing.T) {
	reg := domain.NewRegistry(digits.New(), melody.New(), chant{})
	dir := t.TempDir()
	m, err := reg.New("chant-tiny", 0, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "chant.safetensors")
	if err := models.SaveCheckpoint(ck, m.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	cli := func(argv ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runWith(context.Background(), reg, argv, &out, &errb); code != exitOK {
			t.Fatalf("musae %s: exit %d: %s", strings.Join(argv, " "), code, errb.String())
		}
		return out.String()
	}
	lines := func(path string, n int) []string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ls := strings.Fields(string(b))
		if len(ls) != n {
			t.Fatalf("%s has %d chants, want %d: %q", path, len(ls), n, b)
		}
		for _, l := range ls {
			if len(l) != chantSteps || strings.Trim(l, chantLetters) != "" {
				t.Fatalf("%s: %q is not a chant", path, l)
			}
		}
		return ls
	}

	// --domain takes the new name, and help lists it, from the registry.
	var help bytes.Buffer
	runWith(context.Background(), reg, []string{"sample", "--help"}, &help, io.Discard)
	if !strings.Contains(help.String(), "mnist, melody or chant") {
		t.Errorf("sample's help does not offer the chant domain:\n%s", help.String())
	}
	samples := filepath.Join(dir, "samples.chant")
	if say := cli("sample", "--domain", "chant", "--model", ck, "-n", "3", "--seed", "2", "-o", samples); !strings.Contains(say, "wrote "+samples+": 3 chants from chant-tiny at temperature 1") {
		t.Errorf("sample said %q", say)
	}
	lines(samples, 3)

	a, b := filepath.Join(dir, "a.chant"), filepath.Join(dir, "b.chant")
	os.WriteFile(a, []byte("drmfdrmf\n"), 0o644)
	os.WriteFile(b, []byte("ffffdddd\n"), 0o644)
	morph := filepath.Join(dir, "morph.chant")
	cli("interpolate", a, b, "--model", ck, "--steps", "4", "-o", morph) // the domain follows from .chant
	steps := lines(morph, 4)
	// The first step is A's own decoding from z = mu, as the Go API gives it.
	xs, err := m.ReadFiles([]string{a}, domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mu, _, err := m.Encode(xs)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Decode(mu, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if steps[0] != want[0].Value {
		t.Errorf("interpolation starts at %s, want A's decoding %s", steps[0], want[0].Value)
	}

	zjson := filepath.Join(dir, "z.json")
	cli("encode", a, b, "--model", ck, "-o", zjson)
	lf, err := readLatentFile(reg, zjson)
	if err != nil {
		t.Fatal(err)
	}
	if lf.Domain != "chant" || lf.Z != 3 || len(lf.Entries) != 2 || lf.Entries[0].Where != "the first line" {
		t.Fatalf("z.json: %+v", lf)
	}
	decoded := filepath.Join(dir, "decoded.chant")
	if say := cli("decode", zjson, "-o", decoded); !strings.Contains(say, "2 chants decoded by chant-tiny") {
		t.Errorf("decode said %q", say)
	}
	if got := lines(decoded, 2); got[0] != steps[0] {
		t.Errorf("decoded %s, want %s as interpolate's first step", got[0], steps[0])
	}

	// Its bad input is a usage error, as any domain's is; its files are not digits'.
	var errb bytes.Buffer
	os.WriteFile(a, []byte("dorémifa\n"), 0o644)
	if code := runWith(context.Background(), reg, []string{"encode", a, "--model", ck, "-o", zjson}, io.Discard, &errb); code != exitUsage || !strings.Contains(errb.String(), "is not a chant") {
		t.Errorf("bad chant: exit %d, %s", code, errb.String())
	}
	errb.Reset()
	if code := runWith(context.Background(), reg, []string{"decode", zjson, "-o", filepath.Join(dir, "x.png")}, io.Discard, &errb); code != exitUsage || !strings.Contains(errb.String(), "chants are written as a chant file (.chant)") {
		t.Errorf("decode to .png: exit %d, %s", code, errb.String())
	}
}

// TestVerbsNameNoDomain: no verb compares a domain's name or reaches for one domain's
// package; what only some domains do, the verbs ask of the domain's optional interfaces.
func TestVerbsNameNoDomain(t *testing.T) {
	named := regexp.MustCompile(`(==|!=) *"(mnist|melody|drums|groove|melody16)"|case "(mnist|melody|drums|groove|melody16)"|digits\.Name|melody\.Name|drums\.Name|groove\.Name|phrase\.Name`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if named.MatchString(line) {
				t.Errorf("%s:%d names a domain: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
