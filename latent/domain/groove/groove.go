package groove

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"strings"

	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/drums"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/midi"
	"musae/models"
	"musae/models/conv"
	"musae/models/rnn"
)

// Domain is the domain of 2-bar drum performances in GrooVAE's representation. Its zero
// value is ready to use.
type Domain struct{}

// New returns the groove domain.
func New() Domain { return Domain{} }

var (
	_ domain.Timed       = Domain{}
	_ domain.Transformer = Domain{}
)

// Name is the domain's name in checkpoints and on the command line.
const Name = "groove"

// Info describes the domain: MIDI files in and out, batches of 32 steps of 27 features,
// GrooVAE's training defaults (max beta 0.2, 48 free nats).
func (Domain) Info() domain.Info {
	return domain.Info{
		Name:           Name,
		Noun:           "grooves",
		Kind:           "music",
		Models:         []string{"groove2"},
		Encoder:        "rnn",
		Inputs:         []string{".mid", ".midi", ".kar", ".smf"},
		Outputs:        []string{".mid", ".midi"},
		OutputKind:     "a MIDI file",
		Shape:          [3]int{midi.WindowSteps, Features, 0},
		Samples:        8,
		Temperature:    0.5,
		TemperatureUse: "temperature of the hits' Bernoulli draws (0: a hit where its probability is above one half; default 0.5)",
		Loss:           models.Loss{MaxBeta: 0.2, BetaRate: 0.99999, FreeNats: 48},
		ClipNorm:       1,
	}
}

// Groove2Config is groove2: GrooVAE's design (groovae_2bar_*: a bidirectional LSTM encoder
// over the 27 features of each step, an LSTM decoder fed its previous step and z) at
// mel2-tiny's size for a small CPU: biLSTM 128 per direction, LSTM 256, z 64 (GrooVAE:
// 512, 2 × 256, 256).
func Groove2Config() rnn.GrooveConfig {
	return rnn.GrooveConfig{Name: "groove2", Drums: midi.NumDrums, Steps: midi.WindowSteps, EncoderHidden: 128, DecoderHidden: []int{256}, Z: 64}
}

// Config returns the configuration of a canonical groove model.
func (Domain) Config(model string, z int) (json.RawMessage, error) {
	if model != "groove2" {
		return nil, fmt.Errorf("%w %q (want groove2)", rnn.ErrUnknownConfig, model)
	}
	c := Groove2Config()
	if z > 0 {
		c.Z = z
	}
	return json.Marshal(c)
}

func config(meta models.Meta) (rnn.GrooveConfig, error) {
	var c rnn.GrooveConfig
	if err := json.Unmarshal(meta.Config, &c); err != nil {
		return c, fmt.Errorf("bad model config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.Drums != midi.NumDrums || c.Steps != midi.WindowSteps {
		return c, fmt.Errorf("groove: config %q has %d drums and %d steps; grooves have %d and %d", c.Name, c.Drums, c.Steps, midi.NumDrums, midi.WindowSteps)
	}
	switch meta.Encoder {
	case "", "rnn", "conv":
	default:
		return c, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(domain.Encoders, ", "))
	}
	return c, nil
}

// seqEncoderConfig is the convolutional encoder of a groove model: 1-D over time, the 27
// features of a step its channels.
func seqEncoderConfig(c rnn.GrooveConfig) conv.SeqConfig {
	sc := conv.DefaultSeqConfig()
	sc.Classes, sc.Steps, sc.Z = c.Features(), c.Steps, c.Z
	return sc
}

// Build makes the GrooVAE meta describes: GrooVAE's bidirectional LSTM encoder, or with
// meta.Encoder "conv" the convolutional one over time.
func (Domain) Build(meta models.Meta, rng *rand.Rand) (*models.VAE, error) {
	c, err := config(meta)
	if err != nil {
		return nil, err
	}
	if meta.Encoder != "conv" {
		return rnn.NewGroove(c, rng)
	}
	enc, err := conv.NewSeqEncoder(seqEncoderConfig(c), rng)
	if err != nil {
		return nil, err
	}
	dec := rnn.NewGrooveDecoder(c.Drums, c.Steps, c.Z, c.DecoderHidden, rng)
	return &models.VAE{Enc: enc, Dec: dec, Z: c.Z}, nil
}

// Params counts the parameters of the GrooVAE meta describes.
func (Domain) Params(meta models.Meta) (int64, error) {
	c, err := config(meta)
	if err != nil {
		return 0, err
	}
	if meta.Encoder != "conv" {
		return c.Params(), nil
	}
	sc := seqEncoderConfig(c)
	if err := sc.Validate(); err != nil {
		return 0, err
	}
	return sc.Params() + c.DecoderParams(), nil
}

