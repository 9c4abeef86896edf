package domain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"

	"musae/latent"
	"musae/models"
)

// Domain is one kind of data musae models: its files, its tensors, its canonical models,
// its metrics and its training setup. Implementations hold no mutable state, so one value
// serves any number of models and goroutines.
type Domain interface {
	// Info describes the domain: its name, files, batch shape and defaults.
	Info() Info

	// Config returns the configuration of a canonical model (one of Info().Models) as
	// the JSON a checkpoint's metadata keeps, with latent size z when z > 0.
	Config(model string, z int) (json.RawMessage, error)
	// Build makes the VAE that meta describes (its Config and Encoder), its parameters
	// drawn from rng.
	Build(meta models.Meta, rng *rand.Rand) (*models.VAE, error)
	// Params is the number of parameter values of the model meta describes, from its
	// validated config alone: checked against a checkpoint's tensors before the model is
	// built, it keeps a config read from a file from asking for any size.
	Params(meta models.Meta) (int64, error)
	// Builtin holds the weights built into the program, NAME.safetensors for each model
	// NAME; nil when there are none.
	Builtin() fs.FS

	// Read reads the example a file holds, or the part of it that opt picks; name is
	// the file's name, for Example.Source and for errors.
	Read(r io.Reader, name string, opt ReadOptions) (Example, error)
	// Write writes examples (a model's decodings, or read ones) to one file as layout
	// says; examples whose Value is nil are left blank where the format has room.
	Write(w io.Writer, xs []Example, layout Layout) error

	// Batch turns examples into the batch the model's encoder reads.
	Batch(xs []Example) (*models.Batch, error)
	// Decode decodes latent vectors: greedily (or to the likelihood's mean) at
	// temperature 0, sampled with rng above it; Info().Mean names what a decoder that
	// takes no temperature gives.
	Decode(m *Model, zs [][]float32, temperature float64, rng *rand.Rand) ([]Example, error)
	// Sample draws n new examples from the prior at a temperature, with rng.
	Sample(m *Model, n int, temperature float64, rng *rand.Rand) ([]Example, error)

	// Eval measures m on held-out data and writes its figures, one "name value unit"
	// per line.
	Eval(ctx context.Context, m *Model, o DataOptions, w io.Writer) error
	// Train readies t to train m: its data, shape, validation and dataset description.
	Train(t *models.Trainer, m *Model, o TrainOptions) error
}

// Info describes a domain.
type Info struct {
	Name string // as --domain and checkpoints name it: "melody"
	Noun string // what its examples are called, in the plural: "melodies"
	Kind string // what they are, in the plural, for messages: "music", "pictures"
	// Models are the canonical model configurations, the default first.
	Models []string
	// Encoder is the canonical encoder, one of Encoders.
	Encoder string
	// Inputs are the file extensions Read takes, lower case with the dot.
	Inputs []string
	// Outputs are the extensions Write's files take, the usual one first; OutputKind
	// names such a file for people: "a MIDI file".
	Outputs    []string
	OutputKind string
	// Shape is the batch shape the encoder reads: steps (or rows), classes (or
	// columns), and 1 when each step is one of the classes (0 for intensities).
	Shape [3]int
	// Samples and Temperature are how many examples sample draws, and at what
	// temperature, when not told; TemperatureUse says what temperature means.
	Samples        int
	Temperature    float64
	TemperatureUse string
	// Mean says what Decode gives where it takes no temperature ("their pixel
	// probabilities": the likelihood's mean); "" where it samples above temperature 0.
	Mean string
	// Bars is how many bars of music an example holds (2 for the melody windows); 0 for
	// domains that are not music.
	Bars int
	// Loss and ClipNorm are the training defaults.
	Loss     models.Loss
	ClipNorm float64
	// Corpora says that Train takes several data folders (DataOptions.More).
	Corpora bool
}

