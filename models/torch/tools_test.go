package torch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"musae/models"
	"musae/models/conv"
	"musae/models/rnn"
)

// python returns the interpreter that runs musae_torch: $MUSAE_PYTHON, else Debian's
// /usr/bin/python3 (the one python3-torch installs for). The test skips when it cannot
// import torch, or fails when MUSAE_REQUIRE_TOOLS=1.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("MUSAE_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	pyOnce.Do(func() {
		out, err := exec.Command(py, "-c", "import torch, torch.distributed; print(torch.__version__)").CombinedOutput()
		if err != nil {
			pyErr = fmt.Errorf("%s cannot import torch: %v: %s", py, err, bytes.TrimSpace(out))
		}
	})
	if pyErr != nil {
		if os.Getenv("MUSAE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%v, and MUSAE_REQUIRE_TOOLS=1 (apt-get install python3-torch libopenblas0-pthread)", pyErr)
		}
		t.Skipf("%v (apt-get install python3-torch libopenblas0-pthread)", pyErr)
	}
	return py
}

var (
	pyOnce sync.Once
	pyErr  error
)

// runPython runs `python -m module args...` in this folder (where musae_torch lives) and
// returns its standard output; stderr goes to the log on failure.
func runPython(t *testing.T, env []string, module string, args ...string) string {
	t.Helper()
	cmd := exec.Command(python(t), append([]string{"-m", module}, args...)...)
	cmd.Env = append(append(os.Environ(), "OPENBLAS_NUM_THREADS=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python -m %s %s: %v\nstdout:\n%s\nstderr:\n%s", module, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// twinCase is one model the twins must match: a canonical configuration with one of the
// encoders the domains offer.
type twinCase struct {
	Name, Encoder string // Encoder "" is the configuration's own
}

func (c twinCase) String() string {
	if c.Encoder == "" {
		return c.Name
	}
	return c.Name + "+" + c.Encoder
}

// model is a musae model built as the domains (musae/latent/domain/digits and melody, which
// this package may not import: models stays domain-free) build it: the canonical
// configurations and the encoder swaps.
type model struct {
	Meta   models.Meta
	VAE    *models.VAE
	Images *conv.Decoder
	Melody *rnn.Decoder
}

// newModel builds a model of c with parameters initialised from seed, and the metadata a
// checkpoint of it carries.
func newModel(t *testing.T, c twinCase, seed uint64) *model {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x6d75736165))
	m := &model{Meta: models.Meta{Model: c.Name, Seed: seed, Encoder: c.Encoder, Version: models.Version}}
	var err error
	if strings.HasPrefix(c.Name, "mnist-") {
		m.Meta.Domain = "mnist"
		cfg, err := conv.ConfigByName(c.Name)
		if err != nil {
			t.Fatal(err)
		}
		m.Meta.Config, _ = json.Marshal(cfg)
		cm, err := conv.New(cfg, rng)
		if err != nil {
			t.Fatal(err)
		}
		var enc models.Encoder = cm.Enc
		if c.Encoder == "rnn" {
			enc = rnn.NewEncoder(28, 128, cfg.Z, rng) // digits' rnnHidden
		}
		m.VAE, m.Images = &models.VAE{Enc: enc, Dec: cm.Dec, Z: cfg.Z}, cm.Dec
		return m
	}
	m.Meta.Domain = "melody"
	cfg, err := rnn.ConfigByName(c.Name)
	if err != nil {
		t.Fatal(err)
	}
	m.Meta.Config, _ = json.Marshal(cfg)
	rm, err := rnn.New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	var enc models.Encoder = rm.Enc
	if c.Encoder == "conv" {
		sc := conv.DefaultSeqConfig()
		sc.Classes, sc.Steps, sc.Z = cfg.Classes, cfg.Steps, cfg.Z
		if enc, err = conv.NewSeqEncoder(sc, rng); err != nil {
			t.Fatal(err)
		}
	}
	m.VAE, m.Melody = &models.VAE{Enc: enc, Dec: rm.Dec, Z: cfg.Z}, rm.Dec
	return m
}

// openModel builds the model a checkpoint describes (as newModel would) and loads its
// weights.
func openModel(t *testing.T, path string) *model {
	t.Helper()
	ck, err := models.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, twinCase{ck.Meta.Model, ck.Meta.Encoder}, 0)
	if string(m.Meta.Config) != string(ck.Meta.Config) {
		t.Fatalf("%s: config %s, the canonical %s is %s", path, ck.Meta.Config, ck.Meta.Model, m.Meta.Config)
	}
	if err := ck.Restore(m.VAE.Params()); err != nil {
		t.Fatal(err)
	}
	m.Meta = ck.Meta
	return m
}

// builtin returns the path of a model built into musae's binary (each domain keeps its
// own, in latent/domain/DOMAIN/builtin), or "" when there is none of that name.
func builtin(name string) string {
	ps, _ := filepath.Glob(filepath.Join("..", "..", "latent", "domain", "*", "builtin", name+".safetensors"))
	if len(ps) == 0 {
		return ""
	}
	return ps[0]
}

// TestBuiltinWeightsFound: the parity cases of the built-in models run, rather than being
// skipped because the weights moved.
func TestBuiltinWeightsFound(t *testing.T) {
	for _, name := range []string{"mnist-conv", "mnist-conv2", "mel2-tiny"} {
		if builtin(name) == "" {
			t.Errorf("no built-in %s under latent/domain/*/builtin", name)
		}
	}
}
