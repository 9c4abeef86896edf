package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"musae/latent/domain"
	"musae/midi"
)

// The verbs of the domains' transformations (domain.Transformer): groove and drumify with
// GrooVAE, denoise and elaborate with a melody model trained for the task, denoise and
// upscale with a digits autoencoder. One verb per name, made here for every domain that has
// a transformation of that name; the file's type (or --model's domain) picks the domain.

type transformOptions struct {
	Name, Model, Out string
	Track            []string
	Bar              []int
	Temperature      optionalFloat
	Seed             uint64
	WAV              bool
	Files            []string
	// Test measures the model on its domain's held-out data instead (TransformTester),
	// on Limit examples of Dataset in Data, drawing N of them to Out.
	Test, Limit, N int
	Data, Dataset  string
}

// transformNames are the names of the transformations of the domains of reg, in the order
// the domains list them, each once.
func transformNames(reg *domain.Registry) []string {
	var names []string
	for _, d := range reg.Domains() {
		if t, ok := d.(domain.Transformer); ok {
			for _, tr := range t.Transforms() {
				if !slices.Contains(names, tr.Name) {
					names = append(names, tr.Name)
				}
			}
		}
	}
	return names
}

// transformsNamed returns the domains of reg with a transformation called name, and theirs.
func transformsNamed(reg *domain.Registry, name string) ([]domain.Transformer, []domain.Transform) {
	var ds []domain.Transformer
	var trs []domain.Transform
	for _, d := range reg.Domains() {
		if tr, ok := domain.TransformNamed(d, name); ok {
			ds, trs = append(ds, d.(domain.Transformer)), append(trs, tr)
		}
	}
	return ds, trs
}

// transformInputs lists the file extensions of the domains with a transformation called
// name: ".mid, .midi, .kar, .smf".
func transformInputs(reg *domain.Registry, name string) string {
	var exts []string
	ds, _ := transformsNamed(reg, name)
	for _, d := range ds {
		for _, e := range d.Info().Inputs {
			if !slices.Contains(exts, e) {
				exts = append(exts, e)
			}
		}
	}
	return strings.Join(exts, ", ")
}

// transformCmds are the verbs of every transformation of the domains of reg.
func transformCmds(reg *domain.Registry) []*cobra.Command {
	var cmds []*cobra.Command
	for _, name := range transformNames(reg) {
		cmds = append(cmds, newTransformCmd(reg, name))
	}
	return cmds
}

// transformTesters returns the domains of reg whose transformation called name its verb
// measures (--test), in order.
func transformTesters(reg *domain.Registry, name string) []domain.TransformTester {
	var out []domain.TransformTester
	ds, _ := transformsNamed(reg, name)
	for _, d := range ds {
		if t, ok := d.(domain.TransformTester); ok {
			out = append(out, t)
		}
	}
	return out
}

