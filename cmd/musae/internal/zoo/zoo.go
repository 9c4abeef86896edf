// Package zoo builds musae's models by name, from checkpoints, or from the weights built
// into the binary, so that every command finds a model the same way.
package zoo

import (
	"embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"musae/models"
	"musae/models/conv"
	"musae/models/rnn"
)

// Domains.
const (
	MNIST  = "mnist"
	Melody = "melody"
)

// Names lists the canonical configurations.
var Names = []string{"mnist-conv", "mnist-conv2", "mel2-tiny", "mel2-small"}

// DefaultModel returns the model a domain uses when none is named.
func DefaultModel(domain string) string {
	if domain == Melody {
		return "mel2-tiny"
	}
	return "mnist-conv"
}

// DomainOf returns the domain of a canonical configuration.
func DomainOf(name string) (string, error) {
	switch {
	case !slices.Contains(Names, name):
	case strings.HasPrefix(name, "mnist-"):
		return MNIST, nil
	case strings.HasPrefix(name, "mel2-"):
		return Melody, nil
	}
	return "", fmt.Errorf("unknown model %q (one of %s)", name, strings.Join(Names, ", "))
}

// Model is a VAE of one of the canonical configurations, with its provenance.
type Model struct {
	Meta     models.Meta
	VAE      *models.VAE
	Images   *conv.Decoder // the decoder of an image model
	Melodies *rnn.Decoder  // the decoder of a melody model
}

// Params returns the model's parameters in PyTorch's order.
func (m *Model) Params() []*models.Param { return m.VAE.Params() }

// Encoders are the encoders every domain takes: "conv" (2-D over images, 1-D over time on
// melodies) and "rnn" (a bidirectional LSTM over melody steps, or over image rows).
var Encoders = []string{"conv", "rnn"}

// DefaultEncoder returns the canonical encoder of a domain.
func DefaultEncoder(domain string) string {
	if domain == Melody {
		return "rnn"
	}
	return "conv"
}

// imageRNNHidden is the LSTM size per direction of the recurrent encoder on images.
const imageRNNHidden = 128

// New returns a freshly initialised model of a canonical configuration; z > 0 overrides
// the latent size, and encoder ("" for the canonical one) swaps the encoder.
func New(name string, z int, encoder string, seed uint64) (*Model, error) {
	domain, err := DomainOf(name)
	if err != nil {
		return nil, err
	}
	if encoder == DefaultEncoder(domain) {
		encoder = ""
	}
	meta := models.Meta{Model: name, Domain: domain, Seed: seed, Encoder: encoder}
	var cfg any
	switch domain {
	case MNIST:
		c, err := conv.ConfigByName(name)
		if err != nil {
			return nil, err
		}
		if z > 0 {
			c.Z = z
		}
		cfg = c
	case Melody:
		c, err := rnn.ConfigByName(name)
		if err != nil {
			return nil, err
		}
		if z > 0 {
			c.Z = z
		}
		cfg = c
	}
	meta.Config, _ = json.Marshal(cfg)
	return build(meta, rand.New(rand.NewPCG(seed, 0x6d75736165)))
}

// paramCount returns the number of parameter values of the model meta describes, from its
// validated config alone: checked against a checkpoint's tensors before the model is
// built, it keeps a config read from a file from asking for any size.
func paramCount(meta models.Meta) (int64, error) {
	switch meta.Domain {
	case MNIST:
		var cfg conv.Config
		if err := json.Unmarshal(meta.Config, &cfg); err != nil {
			return 0, fmt.Errorf("bad model config: %w", err)
		}
		if err := cfg.Validate(); err != nil {
			return 0, err
		}
		switch meta.Encoder {
		case "", "conv":
			return cfg.EncoderParams() + cfg.DecoderParams(), nil
		case "rnn":
			return rnn.EncoderParams(28, imageRNNHidden, cfg.Z) + cfg.DecoderParams(), nil
		}
	case Melody:
		var cfg rnn.Config
		if err := json.Unmarshal(meta.Config, &cfg); err != nil {
			return 0, fmt.Errorf("bad model config: %w", err)
		}
		if err := cfg.Validate(); err != nil {
			return 0, err
		}
		switch meta.Encoder {
		case "", "rnn":
			return cfg.EncoderParams() + cfg.DecoderParams(), nil
		case "conv":
			sc := seqEncoderConfig(cfg)
			if err := sc.Validate(); err != nil {
				return 0, err
			}
			return sc.Params() + cfg.DecoderParams(), nil
		}
	default:
		return 0, fmt.Errorf("unknown domain %q", meta.Domain)
	}
	return 0, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(Encoders, ", "))
}

