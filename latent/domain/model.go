package domain

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"musae/latent"
	"musae/models"
	"musae/models/atomicfile"
)

// Model is a VAE of one domain, with its provenance; or, opened by Registry.OpenAny, a
// network of the domain that is no VAE (Net, VAE nil), which only the domain's
// transformations run. Its methods are not safe for concurrent use: a model's layers keep
// scratch space.
type Model struct {
	Domain Domain
	Meta   models.Meta
	VAE    *models.VAE
	// Net is the network of a model that is no VAE (Networker); nil for a VAE.
	Net Net
}

// Params returns the model's parameters in PyTorch's order.
func (m *Model) Params() []*models.Param {
	if m.VAE == nil {
		return m.Net.Params()
	}
	return m.VAE.Params()
}

// String names the model for people: "mel2-tiny (melody, z 64, 736474 parameters,
// trained 36000 steps)", with its encoder when it is not the canonical one; a network
// that is no VAE says what it is instead of its domain and latent size ("digits-denoise
// (denoise, 28×28 in, 4385 parameters, trained 9370 steps)").
func (m *Model) String() string {
	if m.VAE == nil {
		return fmt.Sprintf("%s (%s, %d parameters, trained %d steps)", m.Meta.Model, m.Net, models.CountParams(m.Params()), m.Meta.Steps)
	}
	name := m.Meta.Model
	if m.Meta.Encoder != "" {
		name += " with the " + m.Meta.Encoder + " encoder"
	}
	return fmt.Sprintf("%s (%s, z %d, %d parameters, trained %d steps)", name, m.Meta.Domain, m.VAE.Z, models.CountParams(m.Params()), m.Meta.Steps)
}

// CheckScore refuses a non-finite figure of an Eval: a checkpoint's weights are finite
// (the reader checks), so one means the model overflows on this data, and a NaN printed
// as a result would pass for one.
func (m *Model) CheckScore(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("eval: %s scores %s = %v: the model overflows on this data", m, name, v)
	}
	return nil
}

// Z is the latent size.
func (m *Model) Z() int { return m.VAE.Z }

// ReadFile reads the example of a file (or the part of it opt picks), as Domain.Read does.
func (m *Model) ReadFile(path string, opt ReadOptions) (Example, error) {
	return ReadFile(m.Domain, path, opt)
}

// ReadFile reads the example of a file (or the part of it opt picks) with d.Read.
func ReadFile(d Domain, path string, opt ReadOptions) (Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return Example{}, err
	}
	defer f.Close()
	return d.Read(f, path, opt)
}

