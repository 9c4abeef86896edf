package rnn

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

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
	// Controls is the number of control features per step (the metrical pulse, the chord)
	// that the encoder reads beside each step's class and the decoder beside its previous
	// class and z; 0 for a model without (mel2-tiny, whose checkpoints name no such field).
	Controls int `json:",omitempty"`
	// Conditions names, in order, the conditions whose features make up the controls (the
	// melody domain's "meter", "chords"; each condition's features in turn, their widths
	// summing to Controls), so that the domain knows what a model takes from its config and
	// a model of several conditions needs no code of its own. Empty for a model without
	// controls, and in checkpoints written before it was recorded (the domain then reads
	// Controls alone as the one condition of that width).
	Conditions []string `json:",omitempty"`
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

// MetersConfig returns mel2-meters: mel2-tiny reading windows of every meter, up to 48
// steps (two bars of 12/8), with the meter's 7 control features per step (the melody
// domain's: the step's metrical pulse, one-hot, whether its meter is compound, and where
// it lies in its bar and in its window).
func MetersConfig() Config {
	c := DefaultConfig()
	c.Name, c.Steps, c.Controls, c.Conditions = "mel2-meters", 48, MeterControls, []string{"meter"}
	return c
}

// The control features of each condition the melody domain's models take (the widths its
// controls have; midi.NumMeterControls and len(midi.TriadClasses), checked by its tests).
const (
	MeterControls  = 7  // the meter: the step's pulse (one-hot of 5), compound, place in bar and window
	ChordsControls = 49 // the chord: the one-hot of its triad class, note_seq's TriadChordOneHotEncoding
)

// ChordsConfig returns mel2-chords: mel2-tiny reading the chord at each step as 49
// control features (the one-hot of its triad class), in the encoder and the decoder, as
// MusicVAE's cat-mel_2bar_med_chords does; fine-tuned from mel2-tiny (Model.Widen).
func ChordsConfig() Config {
	c := DefaultConfig()
	c.Name, c.Controls, c.Conditions = "mel2-chords", ChordsControls, []string{"chords"}
	return c
}

// configs are the canonical configs, by name, in the order errors list them.
var configs = []func() Config{DefaultConfig, SmallConfig, MetersConfig, ChordsConfig}

// ErrUnknownConfig is returned by ConfigByName for a name it does not know.
var ErrUnknownConfig = errors.New("rnn: unknown model config")

// ConfigByName returns the canonical config called name: "mel2-tiny", "mel2-small",
// "mel2-meters" or "mel2-chords".
func ConfigByName(name string) (Config, error) {
	var names []string
	for _, f := range configs {
		c := f()
		if c.Name == name {
			return c, nil
		}
		names = append(names, c.Name)
	}
	return Config{}, fmt.Errorf("%w %q (want %s)", ErrUnknownConfig, name, strings.Join(names, ", "))
}

// The limits of a Config: far above any model musae trains (mel2-small has 90 classes, 32
// steps, 512 encoder and 2 × 256 decoder units, z = 256), and small enough that a config
// read from a file cannot ask for a model larger than memory before its tensors are checked.
const (
	MaxClasses = 4096
	MaxSteps   = 4096
	MaxHidden  = 8192 // LSTM units, of the encoder (per direction) and of each decoder layer
	MaxLayers  = 16   // decoder layers
	MaxZ       = 4096
	MaxControl = 4096 // control features per step
)

// Validate reports the first problem with c.
func (c Config) Validate() error {
	switch {
	case c.Classes < 1 || c.Classes > MaxClasses:
		return fmt.Errorf("rnn: config %q: classes = %d, want 1 to %d", c.Name, c.Classes, MaxClasses)
	case c.Steps < 1 || c.Steps > MaxSteps:
		return fmt.Errorf("rnn: config %q: steps = %d, want 1 to %d", c.Name, c.Steps, MaxSteps)
	case c.EncoderHidden < 1 || c.EncoderHidden > MaxHidden:
		return fmt.Errorf("rnn: config %q: encoder hidden = %d, want 1 to %d", c.Name, c.EncoderHidden, MaxHidden)
	case len(c.DecoderHidden) == 0:
		return fmt.Errorf("rnn: config %q: no decoder layers", c.Name)
	case len(c.DecoderHidden) > MaxLayers:
		return fmt.Errorf("rnn: config %q: %d decoder layers, want at most %d", c.Name, len(c.DecoderHidden), MaxLayers)
	case c.Z < 1 || c.Z > MaxZ:
		return fmt.Errorf("rnn: config %q: z = %d, want 1 to %d", c.Name, c.Z, MaxZ)
	case c.Controls < 0 || c.Controls > MaxControl:
		return fmt.Errorf("rnn: config %q: controls = %d, want 0 to %d", c.Name, c.Controls, MaxControl)
	}
	for k, h := range c.DecoderHidden {
		if h < 1 || h > MaxHidden || h != c.DecoderHidden[0] {
			return fmt.Errorf("rnn: config %q: decoder layer %d has %d units, want all layers of the same size, 1 to %d (%v)", c.Name, k, h, MaxHidden, c.DecoderHidden)
		}
	}
	return nil
}

