package rnn

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"musae/models"
)

// Config describes a recurrent melody VAE.
type Config struct {
	Name          string
	Classes       int   // categories per step (90 for MusicVAE's melodies)
	Steps         int   // steps per sequence (32 for two bars)
	EncoderHidden int   // LSTM units per direction of the bidirectional encoder
	DecoderHidden []int // LSTM units of each decoder layer (all equal, as nn.LSTM requires)
	Z             int   // latent dimensions
}

// DefaultConfig returns mel2-tiny: biLSTM 128 per direction, decoder 1 × LSTM 256, z 64.
func DefaultConfig() Config {
	return Config{Name: "mel2-tiny", Classes: 90, Steps: 32, EncoderHidden: 128, DecoderHidden: []int{256}, Z: 64}
}

// SmallConfig returns mel2-small, MusicVAE's cat-mel_2bar_small: biLSTM 512, decoder
// 2 × LSTM 256, z 256.
func SmallConfig() Config {
	return Config{Name: "mel2-small", Classes: 90, Steps: 32, EncoderHidden: 512, DecoderHidden: []int{256, 256}, Z: 256}
}

// ErrUnknownConfig is returned (wrapped) by ConfigByName for a name it does not know.
var ErrUnknownConfig = errors.New("rnn: unknown model config")

// ConfigByName returns the canonical config called name: "mel2-tiny" or "mel2-small".
func ConfigByName(name string) (Config, error) {
	switch name {
	case "mel2-tiny":
		return DefaultConfig(), nil
	case "mel2-small":
		return SmallConfig(), nil
	}
	return Config{}, fmt.Errorf("%w %q (want mel2-tiny or mel2-small)", ErrUnknownConfig, name)
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	switch {
	case c.Classes < 1:
		return fmt.Errorf("rnn: config %q: classes = %d, want at least 1", c.Name, c.Classes)
	case c.Steps < 1:
		return fmt.Errorf("rnn: config %q: steps = %d, want at least 1", c.Name, c.Steps)
	case c.EncoderHidden < 1:
		return fmt.Errorf("rnn: config %q: encoder hidden = %d, want at least 1", c.Name, c.EncoderHidden)
	case len(c.DecoderHidden) == 0:
		return fmt.Errorf("rnn: config %q: no decoder layers", c.Name)
	case c.Z < 1:
		return fmt.Errorf("rnn: config %q: z = %d, want at least 1", c.Name, c.Z)
	}
	for k, h := range c.DecoderHidden {
		if h < 1 || h != c.DecoderHidden[0] {
			return fmt.Errorf("rnn: config %q: decoder layer %d has %d units, want all layers of the same positive size (%v)", c.Name, k, h, c.DecoderHidden)
		}
	}
	return nil
}

// Model is the recurrent melody VAE: a bidirectional LSTM encoder and an autoregressive
// LSTM decoder, with PyTorch's parameter names and layouts (torch_reference.py MelodyVAE).
type Model struct {
	Config
	Enc *Encoder
	Dec *Decoder

	vae *models.VAE
}

// New returns a model with parameters initialised from rng as PyTorch does.
func New(cfg Config, rng *rand.Rand) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.DecoderHidden = append([]int(nil), cfg.DecoderHidden...)
	m := &Model{
		Config: cfg,
		Enc:    NewEncoder(cfg.Classes, cfg.EncoderHidden, cfg.Z, rng),
		Dec:    NewDecoder(cfg.Classes, cfg.Steps, cfg.Z, cfg.DecoderHidden, rng),
	}
	m.vae = &models.VAE{Enc: m.Enc, Dec: m.Dec, Z: cfg.Z}
	return m, nil
}

// VAE returns the model as the shared core's VAE (the same value every call, so that its
// buffers are reused).
func (m *Model) VAE() *models.VAE { return m.vae }

// Params returns every parameter in PyTorch's state_dict order.
func (m *Model) Params() []*models.Param { return m.vae.Params() }

// Generate decodes n sequences from the latents z [n, Z]; see Decoder.Generate.
func (m *Model) Generate(z []float32, n int, temperature float64, rng *rand.Rand) [][]int32 {
	return m.Dec.Generate(z, n, temperature, rng)
}

// Reconstruct encodes b, decodes z = mu greedily (feeding back its own argmax) and returns
// the decoded classes, [N][Steps].
func (m *Model) Reconstruct(b *models.Batch) [][]int32 {
	mu, _ := m.Enc.Encode(b, false)
	return m.Dec.Generate(mu, b.N, 0, nil)
}

// Accuracy returns how many of b's steps the greedy reconstruction from z = mu gets right,
// and how many steps there are (torch_reference.py greedy_accuracy).
func (m *Model) Accuracy(b *models.Batch) (hits, total int) {
	mu, _ := m.Enc.Encode(b, false)
	return m.Dec.Accuracy(mu, b)
}
