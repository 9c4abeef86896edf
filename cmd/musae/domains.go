package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"musae/latent/domain"
)

// Where verbs meet the domains: the registry's names for flags and messages, opening
// models, reading inputs, writing outputs. Verbs name no domain; they ask the registry,
// and a domain's optional interfaces (domain.Timed, domain.Pictures, ...) for what only
// some domains do.

// nouns returns the plural nouns of the domains for which keep is true (all when nil).
func nouns(ds []domain.Domain, keep func(domain.Domain) bool) []string {
	var out []string
	for _, d := range ds {
		if keep == nil || keep(d) {
			out = append(out, d.Info().Noun)
		}
	}
	return out
}

// namesOf returns the names of the domains for which keep is true.
func namesOf(reg *domain.Registry, keep func(domain.Domain) bool) []string {
	var out []string
	for _, d := range reg.Domains() {
		if keep(d) {
			out = append(out, d.Info().Name)
		}
	}
	return out
}

func isMeasurer(d domain.Domain) bool { _, ok := d.(domain.Measurer); return ok }
func isPictures(d domain.Domain) bool { _, ok := d.(domain.Pictures); return ok }
func isTimed(d domain.Domain) bool    { _, ok := d.(domain.Timed); return ok }
func isSampled(d domain.Domain) bool  { return d.Info().Mean == "" }

// domainFlagHelp is --domain's help: "mnist or melody", and how it is settled otherwise.
func domainFlagHelp(reg *domain.Registry, otherwise string) string {
	return domain.OrList(reg.Names()) + " (" + otherwise + ")"
}

// checkDomain validates a --domain value; "" means "follow from the model or inputs".
func checkDomain(reg *domain.Registry, d string) error {
	if d == "" || slices.Contains(reg.Names(), d) {
		return nil
	}
	return usagef("--domain %q: want %s", d, domain.OrList(reg.Names()))
}

// sayWhichDomain is the usage error of a verb that was told neither a domain nor a model:
// "say which domain: --domain mnist or --domain melody (or --model)".
func sayWhichDomain(reg *domain.Registry, orElse string) error {
	return usagef("say which domain: %s (or %s)", domainChoices(reg), orElse)
}

// domainChoices lists the --domain flags there are: "--domain mnist or --domain melody".
func domainChoices(reg *domain.Registry) string {
	var alts []string
	for _, n := range reg.Names() {
		alts = append(alts, "--domain "+n)
	}
	return domain.OrList(alts)
}

// openModel opens the VAE named by --model (a path or built-in name) for a domain; with
// no --domain, the domain follows from the model. A model trained for a task is refused
// (checkVAE).
func openModel(reg *domain.Registry, ref, domainName string) (*domain.Model, error) {
	m, err := openAnyModel(reg, ref, domainName)
	if err != nil {
		return nil, err
	}
	if err := checkVAE(m, ref); err != nil {
		return nil, err
	}
	return m, nil
}

// openAnyModel is openModel for the verbs that take a model of a task too (eval, weights).
func openAnyModel(reg *domain.Registry, ref, domainName string) (*domain.Model, error) {
	if ref == "" && domainName == "" {
		return nil, sayWhichDomain(reg, "--model")
	}
	return reg.Open(ref, domainName)
}

// checkVAE refuses m, opened as ref, to the verbs of a VAE (sample, interpolate, encode,
// ...) when it was trained for a task (Meta.Task): its encoder reads damaged inputs and it
// may have trained with no KL weight, so its latent space is no prior to draw from. The
// error names the verb that runs it.
func checkVAE(m *domain.Model, ref string) error {
	if m.Meta.Task == "" {
		return nil
	}
	ref = cmp.Or(ref, m.Meta.Model)
	return domain.Inputf("%s is a model of the task %s, not a VAE of %s: musae %s FILE --model %s runs it (musae eval --model %s measures it)",
		ref, m.Meta.Task, m.Domain.Info().Noun, m.Meta.Task, ref, ref)
}

// domainOfFiles returns the name of the domain whose inputs the files' extensions are,
// or "" when they name none or disagree.
func domainOfFiles(reg *domain.Registry, paths []string) string {
	name := ""
	for _, p := range paths {
		d := reg.ForFile(p)
		if d == nil || (name != "" && d.Info().Name != name) {
			return ""
		}
		name = d.Info().Name
	}
	return name
}