// seqEncoderConfig returns the convolutional encoder of a melody model's sequences.
func seqEncoderConfig(cfg rnn.Config) conv.SeqConfig {
	sc := conv.DefaultSeqConfig()
	sc.Classes, sc.Steps, sc.Z = cfg.Classes, cfg.Steps, cfg.Z
	return sc
}

// build makes the model meta describes, with parameters initialised from rng.
func build(meta models.Meta, rng *rand.Rand) (*Model, error) {
	m := &Model{Meta: meta}
	switch meta.Domain {
	case MNIST:
		var cfg conv.Config
		if err := json.Unmarshal(meta.Config, &cfg); err != nil {
			return nil, fmt.Errorf("bad model config: %w", err)
		}
		cm, err := conv.New(cfg, rng)
		if err != nil {
			return nil, err
		}
		m.Images = cm.Dec
		var enc models.Encoder = cm.Enc
		switch meta.Encoder {
		case "", "conv":
		case "rnn":
			enc = rnn.NewEncoder(28, imageRNNHidden, cfg.Z, rng)
		default:
			return nil, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(Encoders, ", "))
		}
		m.VAE = &models.VAE{Enc: enc, Dec: cm.Dec, Z: cfg.Z}
	case Melody:
		var cfg rnn.Config
		if err := json.Unmarshal(meta.Config, &cfg); err != nil {
			return nil, fmt.Errorf("bad model config: %w", err)
		}
		rm, err := rnn.New(cfg, rng)
		if err != nil {
			return nil, err
		}
		m.Melodies = rm.Dec
		var enc models.Encoder = rm.Enc
		switch meta.Encoder {
		case "", "rnn":
		case "conv":
			if enc, err = conv.NewSeqEncoder(seqEncoderConfig(cfg), rng); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(Encoders, ", "))
		}
		m.VAE = &models.VAE{Enc: enc, Dec: rm.Dec, Z: cfg.Z}
	default:
		return nil, fmt.Errorf("unknown domain %q", meta.Domain)
	}
	return m, nil
}

// FromCheckpoint rebuilds the model a checkpoint describes and loads its weights.
func FromCheckpoint(c *models.Checkpoint) (*Model, error) {
	if err := checkParams(c); err != nil {
		return nil, err
	}
	m, err := build(c.Meta, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Source, err)
	}
	if err := c.Restore(m.Params()); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadCheckpoint reads the checkpoint at path, refusing it from its header, before its
// tensors are read, when its config is out of bounds or disagrees with its tensors. Verbs
// that read a checkpoint themselves (train --resume, weights) should call it rather than
// models.LoadCheckpoint.
func LoadCheckpoint(path string) (*models.Checkpoint, error) {
	return models.LoadCheckpointChecked(path, checkParams)
}

// checkParams refuses a checkpoint whose config is out of bounds or implies another number
// of parameters than its tensors hold (it works before the tensors' values are read).
func checkParams(c *models.Checkpoint) error {
	n, err := paramCount(c.Meta)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Source, err)
	}
	return c.CheckParams(n)
}

//go:embed builtin
var builtin embed.FS

// Builtin returns the names of the models built into the binary.
func Builtin() []string {
	entries, _ := builtin.ReadDir("builtin")
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".safetensors"); ok {
			names = append(names, name)
		}
	}
	return names
}

// Open loads a model: ref is a checkpoint path, the name of a built-in model, or "" for the
// domain's built-in default. A model of another domain than the one asked for is refused.
func Open(ref, domain string) (*Model, error) {
	if ref == "" {
		ref = DefaultModel(domain)
	}
	var (
		c   *models.Checkpoint
		err error
	)
	if slices.Contains(Builtin(), ref) {
		b, _ := builtin.ReadFile("builtin/" + ref + ".safetensors")
		c, err = models.ParseCheckpoint(b, "built-in model "+ref)
	} else if _, statErr := os.Stat(ref); statErr == nil || strings.ContainsAny(ref, `/\.`) {
		c, err = LoadCheckpoint(ref)
	} else {
		return nil, fmt.Errorf("no model %q: not a file, and the built-in models are %s", ref, strings.Join(Builtin(), ", "))
	}
	if err != nil {
		return nil, err
	}
	if domain != "" && c.Meta.Domain != domain {
		return nil, fmt.Errorf("%s holds a %s model (%s), not a %s one", c.Source, c.Meta.Domain, c.Meta.Model, domain)
	}
	return FromCheckpoint(c)
}
