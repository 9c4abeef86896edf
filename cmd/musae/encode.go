package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/spf13/cobra"

	"musae/latent"
	"musae/latent/domain"
)

type encodeOptions struct {
	Domain, Model, Out string
	Track              []string // --track: once for every input, or once per input (readOptions)
	Bar                []int
	Bars               int // --bars: the domain whose examples are so many bars long
	Files              []string
	Cond               domain.Conditions // --chords and the other conditions, for inputs without their own
}

func newEncodeCmd(reg *domain.Registry, runF func(*encodeOptions) error) *cobra.Command {
	o := &encodeOptions{}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar, bars: &o.Bars}
	cmd := &cobra.Command{
		Use:   "encode FILE... [--model M] [--track T] [--bar N] -o z.json",
		Short: "Write the posterior mean and log-variance of each input (.mid or .png) as JSON",
		Long: `Encode each input to the posterior's mean (mu) and log-variance and write them as JSON,
with the model's name, domain and latent size; "musae decode" turns the file back into
melodies or digits, and the vectors can be edited in between (an entry's "z", when
present, is decoded instead of its "mu").

Melodies: the 2-bar window of each MIDI file (the first with notes, or --bar N; --track
picks the track; each flag once for every file, or once per file in order). Digits: each PNG fitted to 28×28 as MNIST's digits are. -o - writes
the JSON to standard output.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("name the files to encode: musae encode x.mid y.mid -o z.json")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if err := in.complete(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runEncode(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in.addFlags(f)
	f.Lookup("model").Usage = "checkpoint path or built-in model name (default: the domain's built-in model)"
	f.StringVarP(&o.Out, "output", "o", "z.json", "the JSON file to write (- for standard output)")
	addConditionFlags(f, reg, &o.Cond, "default: each input's own; a flag gives it to inputs without")
	return cmd
}

// latentFile is the JSON that encode writes and decode reads.
type latentFile = domain.Latents

func runEncode(ctx context.Context, reg *domain.Registry, o *encodeOptions, stdout io.Writer) error {
	m, err := openModelFor(reg, o.Model, o.Domain, o.Files)
	if err != nil {
		return err
	}
	in, err := encodeInputs(ctx, reg, m, o.Files, readOptions(o.Track, o.Bar, len(o.Files)), o.Cond)
	if err != nil {
		return err
	}
	b, err := m.Latents(modelRef(reg, o.Model, m.Meta.Domain), in.Examples, in.Mu, in.Logvar).Marshal()
	if err != nil {
		return err
	}
	if o.Out == "-" {
		_, err := stdout.Write(b)
		return err
	}
	if err := writeFileAtomic(o.Out, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s\n", describeModel(m))
	for i, f := range in.Files {
		fmt.Fprintf(stdout, "%s, %s: |mu| %.2f, mean sigma %.3f\n", f, in.Examples[i].Where, latent.Norm(in.Mu[i]), meanSigma(in.Logvar[i]))
	}
	fmt.Fprintf(stdout, "wrote %s: %d latent vectors of size %d\n", o.Out, len(in.Files), m.VAE.Z)
	return nil
}

// readLatentFile reads and checks the JSON that encode writes.
func readLatentFile(reg *domain.Registry, path string) (*latentFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return reg.ReadLatents(f, path)
}

// meanSigma is the mean posterior standard deviation exp(logvar/2).
func meanSigma(logvar []float32) float64 {
	var s float64
	for _, x := range logvar {
		s += math.Exp(float64(x) / 2)
	}
	return s / float64(max(1, len(logvar)))
}
