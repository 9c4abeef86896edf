package melody

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"

	"musae/datasets"
	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/midi"
	"musae/models"
	"musae/models/conv"
	"musae/models/rnn"
)

// Domain is the domain of 2-bar melodies. Its zero value is ready to use.
type Domain struct{}

// New returns the melody domain.
func New() Domain { return Domain{} }

var _ domain.Timed = Domain{}

// Name is the domain's name in checkpoints and on the command line.
const Name = "melody"

// Info describes the domain: MIDI files in and out, batches of 32 steps of 90 classes,
// MusicVAE's training defaults.
func (Domain) Info() domain.Info {
	return domain.Info{
		Name:           Name,
		Noun:           "melodies",
		Kind:           "music",
		Models:         []string{"mel2-meters", "mel2-tiny", "mel2-small", "mel2-chords"},
		Encoder:        "rnn",
		Inputs:         []string{".mid", ".midi", ".kar", ".smf"},
		Outputs:        []string{".mid", ".midi", ".musicxml", ".abc"},
		OutputKind:     "a MIDI file",
		Shape:          [3]int{midi.WindowSteps, midi.NumClasses, 1},
		Bars:           midi.WindowBars,
		Samples:        8,
		Temperature:    0.5,
		TemperatureUse: "sampling temperature for melodies (default 0.5)",
		Loss:           models.Loss{MaxBeta: 0.2, BetaRate: 0.99999, FreeNats: 48},
		ClipNorm:       1,
		Corpora:        true,
	}
}

// Config returns the rnn configuration of a canonical melody model.
func (Domain) Config(model string, z int) (json.RawMessage, error) {
	c, err := rnn.ConfigByName(model)
	if err != nil {
		return nil, err
	}
	if z > 0 {
		c.Z = z
	}
	return json.Marshal(c)
}

// Build makes the recurrent VAE meta describes; with Encoder "conv", a 1-D convolutional
// encoder over time reads the steps instead of the bidirectional LSTM.
func (Domain) Build(meta models.Meta, rng *rand.Rand) (*models.VAE, error) {
	var cfg rnn.Config
	if err := json.Unmarshal(meta.Config, &cfg); err != nil {
		return nil, fmt.Errorf("bad model config: %w", err)
	}
	rm, err := rnn.New(cfg, rng)
	if err != nil {
		return nil, err
	}
	var enc models.Encoder = rm.Enc
	switch meta.Encoder {
	case "", "rnn":
	case "conv":
		if enc, err = conv.NewSeqEncoder(seqEncoderConfig(cfg), rng); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(domain.Encoders, ", "))
	}
	return &models.VAE{Enc: enc, Dec: rm.Dec, Z: cfg.Z}, nil
}

// Params counts the parameters of the recurrent VAE meta describes.
func (Domain) Params(meta models.Meta) (int64, error) {
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
	return 0, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(domain.Encoders, ", "))
}

// seqEncoderConfig returns the convolutional encoder of a melody model's sequences.
func seqEncoderConfig(cfg rnn.Config) conv.SeqConfig {
	sc := conv.DefaultSeqConfig()
	sc.Classes, sc.Steps, sc.Z = cfg.Classes, cfg.Steps, cfg.Z
	return sc
}

//go:embed builtin/*.safetensors builtin/*.attributes.json
var builtin embed.FS

// Builtin holds mel2-tiny, the conditioned mel2-meters and mel2-chords, and the task
// models mel2-denoise and mel2-elaborate (see builtin/README.md for how each was trained).
func (Domain) Builtin() fs.FS {
	sub, _ := fs.Sub(builtin, "builtin")
	return sub
}

// decoder returns m's melody decoder.
func decoder(m *domain.Model) (*rnn.Decoder, error) {
	d, ok := m.VAE.Dec.(*rnn.Decoder)
	if !ok {
		return nil, fmt.Errorf("melody: %s has a %T decoder, not a melody one", m.Meta.Model, m.VAE.Dec)
	}
	return d, nil
}

// Melody returns the melody an example holds, or an error naming it.
func Melody(x domain.Example) (midi.Melody, error) { return domain.ValueOf[midi.Melody](x, "melody") }

func melodies(xs []domain.Example) ([]midi.Melody, error) {
	return domain.ValuesOf[midi.Melody](xs, "melody")
}

// Example wraps a melody as an example at qpm.
func Example(m midi.Melody, qpm float64) domain.Example {
	return domain.Example{Value: m, QPM: qpm}
}

// Batch makes the one-hot batch of 2-bar windows the encoder reads.
func (Domain) Batch(xs []domain.Example) (*models.Batch, error) {
	ms, err := melodies(xs)
	if err != nil {
		return nil, err
	}
	return datasets.MelodyBatch(ms), nil
}

