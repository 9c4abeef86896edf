package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"musae/cmd/musae/internal/zoo"
	"musae/datasets"
	"musae/midi"
)

type encodeOptions struct {
	Domain, Model, Track, Out string
	Bar                       int
	Files                     []string
}

func newEncodeCmd(runF func(*encodeOptions) error) *cobra.Command {
	o := &encodeOptions{}
	in := inputOptions{domain: &o.Domain, model: &o.Model, track: &o.Track, bar: &o.Bar}
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
			return runEncode(cmd.Context(), o, cmd.OutOrStdout())
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

func runEncode(ctx context.Context, o *encodeOptions, stdout io.Writer) error {
	m, err := openModelFor(o.Model, o.Domain, o.Files)
	if err != nil {
		return err
	}
	in, err := encodeInputs(ctx, m, o.Files, o.Track, o.Bar)
	if err != nil {
		return err
	}
	lf := latentFile{Model: m.Meta.Model, Checkpoint: modelRef(o.Model, m.Meta.Domain), Domain: m.Meta.Domain, Z: m.VAE.Z}
	for i := range in.Files {
		lf.Entries = append(lf.Entries, latentEntry{File: in.Files[i], Where: in.Where[i], QPM: in.QPM[i], Mu: in.Mu[i], Logvar: in.Logvar[i]})
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
		fmt.Fprintf(stdout, "%s, %s: |mu| %.2f, mean sigma %.3f\n", f, in.Where[i], vecNorm(in.Mu[i]), meanSigma(in.Logvar[i]))
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
func readLatentFile(path string) (*latentFile, error) {
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
	case lf.Domain != zoo.MNIST && lf.Domain != zoo.Melody:
		return nil, fmt.Errorf("read %s: domain %q: want %s or %s", path, lf.Domain, zoo.MNIST, zoo.Melody)
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

// openModelFor opens the model for a command whose inputs are files, and refuses a model of
// the other domain than the files' extensions name.
func openModelFor(ref, domain string, files []string) (*zoo.Model, error) {
	m, err := openModel(ref, domain)
	if err != nil {
		return nil, err
	}
	if fd := domainOfFiles(files); len(files) > 0 && fd != "" && fd != m.Meta.Domain {
		return nil, usagef("%s is a %s model, but %s are %s inputs", m.Meta.Model, m.Meta.Domain, strings.Join(files, ", "), fd)
	}
	return m, nil
}

// modelRef names the model a --model value opens, so that a file can point back to it:
// a checkpoint's absolute path, or a built-in model's name.
func modelRef(ref, domain string) string {
	if ref == "" {
		return zoo.DefaultModel(domain)
	}
	if slices.Contains(zoo.Builtin(), ref) {
		return ref
	}
	if abs, err := filepath.Abs(ref); err == nil {
		return abs
	}
	return ref
}

// encodedInputs are a command's input files, read and encoded to the posterior.
type encodedInputs struct {
	Files      []string
	Where      []string      // which part of each file was encoded
	QPM        []float64     // melodies: each file's tempo; 0 for digits
	Melodies   []midi.Melody // melodies: the 2-bar windows
	Digits     [][]float32   // digits: the 28×28 intensities
	Mu, Logvar [][]float32
}

// encodeInputs reads files of m's domain (melodies: the 2-bar window readMelodyInput picks;
// digits: each PNG fitted to 28×28) and encodes them.
func encodeInputs(ctx context.Context, m *zoo.Model, files []string, track string, bar int) (in *encodedInputs, err error) {
	in = &encodedInputs{Files: files}
	if m.Meta.Domain == zoo.Melody {
		for _, p := range files {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			mi, err := readMelodyInput(p, track, bar)
			if err != nil {
				return nil, err
			}
			in.Melodies = append(in.Melodies, mi.Window)
			in.Where = append(in.Where, mi.Where)
			in.QPM = append(in.QPM, mi.QPM)
		}
		if in.Mu, in.Logvar, err = encodeWindows(ctx, m, in.Melodies); err != nil {
			return nil, err
		}
		return in, nil
	}
	digits, err := readDigits(files)
	if err != nil {
		return nil, err
	}
	in.Digits = digits
	for range files {
		in.Where = append(in.Where, "the picture fitted to 28×28")
		in.QPM = append(in.QPM, 0)
	}
	if in.Mu, in.Logvar, err = encodeDigits(ctx, m, digits); err != nil {
		return nil, err
	}
	return in, nil
}

// encodeDigits returns the posterior means and log-variances of 28×28 digits, in batches so
// that a large set does not build one huge batch, checking ctx between them.
func encodeDigits(ctx context.Context, m *zoo.Model, digits [][]float32) (mu, logvar [][]float32, err error) {
	for from := 0; from < len(digits); from += batchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		part := digits[from:min(from+batchSize, len(digits))]
		im := &datasets.Images{N: len(part), Rows: 28, Cols: 28, Pixels: flatten(part)}
		mu1, lv1 := encodeBatch(m, datasets.ImageBatch(im, 0, len(part), false))
		mu, logvar = append(mu, mu1...), append(logvar, lv1...)
	}
	return mu, logvar, nil
}

// encodeWindows encodes melody windows in batches, as encodeDigits does digits.
func encodeWindows(ctx context.Context, m *zoo.Model, windows []midi.Melody) (mu, logvar [][]float32, err error) {
	for from := 0; from < len(windows); from += batchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		mu1, lv1 := encodeMelodies(m, windows[from:min(from+batchSize, len(windows))])
		mu, logvar = append(mu, mu1...), append(logvar, lv1...)
	}
	return mu, logvar, nil
}

// checkOutputExt refuses an output file whose extension does not fit the domain.
func checkOutputExt(path, domain string) error {
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case domain == zoo.MNIST && ext != ".png":
		return usagef("-o %s: digits are written as a PNG picture (.png)", path)
	case domain == zoo.Melody && ext != ".mid" && ext != ".midi":
		return usagef("-o %s: melodies are written as a MIDI file (.mid)", path)
	}
	return nil
}

func vecNorm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// meanSigma is the mean posterior standard deviation exp(logvar/2).
func meanSigma(logvar []float32) float64 {
	var s float64
	for _, x := range logvar {
		s += math.Exp(float64(x) / 2)
	}
	return s / float64(max(1, len(logvar)))
}