// ReadFiles reads one example from each file.
func (m *Model) ReadFiles(paths []string, opt ReadOptions) ([]Example, error) {
	xs := make([]Example, 0, len(paths))
	for _, p := range paths {
		x, err := m.ReadFile(p, opt)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// BatchSize is how many examples Encode batches at a time, and what the musae command
// decodes and scores at a time: the memory stays that of one batch however many there
// are, and a cancelled context is seen between batches, a fraction of a second apart.
const BatchSize = 100

// Encode returns the posterior means and log-variances of examples, each [Z].
func (m *Model) Encode(xs []Example) (mu, logvar [][]float32, err error) {
	return m.EncodeContext(context.Background(), xs)
}

// EncodeContext is Encode that stops, with ctx's error, when ctx is done.
func (m *Model) EncodeContext(ctx context.Context, xs []Example) (mu, logvar [][]float32, err error) {
	return m.EncodeUnder(ctx, xs, nil)
}

// EncodeUnder is EncodeContext under conditions: each example is encoded under its own
// conditions that m takes, given filling in those it lacks (nil: none), else their
// defaults (Conditioned.BatchFor reads them); a condition m does not take, or one it needs
// that nothing gives, is an InputError.
func (m *Model) EncodeUnder(ctx context.Context, xs []Example, given Conditions) (mu, logvar [][]float32, err error) {
	if err := m.checkNames(given); err != nil {
		return nil, nil, err
	}
	if len(m.Takes()) > 0 {
		conds, err := m.encodeConditions(xs, given)
		if err != nil {
			return nil, nil, err
		}
		under := make([]Example, len(xs))
		for i, x := range xs {
			under[i] = x
			under[i].Conditions = x.Conditions.With(conds[i])
		}
		xs = under
	}
	zd := m.VAE.Z
	for from := 0; from < len(xs); from += BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		b, err := m.Batch(xs[from:min(from+BatchSize, len(xs))])
		if err != nil {
			return nil, nil, err
		}
		muF, lvF := m.VAE.Enc.Encode(b, false)
		for i := 0; i < b.N; i++ {
			mu = append(mu, append([]float32(nil), muF[i*zd:(i+1)*zd]...))
			logvar = append(logvar, append([]float32(nil), lvF[i*zd:(i+1)*zd]...))
		}
	}
	return mu, logvar, nil
}

// Batch is the batch m's encoder reads of xs, each under the conditions it carries:
// Conditioned.BatchFor where the domain is conditioned, Domain.Batch otherwise.
func (m *Model) Batch(xs []Example) (*models.Batch, error) {
	if cd, ok := m.Domain.(Conditioned); ok {
		return cd.BatchFor(m, xs)
	}
	return m.Domain.Batch(xs)
}

// Decode decodes latent vectors, greedily at temperature 0 (rng may then be nil).
func (m *Model) Decode(zs [][]float32, temperature float64, rng *rand.Rand) ([]Example, error) {
	for i, z := range zs {
		if len(z) != m.VAE.Z {
			return nil, fmt.Errorf("domain: decode: vector %d has %d values, the model's latent size is %d", i+1, len(z), m.VAE.Z)
		}
	}
	return m.Domain.Decode(m, zs, temperature, rng)
}

// DecodeContext is Decode in batches of BatchSize, checking ctx between them, so that a
// long decoding stops on Ctrl-C and holds at most a batch's scratch space at a time. Above
// temperature 0 the batches decide which random numbers each vector gets, as in Decode.
func (m *Model) DecodeContext(ctx context.Context, zs [][]float32, temperature float64, rng *rand.Rand) ([]Example, error) {
	out := make([]Example, 0, len(zs))
	for from := 0; from < len(zs); from += BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		xs, err := m.Decode(zs[from:min(from+BatchSize, len(zs))], temperature, rng)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return out, nil
}

// Sample draws n examples from the prior at a temperature (Info.TemperatureUse).
func (m *Model) Sample(n int, temperature float64, rng *rand.Rand) ([]Example, error) {
	return m.Domain.Sample(m, n, temperature, rng)
}

// Interpolate returns steps latent points from a to b, both included, along the
// great-circle arc ("slerp") or the straight line ("lerp"); see latent.Interpolate.
func (m *Model) Interpolate(a, b []float32, steps int, mode string) ([][]float32, error) {
	return latent.Interpolate(a, b, steps, mode)
}

// Similar returns n latent points near z, each the share similarity of the way from a
// fresh prior sample to z (latent.Similar).
func (m *Model) Similar(z []float32, similarity float64, n int, rng *rand.Rand) ([][]float32, error) {
	return latent.Similar(z, similarity, n, rng)
}

// Attributes learns the domain's attribute vectors from data, when the domain learns
// any (Attributer); w gets what was learnt, log the notes on progress.
func (m *Model) Attributes(ctx context.Context, o DataOptions, w, log io.Writer) (*latent.Attributes, error) {
	a, ok := m.Domain.(Attributer)
	if !ok {
		return nil, fmt.Errorf("%w: %s learn no attribute vectors", ErrUnsupported, m.Domain.Info().Noun)
	}
	return a.Attributes(ctx, m, o, w, log)
}

// WriteFile writes examples to path with the domain's Write, in the format of path's
// extension and titled with its name where the format has titles, atomically: through a
// temporary file beside it, renamed over path once complete.
func (m *Model) WriteFile(path string, xs []Example, l Layout) error {
	return m.WriteFileContext(context.Background(), path, xs, l)
}

// WriteFileContext is WriteFile that gives up once ctx is done, leaving path as it was:
// a large picture stops at its next write instead of being finished after Ctrl-C.
func (m *Model) WriteFileContext(ctx context.Context, path string, xs []Example, l Layout) error {
	if l.Format == "" {
		l.Format = strings.ToLower(filepath.Ext(path))
	}
	if l.Title == "" {
		l.Title = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return WriteFile(path, func(w io.Writer) error {
		cw := &ctxWriter{ctx: ctx, w: w}
		if err := m.Domain.Write(cw, xs, l); err != nil {
			return err
		}
		// A writer that drops its io.Writer's error (gomidi's SMF writer does) returns nil
		// for a file cut short: what ctxWriter refused still fails the file.
		return cw.err
	})
}

// ctxWriter fails every write once its context is done, and remembers the first failure.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
	err error
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if c.err == nil {
		c.err = c.ctx.Err()
	}
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

// WriteFile writes path with write so that an interrupted or killed write leaves neither
// a half-written file nor a temporary one (musae/models/atomicfile).
func WriteFile(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
