package main

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"musae/latent/domain"
)

// musae train --task T alone trains a network that is no VAE (domain.NetTrainer: the
// digits' convolutional autoencoders of the autoencoder lesson, ae, denoise or superres),
// which the domains' Train does not train. What such networks do, the verbs of the
// domains' transformations run (transform.go).

// netTasks lists the tasks of the networks the domains of reg train: "ae, denoise or
// superres".
func netTasks(reg *domain.Registry) string {
	var names []string
	for _, d := range reg.Domains() {
		if t, ok := d.(domain.NetTrainer); ok {
			names = append(names, t.NetTasks()...)
		}
	}
	return domain.OrList(names)
}

// netTaskHelp lists them by domain: "ae, denoise or superres (mnist)".
func netTaskHelp(reg *domain.Registry) string {
	var parts []string
	for _, d := range reg.Domains() {
		if t, ok := d.(domain.NetTrainer); ok {
			parts = append(parts, domain.OrList(t.NetTasks())+" ("+d.Info().Name+")")
		}
	}
	return strings.Join(parts, "; ")
}

// netOptions are the settings of the network o trains.
func (o *trainOptions) netOptions(log io.Writer) domain.NetTrainOptions {
	return domain.NetTrainOptions{
		Task: o.Task, Shrink: o.Shrink,
		DataOptions: domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Limit: o.Limit, Seed: o.Seed, Log: log},
		Epochs:      o.Epochs, Batch: o.Batch, Optim: o.Optim, Out: o.Out, Command: o.Command,
	}
}

// completeTask checks the flags of train --task alone, which trains no VAE, and fills in
// Adam's constants and the command line.
func (o *trainOptions) completeTask(reg *domain.Registry, f *pflag.FlagSet) error {
	for _, name := range []string{"config", "z", "encoder", "resume", "init", "track", "max-beta", "beta-rate", "free-nats", "sampling-rate", "time", "save-every"} {
		if f.Changed(name) {
			return usagef("--%s is for VAEs, not the networks of --task alone", name)
		}
	}
	t, ok := domain.NetTrainerFor(reg.Domains(), o.Task)
	if !ok {
		return usagef("--task %q: want %s", o.Task, netTasks(reg))
	}
	if err := t.CheckNet(o.netOptions(nil)); err != nil {
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

// runTrainNet trains the network of --task and reports its figures on held-out data.
func runTrainNet(ctx context.Context, reg *domain.Registry, o *trainOptions, stdout, stderr io.Writer) error {
	t, ok := domain.NetTrainerFor(reg.Domains(), o.Task)
	if !ok {
		return usagef("--task %q: want %s", o.Task, netTasks(reg))
	}
	return t.TrainNet(ctx, o.netOptions(stderr), stdout)
}