// Encoders are the encoders every domain takes: "conv" (2-D over pictures, 1-D over time
// on sequences) and "rnn" (a bidirectional LSTM over steps, or over picture rows).
var Encoders = []string{"conv", "rnn"}

// Example is one example of a domain: a picture, a 2-bar melody.
type Example struct {
	// Value is the domain's own value: midi.Melody for melodies, []float32 intensities
	// for digits. A domain's doc comment says which.
	Value any
	// Source and Where say where the example came from: a file, and which part of it
	// for people ("bars 3–4"); both are empty for decoded examples.
	Source, Where string
	// QPM is the tempo of an example that plays in time, in quarter notes per minute;
	// 0 where the domain has none or the file gave none.
	QPM float64
	// Conditions are what the example was read or decoded under, where its domain is
	// Conditioned (a melody's meter); nil otherwise.
	Conditions Conditions
}

// ReadOptions pick the part of a file that Read reads.
type ReadOptions struct {
	Track string // the track, by name or index, of a file with several (MIDI)
	Bar   int    // the bar a window starts at, from 1; 0 for the first with notes
}

// Layout says how Write arranges several examples in one file: pictures in Rows × Cols
// cells (0 × 0 for a near-square grid), music one after another at QPM (0 for 120).
type Layout struct {
	Rows, Cols int
	QPM        float64
	// Format is the file's extension, one of Info.Outputs, for a domain that writes
	// several formats (MIDI, MusicXML, ABC); "" is the first of them. Title names the
	// work in formats that have a title. Model.WriteFile sets both from the path.
	Format, Title string
	// Whole says the one example is the output of a transformation of a whole file
	// (Transform.Whole), written as a file of its own: a picture at its own size rather
	// than in a grid's enlarged cell. Music, whose one file is whole already, ignores it.
	Whole bool
}

// DataOptions say which data a domain's corpus or dataset verbs read.
type DataOptions struct {
	Dir     string // the data folder ("" for the dataset's usual place)
	Dataset string // the dataset in it, where a domain knows several ("mnist", "fashion-mnist")
	Track   string // the track of every file (MIDI corpora)
	// AnyMeter scores files in every meter too (MIDI corpora), in the windows a model of
	// 4/4 windows reads, which then straddle their bar lines.
	AnyMeter bool
	Split    string // "train" or "test", where a verb takes either
	Limit    int    // the first (or, drawn by Seed, any) Limit examples only; 0 for all
	Seed     uint64
	// Samples is how many importance samples per example Eval's likelihood estimate
	// draws (digits' −log p(x)); 0 for the domain's default.
	Samples int
	// Sets names the evaluation sets Eval scores, where a domain has several versions of
	// its data (digits: "dynamic" and "fixed" binarisations); nil for all.
	Sets []string
	// Log takes progress notes of long work; nil for none.
	Log io.Writer
	// More are further corpora that Train reads beside Dir and Track, each split into
	// training and validation files as Dir is, where Info.Corpora says the domain
	// trains on several.
	More []Corpus
}

// TrainOptions are DataOptions for training, with the schedule's domain-specific knobs.
type TrainOptions struct {
	DataOptions
	// SamplingRate is scheduled sampling's inverse-sigmoid rate for sequence decoders
	// (MusicVAE's 1000); 0 keeps teacher forcing.
	SamplingRate float64
	// Task, when not "", trains a model of one of a Transformer's tasks (Transform.Task)
	// instead of a VAE of the data: its encoder reads damaged examples and its decoder
	// targets the clean ones.
	Task string
}

// Timed is implemented by domains whose examples play in time (music). A file of several
// holds them one after another with a bar of rest between, so verbs put them in the order
// they are to be heard and give each its own file where a person wants one.
type Timed interface {
	Domain
	// Audio readies examples in sequence at qpm for the synthesiser, refusing audio past
	// its limits before anything is synthesised or written.
	Audio(xs []Example, qpm float64) (Sound, error)
	// Compare counts the steps of b equal to a's, of all a's steps.
	Compare(a, b Example) (same, total int)
}

