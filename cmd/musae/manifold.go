package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
	"musae/image"
)

type manifoldOptions struct {
	Model, Out string
	N          int
}

func newManifoldCmd() *cobra.Command {
	o := &manifoldOptions{}
	cmd := &cobra.Command{
		Use:   "manifold [--model mnist-conv2] [-n 20] -o manifold.png",
		Short: "Draw the 2-D latent manifold of a z = 2 digit model",
		Long: fmt.Sprintf(`Decode an n×n grid of latent points at the standard normal's quantiles: z[0] grows
left to right, z[1] top to bottom falls. Needs a model with a 2-D latent (mnist-conv2).
-n is at most %d: a picture of %d×%d pixels.`, maxManifold, 28*maxManifold, 28*maxManifold),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.N < 2 || o.N > maxManifold {
				return usagef("-n %d: want 2 to %d cells a side", o.N, maxManifold)
			}
			if err := checkOutputExt(o.Out, zoo.MNIST); err != nil {
				return err
			}
			return runManifold(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "mnist-conv2", "checkpoint path or built-in model name (z = 2)")
	f.StringVarP(&o.Out, "output", "o", "manifold.png", "output PNG")
	f.IntVarP(&o.N, "n", "n", 20, "cells per side")
	return cmd
}

// maxManifold bounds manifold's -n: n² decodings and a picture 28·n pixels a side, which
// at n = 1000 held 12 GB.
const maxManifold = 200

func runManifold(ctx context.Context, o *manifoldOptions, stdout io.Writer) error {
	m, err := zoo.Open(o.Model, zoo.MNIST)
	if err != nil {
		return err
	}
	if m.VAE.Z != 2 {
		return fmt.Errorf("%s has a %d-D latent; the manifold needs a 2-D one (try --model mnist-conv2)", m.Meta.Model, m.VAE.Z)
	}
	var cancelled error
	img := image.Manifold(func(z [][]float32) [][]float32 {
		imgs, err := decodeImagesContext(ctx, m, z)
		if err != nil {
			cancelled = err
			return make([][]float32, len(z)) // blank cells; the picture is not written
		}
		return imgs
	}, o.N, 28, 28)
	if cancelled != nil {
		return cancelled
	}
	if err := image.WritePNG(o.Out, img); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d×%d decodings of %s\n", o.Out, o.N, o.N, m.Meta.Model)
	return nil
}
