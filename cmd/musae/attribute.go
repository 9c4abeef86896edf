package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
	"musae/datasets"
	"musae/latent"
	"musae/midi"
)

func newAttributeCmd() *cobra.Command {
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
	cmd.AddCommand(newAttributeComputeCmd(nil), newAttributeApplyCmd(nil), newAttributeMeasureCmd(nil))
	return cmd
}

type attrComputeOptions struct {
	Domain, Model, Data, Dataset, Split, Track, Out string
	Limit                                           int
	Seed                                            uint64
}

func newAttributeComputeCmd(runF func(*attrComputeOptions) error) *cobra.Command {
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
			if err := checkDomain(o.Domain); err != nil {
				return err
			}
			if o.Domain == "" && o.Model == "" {
				return usagef("say which domain: --domain melody or --domain mnist (or --model)")
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
			return runAttributeCompute(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", "melody or mnist (follows from --model when omitted)")
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

func runAttributeCompute(ctx context.Context, o *attrComputeOptions, stdout, stderr io.Writer) error {
	m, err := openModel(o.Model, o.Domain)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	var attrs *latent.Attributes
	if m.Meta.Domain == zoo.Melody {
		attrs, err = melodyAttributes(ctx, m, o, stdout, stderr)
	} else {
		attrs, err = digitAttributes(ctx, m, o, stdout)
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomic(o.Out, attrs.WriteJSON); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d attribute vectors of size %d (%s)\n", o.Out, len(attrs.Vectors), attrs.Dim, strings.Join(attrs.Names(), ", "))
	return nil
}

func melodyAttributes(ctx context.Context, m *zoo.Model, o *attrComputeOptions, stdout, stderr io.Writer) (*latent.Attributes, error) {
	if o.Data == "" {
		return nil, usagef("say where the melodies are: --data DIR (for example ../shared/data/melodies/pop909 with --track MELODY)")
	}
	track := corpusTrack(m, o.Data, o.Track)
	corpus, err := datasets.LoadMelodiesContext(ctx, o.Data, datasets.MelodyOptions{Track: track, AlignGrid: true})
	if err != nil {
		return nil, err
	}
	windows := pickN(corpus.Train, o.Limit, o.Seed)
	if len(windows) < 8 {
		return nil, fmt.Errorf("%s: %d training windows (track %q, %d files skipped); need at least 8 to take quarters of", o.Data, len(windows), track, len(corpus.Skipped))
	}
	if len(windows) < len(corpus.Train) {
		fmt.Fprintf(stdout, "data %s (track %q): %d of the %d training windows (drawn by --seed %d) from %d files\n", o.Data, track, len(windows), len(corpus.Train), o.Seed, len(corpus.Files))
	} else {
		fmt.Fprintf(stdout, "data %s (track %q): %d training windows from %d files\n", o.Data, track, len(windows), len(corpus.Files))
	}
	fmt.Fprintf(stderr, "musae: encoding %d windows\n", len(windows))
	mu, _, err := encodeWindows(ctx, m, windows)
	if err != nil {
		return nil, err
	}
	attrs := latent.NewAttributes(m.VAE.Z)
	for _, ms := range melodyMeasures() {
		values, ok := make([]float64, len(windows)), make([]bool, len(windows))
		for i, w := range windows {
			values[i], ok[i] = ms.Of(w)
		}
		bottom, top := quartiles(values, ok)
		if len(bottom) == 0 || values[bottom[0]] == values[top[len(top)-1]] {
			return nil, fmt.Errorf("%s: the %s of the windows does not vary, so it gives no attribute", o.Data, ms.What)
		}
		if err := attrs.Learn(ms.Name, gather(mu, top), gather(mu, bottom)); err != nil {
			return nil, err
		}
		v, _ := attrs.Vector(ms.Name)
		fmt.Fprintf(stdout, "%-9s %s: top quarter %s to %s (%d windows) minus bottom quarter %s to %s (%d windows); |v| %.3f\n",
			ms.Name, ms.What, ms.Format(values[top[0]]), ms.Format(values[top[len(top)-1]]), len(top),
			ms.Format(values[bottom[0]]), ms.Format(values[bottom[len(bottom)-1]]), len(bottom), vecNorm(v))
	}
	return attrs, nil
}

func digitAttributes(ctx context.Context, m *zoo.Model, o *attrComputeOptions, stdout io.Writer) (*latent.Attributes, error) {
	train, test, err := loadMNIST(o.Dataset, o.Data)
	if err != nil {
		return nil, err
	}
	im := test
	if o.Split == "train" {
		im = train
	}
	if im.Labels == nil {
		return nil, fmt.Errorf("%s %s set has no labels", o.Dataset, o.Split)
	}
	idx := pickN(indices(im.N), o.Limit, o.Seed)
	digits := make([][]float32, len(idx))
	labels := make([]int, len(idx))
	for i, k := range idx {
		digits[i], labels[i] = im.Image(k), im.Labels[k]
	}
	fmt.Fprintf(stdout, "data %s %s set: %d images\n", o.Dataset, o.Split, len(idx))
	mu, _, err := encodeDigits(ctx, m, digits)
	if err != nil {
		return nil, err
	}
	prefix := "digit"
	if o.Dataset != "mnist" {
		prefix = "class"
	}
	attrs := latent.NewAttributes(m.VAE.Z)
	for l := range 10 {
		var with, without [][]float32
		for i, z := range mu {
			if labels[i] == l {
				with = append(with, z)
			} else {
				without = append(without, z)
			}
		}
		if len(with) == 0 {
			fmt.Fprintf(stdout, "%s%d: no images, no vector\n", prefix, l)
			continue
		}
		name := fmt.Sprintf("%s%d", prefix, l)
		if err := attrs.Learn(name, with, without); err != nil {
			return nil, err
		}
		v, _ := attrs.Vector(name)
		fmt.Fprintf(stdout, "%s: %d images minus the %d others; |v| %.3f\n", name, len(with), len(without), vecNorm(v))
	}
	return attrs, nil
}

type attrApplyOptions struct {
	Domain, Model, Attrs, Name, Track, Out string
	Bar                                    int
	Amounts                                []float64
	Temperature                            float64
	Seed                                   uint64
	File                                   string
}

func newAttributeApplyCmd(runF func(*attrApplyOptions) error) *cobra.Command {
	o := &attrApplyOptions{}
	in := inputOptions{domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar}
	cmd := &cobra.Command{
		Use:   "apply FILE --name NAME [--amount 1.0] [--attrs attrs.json] -o OUT",
		Short: "Add an attribute vector to a melody (.mid) or digit (.png) and decode it",
		Long: `Encode FILE's posterior mean mu, add amount·v for the attribute vector v named --name in
--attrs (from "attribute compute"), and decode z = mu + amount·v. A negative amount takes
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
			if runF != nil {
				return runF(o)
			}
			return runAttributeApply(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.Lookup("domain").Usage = "mnist or melody (follows from the input or --model)"
	f.StringVar(&o.Attrs, "attrs", "attrs.json", "attribute vectors from attribute compute")
	f.StringVar(&o.Name, "name", "", "the attribute to add (melodies: density, pitch, stepwise; digits: digit0 ... digit9)")
	f.Float64SliceVar(&o.Amounts, "amount", nil, "the amount `A` of the attribute vector to add; several, comma-separated (-1,0,1,2), for a sweep")
	f.Lookup("amount").DefValue = "1" // what help shows; RunE fills it in
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for sampling")
	f.StringVarP(&o.Out, "output", "o", "", "output MIDI (melodies, default applied.mid) or PNG (digits, default applied.png)")
	return cmd
}

func runAttributeApply(ctx context.Context, o *attrApplyOptions, stdout io.Writer) error {
	m, err := openModelFor(o.Model, o.Domain, []string{o.File})
	if err != nil {
		return err
	}
	out := defaultString(o.Out, map[string]string{zoo.MNIST: "applied.png", zoo.Melody: "applied.mid"}[m.Meta.Domain])
	if err := checkOutputExt(out, m.Meta.Domain); err != nil {
		return err
	}
	if m.Meta.Domain == zoo.MNIST && o.Temperature != 0 {
		return usagef("--temperature applies to melodies; digits decode to their pixel probabilities")
	}
	attrs, err := readAttributesFor(o.Attrs, m)
	if err != nil {
		return err
	}
	v, err := attributeVector(attrs, o.Name, o.Attrs)
	if err != nil {
		return err
	}
	in, err := encodeInputs(ctx, m, []string{o.File}, o.Track, o.Bar)
	if err != nil {
		return err
	}
	zs := make([][]float32, len(o.Amounts))
	for i, a := range o.Amounts {
		zs[i] = latent.Apply(in.Mu[0], v, a)
	}
	if m.Meta.Domain == zoo.MNIST {
		if err := writeDigitStrip(out, append([][]float32{in.Digits[0]}, decodeImages(m, zs)...)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s, then z = mu + a·%s for a = %s\n", out, o.File, o.Name, joinFloats(o.Amounts))
		return nil
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x617474))
	mels := decodeMelodies(m, zs, o.Temperature, rng)
	fmt.Fprintf(stdout, "input %s, %s (%s):\n%s", o.File, in.Where[0], describeMeasures(in.Melodies[0]), in.Melodies[0])
	for i, mel := range mels {
		fmt.Fprintf(stdout, "\n%s (%s):\n%s", shifted(o.Amounts[i], o.Name), describeMeasures(mel), mel)
	}
	if err := midi.WriteFile(out, in.QPM[0], withRests(mels)...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s: %d melodies, a = %s, a bar of rest between\n", out, len(mels), joinFloats(o.Amounts))
	return nil
}

type attrMeasureOptions struct {
	Model, Data, Track, Attrs, Name string
	Amount                          float64
	N                               int
	Seed                            uint64
}

func newAttributeMeasureCmd(runF func(*attrMeasureOptions) error) *cobra.Command {
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
			if runF != nil {
				return runF(o)
			}
			return runAttributeMeasure(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (a melody model)")
	f.StringVar(&o.Data, "data", "", "the folder of MIDI files")
	f.StringVar(&o.Track, "track", "", "the melody track of every file, by name or index (POP909: MELODY)")
	f.StringVar(&o.Attrs, "attrs", "attrs.json", "attribute vectors from attribute compute")
	f.StringVar(&o.Name, "name", "", "the attribute: density, pitch or stepwise")
	f.Float64Var(&o.Amount, "amount", 1, "how much of the attribute vector to add")
	f.IntVarP(&o.N, "n", "n", 100, "how many validation windows")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (which windows)")
	return cmd
}

func runAttributeMeasure(ctx context.Context, o *attrMeasureOptions, stdout io.Writer) error {
	m, err := openModel(o.Model, zoo.Melody)
	if err != nil {
		return err
	}
	attrs, err := readAttributesFor(o.Attrs, m)
	if err != nil {
		return err
	}
	v, err := attributeVector(attrs, o.Name, o.Attrs)
	if err != nil {
		return err
	}
	track := corpusTrack(m, o.Data, o.Track)
	corpus, err := datasets.LoadMelodiesContext(ctx, o.Data, datasets.MelodyOptions{Track: track, AlignGrid: true})
	if err != nil {
		return err
	}
	if len(corpus.Validation) == 0 {
		return fmt.Errorf("%s: no validation windows (track %q, %d files gave windows)", o.Data, track, len(corpus.Files))
	}
	windows := pickN(corpus.Validation, o.N, o.Seed)
	mu, _, err := encodeWindows(ctx, m, windows)
	if err != nil {
		return err
	}
	moved := make([][]float32, len(mu))
	for i, z := range mu {
		moved[i] = latent.Apply(z, v, o.Amount)
	}
	before, err := decodeMelodiesContext(ctx, m, mu, 0, nil)
	if err != nil {
		return err
	}
	after, err := decodeMelodiesContext(ctx, m, moved, 0, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	fmt.Fprintf(stdout, "data %s (track %q): %d validation windows of %d, greedy decoding\n", o.Data, track, len(windows), len(corpus.Validation))
	if len(windows) < o.N {
		fmt.Fprintf(stdout, "note: asked for %d windows, the validation split has %d\n", o.N, len(windows))
	}
	col := shifted(o.Amount, o.Name)
	fmt.Fprintf(stdout, "\n%-44s  %-12s  %-12s  %-20s  %s\n", "measure (mean over the windows)", "input", "z = mu", col, "change")
	partial := false
	for _, ms := range melodyMeasures() {
		a, na := measureMean(ms, windows)
		b, nb := measureMean(ms, before)
		c, nc := measureMean(ms, after)
		cell := func(v float64, n int) string {
			if n == 0 {
				return "-"
			}
			s := ms.Format(v)
			if n < len(windows) {
				s += fmt.Sprintf(" [%d]", n)
				partial = true
			}
			return s
		}
		change := "-"
		if nb > 0 && nc > 0 {
			change = fmt.Sprintf("%+.3f", c-b)
		}
		fmt.Fprintf(stdout, "%-44s  %-12s  %-12s  %-20s  %s\n", ms.What, cell(a, na), cell(b, nb), cell(c, nc), change)
	}
	var more, fewer int
	for i := range before {
		switch nb, na := noteDensity(before[i]), noteDensity(after[i]); {
		case na > nb:
			more++
		case na < nb:
			fewer++
		}
	}
	fmt.Fprintf(stdout, "\nnotes per window: more in %d, fewer in %d, as many in %d of %d decodings\n", more, fewer, len(before)-more-fewer, len(before))
	if partial {
		fmt.Fprintf(stdout, "[n]: the measure is defined for n of the windows only (pitch needs a note, stepwise two)\n")
	}
	return nil
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
func readAttributesFor(path string, m *zoo.Model) (*latent.Attributes, error) {
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

// corpusTrack is the track to read from a corpus: --track, or the model's own track when
// the corpus is the one it was trained on.
func corpusTrack(m *zoo.Model, dir, track string) string {
	if track != "" {
		return track
	}
	if abs, err := filepath.Abs(dir); err == nil && abs == m.Meta.Data {
		return m.Meta.Track
	}
	return ""
}

// pick returns n of xs drawn by seed, in their original order, or all of xs when n is 0
// or at least len(xs).
func pickN[T any](xs []T, n int, seed uint64) []T {
	if n <= 0 || n >= len(xs) {
		return xs
	}
	rng := rand.New(rand.NewPCG(seed, 0x7069636b))
	idx := rng.Perm(len(xs))[:n]
	slices.Sort(idx)
	out := make([]T, n)
	for i, k := range idx {
		out[i] = xs[k]
	}
	return out
}

func indices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func gather(zs [][]float32, idx []int) [][]float32 {
	out := make([][]float32, len(idx))
	for i, k := range idx {
		out[i] = zs[k]
	}
	return out
}

// describeMeasures gives a melody's measures in a line.
func describeMeasures(m midi.Melody) string {
	var parts []string
	for _, ms := range melodyMeasures() {
		if v, ok := ms.Of(m); ok {
			parts = append(parts, ms.Name+" "+ms.Format(v))
		}
	}
	if len(parts) == 0 {
		return "no notes"
	}
	return strings.Join(parts, ", ")
}

// shifted names the latent z = mu + amount·name for people.
func shifted(amount float64, name string) string {
	if amount < 0 {
		return fmt.Sprintf("z = mu - %g·%s", -amount, name)
	}
	return fmt.Sprintf("z = mu + %g·%s", amount, name)
}

func joinFloats(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%g", x)
	}
	return strings.Join(s, ", ")
}
