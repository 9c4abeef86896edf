package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
	"musae/latent"
)

type sampleOptions struct {
	Domain, Model, Out string
	N                  int
	Temperature        optionalFloat
	Seed               uint64
	WAV                bool
}

// Limits of sample's -n. A digit grid is one picture, of about 60·√n pixels a side; the
// melodies of a folder are written one file at a time, but a folder of more than a hundred
// thousand files is more than a person or a file browser handles; all.mid, and a single
// -o x.mid, hold at most maxSequence melodies (8 hours at 120 qpm).
const (
	maxSampleDigits   = 10000
	maxSampleMelodies = 100000
	maxSequence       = 1000
)

func newSampleCmd() *cobra.Command {
	o := &sampleOptions{}
	cmd := &cobra.Command{
		Use:   "sample --domain mnist|melody [-n N] [--temperature T] [--wav] -o OUT",
		Short: "Draw new digits (a PNG grid) or melodies (MIDI files) from the prior",
		Long: fmt.Sprintf(`Draw latent vectors from the prior and decode them.

Digits: a near-square PNG grid of -n digits (at most %d), -o x.png.
Melodies: -o DIR writes sample-01.mid, sample-02.mid, ... into the folder DIR, one file as
soon as it is decoded, and all.mid with the first %d of them in sequence, a bar of rest
between; -n is at most %d. Files of an earlier sample in DIR (sample-N.mid, sample-N.wav,
all.mid, all.wav) are removed first, so that the folder holds one run and no stale
sample-09.mid stays beside a new all.mid of eight; other files are left alone.
-o x.mid writes the melodies in sequence into that one file instead (-n at most %d).
Interrupted, sample stops within a batch and leaves only complete files.`, maxSampleDigits, maxSequence, maxSampleMelodies, maxSequence),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDomain(o.Domain); err != nil {
				return err
			}
			if o.N < 0 || cmd.Flags().Changed("n") && o.N == 0 {
				return usagef("-n must be positive")
			}
			if o.WAV && o.Domain == zoo.MNIST {
				return usagef("--wav is for melodies; digits are pictures")
			}
			if o.Temperature.set && o.Temperature.v < 0 {
				return usagef("--temperature must not be negative")
			}
			return runSample(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", "mnist or melody (follows from --model when omitted)")
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (default: the domain's built-in model)")
	f.StringVarP(&o.Out, "output", "o", "", "output: a PNG for digits (default samples.png); a folder (default samples) or one .mid file for melodies")
	f.IntVarP(&o.N, "n", "n", 0, fmt.Sprintf("how many (default 64 digits, at most %d; 8 melodies, at most %d)", maxSampleDigits, maxSampleMelodies))
	f.Var(&o.Temperature, "temperature", "prior scale for digits (default 1); sampling temperature for melodies (default 0.5)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	f.BoolVar(&o.WAV, "wav", false, "melodies: also write a WAV file beside each MIDI file (sample-01.wav, ..., all.wav)")
	return cmd
}

func runSample(ctx context.Context, o *sampleOptions, stdout io.Writer) error {
	m, err := openModel(o.Model, o.Domain)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x73616d))
	switch m.Meta.Domain {
	case zoo.MNIST:
		if o.WAV {
			return usagef("--wav is for melodies; %s draws digits, which are pictures", m.Meta.Model)
		}
		n := defaultInt(o.N, 64)
		if n > maxSampleDigits {
			return usagef("-n %d: at most %d digits, one picture of about 6000×6000 pixels; draw more with several runs and --seed", n, maxSampleDigits)
		}
		temp := o.Temperature.or(1)
		out := defaultString(o.Out, "samples.png")
		if err := checkOutputExt(out, zoo.MNIST); err != nil {
			return err
		}
		imgs, err := decodeImagesContext(ctx, m, latent.SamplePrior(n, m.VAE.Z, temp, rng))
		if err != nil {
			return err
		}
		if err := writeDigitGrid(out, imgs); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d digits from %s at temperature %g\n", out, n, m.Meta.Model, temp)
		return nil
	default:
		return sampleMelodies(ctx, m, o, rng, stdout)
	}
}

// openModel opens a model named by --model (a path or built-in name) for a domain; with no
// --domain, the domain follows from the model.
func openModel(ref, domain string) (*zoo.Model, error) {
	if ref == "" && domain == "" {
		return nil, usagef("say which domain: --domain mnist or --domain melody (or --model)")
	}
	return zoo.Open(ref, domain)
}

func defaultInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func defaultString(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