// Decode decodes latent vectors to 2-bar melodies: greedily (argmax at each step) at
// temperature 0, else sampling each step's class at the temperature with rng.
//
// A model that takes conditions decodes under their defaults here (a model of every meter
// in 4/4), and DecodeUnder under others; one that needs a condition without a default
// (mel2-chords, the chords) is an InputError saying so.
func (d Domain) Decode(m *domain.Model, zs [][]float32, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	if cs, err := takes(m); err != nil {
		return nil, err
	} else if len(cs) > 0 {
		c := domain.Conditions{}
		for _, t := range cs {
			if t.Default == "" {
				return nil, domain.Inputf("%s needs --%s (%s)", m.Meta.Model, t.Name, t.Usage)
			}
			c[t.Name] = t.Default
		}
		conds := make([]domain.Conditions, len(zs))
		for i := range conds {
			conds[i] = c
		}
		return d.DecodeUnder(m, zs, conds, temperature, rng)
	}
	dec, err := decoder(m)
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

// Read reads the 2-bar window of a MIDI file: the one starting at opt.Bar (from 1), or
// the first with notes when opt.Bar is 0. The file is moved onto its notes' 16th grid
// first, as the training corpus was. Without opt.Track, a file with notes in several
// tracks gives the melody of the track midi.File.ChooseMelodyTrack picks (a track named as
// a melody, else the most melodic), and Example.Where says which and why.
func (Domain) Read(r io.Reader, name string, opt domain.ReadOptions) (domain.Example, error) {
	f, err := midi.ReadNamed(r, name)
	if err != nil {
		return domain.Example{}, err
	}
	return window(f, name, opt)
}

// window is the window of f, read from name, that Read describes.
func window(f *midi.File, name string, ro domain.ReadOptions) (x domain.Example, err error) {
	shift, _ := f.GridOffset() // what Prepare moves the file by, for its chord annotations
	opt, chosen, err := Prepare(f, name, ro.Track)
	if err != nil {
		return domain.Example{}, err
	}
	x = domain.Example{Source: name, QPM: f.QPM}
	start := 0
	defer func() {
		if chosen != "" {
			x.Where += ", of " + chosen
		}
		if err == nil {
			readChords(f, name, opt, shift, start, &x)
		}
		// A repaired file is read as far as it is sound; say so wherever the window is shown.
		if len(f.Warnings) > 0 {
			x.Where += fmt.Sprintf(" (the file needed %d repairs; first: %s)", len(f.Warnings), f.Warnings[0])
		}
	}()
	if ro.Bar <= 0 {
		ws, err := f.OwnWindows(opt, 1)
		if err != nil {
			return x, fmt.Errorf("%s: %w", name, err)
		}
		x.Value, x.Where, start = ws[0].Melody, "the first 2-bar window with notes", ws[0].Start
		if m := ws[0].Meter(); m != "4/4" {
			x.Where = "the first window with notes, " + ws[0].Span()
		}
		x.Conditions = domain.Conditions{MeterCondition: MeterText(ws[0].Meters)}
		return x, nil
	}
	// Bars count in the file's own meter, as a score of it numbers them.
	w, err := f.OwnWindowAt(opt, ro.Bar)
	if errors.Is(err, midi.ErrNoBar) {
		return x, domain.Inputf("%s: --%s", name, strings.TrimPrefix(err.Error(), midi.ErrNoBar.Error()+": "))
	}
	if err != nil {
		return x, fmt.Errorf("%s: %w", name, err)
	}
	x.Value, x.Where, start = w.Melody, w.Span(), w.Start
	x.Conditions = domain.Conditions{MeterCondition: MeterText(w.Meters)}
	return x, nil
}

// OpenFile reads the MIDI file at path whose melody is wanted and prepares it as Read
// does (Prepare): it returns the file, the options that extract its melody, which track
// was chosen and why ("" when track was given or one track has notes), and the ticks
// Prepare moved the file by (for its chord annotations: FileChords, FileKey).
func OpenFile(path, track string) (f *midi.File, opt midi.ExtractOptions, chosen string, shift int64, err error) {
	if f, err = midi.ReadFile(path); err != nil {
		return nil, midi.ExtractOptions{}, "", 0, err
	}
	shift, _ = f.GridOffset()
	if opt, chosen, err = Prepare(f, path, track); err != nil {
		return nil, opt, "", 0, err
	}
	return f, opt, chosen, shift, nil
}

// Prepare moves f, read from name, onto its notes' 16th grid and returns the options that
// extract its melody. Without a track, a file with notes in several tracks gets the track
// midi.File.ChooseMelodyTrack picks, and chosen says which and why (it is "" otherwise). A
// file none of whose tracks plays programs 0–31 is refused (an InputError) with the
// --track that takes its most melodic track anyway.
func Prepare(f *midi.File, name, track string) (opt midi.ExtractOptions, chosen string, err error) {
	// Files from sequencers are on the grid and stay as they are; recordings whose beats
	// start off tick 0 move onto it, as the training corpus did (midi.File.AlignToGrid).
	f.AlignToGrid()
	if track != "" {
		// A track the file lacks is a wrong flag value (exit 2), not a broken file.
		if _, err := f.TrackIndex(track); err != nil {
			return opt, "", domain.Inputf("%s: %v; with several inputs, give --track once per input", name, err)
		}
		return midi.ExtractOptions{Track: track}, "", nil
	}
	c, err := f.ChooseMelodyTrack(midi.ExtractOptions{})
	if err != nil {
		// When keeping every program would give a melody, the programs were all that
		// stood in the way; otherwise say what else does.
		all, err2 := f.ChooseMelodyTrack(midi.ExtractOptions{AllPrograms: true})
		if err2 != nil {
			return opt, "", fmt.Errorf("%s: %w", name, err2)
		}
		return opt, "", domain.Inputf("%s: %v\n  --track %d takes %s", name, err, all.Index, all.Reason)
	}
	several := 0
	for _, t := range f.Tracks {
		if t.NoteOns() > 0 && !onlyDrums(t.Channels()) {
			several++
		}
	}
	if several > 1 {
		chosen = c.Reason
	}
	return c.Options, chosen, nil
}

func onlyDrums(chs []int) bool {
	if len(chs) == 0 {
		return false
	}
	for _, c := range chs {
		if c != midi.DrumChannel {
			return false
		}
	}
	return true
}

// Write writes melodies in sequence at layout.QPM (120 when 0), a bar of rest between
// them: to one MIDI track (and their chords, where they were decoded under chords, to a
// second), or with layout.Format ".musicxml" or ".abc" as a score titled layout.Title
// (midi.Melody.MusicXML, midi.Melody.ABC); melodies under chords make a lead sheet, their
// chords above the staff. Melodies moved to a key (ToKey, KeyCondition) are written with
// its key signature, in the MIDI file too; others' score is in the key their notes and
// chords suggest (midi.EstimateKeyWithChords; the notes' alone without chords). Each melody is
// in its own meter (Example.Conditions; 4/4 without): the MIDI file has a time signature
// at the start and at each change, the score bars and beams in it, and the bar of rest
// after a melody is a bar of its last meter.
func (Domain) Write(w io.Writer, xs []domain.Example, l domain.Layout) error {
	ms, err := melodies(xs)
	if err != nil {
		return err
	}
	all, meters, starts, err := sequence(xs, ms)
	if err != nil {
		return err
	}
	chords := scoreChords(xs, ms, starts)
	key, given := scoreKey(xs, all, chords)
	switch l.Format {
	case ".musicxml", ".abc":
		opt := midi.NotationOptions{Title: l.Title, QPM: midi.QPMOr(l.QPM), Key: &key, Meters: meters, Chords: chords}
		var doc []byte
		if l.Format == ".abc" {
			doc, err = all.ABC(opt)
		} else {
			doc, err = all.MusicXML(opt)
		}
		if err != nil {
			return err
		}
		_, err = w.Write(doc)
		return err
	}
	// Melodies under chords get their chords in a second track, which Read estimates back.
	// An estimated key is left out: a key signature in the file would read back as given.
	opt := midi.WriteOptions{QPM: midi.QPMOr(l.QPM), Meters: meters, Chords: chords}
	if given {
		opt.Key = &key
	}
	if meters == nil {
		return midi.WriteMelodiesWith(w, opt, midi.WithRests(ms)...)
	}
	return midi.WriteMelodiesWith(w, opt, all)
}

// sequence lays melodies one after another, each followed by a bar of rest in its last
// meter but the last, and returns the whole with its meters by step (nil when every
// melody is in 4/4) and the step each melody starts at.
func sequence(xs []domain.Example, ms []midi.Melody) (midi.Melody, []midi.Meter, []int, error) {
	var (
		all    midi.Melody
		meters []midi.Meter
		starts []int
		plain  = true
	)
	for i, m := range ms {
		starts = append(starts, len(all))
		var own []midi.Meter
		if x := xs[i]; x.Value != nil {
			var err error
			if own, _, err = meterOf(x); err != nil {
				return nil, nil, nil, err
			}
		} else {
			own = []midi.Meter{{Num: 4, Den: 4}}
		}
		for _, mt := range own {
			if mt.Num != 4 || mt.Den != 4 {
				plain = false
			}
			mt.Step += len(all)
			if n := len(meters); n == 0 || meters[n-1].Num != mt.Num || meters[n-1].Den != mt.Den {
				meters = append(meters, mt)
			}
		}
		all = append(all, m...)
		if i < len(ms)-1 {
			rest := make(midi.Melody, own[len(own)-1].StepsPerBar())
			rest[0] = midi.NoteOff
			all = append(all, rest...)
		}
	}
	if plain {
		meters = nil
	}
	return all, meters, starts, nil
}

var _ domain.Shower = Domain{}

// Show is the melody's step grid in its own meter (midi.Melody.GridMeters), bar by bar.
func (Domain) Show(x domain.Example) string {
	m, err := Melody(x)
	if err != nil {
		return ""
	}
	meters, text, err := meterOf(x)
	if err != nil || text == DefaultMeter {
		return m.String()
	}
	return m.GridMeters(meters)
}

// Audio schedules melodies in sequence at qpm, a bar of rest between them, for musae's
// synthesiser (midi.MelodyAudio), within its limits (midi.DefaultMaxSeconds).
func (Domain) Audio(xs []domain.Example, qpm float64) (domain.Sound, error) {
	return seq.Audio(xs, qpm, "melody", midi.MelodyAudio)
}

// Compare counts the steps of b's melody equal to a's, of all a's steps.
func (Domain) Compare(a, b domain.Example) (same, total int) {
	ma, _ := a.Value.(midi.Melody)
	mb, _ := b.Value.(midi.Melody)
	return seq.Same(ma, mb)
}

var _ domain.Transformer = Domain{}

// ReadInput reads the input of a task (Transforms): the melody of a whole MIDI file,
// prepared as Read prepares it, to whole bars. The file must be in a meter whose bar
// divides 4/4's throughout, as the windows the model read in training were.
func (d Domain) ReadInput(name string, r io.Reader, file string, ro domain.ReadOptions) (domain.Example, error) {
	if err := checkTask(name); err != nil {
		return domain.Example{}, err
	}
	f, err := midi.ReadNamed(r, file)
	if err != nil {
		return domain.Example{}, err
	}
	opt, chosen, err := Prepare(f, file, ro.Track)
	if err != nil {
		return domain.Example{}, err
	}
	for _, mt := range f.Meters() {
		if !mt.DividesFourFour() {
			return domain.Example{}, domain.Inputf("%s: in %s at step %d; the model reads bars of 4/4", file, mt, mt.Step)
		}
	}
	mel, err := f.Melody(opt)
	if err != nil {
		return domain.Example{}, fmt.Errorf("%s: %w", file, err)
	}
	bars := (len(mel) + midi.StepsPerBar - 1) / midi.StepsPerBar
	where := fmt.Sprintf("all %d bars", bars)
	if chosen != "" {
		where += ", of " + chosen
	}
	mel = append(mel, make(midi.Melody, bars*midi.StepsPerBar-len(mel))...)
	return domain.Example{Value: mel, Source: file, Where: where, QPM: f.QPM}, nil
}

// Transform runs each of the 2-bar windows of each melody (from ReadInput), counted from
// its first step, through m, a model of the task called name, decoding from z = mu as
// TaskDecoding says (greedily at temperature 0, a denoiser keeping what it agrees with;
// else sampling each step at the temperature with rng); windows with no note onset stay as
// they are.
func (Domain) Transform(m *domain.Model, name string, xs []domain.Example, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	if err := checkTask(name); err != nil {
		return nil, err
	}
	if m.Meta.Task != name {
		what := "a VAE of melodies"
		if m.Meta.Task != "" {
			what = "a model of " + m.Meta.Task
		}
		return nil, domain.Inputf("melody: %s is %s, not a model of %s", m.Meta.Model, what, name)
	}
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	ys := make([]domain.Example, len(xs))
	for k, x := range xs {
		mel, ok := x.Value.(midi.Melody)
		if !ok {
			return nil, fmt.Errorf("melody: example %d holds %T, not a melody", k, x.Value)
		}
		steps := (len(mel) + midi.WindowSteps - 1) / midi.WindowSteps * midi.WindowSteps
		padded := append(slices.Clone(mel), make(midi.Melody, steps-len(mel))...)
		var todo []midi.Melody
		var at []int
		for s := 0; s < steps; s += midi.WindowSteps {
			w := padded[s : s+midi.WindowSteps]
			if slices.ContainsFunc(w, func(c int) bool { _, ok := midi.ClassPitch(c); return ok }) {
				todo, at = append(todo, w), append(at, s)
			}
		}
		res := slices.Clone(padded)
		for from := 0; from < len(todo); from += domain.BatchSize {
			ws := todo[from:min(from+domain.BatchSize, len(todo))]
			mu, _ := m.VAE.Enc.Encode(datasets.MelodyBatch(ws), false)
			for i, w := range decodeTask(dec, mu, ws, TaskDecoding(name, temperature), rng) {
				copy(res[at[from+i]:], w)
			}
		}
		ys[k] = domain.Example{Value: res[:len(mel)], Source: x.Source, Where: x.Where, QPM: x.QPM}
	}
	return ys, nil
}
