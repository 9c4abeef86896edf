package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent/domain"
)

// infillOptions are the options of infill and continue.
type infillOptions struct {
	Domain, Model, Out string
	Track              []string
	Bar                []int
	Keep               string // infill: the bars to keep, "1-4,13-16"
	Bars               int    // continue: the length written, in bars
	Motif              int    // continue: how many bars of the input to keep (0: those with music)
	Steps              int    // gradient steps of the latent search
	Temperature        float64
	Seed               uint64
	WAV                bool
	File               string
	cont               bool
}

func isInfiller(d domain.Domain) bool { _, ok := d.(domain.Infiller); return ok }

// newInfillCmd returns infill, or with cont set continue; runF, when not nil, replaces the
// work (tests pass one to see the options).
func newInfillCmd(reg *domain.Registry, cont bool, runF func(*infillOptions) error) *cobra.Command {
	o := &infillOptions{cont: cont}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar}
	use, short, long := "infill FILE --keep 1-4,13-16 [-o OUT]",
		"Write some bars of a phrase anew, keeping the others, so that the new bars join the kept ones",
		`Read a phrase of FILE (the first window with notes, or --bar N), keep the bars --keep
names (counted from 1 within the phrase) and write the others anew.

The model searches for the latent point that best explains the kept bars (the most
probable z under the prior given them, by gradient steps from the encoder's guess), then
decodes the phrase bar by bar from it with the kept bars forced: each new bar starts from
the last note of the bar before it, and the whole phrase comes from one z, so the new bars
lead into the kept ones after them. Decoding is greedy at temperature 0, or sampled at
--temperature T with --seed. It needs a model whose bars are decoded one by one (a
hierarchical one: hier16-meters, the default, in every meter; hier16-c64 in 4/4).`
	if cont {
		use, short, long = "continue FILE [--bars 16] [-o OUT]",
			"Continue a motif: keep its bars and write the rest of the phrase",
			`Read the motif in FILE (from its first bar, or --bar N), keep its bars (those with music,
or --motif N of them) and write the rest of a phrase of --bars bars, as infill does with
--keep 1-N.`
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if err := checkTemperature(o.Temperature); err != nil {
				return err
			}
			if o.Steps < 0 || o.Steps > 100000 {
				return usagef("--steps %d: want 0 (the default) to 100000", o.Steps)
			}
			if cont {
				if o.Motif < 0 {
					return usagef("--motif %d: want the number of bars to keep, from 1 (0: the bars with music)", o.Motif)
				}
			} else if o.Keep == "" {
				return usagef("say which bars to keep: --keep 1-4,13-16")
			}
			given := o.Domain
			if err := in.complete(args); err != nil {
				return err
			}
			if err := checkWAVFlag(reg, o.WAV, o.Domain); err != nil {
				return err
			}
			if o.Model == "" {
				// The domain whose models infill: the one of --bars, else the first that
				// reads the file.
				d, err := infillDomain(reg, o.Bars, given, o.File)
				if err != nil {
					return err
				}
				o.Domain = d
			}
			if runF != nil {
				return runF(o)
			}
			return runInfill(cmd.Context(), reg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.Lookup("bar").Usage = "music: start the phrase at bar `N`, from 1, counted in the file's own meter (0 or none: the first window with notes)"
	if cont {
		f.IntVar(&o.Bars, "bars", 0, "the length of the phrase written, in bars; picks the model of that length (0: the model's)")
		f.IntVar(&o.Motif, "motif", 0, "how many bars of the input to keep (0: those with music)")
		f.StringVarP(&o.Out, "output", "o", "continuation.mid", "output MIDI (or .musicxml, .abc)")
	} else {
		f.StringVar(&o.Keep, "keep", "", "the bars to keep, counted from 1 within the phrase: 1-4,13-16")
		f.StringVarP(&o.Out, "output", "o", "infill.mid", "output MIDI (or .musicxml, .abc)")
	}
	f.IntVar(&o.Steps, "steps", 0, "gradient steps of the latent search (0: the domain's default)")
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for sampling")
	f.BoolVar(&o.WAV, "wav", false, "also write a WAV file beside the MIDI file")
	return cmd
}

// infillDomain is the domain infill and continue use without --model: with --bars, the one
// of that length that infills; else --domain, or the first that infills and reads file.
func infillDomain(reg *domain.Registry, bars int, domainName, file string) (string, error) {
	if bars != 0 {
		return domainOfBars(reg, bars, domainName, []string{file}, isInfiller)
	}
	if domainName != "" {
		if d, err := reg.Lookup(domainName); err == nil && isInfiller(d) {
			return domainName, nil
		}
	}
	for _, d := range reg.Domains() {
		if isInfiller(d) && reads(d, []string{file}) {
			return d.Info().Name, nil
		}
	}
	if domainName != "" {
		return "", usagef("%s cannot be infilled; %s can (--model or --domain)", domain.OrList(nouns(reg.Domains(), func(d domain.Domain) bool { return d.Info().Name == domainName })), domain.OrList(nouns(reg.Domains(), isInfiller)))
	}
	return "", usagef("no model infills %s", file)
}

// parseBars reads "1-4,13-16" as the bars to keep of n.
func parseBars(s string, n int) ([]bool, error) {
	keep := make([]bool, n)
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err != nil || a < 1 || b < a || b > n {
			return nil, usagef("--keep %q: %q is not a bar or range of bars from 1 to %d (such as 1-4,13-16)", s, part, n)
		}
		for k := a; k <= b; k++ {
			keep[k-1] = true
		}
	}
	return keep, nil
}

