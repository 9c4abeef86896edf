package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"musae/latent"
	"musae/latent/domain"
)

type encodeOptions struct {
	Domain, Model, Track, Out string
	Bar                       int
	Files                     []string
}

func newEncodeCmd(reg *domain.Registry, runF func(*encodeOptions) error) *cobra.Command {
	o := &encodeOptions{}
	in := inputOptions{reg: reg, domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar}
	cmd := &cobra.Command{
		Use:   "encode FILE... [--model M] [--track T] [--bar N] -o z.json",
		Short: "Write the posterior mean and log-variance of each input (.mid or .png) as JSON",
		Long: `Encode each input to the posterior's mean (mu) and log-variance and write them as JSON,
with the model's name, domain and latent size; "musae decode" turns the file back into
melodies or digits, and the vectors can be edited in between (an entry's "z", when
present, is decoded instead of its "mu").

Melodies: the 2-bar window of each MIDI file (the first with notes, or --bar N; --track
picks the track). Digits: each PNG fitted to 28×28 as MNIST's digits are. -o - writes
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
	return cmd
}

// latentFile is the JSON that encode writes and decode reads.
type latentFile struct {
	Model      string        `json:"model"`                // canonical config name, such as "mel2-tiny"
	Checkpoint string        `json:"checkpoint,omitempty"` // the checkpoint (absolute path) or built-in model that encoded
	Domain     string        `json:"domain"`
	Z          int           `json:"z"` // latent size
	Entries    []latentEntry `json:"entries"`
}

// latentEntry is one input of a latentFile.
type latentEntry struct {
	File   string    `json:"file,omitempty"`
	Where  string    `json:"where,omitempty"` // which part of the file was encoded
	QPM    float64   `json:"qpm,omitempty"`   // melodies: the input's tempo
	Mu     []float32 `json:"mu,omitempty"`
	Logvar []float32 `json:"logvar,omitempty"`
	Z      []float32 `json:"z,omitempty"` // decoded instead of Mu when present
}

func runEncode(ctx context.Context, reg *domain.Registry, o *encodeOptions, stdout io.Writer) error {
	m, err := openModelFor(reg, o.Model, o.Domain, o.Files)
	if err != nil {
		return err
	}
	in, err := encodeInputs(m, o.Files, o.Track, o.Bar)
	if err != nil {
		return err
	}
	lf := latentFile{Model: m.Meta.Model, Checkpoint: modelRef(reg, o.Model, m.Meta.Domain), Domain: m.Meta.Domain, Z: m.VAE.Z}
	for i, x := range in.Examples {
		lf.Entries = append(lf.Entries, latentEntry{File: in.Files[i], Where: x.Where, QPM: x.QPM, Mu: in.Mu[i], Logvar: in.Logvar[i]})
	}
	b, err := lf.marshal()
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

// marshal writes the file as indented JSON with each vector on one line, so that a
// person can read and edit it.
func (lf *latentFile) marshal() ([]byte, error) {
	var b bytes.Buffer
	field := func(indent, name string, v any, last bool) error {
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		sep := ","
		if last {
			sep = ""
		}
		fmt.Fprintf(&b, "%s%q: %s%s\n", indent, name, j, sep)
		return nil
	}
	b.WriteString("{\n")
	for _, f := range []struct {
		name string
		v    any
	}{{"model", lf.Model}, {"checkpoint", lf.Checkpoint}, {"domain", lf.Domain}, {"z", lf.Z}} {
		if err := field("  ", f.name, f.v, false); err != nil {
			return nil, err
		}
	}
	b.WriteString("  \"entries\": [\n")
	for i, e := range lf.Entries {
		b.WriteString("    {\n")
		type kv struct {
			name string
			v    any
		}
		var fs []kv
		if e.File != "" {
			fs = append(fs, kv{"file", e.File})
		}
		if e.Where != "" {
			fs = append(fs, kv{"where", e.Where})
		}
		if e.QPM != 0 {
			fs = append(fs, kv{"qpm", e.QPM})
		}
		for _, v := range []kv{{"mu", e.Mu}, {"logvar", e.Logvar}, {"z", e.Z}} {
			if v.v.([]float32) != nil {
				fs = append(fs, v)
			}
		}
		for j, f := range fs {
			if err := field("      ", f.name, f.v, j == len(fs)-1); err != nil {
				return nil, err
			}
		}
		if i < len(lf.Entries)-1 {
			b.WriteString("    },\n")
		} else {
			b.WriteString("    }\n")
		}
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes(), nil
}

// readLatentFile reads and checks the JSON that encode writes.
func readLatentFile(reg *domain.Registry, path string) (*latentFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lf latentFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lf); err != nil {
		return nil, fmt.Errorf("read %s: not the JSON that musae encode writes: %w", path, err)
	}
	switch {
	case !slices.Contains(reg.Names(), lf.Domain):
		return nil, fmt.Errorf("read %s: domain %q: want %s", path, lf.Domain, orList(reg.Names()))
	case lf.Z <= 0:
		return nil, fmt.Errorf("read %s: z %d: want the model's latent size", path, lf.Z)
	case len(lf.Entries) == 0:
		return nil, fmt.Errorf("read %s: no entries", path)
	}
	for i, e := range lf.Entries {
		v, field := e.Mu, "mu"
		if e.Z != nil {
			v, field = e.Z, "z"
		}
		if len(v) != lf.Z {
			return nil, fmt.Errorf("read %s: entry %d (%s): %s has %d values, but the file's z size is %d", path, i+1, e.File, field, len(v), lf.Z)
		}
		for j, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("read %s: entry %d (%s): %s[%d] is %v", path, i+1, e.File, field, j, x)
			}
		}
	}
	return &lf, nil
}

// vector is the latent vector an entry stands for: its z when given, else its mu.
func (e latentEntry) vector() []float32 {
	if e.Z != nil {
		return e.Z
	}
	return e.Mu
}

// meanSigma is the mean posterior standard deviation exp(logvar/2).
func meanSigma(logvar []float32) float64 {
	var s float64
	for _, x := range logvar {
		s += math.Exp(float64(x) / 2)
	}
	return s / float64(max(1, len(logvar)))
}
