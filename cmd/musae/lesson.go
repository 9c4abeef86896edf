package main

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"musae/latent/domain"
	"musae/latent/domain/digits"
)

// The autoencoder lesson's training: musae train --task ae, denoise or superres, alone,
// trains one of the digits' convolutional autoencoders (digits.TrainAE), which are no VAEs
// and so not trained by the domains' Train. What they do, the verbs denoise and upscale
// run (transform.go, through the digits domain's Transforms).

// completeTask checks the flags of train --task, which trains no VAE, and fills in Adam's
// constants and the command line.
func (o *trainOptions) completeTask(f *pflag.FlagSet) error {
	for _, name := range []string{"config", "z", "encoder", "resume", "init", "track", "max-beta", "beta-rate", "free-nats", "sampling-rate", "time", "save-every"} {
		if f.Changed(name) {
			return usagef("--%s is for VAEs, not the autoencoders of --task", name)
		}
	}
	if f.Changed("domain") {
		return usagef("--task trains the lesson's autoencoders on MNIST digits: it takes no --domain")
	}
	if _, err := digits.AEConfigFor(o.Task, o.Shrink); err != nil {
		return err
	}
	if o.Out == "" {
		return usagef("say where to write the checkpoint: -o model.safetensors")
	}
	o.Optim.Beta1, o.Optim.Beta2, o.Optim.Eps = 0.9, 0.999, 1e-8
	parts := []string{"musae train"}
	f.Visit(func(fl *pflag.Flag) { parts = append(parts, "--"+fl.Name+"="+fl.Value.String()) })
	o.Command = strings.Join(parts, " ")
	return nil
}

// runTrainAE trains one of the lesson's autoencoders on MNIST's grey levels and reports its
// test figures beside the task's baseline.
func runTrainAE(ctx context.Context, o *trainOptions, stdout, stderr io.Writer) error {
	return digits.TrainAE(ctx, digits.AETrainOptions{
		Task: o.Task, Shrink: o.Shrink,
		DataOptions: domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Limit: o.Limit, Seed: o.Seed, Log: stderr},
		Epochs:      o.Epochs, Batch: o.Batch, Optim: o.Optim, Out: o.Out, Command: o.Command,
	}, stdout)
}
