package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent/domain"
)

type reconstructOptions struct {
	Domain, Model, Out, Data, Dataset string
	Track                             []string // --track: once for every input, or once per input (readOptions)
	Bar                               []int
	Bars                              int // --bars: the domain whose examples are so many bars long
	N                                 int
	Seed                              uint64
	Cond                              domain.Conditions // --meter and the other conditions, where given
	Files                             []string
}

func newReconstructCmd(reg *domain.Registry) *cobra.Command {
	o := &reconstructOptions{}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar, bars: &o.Bars}
	cmd := &cobra.Command{
		Use:   "reconstruct [FILE...] [--domain " + strings.Join(reg.Names(), "|") + "] -o OUT",
		Short: "Encode and decode: test digits above their reconstructions, or a melody and its reconstruction",
		Long: `Encode inputs to z = mu and decode them again.

Digits: with no files, N test digits picked by --seed; the PNG shows each row of originals
above the row of their reconstructions. Melodies: the 2-bar window of FILE.mid (the first
with notes, or --bar) followed by its greedy reconstruction, in one MIDI file; --track and
--bar hold for every file, or given once per file, for each in order.` +
			conditionsHelp(reg, "each reconstruction decodes under its input's own (its meter) unless a flag gives another."),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if o.N <= 0 || o.N > maxReconstruct {
				return usagef("-n %d: want 1 to %d test digits", o.N, maxReconstruct)
			}
			if err := in.complete(args); err != nil {
				return err
			}
			return runReconstruct(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.StringVarP(&o.Out, "output", "o", "", "output PNG (digits, default reconstructions.png) or MIDI (melodies, default reconstruction.mid)")
	f.StringVar(&o.Data, "data", "", "MNIST folder")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist")
	f.IntVarP(&o.N, "n", "n", 32, fmt.Sprintf("digits: how many test digits, at most %d", maxReconstruct))
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (which test digits; sampling)")
	addConditionFlags(f, reg, &o.Cond, "default: each input's own")
	return cmd
}

// maxReconstruct bounds reconstruct's -n: the digits and their reconstructions make one
// picture, 8 columns wide and 2·n/8 rows high.
const maxReconstruct = 1000

func runReconstruct(ctx context.Context, reg *domain.Registry, o *reconstructOptions, stdout io.Writer) error {
	m, err := openModel(reg, o.Model, o.Domain)
	if err != nil {
		return err
	}
	info := m.Domain.Info()
	ext := info.Outputs[0]
	if t, ok := m.Domain.(domain.Timed); ok {
		if len(o.Files) == 0 {
			return usagef("name the files to reconstruct: musae reconstruct x%s", ext)
		}
		out := defaultString(o.Out, "reconstruction"+ext)
		if err := checkOutputExt(out, m.Domain); err != nil {
			return err
		}
		in, err := encodeInputs(ctx, reg, m, o.Files, readOptions(o.Track, o.Bar, len(o.Files)), o.Cond)
		if err != nil {
			return err
		}
		recons, err := decodeFor(ctx, m, in.Mu, inputConditions(m, in.Examples, o.Cond), 0, nil)
		if err != nil {
			return err
		}
		var seq []domain.Example
		for i, x := range in.Examples {
			same, total := t.Compare(x, recons[i])
			fmt.Fprintf(stdout, "%s, %s:\n%sreconstruction (%d of %d steps equal):\n%s\n", in.Files[i], x.Where, show(m.Domain, x), same, total, show(m.Domain, recons[i]))
			seq = append(seq, x, recons[i])
		}
		if err := m.WriteFileContext(ctx, out, seq, domain.Layout{QPM: in.Examples[0].QPM}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: each input window, then its reconstruction, a bar of rest between\n", out)
		return nil
	}
	out := defaultString(o.Out, "reconstructions"+ext)
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
	}
	var originals []domain.Example
	if len(o.Files) > 0 {
		if originals, err = readInputs(ctx, reg, m, o.Files, readOptions(o.Track, o.Bar, len(o.Files))); err != nil {
			return err
		}
	} else {
		p, ok := m.Domain.(domain.Pictures)
		if !ok {
			return usagef("name the files to reconstruct: musae reconstruct x%s", ext)
		}
		test, _, err := p.Labelled(domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Split: "test"})
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(o.Seed, 0x726563))
		for _, k := range rng.Perm(len(test))[:min(o.N, len(test))] {
			originals = append(originals, test[k])
		}
	}
	mu, _, err := m.EncodeContext(ctx, originals)
	if err != nil {
		return err
	}
	recons, err := decodeFor(ctx, m, mu, inputConditions(m, originals, o.Cond), 0, nil)
	if err != nil {
		return err
	}
	// Rows of originals above rows of their reconstructions, eight to a row.
	const cols = 8
	var cells []domain.Example
	for r := 0; r < len(originals); r += cols {
		hi := min(r+cols, len(originals))
		cells = append(cells, originals[r:hi]...)
		cells = append(cells, make([]domain.Example, cols-(hi-r))...)
		cells = append(cells, recons[r:hi]...)
		cells = append(cells, make([]domain.Example, cols-(hi-r))...)
	}
	if err := m.WriteFileContext(ctx, out, cells, domain.Layout{Rows: len(cells) / cols, Cols: cols}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d %s (odd rows) above their reconstructions (even rows) by %s\n", out, len(originals), info.Noun, m.Meta.Model)
	return nil
}
