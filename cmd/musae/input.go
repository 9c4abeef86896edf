package main

import (
	"github.com/spf13/pflag"

	"musae/latent/domain"
)

// inputOptions are the flags of a verb that reads its inputs from files (melodies from
// .mid, digits from .png): --domain, --model, and --track and --bar for the part of a file.
//
// They point into the verb's own options struct instead of being embedded in it, so that
// the struct keeps flat fields and the argv → options tables can still write literals such
// as encodeOptions{Domain: "melody"}, which a promoted field cannot appear in.
type inputOptions struct {
	reg                  *domain.Registry
	domain, model, track *string
	bar                  *int
}

// addFlags registers the input flags with their usual help texts; a verb whose flag means
// something narrower rewords it afterwards through f.Lookup(name).Usage.
func (in inputOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(in.domain, "domain", "", domainFlagHelp(in.reg, "follows from the inputs or --model"))
	f.StringVar(in.model, "model", "", "checkpoint path or built-in model name")
	f.StringVar(in.track, "track", "", "melodies: the track to read, by name or index")
	f.IntVar(in.bar, "bar", 0, "melodies: the bar the 2-bar window starts at, from 1 (default: the first window with notes)")
}

// complete checks --bar and settles the domain from --domain, the extensions of files and
// --model (see inputDomain), so that a verb refuses a bad command line before it opens a model.
func (in inputOptions) complete(files []string) error {
	if *in.bar < 0 {
		return usagef("--bar %d: bars count from 1", *in.bar)
	}
	d, err := inputDomain(in.reg, *in.domain, *in.model, files)
	if err != nil {
		return err
	}
	*in.domain = d
	return nil
}
