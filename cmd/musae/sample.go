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

	"musae/latent/domain"
	"musae/midi"
)

type sampleOptions struct {
	Domain, Model, Out string
	N                  int
	Temperature        float64
	Seed               uint64
	WAV                bool
}

func newSampleCmd(reg *domain.Registry) *cobra.Command {
	o := &sampleOptions{}
	var temps, counts []string
	for _, d := range reg.Domains() {
		info := d.Info()
		temps = append(temps, info.TemperatureUse)
		counts = append(counts, fmt.Sprintf("%d %s", info.Samples, info.Noun))
	}
	cmd := &cobra.Command{
		Use:   "sample --domain " + strings.Join(reg.Names(), "|") + " [-n N] [--temperature T] [--wav] -o OUT",
		Short: "Draw new " + orList(nouns(reg.Domains(), nil)) + " from the prior: pictures in a PNG grid, music as MIDI files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDomain(reg, o.Domain); err != nil {
				return err
			}
			if o.N < 0 || cmd.Flags().Changed("n") && o.N == 0 {
				return usagef("-n must be positive")
			}
			if err := checkWAVFlag(reg, o.WAV, o.Domain); err != nil {
				return err
			}
			if cmd.Flags().Changed("temperature") && o.Temperature < 0 {
				return usagef("--temperature must not be negative")
			}
			return runSample(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", domainFlagHelp(reg, "follows from --model when omitted"))
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (default: the domain's built-in model)")
	f.StringVarP(&o.Out, "output", "o", "", "output: a file for pictures (default samples.png), a folder for music (default samples)")
	f.IntVarP(&o.N, "n", "n", 0, "how many (default "+strings.Join(counts, ", ")+")")
	f.Float64Var(&o.Temperature, "temperature", -1, strings.Join(temps, "; "))
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	f.BoolVar(&o.WAV, "wav", false, "music: also write a WAV file beside each MIDI file (sample-01.wav, ..., all.wav)")
	return cmd
}

func runSample(ctx context.Context, reg *domain.Registry, o *sampleOptions, stdout io.Writer) error {
	m, err := openModel(reg, o.Model, o.Domain)
	if err != nil {
		return err
	}
	info := m.Domain.Info()
	if o.WAV && !isTimed(m.Domain) {
		return wavError(reg, m.Domain, m.Meta.Model)
	}
	n := defaultInt(o.N, info.Samples)
	temp := defaultFloat(o.Temperature, info.Temperature)
	ext := info.Outputs[0]
	if !isTimed(m.Domain) {
		out := defaultString(o.Out, "samples"+ext)
		xs, err := m.Sample(n, temp, rand.New(rand.NewPCG(o.Seed, 0x73616d)))
		if err != nil {
			return err
		}
		if err := m.WriteFile(out, xs, domain.Layout{}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d %s from %s at temperature %g\n", out, n, info.Noun, m.Meta.Model, temp)
		return nil
	}
	dir := defaultString(o.Out, "samples")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	xs, err := m.Sample(n, temp, rand.New(rand.NewPCG(o.Seed, 0x73616d)))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d %s from %s at temperature %g\n", n, info.Noun, m.Meta.Model, temp)
	for i, x := range xs {
		path := filepath.Join(dir, fmt.Sprintf("sample-%02d%s", i+1, ext))
		wav, err := writeTimed(m, path, xs[i:i+1], midi.DefaultQPM, o.WAV)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s%s\n%s", path, wav, show(x))
	}
	all := filepath.Join(dir, "all"+ext)
	wav, err := writeTimed(m, all, xs, midi.DefaultQPM, o.WAV)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s%s: all %d in sequence, a bar of rest between\n", all, wav, n)
	return nil
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
