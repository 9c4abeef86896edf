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
	Limit                                      int
	AnyMeter                                   bool
	Seed                                       uint64
}

func newEvalCmd(reg *domain.Registry) *cobra.Command {
	o := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval --domain " + strings.Join(reg.Names(), "|") + " [--model M] [--data DIR]",
		Short: "Measure a model: test negative ELBO (digits) or reconstruction accuracy (melodies)",
		Long: `Measure a model on held-out data.

Digits: the single-sample negative ELBO in nats per image on the statically binarised
(threshold 0.5) MNIST test set, and its reconstruction and KL parts.
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
			return runEval(cmd.Context(), reg, o, cmd.OutOrStdout())
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
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for the posterior sample")
	return cmd
}

func runEval(ctx context.Context, reg *domain.Registry, o *evalOptions, stdout io.Writer) error {
	m, err := openModel(reg, o.Model, o.Domain)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	return m.Domain.Eval(ctx, m, domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Track: o.Track, AnyMeter: o.AnyMeter, Split: o.Split, Limit: o.Limit, Seed: o.Seed}, stdout)
}
