package torch

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/latent/domain/melody"
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
// encoders the zoo offers.
type twinCase struct {
	Name, Encoder string // Encoder "" is the configuration's own
}

func (c twinCase) String() string {
	if c.Encoder == "" {
		return c.Name
	}
	return c.Name + "+" + c.Encoder
}

// registry builds models as the musae command does: the twins are held to the same code.
var registry = domain.NewRegistry(digits.New(), melody.New())

// model is a musae model of the registry, with its decoder in the type the checks call.
type model struct {
	Meta   models.Meta
	VAE    *models.VAE
	Images *conv.Decoder // nil for a melody model
	Melody *rnn.Decoder  // nil for an image model
}

func wrap(t *testing.T, dm *domain.Model) *model {
	t.Helper()
	m := &model{Meta: dm.Meta, VAE: dm.VAE}
	m.Images, _ = dm.VAE.Dec.(*conv.Decoder)
	m.Melody, _ = dm.VAE.Dec.(*rnn.Decoder)
	if m.Images == nil && m.Melody == nil {
		t.Fatalf("%s: a decoder of type %T, which the twins do not have", dm.Meta.Model, dm.VAE.Dec)
	}
	return m
}

// newModel builds a model of c with parameters initialised from seed, and the metadata a
// checkpoint of it carries.
func newModel(t *testing.T, c twinCase, seed uint64) *model {
	t.Helper()
	dm, err := registry.New(c.Name, 0, c.Encoder, seed)
	if err != nil {
		t.Fatal(err)
	}
	m := wrap(t, dm)
	m.Meta.Version = models.Version
	return m
}

// openModel opens a checkpoint's path or a built-in model's name as the musae command does.
func openModel(t *testing.T, ref string) *model {
	t.Helper()
	dm, err := registry.Open(ref, "")
	if err != nil {
		t.Fatal(err)
	}
	return wrap(t, dm)
}

// builtin returns name when a model of that name is built into musae, else "".
func builtin(name string) string {
	if registry.IsBuiltin(name) {
		return name
	}
	return ""
}