// inputDomain settles a command's domain from --domain, else from the inputs' extensions;
// "" leaves it to --model. Inputs whose extensions name no domain need --domain or --model.
func inputDomain(reg *domain.Registry, domainName, model string, files []string) (string, error) {
	if err := checkDomain(reg, domainName); err != nil {
		return "", err
	}
	if len(files) == 0 {
		return domainName, nil
	}
	fd := domainOfFiles(reg, files)
	switch {
	case fd == "" && domainName == "" && model == "":
		var exts []string
		for _, d := range reg.Domains() {
			exts = append(exts, d.Info().Inputs[0])
		}
		sort.Strings(exts)
		return "", usagef("cannot tell the domain from %s: give %s files, or --domain", strings.Join(files, ", "), domain.OrList(exts))
	case fd != "" && domainName != "" && fd != domainName:
		if d, err := reg.Lookup(domainName); err != nil || !reads(d, files) {
			return "", usagef("--domain %s, but %s are %s inputs", domainName, strings.Join(files, ", "), fd)
		}
	case domainName == "" && model != "" && readers(reg, files) > 1:
		// MIDI files are melodies or drums: the model says which.
	case domainName == "":
		domainName = fd
	}
	return domainName, nil
}

// reads tells whether d reads every one of the files, by their extensions.
func reads(d domain.Domain, files []string) bool {
	for _, f := range files {
		if !slices.Contains(d.Info().Inputs, strings.ToLower(filepath.Ext(f))) {
			return false
		}
	}
	return true
}

// readers counts the domains that read every one of the files.
func readers(reg *domain.Registry, files []string) int {
	n := 0
	for _, d := range reg.Domains() {
		if reads(d, files) {
			n++
		}
	}
	return n
}

// openModelFor opens the model for a command whose inputs are files, and refuses a model
// of another domain than the files' extensions name.
func openModelFor(reg *domain.Registry, ref, domainName string, files []string) (*domain.Model, error) {
	m, err := openModel(reg, ref, domainName)
	if err != nil {
		return nil, err
	}
	if fd := domainOfFiles(reg, files); len(files) > 0 && fd != "" && fd != m.Meta.Domain && !reads(m.Domain, files) {
		return nil, usagef("%s is a %s model, but %s are %s inputs", m.Meta.Model, m.Meta.Domain, strings.Join(files, ", "), fd)
	}
	return m, nil
}

// modelRef names the model a --model value opens, so that a file can point back to it:
// a checkpoint's absolute path, or a built-in model's name.
func modelRef(reg *domain.Registry, ref, domainName string) string {
	if ref == "" {
		if d, err := reg.Lookup(domainName); err == nil {
			return d.Info().Models[0]
		}
		return ""
	}
	if reg.IsBuiltin(ref) {
		return ref
	}
	if abs, err := filepath.Abs(ref); err == nil {
		return abs
	}
	return ref
}

// describeModel names a loaded model for the first line of a command's output.
func describeModel(m *domain.Model) string { return m.String() }

// checkOutputExt refuses an output file whose extension does not fit the domain.
func checkOutputExt(path string, d domain.Domain) error {
	info := d.Info()
	if !slices.Contains(info.Outputs, strings.ToLower(filepath.Ext(path))) {
		return usagef("-o %s: %s are written as %s (%s)", path, info.Noun, info.OutputKind, info.Outputs[0])
	}
	return nil
}

// checkDecodeTemperature refuses a temperature for a domain whose decoder takes none.
func checkDecodeTemperature(reg *domain.Registry, d domain.Domain, t float64) error {
	if info := d.Info(); t != 0 && !isSampled(d) {
		return usagef("--temperature applies to %s; %s decode to %s", domain.OrList(nouns(reg.Domains(), isSampled)), info.Noun, info.Mean)
	}
	return nil
}

// wavError is the usage error of --wav for a domain that does not play.
func wavError(reg *domain.Registry, d domain.Domain, model string) error {
	info := d.Info()
	if model != "" {
		return usagef("--wav is for %s; %s draws %s, which are %s", domain.OrList(nouns(reg.Domains(), isTimed)), model, info.Noun, info.Kind)
	}
	return usagef("--wav is for %s; %s are %s", domain.OrList(nouns(reg.Domains(), isTimed)), info.Noun, info.Kind)
}

// checkWAVFlag refuses --wav early when --domain names a domain that does not play.
func checkWAVFlag(reg *domain.Registry, wav bool, domainName string) error {
	if !wav || domainName == "" {
		return nil
	}
	if d, err := reg.Lookup(domainName); err == nil && !isTimed(d) {
		return wavError(reg, d, "")
	}
	return nil
}

// decodeFor decodes zs at a temperature, which a domain whose decoder takes none ignores,
// in batches, checking ctx between them (domain.Model.DecodeEachContext), vector i under
// conds[i] (conds nil: every vector under the defaults).
func decodeFor(ctx context.Context, m *domain.Model, zs [][]float32, conds []domain.Conditions, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	if !isSampled(m.Domain) {
		temperature, rng = 0, nil
	}
	if conds == nil {
		conds = under(len(zs), nil)
	}
	return m.DecodeEachContext(ctx, zs, conds, temperature, rng)
}

