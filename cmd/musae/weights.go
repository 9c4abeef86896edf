package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"musae/latent/domain"
	"musae/models"
)

type weightsOptions struct {
	In, Out string
}

func newWeightsCmd(reg *domain.Registry) *cobra.Command {
	o := &weightsOptions{}
	cmd := &cobra.Command{
		Use:   "weights CHECKPOINT -o OUT.safetensors",
		Short: "Write a checkpoint's weights without the optimiser's state, for sharing, shipping or PyTorch",
		Long: `Copy a training checkpoint without Adam's moments (a third of its size). The tensors
keep PyTorch's names and layouts, so torch_reference.py's models load them with
load_state_dict; the provenance metadata stays. The result cannot be resumed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.In = args[0]
			if o.Out == "" {
				return usagef("say where to write the weights: -o OUT.safetensors")
			}
			return runWeights(reg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&o.Out, "output", "o", "", "weights file to write")
	return cmd
}

func runWeights(reg *domain.Registry, o *weightsOptions, stdout io.Writer) error {
	c, err := reg.LoadCheckpoint(o.In)
	if err != nil {
		return err
	}
	// Any model: a network that is no VAE (a digits autoencoder) has weights to ship too.
	m, err := reg.OpenAny(o.In, c.Meta.Domain)
	if err != nil {
		return err
	}
	meta := c.Meta
	meta.Train = nil
	if err := models.SaveCheckpoint(o.Out, m.Params(), nil, meta); err != nil {
		return err
	}
	st, _ := os.Stat(o.Out)
	fmt.Fprintf(stdout, "wrote %s: %d parameters of %s, %d bytes\n", o.Out, models.CountParams(m.Params()), meta.Model, st.Size())
	return nil
}
