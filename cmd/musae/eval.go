package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
)

type evalOptions struct {
	Domain, Model, Data, Dataset, Track, Split string
	Limit                                      int
	Seed                                       uint64
}

func newEvalCmd() *cobra.Command {
	o := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval --domain mnist|melody [--model M] [--data DIR]",
		Short: "Measure a model: test negative ELBO (digits) or reconstruction accuracy (melodies)",
		Long: `Measure a model on held-out data.

Digits: the single-sample negative ELBO in nats per image on the statically binarised
(threshold 0.5) MNIST test set, and its reconstruction and KL parts.
Melodies: greedy reconstruction accuracy (argmax decoding of z = mu, per step), with the
reconstruction and KL terms in nats, on the windows of --data (default: the folder the
model was trained on). --split picks which: validation, the files that training holds
out (musae train's split, by a hash of each file's path in the folder), train, the
files it learns from, or all. Digits: --split test or train.
The first lines say which split was scored.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDomain(o.Domain); err != nil {
				return err
			}
			return runEval(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", "mnist or melody (follows from --model when omitted)")
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name")
	f.StringVar(&o.Data, "data", "", "data folder (MNIST IDX files; a folder of MIDI files)")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist")
	f.StringVar(&o.Track, "track", "", "melodies: the track to read, by name or index")
	f.StringVar(&o.Split, "split", "", "which windows or images: validation (melodies' default), train or all; test (digits' default) or train")
	f.IntVar(&o.Limit, "limit", 0, "score the first N examples only (0: all)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for the posterior sample")
	return cmd
}

func runEval(ctx context.Context, o *evalOptions, stdout, stderr io.Writer) error {
	m, err := openModel(o.Model, o.Domain)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	if m.Meta.Domain == zoo.Melody {
		return evalMelodies(ctx, m, o, stdout, stderr)
	}
	split := defaultString(o.Split, "test")
	if split != "test" && split != "train" {
		return usagef("--split %q: for digits, want test or train", split)
	}
	train, test, err := loadMNIST(o.Dataset, o.Data)
	if err != nil {
		return err
	}
	if split == "train" {
		test = train
	}
	if o.Limit > 0 && o.Limit < test.N {
		test = head(test, o.Limit)
	}
	rec, kl, err := scoreImages(ctx, m, test, o.Seed)
	if err != nil {
		return err
	}
	if err := checkScore(m, split+"_neg_elbo", rec+kl); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data %s %s split\nexamples %d images\n%s_neg_elbo %.2f nats\nreconstruction %.2f nats\nkl %.2f nats\n", o.Dataset, split, test.N, split, rec+kl, rec, kl)
	return nil
}

// checkScore refuses a non-finite score: a checkpoint's weights are finite (the reader
// checks), so one means the model overflows on this data, and a NaN printed with exit
// status 0 would pass for a result.
func checkScore(m *zoo.Model, name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("eval: %s scores %s = %v: the model overflows on this data", describeModel(m), name, v)
	}
	return nil
}