// Sound is audio ready to be synthesised (a *midi.Audio): WriteWAV writes it as a WAV file,
// the same bytes each time, and stops when ctx is done.
type Sound interface {
	WriteWAV(ctx context.Context, w io.Writer) error
}

// Pictures is implemented by domains of small grey pictures whose Value is rows·cols
// intensities in [0, 1], row-major: the verbs that draw latent maps and scatter plots
// (image.Manifold, image.ScatterAxes) ask for it.
type Pictures interface {
	Domain
	// Size is the pictures' size.
	Size() (rows, cols int)
	// Labelled returns the examples of o's split with their class labels (nil when the
	// dataset has none).
	Labelled(o DataOptions) ([]Example, []int, error)
}

// Attributer is implemented by domains that learn attribute vectors from their data,
// writing what they learn to w and notes to log.
type Attributer interface {
	Domain
	Attributes(ctx context.Context, m *Model, o DataOptions, w, log io.Writer) (*latent.Attributes, error)
}

// Measurer is implemented by domains that measure their examples (note density, pitch)
// and so can tell what adding an attribute vector does.
type Measurer interface {
	Domain
	// Describe gives an example's measures in a line.
	Describe(x Example) string
	// MeasureAttribute adds amount·v to the posterior means of held-out examples of o
	// and writes how the measures of their decodings move.
	MeasureAttribute(ctx context.Context, m *Model, o DataOptions, name string, v []float32, amount float64, w io.Writer) error
}

// Shower is implemented by domains whose examples read as text in a terminal in a way
// their Value's String does not know (a melody's step grid in its own meter); the verbs
// show examples with it, or with fmt.Stringer where a domain is not a Shower.
type Shower interface {
	Domain
	Show(x Example) string
}

// Widener is implemented by domains whose models can start from the function of a model of
// another configuration that reads less (mel2-tiny, for a model that reads the meter or the
// chords beside each step): fine-tuning (musae train --init mel2-tiny --config
// mel2-meters, or --config mel2-chords) then starts exactly where src stands, and the
// checkpoint's provenance names src.
type Widener interface {
	Domain
	// Widen sets dst's parameters so that it computes what src computes, or says why it
	// cannot.
	Widen(dst, src *Model) error
}

// Corpus is one folder of data and the track to read from its files ("" for the
// domain's choice).
type Corpus struct{ Dir, Track string }

// InputError is a problem with what the caller asked for (a flag's value, a file that
// has no usable part), as opposed to a failure of the work: the command line exits 2.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Inputf returns an InputError with a formatted message.
func Inputf(format string, a ...any) error { return &InputError{fmt.Errorf(format, a...)} }

// IsInputError reports whether err is, or wraps, an InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// ErrUnsupported is returned (wrapped) by a domain that does not do what was asked.
var ErrUnsupported = errors.New("domain: not supported")

// Transformer is implemented by domains whose models turn an input into an example of
// the domain, each transformation a verb of the command line: GrooVAE humanises a quantised
// beat ("groove") and makes a full beat of a tapped rhythm ("drumify") with the VAE itself;
// a melody model trained for a task (Transform.Task, TrainOptions.Task) repairs a sloppy
// melody ("denoise") or writes a 16th-note line over quarter notes ("elaborate"), and Eval
// of such a model measures the task; a convolutional autoencoder of digits, a network that
// is no VAE (Transform.Net, Networker), removes the noise from a picture ("denoise") or
// enlarges a small one ("upscale").
type Transformer interface {
	Domain
	// Transforms are the transformations, in the order the command line lists them.
	Transforms() []Transform
	// ReadInput reads the input of the transformation called name from a file, the part
	// opt picks (the whole file where Transform.Whole); file is the file's name, for
	// Example.Source and for errors.
	ReadInput(name string, r io.Reader, file string, opt ReadOptions) (Example, error)
	// Transform turns inputs (from ReadInput) into examples of the domain with m, one
	// for each in order: greedily at temperature 0, else drawing with rng at the
	// temperature (Info.TemperatureUse). m must be a model that does it: trained for it
	// where it is a task (Meta.Task), a VAE of the domain where not.
	Transform(m *Model, name string, xs []Example, temperature float64, rng *rand.Rand) ([]Example, error)
}

