package main

import (
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
		Long: `Decode an n×n grid of latent points at the standard normal's quantiles: z[0] grows
left to right, z[1] top to bottom falls. Needs a model with a 2-D latent (mnist-conv2).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.N < 2 {
				return usagef("-n must be at least 2")
			}
			return runManifold(reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "mnist-conv2", "checkpoint path or built-in model name (z = 2)")
	f.StringVarP(&o.Out, "output", "o", "manifold.png", "output PNG")
	f.IntVarP(&o.N, "n", "n", 20, "cells per side")
	return cmd
}

func runManifold(reg *domain.Registry, o *manifoldOptions, stdout io.Writer) error {
	m, p, err := openPictureModel(reg, o.Model)
	if err != nil {
		return err
	}
	if m.VAE.Z != 2 {
		return fmt.Errorf("%s has a %d-D latent; the manifold needs a 2-D one (try --model mnist-conv2)", m.Meta.Model, m.VAE.Z)
	}
	rows, cols := p.Size()
	var failed error
	img := image.Manifold(func(z [][]float32) [][]float32 {
		ps, err := decodePictures(m, z)
		if err != nil {
			failed = err
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
	p, ok := m.Domain.(domain.Pictures)
	if !ok {
		return nil, nil, fmt.Errorf("%s is a %s model, not a %s one: this draws pictures", m.Meta.Model, m.Meta.Domain, orList(namesOf(reg, func(d domain.Domain) bool { _, ok := d.(domain.Pictures); return ok })))
	}
	return m, p, nil
}

// decodePictures decodes latent vectors of a picture model to their intensities.
func decodePictures(m *domain.Model, zs [][]float32) ([][]float32, error) {
	xs, err := m.Decode(zs, 0, nil)
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
