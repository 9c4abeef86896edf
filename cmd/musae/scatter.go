package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"musae/image"
	"musae/latent/domain"
)

type scatterOptions struct {
	Model, Data, Dataset, Out string
	N                         int
	Seed                      uint64
}

func newScatterCmd(reg *domain.Registry, runF func(*scatterOptions) error) *cobra.Command {
	o := &scatterOptions{}
	cmd := &cobra.Command{
		Use:   "scatter [--model mnist-conv2|mnist-conv] [-n 2000] -o scatter.png",
		Short: "Plot the latent means of test digits, coloured by label",
		Long: `Encode n test digits (drawn by --seed) and plot their posterior means, coloured by the
digit. A model with a 2-D latent (mnist-conv2) shows its whole latent space; for a larger
latent the plot shows the two dimensions whose means vary most over the digits, and its
title and axes say which.`,
		Args: noArgs("scatter"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.N <= 0 {
				return usagef("-n must be positive")
			}
			if !strings.EqualFold(filepath.Ext(o.Out), ".png") {
				return usagef("-o %s: the plot is a PNG picture (.png)", o.Out)
			}
			if runF != nil {
				return runF(o)
			}
			return runScatter(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "mnist-conv2", "checkpoint path or built-in model name (a digit model)")
	f.StringVar(&o.Data, "data", "", "MNIST folder (default: found)")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist")
	f.IntVarP(&o.N, "n", "n", 2000, "how many test digits")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (which digits)")
	f.StringVarP(&o.Out, "output", "o", "scatter.png", "output PNG")
	return cmd
}

func runScatter(ctx context.Context, reg *domain.Registry, o *scatterOptions, stdout io.Writer) error {
	m, p, err := openPictureModel(reg, o.Model)
	if err != nil {
		return err
	}
	if m.VAE.Z < 2 {
		return fmt.Errorf("%s has a %d-D latent; a scatter plot needs two dimensions", m.Meta.Model, m.VAE.Z)
	}
	test, testLabels, err := p.Labelled(domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Split: "test"})
	if err != nil {
		return err
	}
	// A random subset in random order, so that no digit's dots lie all on top.
	rng := rand.New(rand.NewPCG(o.Seed, 0x736361))
	idx := rng.Perm(len(test))[:min(o.N, len(test))]
	digits := make([]domain.Example, len(idx))
	var labels []int
	for i, k := range idx {
		digits[i] = test[k]
		if testLabels != nil {
			labels = append(labels, testLabels[k])
		}
	}
	mu, _, err := m.EncodeContext(ctx, digits)
	if err != nil {
		return err
	}
	dx, dy := topVarianceDims(mu)
	points := make([][2]float64, len(mu))
	for i, z := range mu {
		points[i] = [2]float64{float64(z[dx]), float64(z[dy])}
	}
	title := fmt.Sprintf("%s: latent means of %d test digits", m.Meta.Model, len(mu))
	if m.VAE.Z > 2 {
		title = fmt.Sprintf("%s: z[%d], z[%d] of %d (largest variance), %d test digits", m.Meta.Model, dx, dy, m.VAE.Z, len(mu))
	}
	if err := image.ScatterAxes(o.Out, points, labels, title, fmt.Sprintf("z[%d]", dx), fmt.Sprintf("z[%d]", dy)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", o.Out, title)
	return nil
}

// topVarianceDims returns the two dimensions of the vectors with the largest variance, the
// larger first; for 2-D vectors, 0 and 1.
func topVarianceDims(zs [][]float32) (int, int) {
	d := len(zs[0])
	if d == 2 {
		return 0, 1
	}
	variance := make([]float64, d)
	for j := range d {
		var s, ss float64
		for _, z := range zs {
			s += float64(z[j])
			ss += float64(z[j]) * float64(z[j])
		}
		n := float64(len(zs))
		variance[j] = ss/n - (s/n)*(s/n)
	}
	dims := make([]int, d)
	for i := range dims {
		dims[i] = i
	}
	slices.SortStableFunc(dims, func(a, b int) int {
		switch {
		case variance[a] > variance[b]:
			return -1
		case variance[a] < variance[b]:
			return 1
		}
		return 0
	})
	return dims[0], dims[1]
}
