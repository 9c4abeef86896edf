package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"musae/latent/domain"
)

// The lesson's verbs on a domain's files: a Restorer's tasks (denoise, elaborate), each
// run by the verb of its name on the files of the domain that has it.

// taskFor returns the domain reading path's extension that has the task called verb, and
// the task.
func taskFor(reg *domain.Registry, verb, path string) (domain.Restorer, domain.Task, bool) {
	r, ok := reg.ForFile(path).(domain.Restorer)
	if !ok {
		return nil, domain.Task{}, false
	}
	for _, t := range r.Tasks() {
		if t.Name == verb {
			return r, t, true
		}
	}
	return nil, domain.Task{}, false
}

// tasksNamed returns the domains with a task called verb, and the task of the first.
func tasksNamed(reg *domain.Registry, verb string) (ds []domain.Restorer, task domain.Task) {
	for _, d := range reg.Domains() {
		if r, ok := d.(domain.Restorer); ok {
			for _, t := range r.Tasks() {
				if t.Name == verb {
					if len(ds) == 0 {
						task = t
					}
					ds = append(ds, r)
				}
			}
		}
	}
	return ds, task
}

// taskInputs lists the file extensions of the domains with a task called verb.
func taskInputs(reg *domain.Registry, verb string) string {
	var exts []string
	ds, _ := tasksNamed(reg, verb)
	for _, d := range ds {
		exts = append(exts, d.Info().Inputs...)
	}
	return strings.Join(exts, ", ")
}

// newTaskCmd returns the verb of a domain task that only domains have (elaborate).
func newTaskCmd(reg *domain.Registry, verb string) *cobra.Command {
	o := &restoreOptions{}
	ds, task := tasksNamed(reg, verb)
	what := "run a model of the task " + verb
	if len(ds) > 0 {
		what = task.Short
	}
	cmd := &cobra.Command{
		Use:   verb + " FILE [-o OUT] [--model M] [--track T]",
		Short: strings.ToUpper(what[:1]) + what[1:] + " (" + strings.Join(nouns(asDomains(ds), nil), ", ") + ")",
		Long:  taskLong(reg, verb, what),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one file (%s)", verb, taskInputs(reg, verb))
			}
			o.Files, o.modelSet = args, cmd.Flags().Changed("model")
			return runTask(cmd.Context(), reg, verb, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "", "model of the task (default: the built-in one of the file's domain)")
	f.StringVarP(&o.Out, "output", "o", "", "output file (default: INPUT-"+verb+"d and INPUT's extension)")
	f.StringVar(&o.Track, "track", "", "the track to read, by name or index (default: the most melodic)")
	addTaskSampling(f, o)
	return cmd
}

func asDomains(rs []domain.Restorer) []domain.Domain {
	ds := make([]domain.Domain, len(rs))
	for i, r := range rs {
		ds[i] = r
	}
	return ds
}

// taskLong describes a domain task's verb: what it does and the built-in model of each
// domain that has it.
func taskLong(reg *domain.Registry, verb, what string) string {
	ds, _ := tasksNamed(reg, verb)
	var lines []string
	for _, d := range ds {
		for _, t := range d.Tasks() {
			if t.Name == verb {
				lines = append(lines, fmt.Sprintf("  %s (%s): %s; built-in model %s", d.Info().Noun, strings.Join(d.Info().Inputs, " "), t.Short, t.Builtin))
			}
		}
	}
	return strings.ToUpper(what[:1]) + what[1:] + `. The whole file goes, window by window,
through a model trained to map damaged examples to clean ones (musae train --task ` + verb + `),
decoded greedily; the verb writes the result and prints the first bars before and after.

` + strings.Join(lines, "\n") + `

How well the model does on held-out data: musae eval --model MODEL.`
}

// runTask runs the file through a model of the task verb of its domain and writes the
// result.
func runTask(_ context.Context, reg *domain.Registry, verb string, o *restoreOptions, stdout io.Writer) error {
	path := o.Files[0]
	d, task, ok := taskFor(reg, verb, path)
	if !ok {
		return usagef("%s: %s reads %s files", path, verb, taskInputs(reg, verb))
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ref := task.Builtin
	if o.modelSet {
		ref = o.Model
	}
	m, err := openModel(reg, ref, d.Info().Name)
	if err != nil {
		return err
	}
	if o.Temperature < 0 {
		return usagef("--temperature %g: want 0 (greedy) or more", o.Temperature)
	}
	if m.Meta.Task != verb {
		what := "a model of " + m.Meta.Task
		if m.Meta.Task == "" {
			what = "a VAE of " + d.Info().Noun
		}
		return usagef("--model %s is %s; %s needs a model trained with --task %s (built in: %s)", ref, what, verb, verb, task.Builtin)
	}
	out := o.Out
	if out == "" {
		out = strings.TrimSuffix(path, filepath.Ext(path)) + "-" + verb + "d" + filepath.Ext(path)
	}
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
	}
	res, in, err := d.Restore(m, f, path, domain.ReadOptions{Track: o.Track}, o.Temperature, rand.New(rand.NewPCG(o.Seed, 0x746173)))
	if err != nil {
		return err
	}
	if err := m.WriteFile(out, []domain.Example{res}, domain.Layout{QPM: res.QPM}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s (%s, trained %d steps)\nread %s: %s\n", ref, m.Meta.Task, m.Meta.Steps, path, in.Where)
	if t, ok := m.Domain.(domain.Timed); ok {
		same, total := t.Compare(in, res)
		fmt.Fprintf(stdout, "changed %d of %d steps\n", total-same, total)
	}
	if s, ok := in.Value.(fmt.Stringer); ok {
		printBeside(stdout, s.String(), res.Value.(fmt.Stringer).String(), showBars)
	}
	fmt.Fprintf(stdout, "wrote %s\n", out)
	return nil
}

// showBars is how many bars runTask prints before and after.
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

// addTaskSampling adds the flags of a domain task's decoding.
func addTaskSampling(f *pflag.FlagSet, o *restoreOptions) {
	f.Float64Var(&o.Temperature, "temperature", 0, "a domain task: 0 decodes greedily; above 0, sample each step at this temperature")
	if f.Lookup("seed") == nil {
		f.Uint64Var(&o.Seed, "seed", 1, "random seed of the sampling (--temperature)")
	}
}