// Transform describes one transformation of a Transformer: its verb, and which models do it.
type Transform struct {
	Name  string // the verb, and for a task the name --task and Meta.Task give it: "groove"
	Short string // a line: "Humanise a quantised drum beat: a drummer's velocities and timing"
	Long  string // the verb's help text
	// Task says it needs a model trained for it (musae train --task Name, whose Meta.Task
	// is Name); otherwise the domain's VAEs (Meta.Task "") do it.
	Task bool
	// Builtin is the built-in model that does it when no model is named.
	Builtin string
	// Whole says ReadInput reads a whole file, and the output is as long; otherwise it
	// reads a window (ReadOptions.Bar) and each input gives one window.
	Whole bool
	// Temperature is the verb's default: 0 decodes greedily.
	Temperature float64
	// Tasks are the Meta.Task of the models that do it, where a Task is done by models of
	// other tasks than Name too, or only by those (digits: "denoise" or "ae" for denoise,
	// "superres" for upscale); nil for Name alone.
	Tasks []string
	// Net says its models are networks of the domain that are no VAEs (Model.Net, trained
	// apart from the VAEs: see Networker), so the domain's Train takes no TrainOptions.Task
	// for it and Tasks leaves it out.
	Net bool
}

// ModelTasks are the Meta.Task of the models that do tr: Tasks, or where none is given
// Name for a task and "" (a VAE) otherwise.
func (tr Transform) ModelTasks() []string {
	switch {
	case tr.Tasks != nil:
		return tr.Tasks
	case tr.Task:
		return []string{tr.Name}
	}
	return []string{""}
}

// TransformTester is implemented by Transformers whose transformations' verbs measure a
// model on held-out data themselves (musae denoise --test on digits), where the figures
// of a task are not Eval's.
type TransformTester interface {
	Transformer
	// TestTransform writes the figures of m, a model that does the transformation called
	// name, on o's held-out examples (o.Limit of them; 0 for all), one "name value unit"
	// per line, and returns the first n of those examples through m as rows of examples
	// of the domain, each row named: the inputs, m's outputs, and what to compare them
	// with (the clean examples, a baseline's outputs).
	TestTransform(ctx context.Context, m *Model, name string, o DataOptions, n int, w io.Writer) (rows [][]Example, names []string, err error)
}

// Net is a model of a domain that is no VAE (Model.Net): a network trained to do one of
// its domain's transformations (a digits autoencoder).
type Net interface {
	// Params returns its parameters, in the order its checkpoints keep them.
	Params() []*models.Param
	// String says what it is for people, beside its name: "denoise, 28×28 in".
	String() string
}

// Networker is implemented by domains that have models that are no VAEs (Model.Net):
// networks trained to do one of the domain's transformations (Transform.Net), apart from
// the domain's VAEs and their Train (the digits' convolutional autoencoders, musae train
// --task ae, denoise or superres). Their checkpoints name NetDomain as their domain, so
// that the verbs of the VAEs refuse them by it: Registry.Open opens only VAEs, and
// Registry.OpenAny opens networks too, for the transformations.
type Networker interface {
	Transformer
	// Nets holds the networks built into the program, NAME.safetensors for each; nil
	// when there are none. Their names are apart from the VAEs' (Builtin).
	Nets() fs.FS
	// NetDomain is the domain name the networks' checkpoints carry: "mnist-autoencoder".
	NetDomain() string
	// NetParams is Params for a network's checkpoint: how many parameter values the
	// network meta describes has, from its validated config alone.
	NetParams(meta models.Meta) (int64, error)
	// BuildNet makes the network meta describes, its parameters to be set from the
	// checkpoint, and returns the task it was trained for, one of a Transform's Tasks
	// (Model.Meta.Task then says it).
	BuildNet(meta models.Meta) (n Net, task string, err error)
}

