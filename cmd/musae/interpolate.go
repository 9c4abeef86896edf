package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent"
	"musae/latent/domain"
)

type interpolateOptions struct {
	Domain, Model, Out, Mode string
	Track                    []string // --track: once for every input, or once per input (readOptions)
	Bar                      []int
	Bars                     int // --bars: the domain whose examples are so many bars long
	Steps                    int
	GridRows, GridCols       int
	Temperature              float64
	Seed                     uint64
	Cond                     domain.Conditions // --meter and the other conditions, where given
	Each, WAV                bool
	Key                      string // --key: the key to move the steps to
	Files                    []string
}

func newInterpolateCmd(reg *domain.Registry, runF func(*interpolateOptions) error) *cobra.Command {
	o := &interpolateOptions{}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar, bars: &o.Bars}
	var grid string
	cmd := &cobra.Command{
		Use:   "interpolate A B [--steps 5] [--mode slerp|lerp] -o OUT  |  interpolate A B C D --grid 5x5 -o OUT",
		Short: "Morph between inputs through the latent space: melodies (.mid) or digits (.png)",
		Long: `Encode the inputs' posterior means, interpolate between them (slerp by default, both
endpoints included), decode every step, and write the result.

Melodies: the 2-bar window of each input (the first with notes, or --bar N) of its melody
track (chosen automatically, or --track T) gives one MIDI file with the steps in sequence at the first input's tempo, a bar
of rest between them; --each also writes one file per step, and --wav a WAV file beside
each MIDI file (musae's synthesiser, as musae render plays it). Decoding is greedy (argmax) at
temperature 0, or sampled at --temperature T with --seed. -o OUT.musicxml or OUT.abc
writes the steps as a score instead. Across meters the rule is: every step decodes in the
first input's meter (A's; --meter gives another), so a waltz morphed with a jig is a waltz
ending near the jig's tune, and the steps' MIDI file and score are in that meter. A model
of every meter (mel2-meters, the default) reads each input in its own meter (two bars: 24 sixteenths
of 3/4 or 6/8, 36 of 9/8; the bars that fill 32 of 4/4, 2/2, 2/4 or 4/2); a model of 4/4
windows (mel2-tiny) refuses an input in 3/4, 6/8 or another meter, naming it. --bars 16
morphs whole 16-bar phrases with the 16-bar model of every meter
(hier16-meters; --model hier16-c64 for the one of 4/4 phrases).
Digits: a PNG strip, or with four inputs and --grid RxC a grid whose corners are the inputs
(top-left, top-right, bottom-left, bottom-right); for melodies the grid is a MIDI palette,
row after row.

--track and --bar hold for every input when given once, or for each input in order when
given once per input, '' or 0 leaving that input's choice automatic:
  musae interpolate song.mid tune.mid --track MELODY --track 0
  musae interpolate song.mid tune.mid --track MELODY --track ''` +
			conditionsHelp(reg, "decode every point under the first input's (a morph between meters takes the first's meter) unless a flag gives another."),
		Args: cobra.RangeArgs(2, 4),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if grid != "" {
				if _, err := fmt.Sscanf(strings.ToLower(grid), "%dx%d", &o.GridRows, &o.GridCols); err != nil || o.GridRows < 2 || o.GridCols < 2 {
					return usagef("--grid %q: want ROWSxCOLS, each at least 2, such as 5x5", grid)
				}
				if len(args) != 4 {
					return usagef("--grid needs four inputs, the corners: top-left, top-right, bottom-left, bottom-right")
				}
			} else if len(args) != 2 {
				return usagef("interpolate takes two inputs (four with --grid); got %d", len(args))
			}
			if err := checkTemperature(o.Temperature); err != nil {
				return err
			}
			if o.Steps < 2 || o.Steps > maxSequence {
				return usagef("--steps %d: want 2 (the endpoints) to %d", o.Steps, maxSequence)
			}
			if o.GridRows*o.GridCols > maxSampleDigits {
				return usagef("--grid %s: at most %d cells", grid, maxSampleDigits)
			}
			if o.Mode != "slerp" && o.Mode != "lerp" {
				return usagef("--mode %q: want slerp or lerp", o.Mode)
			}
			if err := in.complete(args); err != nil {
				return err
			}
			if err := checkWAVFlag(reg, o.WAV, o.Domain); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runInterpolate(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.Lookup("domain").Usage = domainFlagHelp(reg, "follows from the inputs")
	f.StringVarP(&o.Out, "output", "o", "", "output MIDI (default interpolation.mid) or PNG (default interpolation.png)")
	f.StringVar(&o.Mode, "mode", "slerp", "slerp or lerp")
	f.StringVar(&grid, "grid", "", fmt.Sprintf("ROWSxCOLS: a grid from four corner inputs (at most %d cells of pictures, %d of music)", maxSampleDigits, maxSequence))
	f.IntVar(&o.Steps, "steps", 5, fmt.Sprintf("points from A to B, both included (at most %d)", maxSequence))
	addTemperatureFlag(f, &o.Temperature)
	f.Uint64Var(&o.Seed, "seed", 1, "random seed for sampling")
	addConditionFlags(f, reg, &o.Cond, "default: the first input's")
	f.StringVar(&o.Key, "key", "", keyFlagHelp)
	f.BoolVar(&o.Each, "each", false, "melodies: also write one file per step (OUT-01.mid, ...)")
	f.BoolVar(&o.WAV, "wav", false, "melodies: also write a WAV file beside each MIDI file (OUT.wav, and OUT-01.wav, ... with --each)")
	return cmd
}

func runInterpolate(ctx context.Context, reg *domain.Registry, o *interpolateOptions, stdout io.Writer) error {
	if o.Model == "" {
		o.Model = modelForConditions(reg, o.Domain, o.Cond)
	}
	m, err := openModel(reg, o.Model, o.Domain)
	if err != nil {
		return err
	}
	if _, err := toKey(reg, m, nil, o.Key); err != nil {
		return err
	}
	in, err := encodeInputs(ctx, reg, m, o.Files, readOptions(o.Track, o.Bar, len(o.Files)), o.Cond)
	if err != nil {
		return err
	}
	mus := in.Mu
	var zs [][]float32
	rows, cols := 1, o.Steps
	if isTimed(m.Domain) && o.GridRows*o.GridCols > maxSequence {
		return usagef("--grid %dx%d: %s go into one %s, at most %d of them", o.GridRows, o.GridCols, m.Domain.Info().Noun, strings.TrimPrefix(m.Domain.Info().OutputKind, "a "), maxSequence)
	}
	if o.GridRows > 0 {
		rows, cols = o.GridRows, o.GridCols
		zs, err = latent.Grid([4][]float32{mus[0], mus[1], mus[2], mus[3]}, rows, cols, o.Mode)
	} else {
		zs, err = latent.Interpolate(mus[0], mus[1], o.Steps, o.Mode)
	}
	if err != nil {
		return err
	}
	info := m.Domain.Info()
	ext := info.Outputs[0]
	rng := rand.New(rand.NewPCG(o.Seed, 0x696e74))
	conds := under(len(zs), m.ConditionsOf(in.Examples[0], o.Cond))
	if !isTimed(m.Domain) {
		if o.WAV {
			return wavError(reg, m.Domain, m.Meta.Model)
		}
		out := defaultString(o.Out, "interpolation"+ext)
		if err := checkOutputExt(out, m.Domain); err != nil {
			return err
		}
		xs, err := decodeFor(ctx, m, zs, conds, o.Temperature, rng)
		if err != nil {
			return err
		}
		if err := m.WriteFileContext(ctx, out, xs, domain.Layout{Rows: rows, Cols: cols}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d×%d %s by %s, %s\n", out, rows, cols, info.Noun, m.Meta.Model, o.Mode)
		return nil
	}
	out := defaultString(o.Out, "interpolation"+ext)
	if err := checkOutputExt(out, m.Domain); err != nil {
		return err
	}
	steps, err := decodeFor(ctx, m, zs, conds, o.Temperature, rng)
	if err != nil {
		return err
	}
	if steps, err = toKey(reg, m, steps, o.Key); err != nil {
		return err
	}
	for i, x := range in.Examples {
		fmt.Fprintf(stdout, "input %c: %s, %s\n%s", 'A'+i, in.Files[i], x.Where, show(m.Domain, x))
	}
	qpm := in.Examples[0].QPM
	if e := strings.ToLower(filepath.Ext(out)); slices.Contains(info.Outputs, e) {
		ext = e // the steps' own files take -o's format
	}
	for i, x := range steps {
		fmt.Fprintf(stdout, "step %d of %d (row %d, column %d):\n%s", i+1, len(steps), i/cols+1, i%cols+1, show(m.Domain, x))
		if o.Each {
			p := withExt(out, fmt.Sprintf("-%02d%s", i+1, ext))
			if _, err := writeTimed(ctx, m, p, steps[i:i+1], qpm, o.WAV); err != nil {
				return err
			}
		}
	}
	wav, err := writeTimed(ctx, m, out, steps, qpm, o.WAV)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s%s: %d steps at %.0f qpm, a bar of rest between them\n", out, wav, len(steps), qpm)
	if o.Each {
		what := info.OutputKind // "a MIDI file"
		if o.WAV {
			what = strings.TrimSuffix(what, " file") + " and a WAV file"
		}
		fmt.Fprintf(stdout, "and %s per step: %s-01 to -%02d\n", what, withExt(out, ""), len(steps))
	}
	return nil
}
