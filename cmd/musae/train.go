package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	Data, Dataset, Track        string
	Encoder                     string
	Epochs, Batch, Z, Limit     int
	Seed                        uint64
	Optim                       models.AdamConfig
	Loss                        models.Loss
	SaveEvery                   time.Duration
	SamplingRate                float64 // melodies: scheduled sampling's inverse-sigmoid rate; 0 = teacher forcing
	samplingRateSet             bool
	Command                     string // the command line, recorded in the checkpoint
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
--resume continues a run exactly where its checkpoint left it.

Defaults follow the domain: MNIST trains the plain ELBO (beta 1, no free bits, no clipping);
melodies train with MusicVAE's settings (max beta 0.2 reached at rate 0.99999 per step,
48 free nats, global-norm clip 1, transposition ±5 semitones).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	f.StringVar(&o.Encoder, "encoder", "", "conv or rnn: any encoder on any domain (default: conv for mnist, rnn for melody)")
	f.StringVar(&o.Resume, "resume", "", "continue the run saved in this checkpoint")
	f.StringVar(&o.Data, "data", "", "data folder: MNIST IDX files, or MIDI files for melodies")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist")
	f.StringVar(&o.Track, "track", "", "melodies: the track to read, by name or index (default: all tracks merged)")
	f.IntVar(&o.Epochs, "epochs", 5, "passes over the training set")
	f.IntVar(&o.Batch, "batch", 64, "examples per step")
	f.IntVar(&o.Z, "z", 0, "latent size (0: the config's)")
	f.IntVar(&o.Limit, "limit", 0, "train on the first N examples only (0: all)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed: initialisation, order, noise")
	f.Float64Var(&o.Optim.LR, "lr", 1e-3, "initial learning rate")
	f.Float64Var(&o.Optim.MinLR, "min-lr", 1e-5, "learning-rate floor")
	f.Float64Var(&o.Optim.Decay, "lr-decay", 0.9999, "learning-rate decay per step")
	f.Float64Var(&o.Optim.ClipNorm, "clip", 0, "global gradient-norm clip, 0 = off (default: 0 mnist, 1 melody)")
	f.Float64Var(&o.Loss.MaxBeta, "max-beta", 0, "KL weight reached by the schedule (default: 1 mnist, 0.2 melody)")
	f.Float64Var(&o.Loss.BetaRate, "beta-rate", 0, "beta = (1 - rate^step)·max-beta; 0 = constant (default: 0 mnist, 0.99999 melody)")
	f.Float64Var(&o.Loss.FreeNats, "free-nats", 0, "KL nats per example not penalised (default: 0 mnist, 48 melody)")
	f.Float64Var(&o.SamplingRate, "sampling-rate", 0, "melodies: scheduled sampling, MusicVAE's inverse-sigmoid schedule with this rate (1000 in MusicVAE's 2-bar models); 0 = always teacher forcing")
	f.DurationVar(&o.SaveEvery, "save-every", 5*time.Minute, "also checkpoint this often (0: only at epoch ends)")
	return cmd
}

// configHelp lists each domain's canonical models: "mnist-conv, mnist-conv2 (mnist); ...".
func configHelp(reg *domain.Registry) string {
	var parts []string
	for _, d := range reg.Domains() {
		info := d.Info()
		parts = append(parts, strings.Join(info.Models, ", ")+" ("+info.Name+")")
	}
	return strings.Join(parts, "; ")
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
	if o.Domain == "" && o.Resume == "" {
		return usagef("say what to train: %s (or --config NAME)", domainChoices(reg))
	}
	if o.Encoder != "" && !slices.Contains(domain.Encoders, o.Encoder) {
		return usagef("--encoder %q: want %s", o.Encoder, strings.Join(domain.Encoders, " or "))
	}
	if o.Epochs <= 0 || o.Batch <= 0 {
		return usagef("--epochs and --batch must be positive")
	}
	// The domain's defaults; without one (--resume), the plain ELBO's.
	loss, clip := models.Loss{MaxBeta: 1}, 0.0
	if d, err := reg.Lookup(o.Domain); err == nil {
		loss, clip = d.Info().Loss, d.Info().ClipNorm
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
	o.Optim.Beta1, o.Optim.Beta2, o.Optim.Eps = 0.9, 0.999, 1e-8
	parts := []string{"musae train"}
	f.Visit(func(fl *pflag.Flag) { parts = append(parts, "--"+fl.Name+"="+fl.Value.String()) })
	o.Command = strings.Join(parts, " ")
	return nil
}

func runTrain(ctx context.Context, reg *domain.Registry, o *trainOptions, stdout, stderr io.Writer) error {
	var (
		m   *domain.Model
		err error
		ck  *models.Checkpoint
	)
	if o.Resume != "" {
		if ck, err = models.LoadCheckpoint(o.Resume); err != nil {
			return err
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
	} else {
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
	data := domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Track: o.Track, Limit: o.Limit, Seed: o.Seed}
	if err := m.Domain.Train(t, m, domain.TrainOptions{DataOptions: data, SamplingRate: o.SamplingRate}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "training %s on %s: %d examples, %d epochs of %d steps, batch %d\n",
		describeModel(m), t.Meta.Dataset, t.Data.Len(), o.Epochs, t.Data.Len()/o.Batch, o.Batch)
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
