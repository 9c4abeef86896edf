package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
	"musae/image"
)

type reconstructOptions struct {
	Domain, Model, Out, Data, Dataset, Track string
	N, Bar                                   int
	Seed                                     uint64
	Files                                    []string
}

func newReconstructCmd() *cobra.Command {
	o := &reconstructOptions{}
	in := inputOptions{domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar}
	cmd := &cobra.Command{
		Use:   "reconstruct [FILE...] [--domain mnist|melody] -o OUT",
		Short: "Encode and decode: test digits above their reconstructions, or a melody and its reconstruction",
		Long: `Encode inputs to z = mu and decode them again.

Digits: with no files, N test digits picked by --seed; the PNG shows each row of originals
above the row of their reconstructions. Melodies: the 2-bar window of FILE.mid (the first
with notes, or --bar) followed by its greedy reconstruction, in one MIDI file.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if o.N <= 0 || o.N > maxReconstruct {
				return usagef("-n %d: want 1 to %d test digits", o.N, maxReconstruct)
			}
			if err := in.complete(args); err != nil {
				return err
			}
			return runReconstruct(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.StringVarP(&o.Out, "output", "o", "", "output PNG (digits, default reconstructions.png) or MIDI (melodies, default reconstruction.mid)")
	f.StringVar(&o.Data, "data", "", "MNIST folder")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist")
	f.IntVarP(&o.N, "n", "n", 32, fmt.Sprintf("digits: how many test digits, at most %d", maxReconstruct))
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (which test digits; sampling)")
	return cmd
}

// maxReconstruct bounds reconstruct's -n: the digits and their reconstructions make one
// picture, 8 columns wide and 2·n/8 rows high.
const maxReconstruct = 1000

func runReconstruct(ctx context.Context, o *reconstructOptions, stdout io.Writer) error {
	m, err := openModel(o.Model, o.Domain)
	if err != nil {
		return err
	}
	if m.Meta.Domain == zoo.Melody {
		return reconstructMelodies(ctx, m, o, stdout)
	}
	out := defaultString(o.Out, "reconstructions.png")
	if err := checkOutputExt(out, zoo.MNIST); err != nil {
		return err
	}
	var originals [][]float32
	if len(o.Files) > 0 {
		if originals, err = readDigits(o.Files); err != nil {
			return err
		}
	} else {
		_, test, err := loadMNIST(o.Dataset, o.Data)
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(o.Seed, 0x726563))
		for _, k := range rng.Perm(test.N)[:min(o.N, test.N)] {
			originals = append(originals, test.Image(k))
		}
	}
	mu, _, err := encodeDigits(ctx, m, originals)
	if err != nil {
		return err
	}
	recons, err := decodeImagesContext(ctx, m, mu)
	if err != nil {
		return err
	}
	const cols = 8
	var cells [][]float32
	for r := 0; r < len(originals); r += cols {
		hi := min(r+cols, len(originals))
		row := append(append([][]float32{}, originals[r:hi]...), make([][]float32, cols-(hi-r))...)
		cells = append(cells, row...)
		row = append(append([][]float32{}, recons[r:hi]...), make([][]float32, cols-(hi-r))...)
		cells = append(cells, row...)
	}
	rows := len(cells) / cols
	if err := image.WritePNG(out, image.Upscale(image.Grid(cells, rows, cols, 28, 28, 2), 2)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d digits (odd rows) above their reconstructions (even rows) by %s\n", out, len(originals), m.Meta.Model)
	return nil
}

func flatten(xs [][]float32) []float32 {
	var out []float32
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}
