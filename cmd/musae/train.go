package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"musae/latent/domain"
	"musae/models"
)

type trainOptions struct {
	Domain, Config, Out, Resume string
	Init                        string // fine-tune: start from this model's weights
	Data, Dataset, Track        string
	Encoder                     string
	Task                        string // a VAE's task, or alone a network's (domain.NetTrainer)
	Shrink                      int    // superres: how much smaller the inputs are (2 or 4)
	Epochs, Batch, Z, Limit     int
	Seed                        uint64
	Optim                       models.AdamConfig
	Loss                        models.Loss
	SaveEvery                   time.Duration
	Budget                      time.Duration // stop this run after so much wall time; 0: no limit
	SamplingRate                float64       // melodies: scheduled sampling's inverse-sigmoid rate; 0 = teacher forcing
	samplingRateSet             bool
	Command                     string          // the command line, recorded in the checkpoint
	More                        []domain.Corpus // --data and --track given again: further corpora

	dataDirs, tracks []string // --data and --track as given, each possibly several times

	init      *domain.Model // the model --init names, opened by complete (widened to --config)
	initModel string        // the model --init names, as its checkpoint names it
	partial   bool          // --init into another architecture that does not widen it: only the tensors that match
	batchOK   bool          // --batch was given
}

// newTrainCmd returns the train verb; runF, when not nil, replaces the work (tests pass one
// to see the options a command line gives).
func newTrainCmd(reg *domain.Registry, runF func(*trainOptions) error) *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train --domain " + strings.Join(reg.Names(), "|") + " [flags] -o model.safetensors",
		Short: "Train a VAE and write a checkpoint, a CSV log and a loss-curve PNG",
		Long: `Train a VAE on MNIST digits or on a folder of MIDI melodies.

The checkpoint (safetensors) is written at the end of every epoch, every --save-every, and
when you press Ctrl-C; the log (OUT.log.csv) and the loss curves (OUT.loss.png) go beside it.
--resume continues a run exactly where its checkpoint left it, towards the run's own
--epochs unless a new one is given. --time stops a run after so much wall time, with a
checkpoint that --resume continues.

--init fine-tunes: it starts from the weights of a built-in model (mel2-tiny, mnist-conv32,
mnist-conv, mnist-conv2) or of any checkpoint, with fresh optimiser state and step count. The model
keeps its architecture (--config, --z and --encoder may only agree with it), its domain
and its task (a model trained with --task stays one, unless --task names another);
the KL weight is --max-beta from the first step (--beta-rate 0), since the model has had
its warm-up. With a --config (or --domain) of another architecture, the new model starts
every parameter whose name and shape match from the --init model's weights and the others
fresh (the run says which), with the domain's KL schedule; --init mel2-tiny --config
hier16-c64 starts the encoder and the bar decoder from the 2-bar model.

Defaults follow the domain: MNIST trains the plain ELBO (beta 1, no free bits, no clipping);
melodies train with MusicVAE's settings (max beta 0.2 reached at rate 0.99999 per step,
48 free nats, global-norm clip 1, transposition ±5 semitones).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.corpora(); err != nil {
				return err
			}
			if o.Task != "" && !trainsVAE(cmd.Flags()) {
				if err := o.completeTask(reg, cmd.Flags()); err != nil {
					return err
				}
				if runF != nil {
					return runF(o)
				}
				return runTrainNet(cmd.Context(), reg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			if o.Shrink != 0 {
				return usagef("--shrink goes with --task superres")
			}
			if err := o.complete(reg, cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runTrain(cmd.Context(), reg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", domainFlagHelp(reg, "follows from --config when omitted"))
	f.StringVar(&o.Config, "config", "", "model: "+configHelp(reg))
	f.StringVarP(&o.Out, "output", "o", "", "checkpoint to write (required)")
	f.StringVar(&o.Encoder, "encoder", "", "conv or rnn: any encoder on any domain (default: "+perDomain(reg, func(i domain.Info) string { return i.Encoder + " for" })+")")
	f.StringVar(&o.Task, "task", "", "alone: a network that is no VAE, "+netTaskHelp(reg)+"; with --init, --domain, --config or --resume, a VAE for a task: "+taskHelp(reg))
	f.IntVar(&o.Shrink, "shrink", 0, "--task superres: inputs 2 (14×14, the default) or 4 (7×7) times smaller")
	f.StringVar(&o.Resume, "resume", "", "continue the run saved in this checkpoint")
	f.StringVar(&o.Init, "init", "", "fine-tune: start from this built-in model or checkpoint's weights, with a fresh optimiser (with another --config: widened, or the tensors whose name and shape match)")
	f.StringArrayVar(&o.dataDirs, "data", nil, "data folder: MNIST IDX files, or MIDI files for melodies; melodies: give it again to train on several corpora together (each split into training and validation files apart)")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist")
	f.StringArrayVar(&o.tracks, "track", nil, "music: the track to read, by name or index (default: melodies merge all tracks, drums read channel 10); with several --data, once for all or once per --data in order ('' for automatic)")
	f.IntVar(&o.Epochs, "epochs", 5, "passes over the training set (with --resume: the run's own unless given)")
	f.IntVar(&o.Batch, "batch", 64, "examples per step")
	f.IntVar(&o.Z, "z", 0, "latent size (0: the config's)")
	f.IntVar(&o.Limit, "limit", 0, "train on the first N examples only (0: all)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed: initialisation, order, noise")
	f.Float64Var(&o.Optim.LR, "lr", 1e-3, "initial learning rate")
	f.Float64Var(&o.Optim.MinLR, "min-lr", 1e-5, "learning-rate floor")
	f.Float64Var(&o.Optim.Decay, "lr-decay", 0.9999, "learning-rate decay per step")
	f.Float64Var(&o.Optim.ClipNorm, "clip", 0, "global gradient-norm clip, 0 = off (default: "+perDomain(reg, func(i domain.Info) string { return fmt.Sprint(i.ClipNorm) })+")")
	f.Float64Var(&o.Loss.MaxBeta, "max-beta", 0, "KL weight reached by the schedule (default: "+perDomain(reg, func(i domain.Info) string { return fmt.Sprint(i.Loss.MaxBeta) })+")")
	f.Float64Var(&o.Loss.BetaRate, "beta-rate", 0, "beta = (1 - rate^step)·max-beta; 0 = constant (default: "+perDomain(reg, func(i domain.Info) string { return fmt.Sprint(i.Loss.BetaRate) })+", 0 with --init)")
	f.Float64Var(&o.Loss.FreeNats, "free-nats", 0, "KL nats per example not penalised (default: "+perDomain(reg, func(i domain.Info) string { return fmt.Sprint(i.Loss.FreeNats) })+")")
	f.IntVar(&o.Loss.IW, "iw", 0, "train the importance-weighted bound (IWAE) with this many samples of z per example instead of the ELBO (0); no KL weight: beta 1 from the first step, no free nats")
	f.Float64Var(&o.SamplingRate, "sampling-rate", 0, "melodies: scheduled sampling, MusicVAE's inverse-sigmoid schedule with this rate (1000 in MusicVAE's 2-bar models); 0 = always teacher forcing")
	f.DurationVar(&o.SaveEvery, "save-every", 5*time.Minute, "also checkpoint this often (0: only at epoch ends)")
	f.DurationVar(&o.Budget, "time", 0, "stop after this much training, validating and checkpointing (0: no limit)")
	return cmd
}

// trainsVAE tells whether the command line trains a domain's VAE (for --task, one of its
// tasks, domain.Tasks) rather than a network that is no VAE (domain.NetTrainer).
func trainsVAE(f *pflag.FlagSet) bool {
	return f.Changed("init") || f.Changed("domain") || f.Changed("config") || f.Changed("resume")
}

// taskHelp lists the domains' tasks: "denoise, elaborate (melody)".
func taskHelp(reg *domain.Registry) string {
	var parts []string
	for _, d := range reg.Domains() {
		if names := domain.Tasks(d); len(names) > 0 {
			parts = append(parts, strings.Join(names, ", ")+" ("+d.Info().Name+")")
		}
	}
	return strings.Join(parts, "; ")
}

// checkTask tells whether d trains task, a usage error saying what it trains otherwise.
func checkTask(reg *domain.Registry, d domain.Domain, task string) error {
	names := domain.Tasks(d)
	switch {
	case len(names) == 0:
		return usagef("--task %s: %s models have no tasks; the networks of %s train with --task alone", task, d.Info().Name, netTasks(reg))
	case !slices.Contains(names, task):
		return usagef("--task %q: %s models train %s", task, d.Info().Name, strings.Join(names, " or "))
	}
	return nil
}

// perDomain lists a default for each domain: "0 mnist, 1 melody".
func perDomain(reg *domain.Registry, value func(domain.Info) string) string {
	var parts []string
	for _, d := range reg.Domains() {
		parts = append(parts, value(d.Info())+" "+d.Info().Name)
	}
	return strings.Join(parts, ", ")
}

// configHelp lists each domain's canonical models: "mnist-conv32, mnist-conv, mnist-conv2 (mnist); ...".
func configHelp(reg *domain.Registry) string {
	var parts []string
	for _, d := range reg.Domains() {
		info := d.Info()
		parts = append(parts, strings.Join(info.Models, ", ")+" ("+info.Name+")")
	}
	return strings.Join(parts, "; ")
}

// corpora sets Data, Track and More from --data and --track.
func (o *trainOptions) corpora() error {
	if len(o.dataDirs) > 0 {
		o.Data = o.dataDirs[0]
	}
	switch {
	case len(o.tracks) == 1:
		o.Track = o.tracks[0]
	case len(o.tracks) > 1 && len(o.tracks) != len(o.dataDirs):
		return usagef("%d --track for %d --data: give --track once for all folders, or once per --data in order", len(o.tracks), len(o.dataDirs))
	case len(o.tracks) > 1:
		o.Track = o.tracks[0]
	}
	o.More = nil
	for k := 1; k < len(o.dataDirs); k++ {
		c := domain.Corpus{Dir: o.dataDirs[k], Track: o.Track}
		if len(o.tracks) > 1 {
			c.Track = o.tracks[k]
		}
		o.More = append(o.More, c)
	}
	return nil
}

// complete fills in the domain's defaults for flags the user did not set.
func (o *trainOptions) complete(reg *domain.Registry, f *pflag.FlagSet) error {
	if err := checkDomain(reg, o.Domain); err != nil {
		return err
	}
	if o.Out == "" {
		return usagef("say where to write the checkpoint: -o model.safetensors")
	}
	if o.Config != "" {
		d, err := reg.ForModel(o.Config)
		if err != nil {
			return usageError{err}
		}
		name := d.Info().Name
		if o.Domain != "" && o.Domain != name {
			return usagef("--config %s is a %s model, not a %s one", o.Config, name, o.Domain)
		}
		o.Domain = name
	}
	if o.Init != "" && o.Resume != "" {
		return usagef("--init starts a new run from a model's weights and --resume continues one; give one of them")
	}
	if o.Domain == "" && o.Resume == "" && o.Init == "" {
		return usagef("say what to train: %s (or --config NAME, or --init MODEL)", domainChoices(reg))
	}
	if o.Encoder != "" && !slices.Contains(domain.Encoders, o.Encoder) {
		return usagef("--encoder %q: want %s", o.Encoder, strings.Join(domain.Encoders, " or "))
	}
	if o.Epochs <= 0 || o.Batch <= 0 {
		return usagef("--epochs and --batch must be positive")
	}
	if o.Budget < 0 {
		return usagef("--time must not be negative")
	}
	if o.Resume != "" && !f.Changed("epochs") {
		o.Epochs = 0 // the run's own target (models.Trainer.Resume)
	}
	o.batchOK = f.Changed("batch")
	if o.Init != "" {
		if err := o.openInit(reg, f); err != nil {
			return err
		}
	}
	// The domain's defaults; without one (--resume), the plain ELBO's. A fine-tuning run
	// starts at the model's beta, not from 0 again.
	loss, clip := models.Loss{MaxBeta: 1}, 0.0
	if d, err := reg.Lookup(o.Domain); err == nil {
		loss, clip = d.Info().Loss, d.Info().ClipNorm
	}
	if o.Init != "" && !o.partial {
		loss.BetaRate = 0
	}
	set := func(name string, v *float64, def float64) {
		if !f.Changed(name) {
			*v = def
		}
	}
	o.samplingRateSet = f.Changed("sampling-rate")
	set("clip", &o.Optim.ClipNorm, clip)
	set("max-beta", &o.Loss.MaxBeta, loss.MaxBeta)
	set("beta-rate", &o.Loss.BetaRate, loss.BetaRate)
	set("free-nats", &o.Loss.FreeNats, loss.FreeNats)
	if o.Loss.IW > 1 && !f.Changed("beta-rate") {
		o.Loss.BetaRate = 0 // the bound has no KL weight to warm up
	}
	if err := o.Loss.Check(); err != nil {
		return usagef("--iw %d: %v", o.Loss.IW, strings.TrimPrefix(err.Error(), "models: "))
	}
	o.Optim.Beta1, o.Optim.Beta2, o.Optim.Eps = 0.9, 0.999, 1e-8
	parts := []string{"musae train"}
	f.Visit(func(fl *pflag.Flag) { parts = append(parts, "--"+fl.Name+"="+fl.Value.String()) })
	o.Command = strings.Join(parts, " ")
	return nil
}

// openInit opens the model --init names. With a --config or --domain of another model
// the run is a partial start (newPartial); otherwise it fine-tunes the model, which keeps
// its architecture and domain, and --z and --encoder must agree with it.
func (o *trainOptions) openInit(reg *domain.Registry, f *pflag.FlagSet) error {
	m, err := reg.Open(o.Init, "")
	if err != nil {
		return err
	}
	if o.Config != "" && o.Config != m.Meta.Model && (o.Domain == "" || o.Domain == m.Meta.Domain) {
		// A model of more conditions starts from this one's function (mel2-meters or
		// mel2-chords from mel2-tiny): its parameters, zero weights for what it reads
		// beside them. Another architecture takes the tensors that match (below).
		if w, ok := m.Domain.(domain.Widener); ok {
			wide, err := reg.New(o.Config, m.VAE.Z, m.Meta.Encoder, o.Seed)
			if err == nil && w.Widen(wide, m) == nil {
				wide.Meta.Steps, wide.Meta.Dataset, wide.Meta.Init = m.Meta.Steps, m.Meta.Dataset, m.Meta.Init
				o.initModel, m = m.Meta.Model, wide
			}
		}
	}
	if (o.Config != "" && o.Config != m.Meta.Model) || (o.Domain != "" && o.Domain != m.Meta.Domain) {
		o.init, o.partial = m, true // another architecture: runTrain takes what matches
		return nil
	}
	if f.Changed("z") && o.Z != m.VAE.Z {
		return usagef("--init %s has a latent of %d dimensions; --z %d would be another architecture (fine-tuning keeps the model's)", o.Init, m.VAE.Z, o.Z)
	}
	enc, has := o.Encoder, m.Meta.Encoder
	if enc == m.Domain.Info().Encoder {
		enc = ""
	}
	if o.Encoder != "" && enc != has {
		return usagef("--init %s has the %s encoder; --encoder %s would be another architecture (fine-tuning keeps the model's)", o.Init, cmp.Or(has, m.Domain.Info().Encoder), o.Encoder)
	}
	if o.initModel == "" {
		o.initModel = m.Meta.Model
	}
	o.Domain, o.init = m.Meta.Domain, m
	return nil
}

// initMeta returns the provenance a run fine-tuning m starts with: its architecture, its
// task (a model of a task stays one unless --task names another), and where its weights
// came from (ref as given to --init, a from model: m's own, or the one m was widened from).
func initMeta(reg *domain.Registry, m *domain.Model, ref, from string) models.Meta {
	if !reg.IsBuiltin(ref) {
		ref = modelRef(reg, ref, m.Meta.Domain)
	}
	return models.Meta{
		Model: m.Meta.Model, Domain: m.Meta.Domain, Config: m.Meta.Config, Encoder: m.Meta.Encoder, Task: m.Meta.Task,
		Init: &models.Origin{Ref: ref, Model: from, Steps: m.Meta.Steps, Dataset: m.Meta.Dataset, Init: m.Meta.Init},
	}
}

// newPartial returns a fresh model of the architecture --config (or --domain) names, every
// parameter whose name and shape match o.init's started from its weights; it says on
// stderr which were taken and which not, and refuses when none match.
func newPartial(reg *domain.Registry, o *trainOptions, stderr io.Writer) (*domain.Model, error) {
	name := o.Config
	if name == "" {
		d, err := reg.Lookup(o.Domain)
		if err != nil {
			return nil, err
		}
		name = d.Info().Models[0]
	}
	m, err := reg.New(name, o.Z, o.Encoder, o.Seed)
	if err != nil {
		return nil, err
	}
	taken, kept := models.LoadMatching(m.Params(), models.ParamTensors(o.init.Params()))
	if len(taken) == 0 {
		return nil, usagef("--init %s (%s) shares no parameter of the same name and shape with %s: nothing to start from", o.Init, o.init.Meta.Model, name)
	}
	fmt.Fprintf(stderr, "--init %s into %s: %d of %d parameters from its weights: %s\n", o.Init, name, len(taken), len(taken)+len(kept), strings.Join(taken, ", "))
	if len(kept) > 0 {
		fmt.Fprintf(stderr, "fresh (seed %d): %s\n", o.Seed, strings.Join(kept, ", "))
	}
	m.Meta.Init = initMeta(reg, o.init, o.Init, o.init.Meta.Model).Init
	return m, nil
}

func runTrain(ctx context.Context, reg *domain.Registry, o *trainOptions, stdout, stderr io.Writer) error {
	var (
		m   *domain.Model
		err error
		ck  *models.Checkpoint
	)
	epochs := o.Epochs
	switch {
	case o.Resume != "":
		if _, err := os.Stat(o.Resume); err != nil && reg.IsBuiltin(o.Resume) {
			return usagef("--resume %s: a built-in model holds weights, not a run to continue; fine-tune it with --init %s", o.Resume, o.Resume)
		}
		if ck, err = reg.LoadCheckpoint(o.Resume); err != nil {
			return err
		}
		// Refuse a weights file before reading any data.
		run, _, err := ck.TrainState()
		if err != nil {
			return err
		}
		if o.batchOK && o.Batch != run.BatchSize {
			return usagef("%s trained with --batch %d; a resumed run keeps it", o.Resume, run.BatchSize)
		}
		o.Batch = run.BatchSize
		if epochs == 0 {
			epochs = run.Epochs
		}
		if m, err = reg.FromCheckpoint(ck); err != nil {
			return err
		}
		if o.Domain != "" && o.Domain != m.Meta.Domain {
			return usagef("%s holds a %s model; --domain says %s", o.Resume, m.Meta.Domain, o.Domain)
		}
		o.Domain = m.Meta.Domain
		// Continue on the same data unless told otherwise.
		if o.Data == "" {
			o.Data = m.Meta.Data
		}
		if o.Track == "" {
			o.Track = m.Meta.Track
		}
		if o.Limit == 0 {
			o.Limit = m.Meta.Limit
		}
		if !o.samplingRateSet {
			o.SamplingRate = m.Meta.SamplingRate
		}
	case o.partial:
		if m, err = newPartial(reg, o, stderr); err != nil {
			return err
		}
	case o.init != nil:
		m = o.init
		m.Meta = initMeta(reg, m, o.Init, o.initModel)
	default:
		name := o.Config
		if name == "" {
			d, err := reg.Lookup(o.Domain)
			if err != nil {
				return err
			}
			name = d.Info().Models[0]
		}
		if m, err = reg.New(name, o.Z, o.Encoder, o.Seed); err != nil {
			return err
		}
	}
	if o.Task != "" {
		if err := checkTask(reg, m.Domain, o.Task); err != nil {
			return err
		}
		if m.Meta.Task != "" && m.Meta.Task != o.Task && o.Resume != "" {
			return usagef("%s trains --task %s; a resumed run keeps it", o.Resume, m.Meta.Task)
		}
	}
	t := &models.Trainer{
		Config: models.TrainConfig{
			Epochs: o.Epochs, BatchSize: o.Batch, Seed: o.Seed, Optim: o.Optim, Loss: o.Loss,
			Out: o.Out, SaveEvery: o.SaveEvery,
		},
		VAE:      m.VAE,
		Meta:     m.Meta,
		Plot:     plotLog,
		Progress: stderr,
		Bar:      isTerminal(stderr),
		Resume:   ck,
	}
	t.Meta.Command = o.Command
	t.Meta.Limit = o.Limit
	data := domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Track: o.Track, Limit: o.Limit, Seed: o.Seed, More: o.More}
	if len(o.More) > 0 && !m.Domain.Info().Corpora {
		return usagef("--data given %d times: %s train on one folder", len(o.More)+1, m.Domain.Info().Noun)
	}
	if err := m.Domain.Train(t, m, domain.TrainOptions{DataOptions: data, SamplingRate: o.SamplingRate, Task: o.Task}); err != nil {
		return err
	}
	t.Config.Budget = o.Budget
	fmt.Fprintf(stderr, "training %s on %s: %d examples, %d epochs of %d steps, batch %d\n",
		describeModel(m), t.Meta.Dataset, t.Data.Len(), epochs, t.Data.Len()/o.Batch, o.Batch)
	if o.init != nil && !o.partial && t.Validate != nil {
		// The figures a fine-tuning run starts from, on the validation windows it reports.
		v, err := t.Validate()
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "before fine-tuning (%s, %d steps): validation: %s\n", o.Init, t.Meta.Init.Steps, models.FormatMetrics(v))
	}
	res, err := t.Run(ctx)
	if err != nil && !errors.Is(err, models.ErrInterrupted) {
		return err
	}
	fmt.Fprintf(stdout, "checkpoint %s\nsteps %d\nepochs %.2f\ntrain_seconds %.0f s\nexamples_per_second %.1f examples/s\n",
		o.Out, res.Steps, res.Epochs, res.Seconds, res.ExamplesSec)
	fmt.Fprintf(stdout, "loss %.3f nats\nreconstruction %.3f nats\nkl %.3f nats\n", res.Last.Loss, res.Last.Reconstruction, res.Last.KL)
	for _, line := range strings.Split(models.FormatMetrics(res.Metrics), "  ") {
		if line != "" {
			fmt.Fprintf(stdout, "validation_%s\n", line)
		}
	}
	return err
}
