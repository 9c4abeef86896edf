package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent"
	"musae/latent/domain"
	"musae/midi"
)

type arithOptions struct {
	Domain, Model, Attrs, Out string
	Track                     []string // --track: once for every input, or once per input (readOptions)
	Bar                       []int
	Bars                      int // --bars: the domain whose examples are so many bars long
	Temperature               float64
	Seed                      uint64
	Cond                      domain.Conditions // --meter and the other conditions, where given
	Expr                      string
	Names, Files              []string // NAME=FILE arguments, in the order given
}

func newArithCmd(reg *domain.Registry, runF func(*arithOptions) error) *cobra.Command {
	o := &arithOptions{}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar, bars: &o.Bars}
	cmd := &cobra.Command{
		Use:   `arith "a - b + c" a=x.mid b=y.mid c=z.mid [--attrs attrs.json] -o OUT`,
		Short: "Latent arithmetic: decode an expression over the inputs' latent means",
		Long: `Encode each NAME=FILE input's posterior mean mu, evaluate the expression over them, and
decode the result. Expressions add and subtract vectors and scale them by numbers, with
parentheses: "a - b + c", "0.5*a + 0.5*b", "(a+b)/2", "a + 2*density". With --attrs, the
attribute vectors there (from "attribute compute") are names too.

Melodies: the result as a MIDI file (default arith.mid) at the first input's tempo, decoded
greedily unless --temperature; the inputs' and the result's step grids are printed.
--track and --bar hold for every input, or given once per input, for each in the order
of the NAME=FILE arguments.
Digits: a PNG strip (default arith.png), the inputs in the order given, then the result.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef(`give an expression and its inputs: musae arith "a - b + c" a=x.mid b=y.mid c=z.mid`)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Expr = args[0]
			o.Names, o.Files = nil, nil
			for _, a := range args[1:] {
				name, file, ok := strings.Cut(a, "=")
				if !ok || name == "" || file == "" || !isName(name) {
					return usagef("input %q: want NAME=FILE, where NAME is a letter or _ followed by letters, digits or _", a)
				}
				if slices.Contains(o.Names, name) {
					return usagef("input name %s given twice", name)
				}
				o.Names, o.Files = append(o.Names, name), append(o.Files, file)
			}
			if len(o.Files) == 0 && o.Attrs == "" {
				return usagef(`name the inputs of %q: NAME=FILE, such as a=x.mid`, o.Expr)
			}
			if err := checkTemperature(o.Temperature); err != nil {
				return err
			}
			if err := in.complete(o.Files); err != nil {
				return err
			}
			if o.Domain == "" && o.Model == "" {
				return sayWhichDomain(reg, "--model")
			}
			if runF != nil {
				return runF(o)
			}
			return runArith(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.StringVar(&o.Attrs, "attrs", "", "attribute vectors from attribute compute, usable by name in the expression")
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for sampling")
	addConditionFlags(f, reg, &o.Cond, "default: the first input's")
	f.StringVarP(&o.Out, "output", "o", "", "output MIDI (melodies, default arith.mid) or PNG (digits, default arith.png)")
	return cmd
}

func runArith(ctx context.Context, reg *domain.Registry, o *arithOptions, stdout io.Writer) error {
	m, err := openModelFor(reg, o.Model, o.Domain, o.Files)
	if err != nil {
		return err
	}
	out := defaultString(o.Out, "arith"+m.Domain.Info().Outputs[0])
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
	}
	if err := checkDecodeTemperature(reg, m.Domain, o.Temperature); err != nil {
		return err
	}
	vars := map[string][]float32{}
	if o.Attrs != "" {
		attrs, err := readAttributesFor(o.Attrs, m)
		if err != nil {
			return err
		}
		for _, name := range attrs.Names() {
			if slices.Contains(o.Names, name) {
				return usagef("input name %s is also an attribute in %s; name the input otherwise", name, o.Attrs)
			}
			vars[name], _ = attrs.Vector(name)
		}
	}
	in := &encodedInputs{}
	if len(o.Files) > 0 {
		if in, err = encodeInputs(ctx, reg, m, o.Files, readOptions(o.Track, o.Bar, len(o.Files)), o.Cond); err != nil {
			return err
		}
	}
	for i, name := range o.Names {
		vars[name] = in.Mu[i]
	}
	z, err := latent.Eval(o.Expr, vars)
	if err != nil {
		var ee *latent.EvalError
		if errors.As(err, &ee) {
			return usageError{err}
		}
		return err
	}
	cond := o.Cond
	if len(in.Examples) > 0 {
		cond = m.ConditionsOf(in.Examples[0], o.Cond)
	}
	xs, err := decodeFor(ctx, m, [][]float32{z}, []domain.Conditions{cond}, o.Temperature, rand.New(rand.NewPCG(o.Seed, 0x617269)))
	if err != nil {
		return err
	}
	if !isTimed(m.Domain) {
		all := append(slices.Clone(in.Examples), xs[0])
		if err := m.WriteFileContext(ctx, out, all, domain.Layout{Rows: 1, Cols: len(all)}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s, then %s\n", out, strings.Join(o.Names, ", "), o.Expr)
		return nil
	}
	qpm := float64(midi.DefaultQPM)
	if len(in.Examples) > 0 {
		qpm = in.Examples[0].QPM
	}
	for i, name := range o.Names {
		fmt.Fprintf(stdout, "%s = %s, %s:\n%s\n", name, o.Files[i], in.Examples[i].Where, show(m.Domain, in.Examples[i]))
	}
	fmt.Fprintf(stdout, "%s:\n%s", o.Expr, show(m.Domain, xs[0]))
	if err := m.WriteFileContext(ctx, out, xs, domain.Layout{QPM: qpm}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", out)
	return nil
}

// isName reports whether s is a name latent.Eval accepts: a letter or _ followed by
// letters, digits or _.
func isName(s string) bool {
	for i, r := range s {
		if !(r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (i > 0 && '0' <= r && r <= '9')) {
			return false
		}
	}
	return s != ""
}