func newTransformCmd(reg *domain.Registry, name string) *cobra.Command {
	o := &transformOptions{Name: name}
	ds, trs := transformsNamed(reg, name)
	whole := trs[0].Whole
	files := "FILE..."
	if whole {
		files = "FILE"
	}
	// Music has tracks and sound, and draws at a temperature; pictures have neither.
	music, sampled := slices.ContainsFunc(asDomains(ds), isTimed), slices.ContainsFunc(asDomains(ds), isSampled)
	use := name + " " + files + " [--model M]"
	if sampled {
		use += " [--temperature T]"
	}
	if music {
		use += " [--wav]"
	}
	use += " [-o OUT]"
	testers := transformTesters(reg, name)
	if len(testers) > 0 {
		use += " | " + name + " --test [--model M] [-o grid" + testers[0].Info().Outputs[0] + "]"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: transformShort(ds, trs),
		Long:  transformLong(reg, name),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if o.Test != 0 {
				return runTransformTest(cmd.Context(), reg, o, cmd.OutOrStdout())
			}
			if err := o.check(reg); err != nil {
				return err
			}
			return runTransform(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (default: the built-in one of the file's domain)")
	out := name + ".mid"
	if whole {
		out = "INPUT-" + name + "d and INPUT's extension"
	}
	if testers := transformTesters(reg, name); len(testers) > 0 {
		out += "; with --test, the picture of test examples, none unless given"
	}
	f.StringVarP(&o.Out, "output", "o", "", "output file (default "+out+")")
	if music {
		f.StringArrayVar(&o.Track, "track", nil, "read track `T` of the file, by name or index"+perInputHelp)
		if !whole {
			f.IntSliceVar(&o.Bar, "bar", nil, "start the 2-bar window at bar `N`, from 1 (0 or none: the first without a silent bar)"+perInputHelp)
		}
		f.BoolVar(&o.WAV, "wav", false, "also render the output to a WAV file beside it (OUT.wav)")
	}
	seed := "random seed"
	if sampled {
		f.Var(&o.Temperature, "temperature", "0 decodes greedily; above 0, draw at this temperature (default: the transformation's, in the help above)")
		seed += " of the draws (--temperature)"
	}
	if len(testers) > 0 {
		noun := nouns(asDomains(testers), nil)
		f.IntVar(&o.Test, "test", 0, "measure the model on its domain's test set instead (1: do; "+strings.Join(noun, ", ")+")")
		f.Lookup("test").NoOptDefVal = "1"
		f.IntVar(&o.Limit, "limit", 0, "--test: the first N test examples only (0: all)")
		f.IntVarP(&o.N, "n", "n", 8, "--test: how many test examples to draw to -o")
		f.StringVar(&o.Data, "data", "", "--test: the data folder (default: the dataset's usual place)")
		f.StringVar(&o.Dataset, "dataset", "mnist", "--test, digits: mnist or fashion-mnist")
		seed += "; with --test, of the test inputs' noise"
	}
	f.Uint64Var(&o.Seed, "seed", 1, seed)
	return cmd
}

func asDomains[T domain.Domain](ts []T) []domain.Domain {
	ds := make([]domain.Domain, len(ts))
	for i, t := range ts {
		ds[i] = t
	}
	return ds
}

// transformShort is a transformation verb's line: "Remove the noise from a digit
// (digits); repair wrong and missing notes and sloppy timing (melodies)", the domains
// that say the same said once: "Humanise a beat (grooves, drum beats)".
func transformShort(ds []domain.Transformer, trs []domain.Transform) string {
	var parts, shorts []string
	var of [][]domain.Domain
	for i, tr := range trs {
		k := slices.Index(shorts, tr.Short)
		if k < 0 {
			shorts, of = append(shorts, tr.Short), append(of, nil)
			k = len(shorts) - 1
		}
		of[k] = append(of[k], ds[i])
	}
	for i, short := range shorts {
		parts = append(parts, short+" ("+strings.Join(nouns(of[i], nil), ", ")+")")
	}
	line := strings.Join(parts, "; ")
	return strings.ToUpper(line[:1]) + line[1:]
}

// transformLong is the help of a transformation's verb: each domain's description, which
// models do it, and how the verb reads and writes.
func transformLong(reg *domain.Registry, name string) string {
	ds, trs := transformsNamed(reg, name)
	var parts []string
	for i, tr := range trs {
		info := ds[i].Info()
		models := "any VAE of " + info.Noun
		if tr.Task {
			models = "a model trained with musae train --task " + domain.OrList(tr.ModelTasks())
		}
		temp := " and by default decodes greedily"
		switch {
		case !isSampled(ds[i]):
			temp = ""
		case tr.Temperature > 0:
			temp = " and by default draws at temperature " + strconv.FormatFloat(tr.Temperature, 'f', -1, 64)
		}
		io := `Each input gives one 2-bar output, in order in one file (-o, default ` + name + info.Outputs[0] + `),
a bar of rest between. --track and --bar pick the part of each file, once for every input
or once per input in order.`
		switch {
		case tr.Whole && isTimed(ds[i]):
			io = `The whole file in gives a file as long out (-o, default INPUT-` + name + `d and INPUT's
extension), and the verb prints the first bars before and after.`
		case tr.Whole:
			io = `The file in gives one out (-o, default INPUT-` + name + `d and INPUT's extension).`
		}
		if isTimed(ds[i]) {
			io += " --wav renders the output to a WAV file beside it."
		}
		parts = append(parts, fmt.Sprintf("%s (%s):\n\n%s\n\nIt takes %s (built in: %s)%s.\n%s",
			strings.ToUpper(info.Noun[:1])+info.Noun[1:], strings.Join(info.Inputs, " "), cmp.Or(tr.Long, tr.Short), models, tr.Builtin, temp, io))
	}
	return strings.Join(parts, "\n\n")
}

// check refuses a command line that no transformation of its name takes.
func (o *transformOptions) check(reg *domain.Registry) error {
	_, trs := transformsNamed(reg, o.Name)
	if len(o.Files) == 0 || (trs[0].Whole && len(o.Files) != 1) {
		what := "one file"
		if !trs[0].Whole {
			what = "one file or more"
		}
		or := ""
		if len(transformTesters(reg, o.Name)) > 0 {
			or = ", or --test"
		}
		return usagef("%s takes %s (%s)%s", o.Name, what, transformInputs(reg, o.Name), or)
	}
	for _, b := range o.Bar {
		if b < 0 {
			return usagef("--bar %d: bars count from 1", b)
		}
	}
	if err := checkPerInput("--track", len(o.Track), len(o.Files)); err != nil {
		return err
	}
	if err := checkPerInput("--bar", len(o.Bar), len(o.Files)); err != nil {
		return err
	}
	if o.Temperature.set && o.Temperature.v < 0 {
		return usagef("--temperature %g: want 0 (greedy) or more", o.Temperature.v)
	}
	return nil
}

// openTransform opens the model of the transformation o names: --model's, which must be
// of a domain that has it and a model that does it (checkTransform), else the built-in
// one of the domain that has it and reads the files.
func openTransform(reg *domain.Registry, o *transformOptions) (*domain.Model, domain.Transformer, domain.Transform, error) {
	ds, trs := transformsNamed(reg, o.Name)
	if o.Model == "" {
		for i, d := range ds {
			if reads(d, o.Files) {
				m, err := reg.OpenAny(trs[i].Builtin, d.Info().Name)
				return m, d, trs[i], err
			}
		}
		return nil, nil, domain.Transform{}, usagef("%s: %s reads %s files", strings.Join(o.Files, ", "), o.Name, transformInputs(reg, o.Name))
	}
	m, err := reg.OpenAny(o.Model, "")
	if err != nil {
		return nil, nil, domain.Transform{}, err
	}
	tr, ok := domain.TransformNamed(m.Domain, o.Name)
	if !ok {
		var have []string
		for i, d := range ds {
			have = append(have, d.Info().Noun+" ("+trs[i].Builtin+")")
		}
		return nil, nil, domain.Transform{}, usagef("--model %s is a model of %s; %s takes a model of %s", o.Model, m.Domain.Info().Noun, o.Name, domain.OrList(have))
	}
	if err := checkTransform(m, o.Model, tr); err != nil {
		return nil, nil, domain.Transform{}, err
	}
	if !reads(m.Domain, o.Files) {
		return nil, nil, domain.Transform{}, usagef("%s: %s reads %s files", strings.Join(o.Files, ", "), o.Name, domain.OrList(m.Domain.Info().Inputs))
	}
	return m, m.Domain.(domain.Transformer), tr, nil
}

// checkTransform tells whether m, opened as ref, does tr: a model trained for it (or for
// one of its ModelTasks) where tr is a task, a VAE of its domain where not.
func checkTransform(m *domain.Model, ref string, tr domain.Transform) error {
	switch {
	case tr.Task && !slices.Contains(tr.ModelTasks(), m.Meta.Task):
		what := "a model of " + m.Meta.Task
		if m.Meta.Task == "" {
			what = "a VAE of " + m.Domain.Info().Noun
		}
		return usagef("--model %s is %s; %s needs a model trained with --task %s (built in: %s)", ref, what, tr.Name, domain.OrList(tr.ModelTasks()), tr.Builtin)
	case !tr.Task && m.Meta.Task != "":
		return usagef("--model %s is a model of %s, not a VAE of %s; %s takes a VAE (built in: %s)", ref, m.Meta.Task, m.Domain.Info().Noun, tr.Name, tr.Builtin)
	}
	return nil
}

// runTransform reads the files, transforms them with the model and writes the result.
func runTransform(ctx context.Context, reg *domain.Registry, o *transformOptions, stdout io.Writer) error {
	m, t, tr, err := openTransform(reg, o)
	if err != nil {
		return err
	}
	if len(o.Bar) > 0 && tr.Whole {
		return usagef("--bar: %s reads whole files", o.Name)
	}
	if o.WAV && !isTimed(m.Domain) {
		return wavError(reg, m.Domain, o.Model)
	}
	if err := checkDecodeTemperature(reg, m.Domain, o.Temperature.v); err != nil {
		return err
	}
	out := o.Out
	switch {
	case out != "":
	case tr.Whole:
		p := o.Files[0]
		out = strings.TrimSuffix(p, filepath.Ext(p)) + "-" + o.Name + "d" + filepath.Ext(p)
	default:
		out = o.Name + m.Domain.Info().Outputs[0]
	}
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
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
	ys, err := t.Transform(m, o.Name, xs, o.Temperature.or(tr.Temperature), rng)
	if err != nil {
		return err
	}
	by := describeModel(m)
	if ref := cmp.Or(o.Model, tr.Builtin); ref != m.Meta.Model {
		by = ref + ": " + by
	}
	fmt.Fprintf(stdout, "%s by %s\n", o.Name, by)
	for i, x := range xs {
		fmt.Fprintf(stdout, "\nread %s: %s\n", o.Files[i], x.Where)
		if show(m.Domain, ys[i]) == "" {
			continue // a picture, say, which no text shows
		}
		if tr.Whole {
			// A whole file is shown in part, so say how much of it changed.
			if c, ok := m.Domain.(domain.Timed); ok {
				same, total := c.Compare(x, ys[i])
				fmt.Fprintf(stdout, "changed %d of %d steps\n", total-same, total)
			}
			printBeside(stdout, show(m.Domain, x), show(m.Domain, ys[i]), showBars)
		} else {
			fmt.Fprintf(stdout, "%s%s:\n%s", show(m.Domain, x), o.Name, show(m.Domain, ys[i]))
		}
	}
	what := "the output of each input in order, a bar of rest between"
	if len(ys) == 1 {
		what = "the output"
	}
	if !isTimed(m.Domain) {
		if err := m.WriteFileContext(ctx, out, ys, domain.Layout{Whole: tr.Whole}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %s: %s\n", out, what)
		return nil
	}
	wav, err := writeTimed(ctx, m, out, ys, xs[0].QPM, o.WAV)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s%s: %s, at %s qpm\n", out, wav, what, strconv.FormatFloat(math.Round(midi.QPMOr(xs[0].QPM)*100)/100, 'f', -1, 64))
	return nil
}

// runTransformTest measures the model of the transformation o names on its domain's
// held-out data (--test), and with -o draws -n of those examples through it in rows. The
// model is --model's, else the built-in one of the first domain that measures it.
func runTransformTest(ctx context.Context, reg *domain.Registry, o *transformOptions, stdout io.Writer) error {
	testers := transformTesters(reg, o.Name)
	switch {
	case len(testers) == 0:
		return usagef("--test: %s measures no model; musae eval --model M measures one", o.Name)
	case len(o.Files) != 0:
		return usagef("--test takes no files: it reads the test set of %s", domain.OrList(nouns(asDomains(testers), nil)))
	case o.Temperature.set || o.WAV || len(o.Track) > 0 || len(o.Bar) > 0:
		return usagef("--test takes none of --temperature, --wav, --track and --bar")
	}
	ref := o.Model
	if ref == "" {
		tr, _ := domain.TransformNamed(testers[0], o.Name)
		ref = tr.Builtin
	}
	m, err := reg.OpenAny(ref, "")
	if err != nil {
		return err
	}
	t, ok := m.Domain.(domain.TransformTester)
	tr, has := domain.TransformNamed(m.Domain, o.Name)
	switch {
	case !has:
		return usagef("--model %s is a model of %s; %s --test takes a model of %s", ref, m.Domain.Info().Noun, o.Name, domain.OrList(nouns(asDomains(testers), nil)))
	case !ok:
		return usagef("--test: the %s of %s is measured by musae eval --model %s", o.Name, m.Domain.Info().Noun, ref)
	}
	if err := checkTransform(m, ref, tr); err != nil {
		return err
	}
	if o.Out != "" {
		if err := checkOutputExt(o.Out, m.Domain); err != nil {
			return err
		}
	}
	n := 0
	if o.Out != "" {
		n = max(o.N, 1)
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	rows, names, err := t.TestTransform(ctx, m, o.Name, domain.DataOptions{Dir: o.Data, Dataset: o.Dataset, Limit: o.Limit, Seed: o.Seed}, n, stdout)
	if err != nil || o.Out == "" {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s --test: %s gave no test examples to draw", o.Name, m.Domain.Info().Noun)
	}
	var cells []domain.Example
	for _, r := range rows {
		cells = append(cells, r...)
	}
	if err := m.WriteFileContext(ctx, o.Out, cells, domain.Layout{Rows: len(rows), Cols: len(rows[0])}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (rows: %s)\n", o.Out, strings.Join(names, ", "))
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

// showBars is how many bars a transformation of a whole file prints before and after.
const showBars = 8

// printBeside prints n lines of two renderings (bars, one a line), each line of a above
// b's, from the first line where they differ (or the first that is not blank).
func printBeside(w io.Writer, a, b string, n int) {
	la, lb := strings.Split(strings.TrimRight(a, "\n"), "\n"), strings.Split(strings.TrimRight(b, "\n"), "\n")
	k := min(len(la), len(lb))
	from := slices.IndexFunc(la[:k], func(l string) bool { return strings.ContainsFunc(l, unicode.IsLetter) })
	for i := range k {
		if la[i] != lb[i] {
			from = i
			break
		}
	}
	from = max(from, 0)
	to := min(from+n, k)
	for i := from; i < to; i++ {
		fmt.Fprintf(w, "in  %s\nout %s\n", la[i], lb[i])
	}
	if other := k - (to - from); other > 0 {
		fmt.Fprintf(w, "(bars %d–%d of %d; musae inspect reads the whole file)\n", from+1, to, k)
	}
}
