package phrase

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"strings"

	"musae/datasets"
	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/latent/domain/melody"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// Bars is how many bars of 16 steps a phrase holds; Steps is its length in steps.
const (
	Bars  = 16
	Steps = Bars * midi.StepsPerBar
)

// Name is the domain's name in checkpoints and on the command line.
const Name = "melody16"

// Domain is the domain of 16-bar melodies. Its zero value is ready to use.
type Domain struct{}

// New returns the 16-bar melody domain.
func New() Domain { return Domain{} }

var (
	_ domain.Timed      = Domain{}
	_ domain.Infiller   = Domain{}
	_ domain.Attributer = Domain{}
	_ domain.Measurer   = Domain{}
)

// Info describes the domain: MIDI files in and out, batches of 256 steps of 90 classes,
// MusicVAE's hierdec-mel_16bar training defaults (max beta 0.2, 256 free nats).
func (Domain) Info() domain.Info {
	return domain.Info{
		Name:           Name,
		Noun:           "16-bar melodies",
		Kind:           "music",
		Models:         []string{"hier16-meters", "hier16-c64", "hier16-tiny", "flat16-tiny"},
		Encoder:        "rnn",
		Inputs:         []string{".mid", ".midi", ".kar", ".smf"},
		Outputs:        []string{".mid", ".midi", ".musicxml", ".abc"},
		OutputKind:     "a MIDI file",
		Shape:          [3]int{Steps, midi.NumClasses, 1},
		Bars:           Bars,
		Samples:        4,
		Temperature:    0.5,
		TemperatureUse: "sampling temperature for melodies (default 0.5)",
		Loss:           models.Loss{MaxBeta: 0.2, BetaRate: 0.99999, FreeNats: 256},
		ClipNorm:       1,
		Corpora:        true,
	}
}

// Config returns the configuration of a canonical 16-bar model.
func (Domain) Config(model string, z int) (json.RawMessage, error) {
	c, err := rnn.HierConfigByName(model)
	if err != nil {
		return nil, err
	}
	if z > 0 {
		c.Z = z
	}
	return json.Marshal(c)
}

// Build makes the model meta describes: hierarchical or flat, by its config.
func (Domain) Build(meta models.Meta, rng *rand.Rand) (*models.VAE, error) {
	if meta.Encoder != "" && meta.Encoder != "rnn" {
		return nil, fmt.Errorf("the 16-bar models take the rnn encoder only, not %q", meta.Encoder)
	}
	c, err := rnn.ParseHierConfig(meta.Config)
	if err != nil {
		return nil, err
	}
	m, err := rnn.NewHier(c, rng)
	if err != nil {
		return nil, err
	}
	return m.VAE(), nil
}

// Params counts the parameters of the model meta describes.
func (Domain) Params(meta models.Meta) (int64, error) {
	if meta.Encoder != "" && meta.Encoder != "rnn" {
		return 0, fmt.Errorf("the 16-bar models take the rnn encoder only, not %q", meta.Encoder)
	}
	c, err := rnn.ParseHierConfig(meta.Config)
	if err != nil {
		return 0, err
	}
	return c.EncoderParams() + c.DecoderParams(), nil
}

//go:embed builtin
var builtin embed.FS

// Builtin holds hier16-meters, the default, and hier16-c64 (see builtin/README.md for how
// each was trained).
func (Domain) Builtin() fs.FS {
	sub, _ := fs.Sub(builtin, "builtin")
	return sub
}

// sequencer returns m's decoder.
func sequencer(m *domain.Model) (rnn.Sequencer, error) {
	d, ok := m.VAE.Dec.(rnn.Sequencer)
	if !ok {
		return nil, fmt.Errorf("melody16: %s has a %T decoder, not a melody one", m.Meta.Model, m.VAE.Dec)
	}
	return d, nil
}

// Batch makes the one-hot batch of 16-bar phrases the encoder reads.
func (Domain) Batch(xs []domain.Example) (*models.Batch, error) {
	ms, err := phrases(xs)
	if err != nil {
		return nil, err
	}
	return datasets.MelodyBatch(ms), nil
}

// phrases returns the melodies of xs, which must be phrases of 16 bars of 4/4 (for the
// batch of a model of 4/4 phrases).
func phrases(xs []domain.Example) ([]midi.Melody, error) {
	ms := make([]midi.Melody, len(xs))
	for i, x := range xs {
		m, err := melody.Melody(x)
		if err != nil {
			return nil, err
		}
		if len(m) != Steps {
			return nil, fmt.Errorf("melody16: example %s has %d steps, not %d", x.Source, len(m), Steps)
		}
		ms[i] = m
	}
	return ms, nil
}

// Decode decodes latent vectors to 16-bar melodies: greedily at temperature 0, else
// sampling each step's class at the temperature with rng; a model of every meter decodes
// them in 4/4 (DecodeUnder decodes in another).
func (d Domain) Decode(m *domain.Model, zs [][]float32, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	if takesMeter(m) {
		return d.DecodeUnder(m, zs, make([]domain.Conditions, len(zs)), temperature, rng)
	}
	dec, err := sequencer(m)
	if err != nil {
		return nil, err
	}
	return seq.Examples[midi.Melody](dec.Generate(pick.Flatten(zs), len(zs), temperature, rng)), nil
}

// Sample draws n latent vectors from the standard normal prior and decodes them at the
// temperature, with rng for both.
func (d Domain) Sample(m *domain.Model, n int, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	return d.Decode(m, latent.SamplePrior(n, m.VAE.Z, 1, rng), temperature, rng)
}

