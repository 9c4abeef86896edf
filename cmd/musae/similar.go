package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
	"musae/latent"
	"musae/midi"
)

type similarOptions struct {
	Domain, Model, Track, Out string
	Bar, N                    int
	Similarity, Temperature   float64
	Seed                      uint64
	File                      string
}

func newSimilarCmd(runF func(*similarOptions) error) *cobra.Command {
	o := &similarOptions{}
	in := inputOptions{domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar}
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
			return runSimilar(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.Lookup("domain").Usage = "mnist or melody (follows from the input or --model)"
	f.Float64Var(&o.Similarity, "similarity", 0.8, "how close to the input, from 0 (a prior sample) to 1 (the input's mean)")
	f.IntVarP(&o.N, "n", "n", 4, fmt.Sprintf("how many variations (at most %d)", maxSequence))
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (the prior samples; sampling)")
	f.StringVarP(&o.Out, "output", "o", "", `melodies: a folder (default "similar"); digits: a PNG (default similar.png)`)
	return cmd
}

func runSimilar(ctx context.Context, o *similarOptions, stdout io.Writer) error {
	m, err := openModelFor(o.Model, o.Domain, []string{o.File})
	if err != nil {
		return err
	}
	in, err := encodeInputs(ctx, m, []string{o.File}, o.Track, o.Bar)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x73696d))
	zs, err := latent.Similar(in.Mu[0], o.Similarity, o.N, rng)
	if err != nil {
		return usageError{err}
	}
	if m.Meta.Domain == zoo.MNIST {
		if o.Temperature != 0 {
			return usagef("--temperature applies to melodies; digits decode to their pixel probabilities")
		}
		out := defaultString(o.Out, "similar.png")
		if domainOfFiles([]string{out}) == zoo.Melody {
			return checkOutputExt(out, zoo.MNIST)
		}
		if !strings.EqualFold(filepath.Ext(out), ".png") {
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			out = filepath.Join(out, "similar.png")
		}
		imgs, err := decodeImagesContext(ctx, m, zs)
		if err != nil {
			return err
		}
		if err := writeDigitStrip(out, append([][]float32{in.Digits[0]}, imgs...)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s, then %d variations at similarity %g by %s\n", out, o.File, o.N, o.Similarity, m.Meta.Model)
		return nil
	}
	dir := defaultString(o.Out, "similar")
	if ext := strings.ToLower(filepath.Ext(dir)); ext == ".mid" || ext == ".midi" || ext == ".png" {
		return usagef("-o %s: melodies go to a folder (similar-01.mid, ... and all.mid there)", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := removeOutputFiles(dir, "similar"); err != nil {
		return err
	}
	mels, err := decodeMelodiesContext(ctx, m, zs, o.Temperature, rng)
	if err != nil {
		return err
	}
	qpm := in.QPM[0]
	fmt.Fprintf(stdout, "input %s, %s:\n%s", o.File, in.Where[0], in.Melodies[0])
	for i, mel := range mels {
		p := filepath.Join(dir, fmt.Sprintf("similar-%02d.mid", i+1))
		if err := midi.WriteFile(p, qpm, mel); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s (similarity %g):\n%s", p, o.Similarity, mel)
	}
	all := filepath.Join(dir, "all.mid")
	if err := midi.WriteFile(all, qpm, withRests(append([]midi.Melody{in.Melodies[0]}, mels...))...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s: the input, then the %d variations, a bar of rest between\n", all, len(mels))
	return nil
}
