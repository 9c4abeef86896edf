package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent/domain"
)

type evalOptions struct {
	Domain, Model, Data, Dataset, Track, Split string
	Limit, IW                                  int
	AnyMeter                                   bool
	Binarization                               []string
	Seed                                       uint64
}

func newEvalCmd(reg *domain.Registry) *cobra.Command {
	o := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval --domain " + strings.Join(reg.Names(), "|") + " [--model M] [--data DIR]",
		Short: "Measure a model: test negative ELBO (digits) or reconstruction accuracy (melodies)",
		Long: `Measure a model on held-out data.

Digits, in nats per image, as the literature reports them: the negative ELBO and the
importance-weighted estimate of -log p(x) with --iw samples from q(z|x) (Burda et al.'s
IWAE bound; 5000 as in their table), on the MNIST test set binarised by Bernoulli draws of
its grey levels: dynamically, the draws made from --seed, and the fixed ("static") set,
one draw from the seed 20110411, the same on every run. Last, the single-sample negative
ELBO on the set thresholded at 0.5, a far easier set whose figure compares with no
published one. The full test set at --iw 5000 is 10^8 decoder passes: hours on a laptop;
--iw 100, --limit or --binarization dynamic gives a quicker figure.
Melodies: greedy reconstruction accuracy (argmax decoding of z = mu, per step), and
beside it what per-step accuracy alone hides: the accuracy on note-onset steps
(onset_accuracy), the share of windows reconstructed exactly (exact_windows), and the
per-step accuracy of predicting "hold" everywhere on the same windows (hold_baseline),
each also by the meter of the files the windows come from ("meter 6/8 ..." lines);
with the reconstruction and KL terms in nats, on the windows of --data (default: the folder the
model was trained on). --split picks which: validation, the files that training holds
out (musae train's split, by a hash of each file's path in the folder), train, the
files it learns from, or all. Digits: --split test or train.
The first lines say which split was scored.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDomain(reg, o.Domain); err != nil {
				return err
			}
			if o.IW < 1 {
				return usagef("--iw %d: want at least 1 importance sample", o.IW)
			}
			return runEval(cmd.Context(), reg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", domainFlagHelp(reg, "follows from --model when omitted"))
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name")
	f.StringVar(&o.Data, "data", "", "data folder (MNIST IDX files; a folder of MIDI files)")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist")
	f.StringVar(&o.Track, "track", "", "music (melodies, drums): the track to read, by name or index")
	f.StringVar(&o.Split, "split", "", "which windows or images: validation (melodies' default), train or all; test (digits' default) or train")
	f.IntVar(&o.Limit, "limit", 0, "score the first N examples only (0: all)")
	f.BoolVar(&o.AnyMeter, "any-meter", false, "melodies: score files in every meter (3/4, 6/8 ...) too, in windows of 32 sixteenths that then straddle their bar lines, as a 4/4 model reads them")
	f.IntVar(&o.IW, "iw", 5000, "digits: importance samples per image for -log p(x)")
	f.StringSliceVar(&o.Binarization, "binarization", []string{"dynamic", "fixed"}, "digits: the binarised test sets to score: dynamic, fixed or both")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for the dynamic binarisation and the posterior samples")
	return cmd
}

func runEval(ctx context.Context, reg *domain.Registry, o *evalOptions, stdout, stderr io.Writer) error {
	m, err := openAnyModel(reg, o.Model, o.Domain)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	return m.Domain.Eval(ctx, m, domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Track: o.Track, AnyMeter: o.AnyMeter, Split: o.Split, Limit: o.Limit, Seed: o.Seed,
		Samples: o.IW, Sets: o.Binarization, Log: stderr}, stdout)
}
