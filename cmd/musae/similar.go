package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent"
	"musae/latent/domain"
)

type similarOptions struct {
	Domain, Model, Out      string
	Track                   []string // --track and --bar: at most once, for the one input
	Bar                     []int
	Bars                    int // --bars: the domain whose examples are so many bars long
	N                       int
	Similarity, Temperature float64
	Seed                    uint64
	Cond                    domain.Conditions // --meter and the other conditions, where given
	File                    string
}

func newSimilarCmd(reg *domain.Registry, runF func(*similarOptions) error) *cobra.Command {
	o := &similarOptions{}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar, bars: &o.Bars}
	cmd := &cobra.Command{
		Use:   "similar FILE --similarity 0.8 [-n 4] [--seed S] -o OUT",
		Short: "Variations of a melody (.mid) or digit (.png): points of latent space near its mean",
		Long: `Encode FILE's posterior mean mu and decode n points near it: point i moves along the
great-circle arc (slerp) from a fresh prior sample towards mu, by the share --similarity
(1 gives mu itself, 0 the prior sample; see latent.Similar). --seed picks the samples.

Melodies: OUT is a folder (default "similar") that gets similar-01.mid, similar-02.mid, ...
and all.mid, the input window then the variations with a bar of rest between (the files
of an earlier run there, similar-N.mid and all.mid, are removed first); decoding is
greedy unless --temperature. Digits: one PNG strip, the input first (OUT, or OUT/similar.png
when OUT is not a .png; default similar.png).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("similar takes one input, a .mid or .png file; got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if !(o.Similarity >= 0 && o.Similarity <= 1) {
				return usagef("--similarity %v: want a value in [0, 1] (1 = the input itself, 0 = a fresh prior sample)", o.Similarity)
			}
			if o.N <= 0 || o.N > maxSequence {
				return usagef("-n %d: want 1 to %d variations", o.N, maxSequence)
			}
			if err := checkTemperature(o.Temperature); err != nil {
				return err
			}
			if err := in.complete(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runSimilar(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.Lookup("domain").Usage = domainFlagHelp(reg, "follows from the input or --model")
	f.Float64Var(&o.Similarity, "similarity", 0.8, "how close to the input, from 0 (a prior sample) to 1 (the input's mean)")
	f.IntVarP(&o.N, "n", "n", 4, fmt.Sprintf("how many variations (at most %d)", maxSequence))
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (the prior samples; sampling)")
	addConditionFlags(f, reg, &o.Cond, "default: the input's")
	f.StringVarP(&o.Out, "output", "o", "", `melodies: a folder (default "similar"); digits: a PNG (default similar.png)`)
	return cmd
}

func runSimilar(ctx context.Context, reg *domain.Registry, o *similarOptions, stdout io.Writer) error {
	m, err := openModelFor(reg, o.Model, o.Domain, []string{o.File})
	if err != nil {
		return err
	}
	in, err := encodeInputs(ctx, reg, m, []string{o.File}, readOptions(o.Track, o.Bar, 1), o.Cond)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x73696d))
	zs, err := latent.Similar(in.Mu[0], o.Similarity, o.N, rng)
	if err != nil {
		return usageError{err}
	}
	info := m.Domain.Info()
	ext := info.Outputs[0]
	input := in.Examples[0]
	conds := under(len(zs), m.ConditionsOf(input, o.Cond))
	if !isTimed(m.Domain) {
		if err := checkDecodeTemperature(reg, m.Domain, o.Temperature); err != nil {
			return err
		}
		out := defaultString(o.Out, "similar"+ext)
		if otherDomainsOutput(reg, m.Domain, strings.ToLower(filepath.Ext(out))) {
			return checkOutputExt(out, m.Domain)
		}
		if !strings.EqualFold(filepath.Ext(out), ext) {
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			out = filepath.Join(out, "similar"+ext)
		}
		xs, err := decodeFor(ctx, m, zs, conds, o.Temperature, rng)
		if err != nil {
			return err
		}
		if err := m.WriteFileContext(ctx, out, append([]domain.Example{input}, xs...), domain.Layout{Rows: 1, Cols: len(xs) + 1}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s, then %d variations at similarity %g by %s\n", out, o.File, o.N, o.Similarity, m.Meta.Model)
		return nil
	}
	dir := defaultString(o.Out, "similar")
	for _, d := range reg.Domains() {
		if slices.Contains(d.Info().Outputs, strings.ToLower(filepath.Ext(dir))) {
			return usagef("-o %s: %s go to a folder (similar-01%s, ... and all%s there)", dir, info.Noun, ext, ext)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := removeOutputFiles(dir, "similar"); err != nil {
		return err
	}
	xs, err := decodeFor(ctx, m, zs, conds, o.Temperature, rng)
	if err != nil {
		return err
	}
	qpm := input.QPM
	fmt.Fprintf(stdout, "input %s, %s:\n%s", o.File, input.Where, show(m.Domain, input))
	for i, x := range xs {
		p := filepath.Join(dir, fmt.Sprintf("similar-%02d%s", i+1, ext))
		if err := m.WriteFileContext(ctx, p, xs[i:i+1], domain.Layout{QPM: qpm}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s (similarity %g):\n%s", p, o.Similarity, show(m.Domain, x))
	}
	all := filepath.Join(dir, "all"+ext)
	if err := m.WriteFileContext(ctx, all, append([]domain.Example{input}, xs...), domain.Layout{QPM: qpm}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s: the input, then the %d variations, a bar of rest between\n", all, len(xs))
	return nil
}
