package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"musae/latent/domain"
)

// inputOptions are the flags of a verb that reads its inputs from files (melodies from
// .mid, digits from .png): --domain, --model, and --track and --bar for the part of a file.
//
// They point into the verb's own options struct instead of being embedded in it, so that
// the struct keeps flat fields and the argv → options tables can still write literals such
// as encodeOptions{Domain: "melody"}, which a promoted field cannot appear in.
//
// --track and --bar are given once for every input, or once per input in order (see
// readOptions), so that inputs of different kinds (a POP909 song's MELODY track, a
// Nottingham tune's track 0) go into one command.
type inputOptions struct {
	reg           *domain.Registry
	domain, model *string
	track         *[]string
	bar           *[]int
	bars          *int // --bars: the domain whose examples are so many bars long; nil: no such flag
}

// perInputHelp is the rule for --track and --bar, for the help texts.
const perInputHelp = "; once for every input, or once per input in order"

// addFlags registers the input flags with their usual help texts; a verb whose flag means
// something narrower rewords it afterwards through f.Lookup(name).Usage.
func (in inputOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(in.domain, "domain", "", domainFlagHelp(in.reg, "follows from the inputs or --model"))
	f.StringVar(in.model, "model", "", "checkpoint path or built-in model name")
	// A string array, not a slice: a track's name may hold a comma, and '' must stay a value.
	f.StringArrayVar(in.track, "track", nil, "music (melodies, drums): read track `T`, by name or index ('' or none: chosen automatically)"+perInputHelp)
	if in.bars != nil {
		var lengths []string
		for _, d := range in.reg.Domains() {
			if info := d.Info(); info.Bars > 0 {
				lengths = append(lengths, fmt.Sprintf("%d: %s", info.Bars, info.Noun))
			}
		}
		f.IntVar(in.bars, "bars", 0, "music: read and write phrases of `N` bars, with the model of that length ("+strings.Join(lengths, ", ")+"; 0: as --model or the inputs say)")
	}
	f.IntSliceVar(in.bar, "bar", nil, "music (melodies, drums): start the window (32 sixteenths; 256 with --bars 16) at bar `N`, from 1, counted in the file's own meter (4/4, 2/2, 2/4, 1/4; 0 or none: the first window with notes)"+perInputHelp)
}

// complete checks --bar and the number of --track and --bar values, and settles the domain
// from --domain, the extensions of files and --model (see inputDomain), so that a verb
// refuses a bad command line before it opens a model.
func (in inputOptions) complete(files []string) error {
	for _, b := range *in.bar {
		if b < 0 {
			return usagef("--bar %d: bars count from 1", b)
		}
	}
	if err := checkPerInput("--track", len(*in.track), len(files)); err != nil {
		return err
	}
	if err := checkPerInput("--bar", len(*in.bar), len(files)); err != nil {
		return err
	}
	if in.bars != nil && *in.bars != 0 {
		d, err := domainOfBars(in.reg, *in.bars, *in.domain, files, nil)
		if err != nil {
			return err
		}
		*in.domain = d
	}
	d, err := inputDomain(in.reg, *in.domain, *in.model, files)
	if err != nil {
		return err
	}
	*in.domain = d
	return nil
}

// domainOfBars is the domain --bars n names: the first of reg whose examples are n bars
// long, that reads files and for which keep is true (nil: any). A --domain given must be
// one of them.
func domainOfBars(reg *domain.Registry, n int, domainName string, files []string, keep func(domain.Domain) bool) (string, error) {
	var match, have []string
	for _, d := range reg.Domains() {
		info := d.Info()
		if info.Bars == 0 || !reads(d, files) || (keep != nil && !keep(d)) {
			continue
		}
		have = append(have, fmt.Sprintf("%d (%s)", info.Bars, info.Noun))
		if info.Bars == n {
			match = append(match, info.Name)
		}
	}
	switch {
	case len(match) == 0 && len(have) == 0:
		return "", usagef("--bars %d: no model reads these inputs in bars", n)
	case len(match) == 0:
		return "", usagef("--bars %d: the models here take %s bars", n, domain.OrList(have))
	case domainName != "" && !slices.Contains(match, domainName):
		return "", usagef("--bars %d and --domain %s disagree: %s", n, domainName, domain.OrList(match))
	case domainName != "":
		return domainName, nil
	}
	return match[0], nil
}

// checkPerInput refuses a flag given n times for inputs inputs unless once or once each.
func checkPerInput(flag string, n, inputs int) error {
	if n <= 1 || n == inputs {
		return nil
	}
	if inputs == 1 {
		return usagef("%s given %d times for 1 input: give it once", flag, n)
	}
	return usagef("%s given %d times for %d inputs: give it once for every input, or once per input in order", flag, n, inputs)
}

// readOptions are the ReadOptions of n inputs from --track and --bar values: a flag given
// once holds for every input, given n times its i-th value is the i-th input's, and not
// given it leaves the choice to the domain (inputOptions.complete has checked the counts).
func readOptions(track []string, bar []int, n int) []domain.ReadOptions {
	ro := make([]domain.ReadOptions, n)
	for i := range ro {
		if len(track) > 0 {
			ro[i].Track = track[min(i, len(track)-1)]
		}
		if len(bar) > 0 {
			ro[i].Bar = bar[min(i, len(bar)-1)]
		}
	}
	return ro
}
