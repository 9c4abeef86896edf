package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"musae/image"
	"musae/latent/domain"
)

type manifoldOptions struct {
	Model, Out string
	N          int
}

func newManifoldCmd(reg *domain.Registry) *cobra.Command {
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
			// A built-in model's domain is known before it is opened; a checkpoint's after.
			if d, err := reg.ForModel(o.Model); err == nil && isPictures(d) {
				if err := checkOutputExt(o.Out, d); err != nil {
					return err
				}
			}
			return runManifold(cmd.Context(), reg, o, cmd.OutOrStdout())
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

func runManifold(ctx context.Context, reg *domain.Registry, o *manifoldOptions, stdout io.Writer) error {
	m, p, err := openPictureModel(reg, o.Model)
	if err != nil {
		return err
	}
	if err := checkOutputExt(o.Out, m.Domain); err != nil {
		return err
	}
	if m.VAE.Z != 2 {
		return fmt.Errorf("%s has a %d-D latent; the manifold needs a 2-D one (try --model mnist-conv2)", m.Meta.Model, m.VAE.Z)
	}
	rows, cols := p.Size()
	var failed error
	img := image.Manifold(func(z [][]float32) [][]float32 {
		ps, err := decodePictures(ctx, m, z)
		if err != nil {
			failed = err
			return make([][]float32, len(z)) // blank cells; the picture is not written
		}
		return ps
	}, o.N, rows, cols)
	if failed != nil {
		return failed
	}
	if err := image.WritePNG(o.Out, img); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d×%d decodings of %s\n", o.Out, o.N, o.N, m.Meta.Model)
	return nil
}

// openPictureModel opens a model of a domain of pictures (domain.Pictures), for the verbs
// that draw its latent space.
func openPictureModel(reg *domain.Registry, ref string) (*domain.Model, domain.Pictures, error) {
	m, err := reg.Open(ref, "")
	if err != nil {
		return nil, nil, err
	}
	if err := checkVAE(m, ref); err != nil {
		return nil, nil, err
	}
	p, ok := m.Domain.(domain.Pictures)
	if !ok {
		return nil, nil, fmt.Errorf("%s is a %s model, not a %s one: this draws pictures", m.Meta.Model, m.Meta.Domain, domain.OrList(namesOf(reg, isPictures)))
	}
	return m, p, nil
}

// decodePictures decodes latent vectors of a picture model to their intensities, in
// batches that check ctx.
func decodePictures(ctx context.Context, m *domain.Model, zs [][]float32) ([][]float32, error) {
	xs, err := decodeFor(ctx, m, zs, nil, 0, nil)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(xs))
	for i, x := range xs {
		p, ok := x.Value.([]float32)
		if !ok {
			return nil, fmt.Errorf("%s decodes to %T, not pictures", m.Meta.Model, x.Value)
		}
		out[i] = p
	}
	return out, nil
}
