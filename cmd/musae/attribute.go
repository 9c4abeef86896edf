package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent"
	"musae/latent/domain"
)

func newAttributeCmd(reg *domain.Registry) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "attribute compute|apply|measure",
		Short: "Attribute vectors: learn them from data, add them to inputs, measure what they do",
		Long: `An attribute vector is the mean latent mean (mu) of examples that have an attribute minus
that of examples that lack it. Adding it to an input's mu and decoding gives the input with
more of the attribute; subtracting it, less.

  musae attribute compute --domain melody --data DIR --track MELODY -o attrs.json
  musae attribute apply x.mid --name density --amount 1 -o denser.mid
  musae attribute measure --data DIR --name density --amount 1 -n 100`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown attribute verb %q: want compute, apply or measure", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAttributeComputeCmd(reg, nil), newAttributeApplyCmd(reg, nil), newAttributeMeasureCmd(reg, nil))
	return cmd
}

type attrComputeOptions struct {
	Domain, Model, Data, Dataset, Split, Track, Out string
	Limit                                           int
	Seed                                            uint64
}

func newAttributeComputeCmd(reg *domain.Registry, runF func(*attrComputeOptions) error) *cobra.Command {
	o := &attrComputeOptions{}
	cmd := &cobra.Command{
		Use:   "compute --domain melody|mnist [--data DIR] [--track T] [--limit N] -o attrs.json",
		Short: "Learn attribute vectors from a corpus of melodies or from MNIST's labels",
		Long: `Learn attribute vectors and write them as JSON (latent.Attributes).

Melodies (--data DIR, a folder of MIDI files; the training split, so that "attribute
measure" scores unseen validation windows): every 2-bar window is measured three ways,
  density   notes (onsets) in the window
  pitch     mean MIDI pitch of its notes
  stepwise  share of intervals between consecutive notes of 1 or 2 semitones
and for each, the windows in the top quarter by that measure have the attribute and those
in the bottom quarter lack it (ties at the edges are broken by corpus order; windows where
a measure is undefined, such as stepwise with one note, are left out of it). The vector
is the mean mu of the top quarter minus the mean mu of the bottom quarter.

Digits (--domain mnist): one vector per label, digit0 ... digit9 (class0 ... for
fashion-mnist), the mean mu of that label's images minus that of all the others, on the
--split test (default) or train set.

--limit N uses N examples drawn by --seed instead of all.`,
		Args: noArgs("attribute compute"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDomain(reg, o.Domain); err != nil {
				return err
			}
			if o.Domain == "" && o.Model == "" {
				return sayWhichDomain(reg, "--model")
			}
			if o.Limit < 0 {
				return usagef("--limit must not be negative")
			}
			if o.Split != "test" && o.Split != "train" {
				return usagef("--split %q: want test or train", o.Split)
			}
			if runF != nil {
				return runF(o)
			}
			return runAttributeCompute(cmd.Context(), reg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", domainFlagHelp(reg, "follows from --model when omitted"))
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name")
	f.StringVar(&o.Data, "data", "", "melodies: the folder of MIDI files; digits: the MNIST folder (default: found)")
	f.StringVar(&o.Dataset, "dataset", "mnist", "digits: mnist or fashion-mnist")
	f.StringVar(&o.Split, "split", "test", "digits: test or train")
	f.StringVar(&o.Track, "track", "", "melodies: the melody track of every file, by name or index (POP909: MELODY)")
	f.IntVar(&o.Limit, "limit", 0, "use N examples drawn by --seed (0: all)")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (which examples, with --limit)")
	f.StringVarP(&o.Out, "output", "o", "attrs.json", "the JSON file to write")
	return cmd
}

func runAttributeCompute(ctx context.Context, reg *domain.Registry, o *attrComputeOptions, stdout, stderr io.Writer) error {
	m, err := openModel(reg, o.Model, o.Domain)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	attrs, err := m.Attributes(ctx, domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Track: o.Track, Split: o.Split, Limit: o.Limit, Seed: o.Seed}, stdout, stderr)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(o.Out, attrs.WriteJSON); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d attribute vectors of size %d (%s)\n", o.Out, len(attrs.Vectors), attrs.Dim, strings.Join(attrs.Names(), ", "))
	return nil
}

type attrApplyOptions struct {
	Domain, Model, Attrs, Name, Out string
	AttrsGiven                      bool     // --attrs was given: no built-in vectors instead
	Track                           []string // --track and --bar: at most once, for the one input
	Bar                             []int
	Bars                            int // --bars: the domain whose examples are so many bars long
	Amounts                         []float64
	Temperature                     float64
	Seed                            uint64
	Cond                            domain.Conditions // --meter and the other conditions, where given
	File                            string
}

func newAttributeApplyCmd(reg *domain.Registry, runF func(*attrApplyOptions) error) *cobra.Command {
	o := &attrApplyOptions{}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar, bars: &o.Bars}
	cmd := &cobra.Command{
		Use:   "apply FILE --name NAME [--amount 1.0] [--attrs attrs.json] -o OUT",
		Short: "Add an attribute vector to a melody (.mid) or digit (.png) and decode it",
		Long: `Encode FILE's posterior mean mu, add amount·v for the attribute vector v named --name in
--attrs (from "attribute compute"; without --attrs and attrs.json, a built-in model's
own, computed from its training data), and decode z = mu + amount·v. A negative amount takes
the attribute away; several amounts (--amount -1,0,1,2) give a sweep, where 0 is the
input's own reconstruction.

Melodies: OUT (default applied.mid) holds the decoded melodies in sequence, a bar of rest
between, decoded greedily unless --temperature; their step grids and measures are
printed. Digits: a PNG strip (default applied.png), the input first.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("attribute apply takes one input, a .mid or .png file; got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if len(o.Amounts) == 0 {
				o.Amounts = []float64{1}
			}
			if err := checkTemperature(o.Temperature); err != nil {
				return err
			}
			if err := in.complete(args); err != nil {
				return err
			}
			o.AttrsGiven = cmd.Flags().Changed("attrs")
			if runF != nil {
				return runF(o)
			}
			return runAttributeApply(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.Lookup("domain").Usage = domainFlagHelp(reg, "follows from the input or --model")
	f.StringVar(&o.Attrs, "attrs", "attrs.json", "attribute vectors from attribute compute (without --attrs and with no attrs.json: those of a built-in model, or NAME.attributes.json beside its checkpoint)")
	f.StringVar(&o.Name, "name", "", "the attribute to add (melodies: density, pitch, stepwise; digits: digit0 ... digit9)")
	f.Float64SliceVar(&o.Amounts, "amount", nil, "the amount `A` of the attribute vector to add; several, comma-separated (-1,0,1,2), for a sweep")
	f.Lookup("amount").DefValue = "1" // what help shows; RunE fills it in
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for sampling")
	addConditionFlags(f, reg, &o.Cond, "default: the input's")
	f.StringVarP(&o.Out, "output", "o", "", "output MIDI (melodies, default applied.mid) or PNG (digits, default applied.png)")
	return cmd
}

func runAttributeApply(ctx context.Context, reg *domain.Registry, o *attrApplyOptions, stdout io.Writer) error {
	m, err := openModelFor(reg, o.Model, o.Domain, []string{o.File})
	if err != nil {
		return err
	}
	info := m.Domain.Info()
	out := defaultString(o.Out, "applied"+info.Outputs[0])
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
	}
	if err := checkDecodeTemperature(reg, m.Domain, o.Temperature); err != nil {
		return err
	}
	attrs, from, err := attributesFor(reg, o.Attrs, o.AttrsGiven, o.Model, m)
	if err != nil {
		return err
	}
	v, err := attributeVector(attrs, o.Name, from)
	if err != nil {
		return err
	}
	in, err := encodeInputs(ctx, reg, m, []string{o.File}, readOptions(o.Track, o.Bar, 1), o.Cond)
	if err != nil {
		return err
	}
	zs := make([][]float32, len(o.Amounts))
	for i, a := range o.Amounts {
		zs[i] = latent.Apply(in.Mu[0], v, a)
	}
	xs, err := decodeFor(ctx, m, zs, under(len(zs), m.ConditionsOf(in.Examples[0], o.Cond)), o.Temperature, rand.New(rand.NewPCG(o.Seed, 0x617474)))
	if err != nil {
		return err
	}
	input := in.Examples[0]
	if !isTimed(m.Domain) {
		if err := m.WriteFileContext(ctx, out, append([]domain.Example{input}, xs...), domain.Layout{Rows: 1, Cols: len(xs) + 1}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s, then z = mu + a·%s for a = %s\n", out, o.File, o.Name, joinFloats(o.Amounts))
		return nil
	}
	describe := func(x domain.Example) string {
		if ms, ok := m.Domain.(domain.Measurer); ok {
			return " (" + ms.Describe(x) + ")"
		}
		return ""
	}
	fmt.Fprintf(stdout, "input %s, %s%s:\n%s", o.File, input.Where, describe(input), show(m.Domain, input))
	for i, x := range xs {
		fmt.Fprintf(stdout, "\n%s%s:\n%s", shifted(o.Amounts[i], o.Name), describe(x), show(m.Domain, x))
	}
	if err := m.WriteFileContext(ctx, out, xs, domain.Layout{QPM: input.QPM}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s: %d %s, a = %s, a bar of rest between\n", out, len(xs), info.Noun, joinFloats(o.Amounts))
	return nil
}

type attrMeasureOptions struct {
	Model, Data, Track, Attrs, Name string
	AttrsGiven                      bool
	Amount                          float64
	N                               int
	Seed                            uint64
}

func newAttributeMeasureCmd(reg *domain.Registry, runF func(*attrMeasureOptions) error) *cobra.Command {
	o := &attrMeasureOptions{}
	cmd := &cobra.Command{
		Use:   "measure --data DIR --name NAME [--amount 1.0] [-n 100] [--attrs attrs.json]",
		Short: "Measure what a melody attribute vector does on validation melodies",
		Long: `Draw n windows (by --seed) from the validation split of the melodies in DIR, encode them,
decode z = mu and z = mu + amount·v greedily, and print the mean note count, mean pitch
and stepwise share of the inputs and of both decodings, and how many melodies gained or
lost notes. With vectors from "attribute compute" on the same folder, the validation
windows are ones the vectors were not learnt from.`,
		Args: noArgs("attribute measure"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Data == "" {
				return usagef("say where the melodies are: --data DIR")
			}
			if o.N <= 0 {
				return usagef("-n must be positive")
			}
			o.AttrsGiven = cmd.Flags().Changed("attrs")
			if runF != nil {
				return runF(o)
			}
			return runAttributeMeasure(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (a melody model)")
	f.StringVar(&o.Data, "data", "", "the folder of MIDI files")
	f.StringVar(&o.Track, "track", "", "the melody track of every file, by name or index (POP909: MELODY)")
	f.StringVar(&o.Attrs, "attrs", "attrs.json", "attribute vectors from attribute compute (without --attrs and with no attrs.json: those of a built-in model, or NAME.attributes.json beside its checkpoint)")
	f.StringVar(&o.Name, "name", "", "the attribute: density, pitch or stepwise")
	f.Float64Var(&o.Amount, "amount", 1, "how much of the attribute vector to add")
	f.IntVarP(&o.N, "n", "n", 100, "how many validation windows")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (which windows)")
	return cmd
}

func runAttributeMeasure(ctx context.Context, reg *domain.Registry, o *attrMeasureOptions, stdout io.Writer) error {
	ref, domainName := o.Model, ""
	if ms := namesOf(reg, isMeasurer); ref == "" && len(ms) > 0 {
		domainName = ms[0]
	}
	m, err := openModel(reg, ref, domainName)
	if err != nil {
		return err
	}
	ms, ok := m.Domain.(domain.Measurer)
	if !ok {
		return fmt.Errorf("%s is a %s model, not a %s one: attribute measure needs a domain that measures its examples", m.Meta.Model, m.Meta.Domain, domain.OrList(namesOf(reg, isMeasurer)))
	}
	attrs, from, err := attributesFor(reg, o.Attrs, o.AttrsGiven, o.Model, m)
	if err != nil {
		return err
	}
	v, err := attributeVector(attrs, o.Name, from)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ms.MeasureAttribute(ctx, m, domain.DataOptions{Dir: o.Data, Track: o.Track, Limit: o.N, Seed: o.Seed}, o.Name, v, o.Amount, &buf); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	_, err = stdout.Write(buf.Bytes())
	return err
}

// noArgs refuses arguments to a verb that takes none, as a usage error.
func noArgs(verb string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("%s takes no arguments, got %q", verb, strings.Join(args, " "))
		}
		return nil
	}
}

// readAttributesFor reads attribute vectors and checks that they fit m's latent size.
// attributesFor reads the attribute vectors at path (--attrs) for m, which --model ref
// opened; with --attrs not given and no file at path, those shipped with m when it is a
// built-in model, or kept beside its checkpoint (NAME.attributes.json), as musae serve's
// sliders use them. It also names where they came from, for messages.
func attributesFor(reg *domain.Registry, path string, given bool, ref string, m *domain.Model) (*latent.Attributes, string, error) {
	if _, err := os.Stat(path); !given && errors.Is(err, os.ErrNotExist) {
		var a *latent.Attributes
		from := modelRef(reg, ref, m.Meta.Domain)
		if reg.IsBuiltin(from) {
			a, err = reg.BuiltinAttributes(from)
			from = "the built-in attributes of " + from
		} else {
			a, err = attributesBeside(from)
			from = strings.TrimSuffix(from, filepath.Ext(from)) + ".attributes.json"
		}
		if err != nil {
			return nil, "", err
		}
		if a != nil {
			if err := a.CheckDim(m.VAE.Z); err != nil {
				return nil, "", fmt.Errorf("%s: %w", from, err)
			}
			return a, from, nil
		}
	}
	a, err := readAttributesFor(path, m)
	return a, path, err
}

func readAttributesFor(path string, m *domain.Model) (*latent.Attributes, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w (make attribute vectors with musae attribute compute, or name them with --attrs)", err)
		}
		return nil, err
	}
	defer f.Close()
	a, err := latent.ReadAttributes(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := a.CheckDim(m.VAE.Z); err != nil {
		return nil, fmt.Errorf("%s: %w (%s); compute them with this model", path, err, m.Meta.Model)
	}
	return a, nil
}

// attributeVector returns the vector named name, or a usage error that lists the names
// there are.
func attributeVector(a *latent.Attributes, name, path string) ([]float32, error) {
	if name == "" {
		return nil, usagef("say which attribute: --name (%s has %s)", path, strings.Join(a.Names(), ", "))
	}
	v, err := a.Vector(name)
	if errors.Is(err, latent.ErrNoAttribute) {
		return nil, usagef("--name %s: %s has no attribute %q; it has %s", name, path, name, strings.Join(a.Names(), ", "))
	}
	return v, err
}

func joinFloats(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%g", x)
	}
	return strings.Join(s, ", ")
}

// shifted names the latent z = mu + amount·name for people.
func shifted(amount float64, name string) string {
	if amount < 0 {
		return fmt.Sprintf("z = mu - %g·%s", -amount, name)
	}
	return fmt.Sprintf("z = mu + %g·%s", amount, name)
}