// NetTrainer is implemented by Networkers that train their networks themselves, apart from
// the VAEs' models.Trainer (musae train --task ae, denoise or superres, alone: the digits'
// autoencoders).
type NetTrainer interface {
	Networker
	// NetTasks are the tasks TrainNet trains networks for (the Meta.Task of what it
	// writes), in the order the command line lists them.
	NetTasks() []string
	// CheckNet tells whether TrainNet takes o's task and settings, before any data is
	// read: an InputError saying what it takes otherwise.
	CheckNet(o NetTrainOptions) error
	// TrainNet trains a network for o.Task and writes its checkpoint to o.Out, also when
	// ctx is done (the error then says so); it writes to w the checkpoint, its steps and
	// loss, and its figures on held-out data, and notes on progress to o.Log.
	TrainNet(ctx context.Context, o NetTrainOptions, w io.Writer) error
}

// NetTrainOptions are the settings of NetTrainer.TrainNet.
type NetTrainOptions struct {
	Task string // one of NetTasks
	// Shrink is how many times smaller than its outputs a super-resolution network's
	// inputs are; 0 for the domain's default.
	Shrink int
	// DataOptions are the data: Dir, Dataset, Limit (the first Limit training examples;
	// 0 for all), Seed (the initialisation, the order, the noise and the held-out
	// figures') and Log.
	DataOptions
	Epochs, Batch int
	Optim         models.AdamConfig
	Out           string // the checkpoint to write
	Command       string // the command line, for the checkpoint's provenance
}

// NetTrainerFor returns the domain of ds that trains networks for task, if one does.
func NetTrainerFor(ds []Domain, task string) (NetTrainer, bool) {
	for _, d := range ds {
		if t, ok := d.(NetTrainer); ok && slices.Contains(t.NetTasks(), task) {
			return t, true
		}
	}
	return nil, false
}

// TransformNamed returns the transformation of d called name, if d has one.
func TransformNamed(d Domain, name string) (Transform, bool) {
	if t, ok := d.(Transformer); ok {
		for _, tr := range t.Transforms() {
			if tr.Name == name {
				return tr, true
			}
		}
	}
	return Transform{}, false
}

// Tasks are the names of d's transformations that need a VAE of d trained for them
// (Transform.Task, not Transform.Net): what TrainOptions.Task takes.
func Tasks(d Domain) []string {
	var names []string
	if t, ok := d.(Transformer); ok {
		for _, tr := range t.Transforms() {
			if tr.Task && !tr.Net {
				names = append(names, tr.Name)
			}
		}
	}
	return names
}

// Infiller is implemented by domains whose examples are bars of music and whose models
// can write some bars of an example anew, keeping the others (infilling, continuation).
type Infiller interface {
	Domain
	// Bars is how many bars an example holds.
	Bars() int
	// Heard is how many bars from the start of x hold music (the rest are rests).
	Heard(x Example) int
	// Infill returns x with the bars where keep is false (keep[b] for bar b+1) written
	// anew so that they join the kept ones; it writes how the search went to o.Log.
	Infill(ctx context.Context, m *Model, x Example, keep []bool, o InfillOptions) (Example, error)
}

// InfillOptions tune Infiller.Infill.
type InfillOptions struct {
	// Temperature decodes the new bars greedily at 0, else samples at it with Rng.
	Temperature float64
	Rng         *rand.Rand
	// Steps is how many gradient steps the latent search takes (0: the domain's default).
	Steps int
	// Log takes notes of the search; nil for none.
	Log io.Writer
}
