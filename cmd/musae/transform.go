package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"musae/latent/domain"
	"musae/midi"
)

type transformOptions struct {
	Name, Model, Out string
	Track            []string
	Bar              []int
	Temperature      optionalFloat
	Seed             uint64
	WAV              bool
	Files            []string
}

// transformCmds are the verbs of every transformation the domains of reg offer
// (domain.Transformer), the first domain to offer a name taking it.
func transformCmds(reg *domain.Registry) []*cobra.Command {
	var cmds []*cobra.Command
	seen := map[string]bool{}
	for _, d := range reg.Domains() {
		t, ok := d.(domain.Transformer)
		if !ok {
			continue
		}
		for _, tr := range t.Transforms() {
			if !seen[tr.Name] {
				seen[tr.Name] = true
				cmds = append(cmds, newTransformCmd(reg, t, tr))
			}
		}
	}
	return cmds
}

func newTransformCmd(reg *domain.Registry, d domain.Transformer, tr domain.Transform) *cobra.Command {
	o := &transformOptions{Name: tr.Name}
	info := d.Info()
	cmd := &cobra.Command{
		Use:   tr.Name + " FILE.mid... [--model M] [--temperature T] [--wav] [-o OUT.mid]",
		Short: tr.Short,
		Long: tr.Long + fmt.Sprintf(`

Each input gives one 2-bar output, in order in one MIDI file (-o, default %s.mid), a bar
of rest between; --wav renders it beside. --track and --bar pick the part of each file,
once for every input or once per input in order. The model is the built-in %s unless
--model names another checkpoint of %s.`, tr.Name, info.Models[0], info.Noun),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			for _, b := range o.Bar {
				if b < 0 {
					return usagef("--bar %d: bars count from 1", b)
				}
			}
			if err := checkPerInput("--track", len(o.Track), len(args)); err != nil {
				return err
			}
			if err := checkPerInput("--bar", len(o.Bar), len(args)); err != nil {
				return err
			}
			if o.Temperature.set && o.Temperature.v < 0 {
				return usagef("--temperature must not be negative")
			}
			return runTransform(cmd.Context(), reg, d, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (default: "+info.Models[0]+")")
	f.StringVarP(&o.Out, "output", "o", "", "output MIDI file (default "+tr.Name+".mid)")
	f.StringArrayVar(&o.Track, "track", nil, "read track `T` of the file, by name or index"+perInputHelp)
	f.IntSliceVar(&o.Bar, "bar", nil, "start the 2-bar window at bar `N`, from 1 (0 or none: the first without a silent bar)"+perInputHelp)
	f.Var(&o.Temperature, "temperature", info.TemperatureUse)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed of the draws")
	f.BoolVar(&o.WAV, "wav", false, "also render the output to a WAV file beside it (OUT.wav)")
	return cmd
}

func runTransform(ctx context.Context, reg *domain.Registry, d domain.Transformer, o *transformOptions, stdout io.Writer) error {
	info := d.Info()
	ref := o.Model
	if ref == "" {
		ref = info.Models[0]
	}
	m, err := reg.Open(ref, "")
	if err != nil {
		return err
	}
	t, ok := m.Domain.(domain.Transformer)
	if !ok || !slices.ContainsFunc(t.Transforms(), func(tr domain.Transform) bool { return tr.Name == o.Name }) {
		return usagef("--model %s is a model of %s; %s takes a model of %s (%s)", ref, m.Domain.Info().Noun, o.Name, info.Noun, info.Models[0])
	}
	out := defaultString(o.Out, o.Name+".mid")
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
	}
	for _, p := range o.Files {
		if !reads(m.Domain, []string{p}) {
			return usagef("%s: %s reads %s files", p, o.Name, domain.OrList(m.Domain.Info().Inputs))
		}
	}
	ro := readOptions(o.Track, o.Bar, len(o.Files))
	xs := make([]domain.Example, 0, len(o.Files))
	for i, p := range o.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		x, err := readTransformInput(t, o.Name, p, ro[i])
		if err != nil {
			return err
		}
		xs = append(xs, x)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x7472616e))
	ys, err := t.Transform(m, o.Name, xs, o.Temperature.or(info.Temperature), rng)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s by %s\n", o.Name, describeModel(m))
	for i, x := range xs {
		fmt.Fprintf(stdout, "\n%s, %s:\n%s%s:\n%s", o.Files[i], x.Where, show(m.Domain, x), o.Name, show(m.Domain, ys[i]))
	}
	wav, err := writeTimed(ctx, m, out, ys, xs[0].QPM, o.WAV)
	if err != nil {
		return err
	}
	what := "the output of each input in order, a bar of rest between"
	if len(ys) == 1 {
		what = "the output"
	}
	fmt.Fprintf(stdout, "\nwrote %s%s: %s, at %s qpm\n", out, wav, what, strconv.FormatFloat(qpmOf(xs[0].QPM), 'f', -1, 64))
	return nil
}

// readTransformInput reads a transformation's input from the file at path.
func readTransformInput(t domain.Transformer, name, path string, ro domain.ReadOptions) (domain.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return domain.Example{}, err
	}
	defer f.Close()
	return t.ReadInput(name, f, path, ro)
}

// qpmOf is the tempo music is written at: qpm, or midi.DefaultQPM when the input had none.
func qpmOf(qpm float64) float64 {
	if qpm <= 0 {
		return midi.DefaultQPM
	}
	return qpm
}