// keepRanges writes keep as "1-4, 13-16".
func keepRanges(keep []bool) string {
	var parts []string
	for i := 0; i < len(keep); i++ {
		if !keep[i] {
			continue
		}
		j := i
		for j+1 < len(keep) && keep[j+1] {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(i+1))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", i+1, j+1))
		}
		i = j
	}
	return strings.Join(parts, ", ")
}

func runInfill(ctx context.Context, reg *domain.Registry, o *infillOptions, stdout, stderr io.Writer) error {
	m, err := openModelFor(reg, o.Model, o.Domain, []string{o.File})
	if err != nil {
		return err
	}
	inf, ok := m.Domain.(domain.Infiller)
	if !ok {
		return usagef("%s is a model of %s, which cannot be infilled; %s can", m.Meta.Model, m.Domain.Info().Noun, domain.OrList(nouns(reg.Domains(), isInfiller)))
	}
	if err := checkOutputExt(o.Out, m.Domain); err != nil {
		return err
	}
	n := inf.Bars()
	if o.Bars != 0 && o.Bars != n {
		return usagef("--bars %d: %s writes phrases of %d bars", o.Bars, m.Meta.Model, n)
	}
	xs, err := readInputs(ctx, reg, m, []string{o.File}, readOptions(o.Track, o.Bar, 1))
	if err != nil {
		return err
	}
	x := xs[0]
	var keep []bool
	if o.cont {
		k := o.Motif
		if k == 0 {
			k = inf.Heard(x)
		}
		if k < 1 || k >= n {
			return usagef("%s: the motif fills %d of the %d bars; continue keeps 1 to %d (--motif N)", o.File, k, n, n-1)
		}
		keep = make([]bool, n)
		for i := range k {
			keep[i] = true
		}
	} else if keep, err = parseBars(o.Keep, n); err != nil {
		return err
	}
	if !slices.Contains(keep, false) {
		return usagef("--keep %s keeps all %d bars: leave some to write", o.Keep, n)
	}
	var rng *rand.Rand
	if o.Temperature > 0 {
		rng = rand.New(rand.NewPCG(o.Seed, 0x696e66))
	}
	fmt.Fprintf(stdout, "%s\n%s, %s; keeping bars %s\n", describeModel(m), o.File, x.Where, keepRanges(keep))
	out, err := inf.Infill(ctx, m, x, keep, domain.InfillOptions{Temperature: o.Temperature, Rng: rng, Steps: o.Steps, Log: stderr})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "input:\n%s\nresult:\n%s\n", marked(show(m.Domain, x), keep, "kept", "replaced"), marked(show(m.Domain, out), keep, "kept", "new"))
	also, err := writeTimed(ctx, m, o.Out, []domain.Example{out}, x.QPM, o.WAV)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s%s\n", o.Out, also)
	return nil
}

// marked adds "kept" or "new" to each line of a bar-by-bar view, when it has one line a bar.
func marked(view string, keep []bool, yes, no string) string {
	lines := strings.Split(strings.TrimRight(view, "\n"), "\n")
	if len(lines) != len(keep) {
		return view
	}
	for i := range lines {
		tag := no
		if keep[i] {
			tag = yes
		}
		lines[i] += "  " + tag
	}
	return strings.Join(lines, "\n") + "\n"
}