// encodedInputs are a command's input files, read and encoded to the posterior.
type encodedInputs struct {
	Files      []string
	Examples   []domain.Example
	Mu, Logvar [][]float32
}

// encodeInputs reads an example from each file (a melody's 2-bar window, a picture), the
// part of files[i] that ro[i] picks, and encodes them, checking ctx between files and
// batches: each under its own conditions, given filling in those it lacks
// (domain.Model.EncodeUnder).
func encodeInputs(ctx context.Context, reg *domain.Registry, m *domain.Model, files []string, ro []domain.ReadOptions, given domain.Conditions) (*encodedInputs, error) {
	xs, err := readInputs(ctx, reg, m, files, ro)
	if err != nil {
		return nil, err
	}
	// The conditions each is encoded under, which it then carries (to a latent file).
	for i, x := range xs {
		own := m.ConditionsOf(x, nil)
		for k, v := range m.ConditionsOf(domain.Example{}, given) {
			if _, ok := own[k]; !ok {
				xs[i].Conditions = xs[i].Conditions.With(domain.Conditions{k: v})
			}
		}
	}
	mu, logvar, err := m.EncodeUnder(ctx, xs, given)
	if err != nil {
		return nil, err
	}
	return &encodedInputs{Files: files, Examples: xs, Mu: mu, Logvar: logvar}, nil
}

// readInputs reads the part of files[i] that ro[i] picks, checking ctx between files. A
// file the model's domain refuses but another domain of reg reads says so.
func readInputs(ctx context.Context, reg *domain.Registry, m *domain.Model, files []string, ro []domain.ReadOptions) ([]domain.Example, error) {
	xs := make([]domain.Example, 0, len(files))
	for i, p := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x, err := m.ReadFile(p, ro[i])
		if err != nil {
			if d := reg.ReadsAs(p, ro[i], m.Domain); d != nil {
				return nil, fmt.Errorf("%w\n  it holds %s: --domain %s or --model %s reads it", err, d.Info().Noun, d.Info().Name, d.Info().Models[0])
			}
			return nil, err
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// show is an example as a person reads it in a terminal (a melody's step grid in its own
// meter: domain.Shower), or "" for examples that are not text (fmt.Stringer).
func show(d domain.Domain, x domain.Example) string {
	if sh, ok := d.(domain.Shower); ok {
		return sh.Show(x)
	}
	if s, ok := x.Value.(fmt.Stringer); ok {
		return s.String()
	}
	return ""
}

// writeTimed writes examples that play in time to path at qpm, in sequence, and when wav
// is set renders them to a WAV file beside it with the same name (x.mid, x.wav). It
// returns what to add to the name of the file where it is shown: " and x.wav", or "".
// Audio past the synthesiser's limits is refused before either file is written; once ctx
// is done, neither is left half-written.
func writeTimed(ctx context.Context, m *domain.Model, path string, xs []domain.Example, qpm float64, wav bool) (string, error) {
	w := withExt(path, ".wav")
	var sound domain.Sound
	if wav {
		t, ok := m.Domain.(domain.Timed)
		if !ok {
			return "", fmt.Errorf("%s do not play", m.Domain.Info().Noun)
		}
		var err error
		if sound, err = t.Audio(xs, qpm); err != nil {
			return "", fmt.Errorf("%s: %w", w, err)
		}
	}
	if err := m.WriteFileContext(ctx, path, xs, domain.Layout{QPM: qpm}); err != nil {
		return "", err
	}
	if !wav {
		return "", nil
	}
	if err := domain.WriteFile(w, func(f io.Writer) error { return sound.WriteWAV(ctx, f) }); err != nil {
		return "", err
	}
	return " and " + w, nil
}

func isKeyed(d domain.Domain) bool { _, ok := d.(domain.Keyed); return ok }

// toKey moves xs to key (--key), where m's domain has keys; "" leaves them as they are. An
// empty xs only checks the flag.
func toKey(reg *domain.Registry, m *domain.Model, xs []domain.Example, key string) ([]domain.Example, error) {
	if key == "" {
		return xs, nil
	}
	k, ok := m.Domain.(domain.Keyed)
	if !ok {
		info := m.Domain.Info()
		return nil, usagef("--key is for %s; %s draws %s, which are %s", domain.OrList(nouns(reg.Domains(), isKeyed)), m.Meta.Model, info.Noun, info.Kind)
	}
	return k.ToKey(xs, key)
}

// keyFlagHelp is --key's help.
const keyFlagHelp = `music: move every melody to this key (D, Bm, "F# minor"; a minor melody to the relative minor of a major key), its chords with it, and write that key's signature`
