package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent/domain"
	"musae/midi"
)

type sampleOptions struct {
	Domain, Model, Out string
	N                  int
	Temperature        optionalFloat
	Seed               uint64
	WAV                bool
	Key                string            // --key: the key to move the samples to
	Cond               domain.Conditions // --meter and the other conditions, where given
}

// Limits of sample's -n. A grid of pictures is one picture, of about 60·√n pixels a side;
// music in a folder is written one file at a time, but a folder of more than a hundred
// thousand files is more than a person or a file browser handles; all.mid, and a single
// -o x.mid, hold at most maxSequence examples (8 hours of 2-bar melodies at 120 qpm).
const (
	maxSampleDigits   = 10000
	maxSampleMelodies = 100000
	maxSequence       = 1000
)

func newSampleCmd(reg *domain.Registry) *cobra.Command {
	o := &sampleOptions{}
	var temps, counts []string
	for _, d := range reg.Domains() {
		info := d.Info()
		temps = append(temps, info.TemperatureUse)
		counts = append(counts, fmt.Sprintf("%d %s", info.Samples, info.Noun))
	}
	cmd := &cobra.Command{
		Use:   "sample --domain " + strings.Join(reg.Names(), "|") + " [-n N] [--temperature T] [--wav] -o OUT",
		Short: "Draw new " + domain.OrList(nouns(reg.Domains(), nil)) + " from the prior: pictures in a PNG grid, music as MIDI files",
		Long: fmt.Sprintf(`Draw latent vectors from the prior and decode them.

Digits: a near-square PNG grid of -n digits (at most %d), -o x.png.
Melodies: -o DIR writes sample-01.mid, sample-02.mid, ... into the folder DIR, one file as
soon as it is decoded, and all.mid with the first %d of them in sequence, a bar of rest
between; -n is at most %d. Files of an earlier sample in DIR (sample-N.mid, sample-N.wav,
all.mid, all.wav) are removed first, so that the folder holds one run and no stale
sample-09.mid stays beside a new all.mid of eight; other files are left alone.
-o x.mid writes the melodies in sequence into that one file instead (-n at most %d).
Interrupted, sample stops within a batch and leaves only complete files.`, maxSampleDigits, maxSequence, maxSampleMelodies, maxSequence) +
			conditionsHelp(reg, "samples decode under the ones given, the others at their defaults."),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDomain(reg, o.Domain); err != nil {
				return err
			}
			if o.Domain == "" && o.Model == "" {
				o.Domain = domainOfConditions(reg, o.Cond)
			}
			if o.N < 0 || cmd.Flags().Changed("n") && o.N == 0 {
				return usagef("-n must be positive")
			}
			if err := checkWAVFlag(reg, o.WAV, o.Domain); err != nil {
				return err
			}
			if o.Temperature.set && o.Temperature.v < 0 {
				return usagef("--temperature must not be negative")
			}
			return runSample(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Domain, "domain", "", domainFlagHelp(reg, "follows from --model, or from a condition only one domain takes (--meter), when omitted"))
	f.StringVar(&o.Model, "model", "", "checkpoint path or built-in model name (default: the domain's built-in model; given conditions, the first built-in one that takes them: --chords, mel2-chords)")
	f.StringVarP(&o.Out, "output", "o", "", "output: a PNG for pictures (default samples.png); a folder (default samples) or one .mid file for music")
	f.IntVarP(&o.N, "n", "n", 0, "how many (default "+strings.Join(counts, "; ")+")")
	f.Var(&o.Temperature, "temperature", strings.Join(temps, "; "))
	f.Uint64Var(&o.Seed, "seed", 1, "random seed")
	addConditionFlags(f, reg, &o.Cond, "")
	f.StringVar(&o.Key, "key", "", keyFlagHelp)
	f.BoolVar(&o.WAV, "wav", false, "music: also write a WAV file beside each MIDI file (sample-01.wav, ..., all.wav)")
	return cmd
}

// sampleLimit is how many examples sample draws into out at most, and why.
func sampleLimit(d domain.Domain, single bool) (int, string) {
	switch {
	case !isTimed(d):
		return maxSampleDigits, "one picture of about 6000×6000 pixels; draw more with several runs and --seed"
	case single:
		return maxSequence, ""
	}
	return maxSampleMelodies, "a run (a file each); draw more with several runs, folders and --seeds"
}

func runSample(ctx context.Context, reg *domain.Registry, o *sampleOptions, stdout io.Writer) error {
	if o.Model == "" {
		o.Model = modelForConditions(reg, o.Domain, o.Cond)
	}
	m, err := openModel(reg, o.Model, o.Domain)
	if err != nil {
		return err
	}
	info := m.Domain.Info()
	ext := info.Outputs[0]
	rng := rand.New(rand.NewPCG(o.Seed, 0x73616d))
	n := defaultInt(o.N, info.Samples)
	temp := o.Temperature.or(info.Temperature)
	// draw draws the next k examples of the run: in batches, so that Ctrl-C is seen between
	// them, from one random source, so that the batches change no example.
	draw := func(k int) ([]domain.Example, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		xs, err := m.SampleUnder(k, o.Cond, temp, rng)
		if err != nil {
			return nil, err
		}
		return toKey(reg, m, xs, o.Key)
	}
	if _, err := toKey(reg, m, nil, o.Key); err != nil {
		return err
	}
	if !isTimed(m.Domain) {
		if o.WAV {
			return wavError(reg, m.Domain, m.Meta.Model)
		}
		if limit, why := sampleLimit(m.Domain, false); n > limit {
			return usagef("-n %d: at most %d %s, %s", n, limit, info.Noun, why)
		}
		out := defaultString(o.Out, "samples"+ext)
		if err := checkOutputExt(out, m.Domain); err != nil {
			return err
		}
		var xs []domain.Example
		for from := 0; from < n; from += batchSize {
			b, err := draw(min(batchSize, n-from))
			if err != nil {
				return err
			}
			xs = append(xs, b...)
		}
		if err := m.WriteFileContext(ctx, out, xs, domain.Layout{}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d %s from %s at temperature %g\n", out, n, info.Noun, m.Meta.Model, temp)
		return nil
	}
	out := defaultString(o.Out, "samples")
	single := false
	if e := strings.ToLower(filepath.Ext(out)); slices.Contains(info.Outputs, e) {
		single = true
		if n > maxSequence {
			return usagef("-o %s holds the %s in one file, at most %d; for more, -o a folder (one file each)", out, info.Noun, maxSequence)
		}
	} else if otherDomainsOutput(reg, m.Domain, e) {
		return usagef("-o %s: %s are written as %s files: -o a folder, or one %s file (--wav adds the WAV files)", out, info.Noun, strings.TrimPrefix(strings.TrimSuffix(info.OutputKind, " file"), "a "), ext)
	}
	if limit, why := sampleLimit(m.Domain, false); n > limit {
		return usagef("-n %d: at most %d %s %s", n, limit, info.Noun, why)
	}
	if !single {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := removeOutputFiles(out, "sample"); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d %s from %s at temperature %g\n", n, info.Noun, m.Meta.Model, temp)
	name := fmt.Sprintf("sample-%%0%dd%s", max(2, len(strconv.Itoa(n))), ext)
	var seq []domain.Example // the first maxSequence, for all.mid
	for from := 0; from < n; from += batchSize {
		xs, err := draw(min(batchSize, n-from))
		if err != nil {
			return err
		}
		for k, x := range xs {
			if len(seq) < maxSequence {
				seq = append(seq, x)
			}
			if single {
				fmt.Fprintf(stdout, "\n%d of %d\n%s", from+k+1, n, show(m.Domain, x))
				continue
			}
			path := filepath.Join(out, fmt.Sprintf(name, from+k+1))
			wav, err := writeTimed(ctx, m, path, xs[k:k+1], midi.DefaultQPM, o.WAV)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "\n%s%s\n%s", path, wav, show(m.Domain, x))
		}
	}
	all := out
	if !single {
		all = filepath.Join(out, "all"+ext)
	}
	wav, err := writeTimed(ctx, m, all, seq, midi.DefaultQPM, o.WAV)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("all %d", n)
	if len(seq) < n {
		what = fmt.Sprintf("the first %d of %d", len(seq), n)
	}
	fmt.Fprintf(stdout, "\n%s%s: %s in sequence, a bar of rest between\n", all, wav, what)
	return nil
}

// otherDomainsOutput reports whether ext is what another domain than d writes, or a WAV or
// JSON file, which no domain's Write makes.
func otherDomainsOutput(reg *domain.Registry, d domain.Domain, ext string) bool {
	if ext == ".wav" || ext == ".json" {
		return true
	}
	for _, o := range reg.Domains() {
		if o.Info().Name != d.Info().Name && slices.Contains(o.Info().Outputs, ext) {
			return true
		}
	}
	return false
}

// isOutputFile reports whether name is one that a verb writing numbered examples into a
// folder writes there: PREFIX-N.mid or .wav, all.mid, all.wav.
func isOutputFile(name, prefix string) bool {
	stem, ext := strings.TrimSuffix(name, filepath.Ext(name)), filepath.Ext(name)
	if ext != ".mid" && ext != ".wav" {
		return false
	}
	if stem == "all" {
		return true
	}
	digits, ok := strings.CutPrefix(stem, prefix+"-")
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}

// removeOutputFiles removes the files an earlier run wrote into dir (isOutputFile), and
// only those, so that a new run's folder holds none of the old run's.
func removeOutputFiles(dir, prefix string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Type().IsRegular() && isOutputFile(e.Name(), prefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func defaultInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func defaultString(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
