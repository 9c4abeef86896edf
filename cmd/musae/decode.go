package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/spf13/cobra"

	"musae/latent/domain"
	"musae/midi"
)

type decodeOptions struct {
	Domain, Model, Out string
	Temperature        float64
	Seed               uint64
	Cond               domain.Conditions // --meter and the other conditions, where given
	File               string
}

func newDecodeCmd(reg *domain.Registry, runF func(*decodeOptions) error) *cobra.Command {
	o := &decodeOptions{}
	cmd := &cobra.Command{
		Use:   "decode z.json [--model M] [--temperature T] [--seed S] -o OUT",
		Short: "Decode the latent vectors of a JSON file from encode: a PNG grid of digits, or one MIDI file of melodies",
		Long: `Decode every entry of a file that "musae encode" wrote: its "z" when present, else its
"mu". The model is the one that encoded the file unless --model names another, which must
be of the same configuration and latent size.

Digits: a PNG grid of the decoded digits (pixel probabilities), in the file's order.
Melodies: one MIDI file with the melodies in sequence, a bar of rest between, at the first
input's tempo (-o OUT.musicxml or OUT.abc: a score); the step grids are printed.
Decoding is greedy (argmax) at temperature 0, or sampled at --temperature T with --seed.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("decode takes one JSON file from musae encode, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if err := checkDomain(reg, o.Domain); err != nil {
				return err
			}
			if err := checkTemperature(o.Temperature); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runDecode(cmd.Context(), reg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", domain.OrList(reg.Names())+": refuse a file of another domain")
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (default: the model that encoded the file)")
	f.StringVarP(&o.Out, "output", "o", "", "output PNG (digits, default decoded.png) or MIDI (melodies, default decoded.mid)")
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for sampling")
	addConditionFlags(f, reg, &o.Cond, "default: each vector's input's, as encode recorded it")
	return cmd
}

func runDecode(ctx context.Context, reg *domain.Registry, o *decodeOptions, stdout, stderr io.Writer) error {
	lf, err := readLatentFile(reg, o.File)
	if err != nil {
		return err
	}
	if o.Domain != "" && o.Domain != lf.Domain {
		return usagef("%s holds %s latents, not %s ones", o.File, lf.Domain, o.Domain)
	}
	ref := o.Model
	if ref == "" {
		ref = lf.Checkpoint
	}
	if ref == "" {
		ref = lf.Model
	}
	m, err := reg.Open(ref, lf.Domain)
	if err != nil {
		if o.Model == "" {
			return fmt.Errorf("%s was encoded by %s: %w (say which model to decode with: --model)", o.File, ref, err)
		}
		return err
	}
	if err := checkVAE(m, ref); err != nil {
		return err
	}
	if m.Meta.Model != lf.Model || m.VAE.Z != lf.Z {
		return fmt.Errorf("%s was encoded by %s with z size %d, but %s is %s with z size %d: decode with a model of the same configuration",
			o.File, lf.Model, lf.Z, ref, m.Meta.Model, m.VAE.Z)
	}
	if o.Model != "" && lf.Checkpoint != "" && modelRef(reg, o.Model, lf.Domain) != lf.Checkpoint {
		fmt.Fprintf(stderr, "musae: note: %s was encoded by %s; decoding with %s, whose latent space may differ\n", o.File, lf.Checkpoint, o.Model)
	}
	zs := make([][]float32, len(lf.Entries))
	for i, e := range lf.Entries {
		zs[i] = e.Vector()
	}
	info := m.Domain.Info()
	if err := checkDecodeTemperature(reg, m.Domain, o.Temperature); err != nil {
		return err
	}
	out := defaultString(o.Out, "decoded"+info.Outputs[0])
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
	}
	conds := make([]domain.Conditions, len(zs))
	for i, e := range lf.Entries {
		conds[i] = m.ConditionsOf(domain.Example{Conditions: e.Conditions}, o.Cond)
	}
	xs, err := decodeFor(ctx, m, zs, conds, o.Temperature, rand.New(rand.NewPCG(o.Seed, 0x646563)))
	if err != nil {
		return err
	}
	if !isTimed(m.Domain) {
		if err := m.WriteFileContext(ctx, out, xs, domain.Layout{}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d %s decoded by %s\n", out, len(zs), info.Noun, m.Meta.Model)
		return nil
	}
	for i, x := range xs {
		e := lf.Entries[i]
		src := "mu"
		if e.Z != nil {
			src = "z"
		}
		fmt.Fprintf(stdout, "%d of %d: %s of %s (%s)\n%s", i+1, len(xs), src, defaultString(e.File, "entry"), defaultString(e.Where, "?"), show(m.Domain, x))
	}
	qpm := lf.Entries[0].QPM
	if qpm <= 0 {
		qpm = midi.DefaultQPM
	}
	if err := m.WriteFileContext(ctx, out, xs, domain.Layout{QPM: qpm}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d %s at %.0f qpm, a bar of rest between them\n", out, len(xs), info.Noun, qpm)
	return nil
}
