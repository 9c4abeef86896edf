package drums

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"

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

// Domain is the domain of 2-bar drum beats. Its zero value is ready to use.
type Domain struct{}

// New returns the drums domain.
func New() Domain { return Domain{} }

var _ domain.Timed = Domain{}

// Name is the domain's name in checkpoints and on the command line.
const Name = "drums"

// Info describes the domain: MIDI files in and out, batches of 32 steps of 512 classes,
// MusicVAE's training defaults.
func (Domain) Info() domain.Info {
	return domain.Info{
		Name:           Name,
		Noun:           "drum beats",
		Kind:           "music",
		Models:         []string{"drums2"},
		Encoder:        "rnn",
		Inputs:         []string{".mid", ".midi", ".kar", ".smf"},
		Outputs:        []string{".mid", ".midi"},
		OutputKind:     "a MIDI file",
		Shape:          [3]int{midi.WindowSteps, midi.NumDrumClasses, 1},
		Bars:           midi.WindowBars,
		Samples:        8,
		Temperature:    0.5,
		TemperatureUse: "sampling temperature for drum beats (default 0.5)",
		Loss:           models.Loss{MaxBeta: 0.2, BetaRate: 0.99999, FreeNats: 48},
		ClipNorm:       1,
	}
}

// Drums2Config is drums2: MusicVAE's cat-drums_2bar_small design (one-hot steps of 512
// classes, a bidirectional LSTM encoder, an LSTM decoder) at mel2-tiny's size, for a small
// CPU: biLSTM 128 per direction, LSTM 256, z 64.
func Drums2Config() rnn.Config {
	return rnn.Config{Name: "drums2", Classes: midi.NumDrumClasses, Steps: midi.WindowSteps, EncoderHidden: 128, DecoderHidden: []int{256}, Z: 64}
}

// Config returns the rnn configuration of a canonical drum model.
func (Domain) Config(model string, z int) (json.RawMessage, error) {
	if model != "drums2" {
		return nil, fmt.Errorf("%w %q (want drums2)", rnn.ErrUnknownConfig, model)
	}
	c := Drums2Config()
	if z > 0 {
		c.Z = z
	}
	return json.Marshal(c)
}

// Build makes the recurrent VAE meta describes, as the melody domain builds its own: the
// models differ only in their classes.
func (Domain) Build(meta models.Meta, rng *rand.Rand) (*models.VAE, error) {
	return melody.Domain{}.Build(meta, rng)
}

// Params counts the parameters of the recurrent VAE meta describes.
func (Domain) Params(meta models.Meta) (int64, error) { return melody.Domain{}.Params(meta) }

//go:embed builtin
var builtin embed.FS

// Builtin holds drums2 (see builtin/README.md for how it was trained).
func (Domain) Builtin() fs.FS {
	sub, _ := fs.Sub(builtin, "builtin")
	return sub
}

// decoder returns m's drum decoder.
func decoder(m *domain.Model) (*rnn.Decoder, error) {
	d, ok := m.VAE.Dec.(*rnn.Decoder)
	if !ok || d.Classes != midi.NumDrumClasses {
		return nil, fmt.Errorf("drums: %s has a %T decoder, not a drum one", m.Meta.Model, m.VAE.Dec)
	}
	return d, nil
}

// Drums returns the beat an example holds, or an error naming it.
func Drums(x domain.Example) (midi.Drums, error) { return domain.ValueOf[midi.Drums](x, "drums") }

func beats(xs []domain.Example) ([]midi.Drums, error) {
	return domain.ValuesOf[midi.Drums](xs, "drums")
}

// Batch makes the one-hot batch of 2-bar beats the encoder reads.
func (Domain) Batch(xs []domain.Example) (*models.Batch, error) {
	ds, err := beats(xs)
	if err != nil {
		return nil, err
	}
	for i, d := range ds {
		if len(d) != midi.WindowSteps {
			return nil, fmt.Errorf("drums: example %d has %d steps, the models read %d", i+1, len(d), midi.WindowSteps)
		}
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("example %d: %w", i+1, err)
		}
	}
	return datasets.DrumBatch(ds), nil
}

// Decode decodes latent vectors to 2-bar beats: greedily (the most likely class at each
// step) at temperature 0, else sampling each step's class at the temperature with rng.
func (Domain) Decode(m *domain.Model, zs [][]float32, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	return seq.Examples[midi.Drums](dec.Generate(pick.Flatten(zs), len(zs), temperature, rng)), nil
}

