package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
	"musae/image"
	"musae/latent"
)

type sampleOptions struct {
	Domain, Model, Out string
	N                  int
	Temperature        float64
	Seed               uint64
	WAV                bool
}

func newSampleCmd() *cobra.Command {
	o := &sampleOptions{}
	cmd := &cobra.Command{
		Use:   "sample --domain mnist|melody [-n N] [--temperature T] [--wav] -o OUT",
		Short: "Draw new digits (a PNG grid) or melodies (MIDI files) from the prior",
		Args:  cobra.NoArgs,
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
			if cmd.Flags().Changed("temperature") && o.Temperature < 0 {
				return usagef("--temperature must not be negative")
			}
			return runSample(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", "mnist or melody (follows from --model when omitted)")
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (default: the domain's built-in model)")
	f.StringVarP(&o.Out, "output", "o", "", "output: a PNG for digits (default samples.png), a folder for melodies (default samples)")
	f.IntVarP(&o.N, "n", "n", 0, "how many (default 64 digits, 8 melodies)")
	f.Float64Var(&o.Temperature, "temperature", -1, "prior scale for digits (default 1); sampling temperature for melodies (default 0.5)")
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
		temp := defaultFloat(o.Temperature, 1)
		out := defaultString(o.Out, "samples.png")
		imgs := decodeImages(m, latent.SamplePrior(n, m.VAE.Z, temp, rng))
		cols := int(math.Ceil(math.Sqrt(float64(n))))
		rows := (n + cols - 1) / cols
		if err := image.WritePNG(out, image.Upscale(image.Grid(imgs, rows, cols, 28, 28, 2), 2)); err != nil {
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

func defaultFloat(v, d float64) float64 {
	if v < 0 {
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