//go:embed builtin
var builtin embed.FS

// Builtin holds groove2 (see builtin/README.md for how it was trained).
func (Domain) Builtin() fs.FS {
	sub, _ := fs.Sub(builtin, "builtin")
	return sub
}

// decoder returns m's groove decoder.
func decoder(m *domain.Model) (*rnn.GrooveDecoder, error) {
	d, ok := m.VAE.Dec.(*rnn.GrooveDecoder)
	if !ok || d.Drums != midi.NumDrums {
		return nil, fmt.Errorf("groove: %s has a %T decoder, not a groove one", m.Meta.Model, m.VAE.Dec)
	}
	return d, nil
}

// Groove returns the groove an example holds, or an error naming it.
func Groove(x domain.Example) (midi.Groove, error) { return domain.ValueOf[midi.Groove](x, "groove") }

func grooves(xs []domain.Example) ([]midi.Groove, error) {
	return domain.ValuesOf[midi.Groove](xs, "groove")
}

// checked returns the grooves of xs, each of midi.WindowSteps valid steps.
func checked(xs []domain.Example) ([]midi.Groove, error) {
	gs, err := grooves(xs)
	if err != nil {
		return nil, err
	}
	for i, g := range gs {
		if len(g) != midi.WindowSteps {
			return nil, fmt.Errorf("groove: example %d has %d steps, the models read %d", i+1, len(g), midi.WindowSteps)
		}
		if err := g.Validate(); err != nil {
			return nil, fmt.Errorf("example %d: %w", i+1, err)
		}
	}
	return gs, nil
}

// Batch makes the batch the encoder reads of the performances themselves (Full).
func (Domain) Batch(xs []domain.Example) (*models.Batch, error) {
	gs, err := checked(xs)
	if err != nil {
		return nil, err
	}
	return Batch(gs, Full), nil
}

// Decode decodes latent vectors to 2-bar grooves: each drum's hit drawn at the
// temperature with rng (at 0, hit where its probability is above one half), its velocity
// and offset the decoder's prediction.
func (Domain) Decode(m *domain.Model, zs [][]float32, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	return examples(dec.Generate(pick.Flatten(zs), len(zs), temperature, rng), dec.Steps), nil
}

// examples cuts a decoder's output [n, steps, Features] into grooves.
func examples(out []float32, steps int) []domain.Example {
	n := len(out) / (steps * Features)
	xs := make([]domain.Example, n)
	for i := range xs {
		xs[i] = domain.Example{Value: Decode(out[i*steps*Features : (i+1)*steps*Features])}
	}
	return xs
}

// Sample draws n latent vectors from the standard normal prior and decodes them at the
// temperature, with rng for both.
func (d Domain) Sample(m *domain.Model, n int, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	return d.Decode(m, latent.SamplePrior(n, m.VAE.Z, 1, rng), temperature, rng)
}

// Read reads the 2-bar window of a MIDI file's drums as the drums domain picks it (the
// one at opt.Bar, or the first without a silent bar; the drum channel, or opt.Track), with
// its velocities and timing.
func (Domain) Read(r io.Reader, name string, opt domain.ReadOptions) (domain.Example, error) {
	f, err := midi.ReadNamed(r, name)
	if err != nil {
		return domain.Example{}, err
	}
	return drums.GrooveWindow(f, name, opt, midi.DrumOptions{})
}

// Write writes grooves to one MIDI track on channel 10 in sequence at layout.QPM (120 when
// 0), a bar of rest between them, each hit at its velocity and offset.
func (Domain) Write(w io.Writer, xs []domain.Example, l domain.Layout) error {
	return seq.WriteMIDI(w, xs, l, "groove", midi.WriteGrooves)
}

// Audio schedules grooves in sequence at qpm, a bar of rest between them, for musae's
// drum kit, within its limits.
func (Domain) Audio(xs []domain.Example, qpm float64) (domain.Sound, error) {
	return seq.Audio(xs, qpm, "groove", midi.GrooveAudio)
}

// Compare counts the steps of b whose drums hit are a's, of all a's steps (velocities and
// timing aside).
func (Domain) Compare(a, b domain.Example) (same, total int) {
	ga, _ := a.Value.(midi.Groove)
	gb, _ := b.Value.(midi.Groove)
	return seq.Same(ga.Drums(), gb.Drums())
}