// Sample draws n latent vectors from the standard normal prior and decodes them at the
// temperature, with rng for both.
func (d Domain) Sample(m *domain.Model, n int, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	return d.Decode(m, latent.SamplePrior(n, m.VAE.Z, 1, rng), temperature, rng)
}

// Read reads the 2-bar window of a MIDI file's drums: the one starting at opt.Bar (from
// 1), or the first with no silent bar when opt.Bar is 0. Without opt.Track it reads the
// drum channel (10); a file with no drums there is refused with the tracks that have notes.
func (Domain) Read(r io.Reader, name string, opt domain.ReadOptions) (domain.Example, error) {
	f, err := midi.ReadNamed(r, name)
	if err != nil {
		return domain.Example{}, err
	}
	x, err := GrooveWindow(f, name, opt, midi.DrumOptions{})
	if g, ok := x.Value.(midi.Groove); ok {
		x.Value = g.Drums()
	}
	return x, err
}

// GrooveWindow reads the 2-bar window of f's drums (read with dopt; its Track is ro's) as
// Read picks it, in GrooVAE's representation: the example's Value is a midi.Groove of
// midi.WindowSteps steps.
func GrooveWindow(f *midi.File, name string, ro domain.ReadOptions, dopt midi.DrumOptions) (domain.Example, error) {
	x := domain.Example{Source: name, QPM: f.QPM}
	dopt.Track = ro.Track
	g, err := f.Groove(dopt)
	if err != nil {
		if errors.Is(err, midi.ErrNoDrums) && ro.Track == "" {
			if hint := trackHint(f); hint != "" {
				return x, domain.Inputf("%s: %v\n  %s", name, err, hint)
			}
		}
		if errors.Is(err, midi.ErrNoTrack) {
			return x, domain.Inputf("%s: %w", name, err)
		}
		return x, fmt.Errorf("%s: %w", name, err)
	}
	if ro.Bar <= 0 {
		ws, err := f.GrooveWindows(dopt, midi.WindowBars, 1)
		if err != nil {
			return x, fmt.Errorf("%s: %w", name, err)
		}
		x.Value, x.Where = ws[0], "the first 2-bar window without a silent bar"
	} else {
		start := (ro.Bar - 1) * midi.StepsPerBar
		if start >= len(g) {
			return x, domain.Inputf("%s: --bar %d is past the end of the drums, which have %d bars", name, ro.Bar, (len(g)+midi.StepsPerBar-1)/midi.StepsPerBar)
		}
		w := make(midi.Groove, midi.WindowSteps)
		copy(w, g[start:])
		if w.Drums().NumHits() == 0 {
			return x, fmt.Errorf("%s: %w: bars %d–%d have no hits", name, midi.ErrNoDrums, ro.Bar, ro.Bar+1)
		}
		x.Value, x.Where = w, fmt.Sprintf("bars %d–%d", ro.Bar, ro.Bar+1)
	}
	if ro.Track != "" {
		x.Where += fmt.Sprintf(", of track %s", ro.Track)
	}
	if len(f.Warnings) > 0 {
		x.Where += fmt.Sprintf(" (the file needed %d repairs; first: %s)", len(f.Warnings), f.Warnings[0])
	}
	return x, nil
}

// trackHint says which --track reads a file's notes as drums when its drum channel has
// none: the track with the most notes.
func trackHint(f *midi.File) string {
	best, most := -1, 0
	for _, t := range f.Tracks {
		if n := t.NoteOns(); n > most {
			best, most = t.Index, n
		}
	}
	if best < 0 {
		return ""
	}
	return fmt.Sprintf("--track %d reads the %d notes of track %d as drums by their keys (GM percussion: 36 kick, 38 snare, 42 closed hi-hat, ...)", best, most, best)
}

// Write writes beats to one MIDI track on channel 10 in sequence at layout.QPM (120 when
// 0), a bar of rest between them.
func (Domain) Write(w io.Writer, xs []domain.Example, l domain.Layout) error {
	return seq.WriteMIDI(w, xs, l, "drums", midi.WriteDrums)
}

// Audio schedules beats in sequence at qpm, a bar of rest between them, for musae's drum
// kit (midi.DrumsAudio), within its limits.
func (Domain) Audio(xs []domain.Example, qpm float64) (domain.Sound, error) {
	return seq.Audio(xs, qpm, "drums", midi.DrumsAudio)
}

// Compare counts the steps of b's beat equal to a's, of all a's steps.
func (Domain) Compare(a, b domain.Example) (same, total int) {
	da, _ := a.Value.(midi.Drums)
	db, _ := b.Value.(midi.Drums)
	return seq.Same(da, db)
}