// Read reads the 16-bar phrase of a MIDI file, in its own meter (midi.PhraseBars; the
// example carries the meter): from the bar opt.Bar (from 1), or, when opt.Bar is 0, the
// first 16-bar window that has notes and no silent bar (as training cuts them). A piece
// with no such window (a motif of a few bars) is read from its first bar and padded with
// rests to 16 bars; Where says so. Tracks are chosen as the 2-bar melody domain chooses
// them (melody.Prepare). Whether a model reads the meter is BatchFor's to say.
func (Domain) Read(r io.Reader, name string, ro domain.ReadOptions) (domain.Example, error) {
	f, err := midi.ReadNamed(r, name)
	if err != nil {
		return domain.Example{}, err
	}
	opt, chosen, err := melody.Prepare(f, name, ro.Track)
	if err != nil {
		return domain.Example{}, err
	}
	x := domain.Example{Source: name, QPM: f.QPM}
	defer func() {
		if chosen != "" {
			x.Where += ", of " + chosen
		}
		if len(f.Warnings) > 0 {
			x.Where += fmt.Sprintf(" (the file needed %d repairs; first: %s)", len(f.Warnings), f.Warnings[0])
		}
	}()
	bar := ro.Bar
	if bar <= 0 {
		ws, err := f.PhraseWindows(opt, Bars, 1)
		if err == nil {
			x.Value, x.Where = ws[0].Melody, "the first 16-bar window with notes"
			x.Conditions = domain.Conditions{melody.MeterCondition: melody.MeterText(ws[0].Meters)}
			if m := ws[0].Meter(); m != "4/4" {
				x.Where += " (" + m + ")"
			}
			return x, nil
		}
		if !errors.Is(err, midi.ErrNoMelody) {
			return x, fmt.Errorf("%s: %w", name, err)
		}
		bar = 1
	}
	w, err := f.PhraseWindowAt(opt, bar, Bars)
	if errors.Is(err, midi.ErrNoBar) {
		return x, domain.Inputf("%s: --%s", name, strings.TrimPrefix(err.Error(), midi.ErrNoBar.Error()+": "))
	}
	if err != nil {
		return x, fmt.Errorf("%s: %w", name, err)
	}
	// Past the end of the piece the window is rests: the last note ends where the piece
	// does, not at the window's end.
	if m, err := f.Melody(opt); err == nil {
		if end := len(m) - w.Start; end >= 0 && end < len(w.Melody) && w.Melody[end] == midi.NoEvent {
			w.Melody[end] = midi.NoteOff
			w.Melody = w.Melody.Canonical()
		}
	}
	x.Value, x.Where = w.Melody, w.Span()
	x.Conditions = domain.Conditions{melody.MeterCondition: melody.MeterText(w.Meters)}
	l, err := layoutOf(melody.MeterText(w.Meters))
	if err != nil {
		return x, fmt.Errorf("%s: %w", name, err)
	}
	if n := heard(w.Melody, l); n < Bars {
		x.Where += fmt.Sprintf(" (music in the first %d, rests after)", n)
	}
	return x, nil
}

// heard is how many bars of m (laid out as l) from its start hold music: bars up to the
// last that has a note sounding in it.
func heard(m midi.Melody, l layout) int {
	last := -1
	sounding := false
	for t, c := range m {
		switch {
		case c == midi.NoteOff:
			sounding = false
		case c >= 2:
			sounding = true
		}
		if sounding {
			last = t
		}
	}
	if last < 0 {
		return 0
	}
	for i, b := range l.bars {
		if last < b.Start+b.Steps {
			return i + 1
		}
	}
	return len(l.bars)
}

// Write writes phrases as the melody domain writes melodies: in sequence, a bar of rest
// between them, each in its meter, to MIDI, MusicXML or ABC.
func (Domain) Write(w io.Writer, xs []domain.Example, l domain.Layout) error {
	for _, x := range nonNil(xs) {
		if _, _, err := exampleLayout(x); err != nil {
			return err
		}
	}
	return melody.Domain{}.Write(w, xs, l)
}

func nonNil(xs []domain.Example) []domain.Example {
	var out []domain.Example
	for _, x := range xs {
		if x.Value != nil {
			out = append(out, x)
		}
	}
	return out
}

// Audio schedules phrases in sequence at qpm for musae's synthesiser.
func (Domain) Audio(xs []domain.Example, qpm float64) (domain.Sound, error) {
	return melody.Domain{}.Audio(xs, qpm)
}

// Compare counts the steps of b's phrase equal to a's, of all a's steps.
func (Domain) Compare(a, b domain.Example) (same, total int) { return melody.Domain{}.Compare(a, b) }

// Describe gives a phrase's measures in a line, as the melody domain measures melodies.
func (Domain) Describe(x domain.Example) string { return melody.Domain{}.Describe(x) }

// Attributes learns one vector per measure from the 16-bar training windows of o.Dir, as
// the melody domain does from its 2-bar ones (melody.AttributesOf).
func (Domain) Attributes(ctx context.Context, m *domain.Model, o domain.DataOptions, w, log io.Writer) (*latent.Attributes, error) {
	return melody.AttributesOf(ctx, m, o, datasets.MelodyOptions{Bars: Bars}, w, log)
}

// MeasureAttribute tells how adding amount·v moves the measures of held-out 16-bar
// windows' decodings (melody.MeasureAttributeOf).
func (Domain) MeasureAttribute(ctx context.Context, m *domain.Model, o domain.DataOptions, name string, v []float32, amount float64, w io.Writer) error {
	return melody.MeasureAttributeOf(ctx, m, o, datasets.MelodyOptions{Bars: Bars}, name, v, amount, w)
}