// EncoderParams returns the number of values in the parameters of NewEncoder(in, hidden,
// z): two LSTMs and the dense layers mu and lv.
func EncoderParams(in, hidden, z int) int64 {
	h, zz := int64(hidden), int64(z)
	return 2*lstmParams(int64(in), h) + 2*(2*h*zz+zz)
}

// DecoderParams returns the number of values in the decoder's parameters (init, the LSTM
// layers, out), as New would allocate them, for a valid c.
func (c Config) DecoderParams() int64 {
	h, z, cl := int64(c.DecoderHidden[0]), int64(c.Z), int64(c.Classes)
	l := int64(len(c.DecoderHidden))
	n := z*2*l*h + 2*l*h                                                // init
	n += lstmParams(cl+z+int64(c.Controls), h) + (l-1)*lstmParams(h, h) // dec
	return n + h*cl + cl                                                // out
}

// EncoderParams returns the number of values in the encoder's parameters, as New would
// allocate them, for a valid c.
func (c Config) EncoderParams() int64 {
	return EncoderParams(c.Classes+c.Controls, c.EncoderHidden, c.Z)
}

// lstmParams returns the number of values in an LSTM layer's weight_ih [4H, in], weight_hh
// [4H, H], bias_ih and bias_hh [4H].
func lstmParams(in, h int64) int64 { return 4*h*in + 4*h*h + 8*h }

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
		Enc:    NewControlledEncoder(cfg.Classes, cfg.Controls, cfg.EncoderHidden, cfg.Z, rng),
		Dec:    NewControlledDecoder(cfg.Classes, cfg.Controls, cfg.Steps, cfg.Z, cfg.DecoderHidden, rng),
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

// Reconstruct encodes b, decodes z = mu greedily (feeding back its own argmax) under b's
// controls and returns the decoded classes, [N][b.Len(i)].
func (m *Model) Reconstruct(b *models.Batch) [][]int32 {
	mu, _ := m.Enc.Encode(b, false)
	return m.Dec.GenerateFor(mu, b, 0, nil)
}

// Accuracy returns how many of b's steps the greedy reconstruction from z = mu gets right,
// and how many steps there are (torch_reference.py greedy_accuracy).
func (m *Model) Accuracy(b *models.Batch) (hits, total int) {
	mu, _ := m.Enc.Encode(b, false)
	return m.Dec.Accuracy(mu, b)
}

// Widen sets m's parameters from src's, a model of the same architecture that reads fewer
// control features (mel2-tiny, which reads none, for a meter-conditioned model): every
// parameter is copied, and the input weights of the encoder's LSTMs and the decoder's
// first layer, whose last columns are the controls, get zero columns for the controls src
// lacks. m then computes exactly src's function, whatever the controls, and fine-tuning
// starts there. Steps may differ (no parameter depends on it); any other difference is an
// error.
func (m *Model) Widen(src *Model) error {
	return WidenParams(m.Config, src.Config, m.Params(), src.Params())
}

// WidenParams is Model.Widen for the parameters dst of a model of config a and src of a
// model of config b (each in PyTorch's order, as Model.Params lists them).
func WidenParams(a, b Config, dst, from []*models.Param) error {
	if a.Classes != b.Classes || a.EncoderHidden != b.EncoderHidden || a.Z != b.Z || !slices.Equal(a.DecoderHidden, b.DecoderHidden) || a.Controls < b.Controls {
		return fmt.Errorf("rnn: widen %s into %s: only the number of controls (and of steps) may grow, from %+v to %+v", b.Name, a.Name, b, a)
	}
	if len(dst) != len(from) {
		return fmt.Errorf("rnn: widen %s into %s: %d parameters, want %d", b.Name, a.Name, len(from), len(dst))
	}
	for k, p := range dst {
		q := from[k]
		ps, qs := p.Shape(), q.Shape()
		if p.Name != q.Name || len(ps) != len(qs) || ps[0] != qs[0] {
			return fmt.Errorf("rnn: widen %s into %s: parameter %s %v where %s %v was expected", b.Name, a.Name, q.Name, qs, p.Name, ps)
		}
		if slices.Equal(ps, qs) {
			copy(p.Data(), q.Data())
			continue
		}
		// An input weight [4H, in]: src's columns first, zeros for the new controls.
		if len(ps) != 2 || ps[1]-qs[1] != a.Controls-b.Controls {
			return fmt.Errorf("rnn: widen %s into %s: parameter %s is %v, %v in the wider model", b.Name, a.Name, q.Name, qs, ps)
		}
		pd, qd := p.Data(), q.Data()
		for r := 0; r < ps[0]; r++ {
			row := pd[r*ps[1] : (r+1)*ps[1]]
			copy(row, qd[r*qs[1]:(r+1)*qs[1]])
			clear(row[qs[1]:])
		}
	}
	return nil
}
