package domain

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"musae/latent"
	"musae/models"
)

// Registry is the set of domains a program knows, in the order given: the first is the
// one listed first in help and messages. A Registry is not changed once made.
type Registry struct {
	domains []Domain
}

// NewRegistry returns a registry of the domains given. Two domains of the same name, or
// two that claim the same model name, are a programmer's error and panic.
func NewRegistry(ds ...Domain) *Registry {
	r := &Registry{}
	seen := map[string]bool{}
	for _, d := range ds {
		info := d.Info()
		if seen["domain "+info.Name] {
			panic(fmt.Sprintf("domain: %q registered twice", info.Name))
		}
		seen["domain "+info.Name] = true
		for _, m := range info.Models {
			if seen["model "+m] {
				panic(fmt.Sprintf("domain: model %q claimed twice", m))
			}
			seen["model "+m] = true
		}
		r.domains = append(r.domains, d)
	}
	return r
}

// Domains returns the registered domains in order.
func (r *Registry) Domains() []Domain { return slices.Clone(r.domains) }

// Names returns the registered domains' names in order.
func (r *Registry) Names() []string {
	var names []string
	for _, d := range r.domains {
		names = append(names, d.Info().Name)
	}
	return names
}

// Lookup returns the domain called name.
func (r *Registry) Lookup(name string) (Domain, error) {
	for _, d := range r.domains {
		if d.Info().Name == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("domain: no domain %q (one of %s)", name, strings.Join(r.Names(), ", "))
}

// ForFile returns the domain that reads files with path's extension, or nil.
func (r *Registry) ForFile(path string) Domain {
	ext := strings.ToLower(filepath.Ext(path))
	for _, d := range r.domains {
		if slices.Contains(d.Info().Inputs, ext) {
			return d
		}
	}
	return nil
}

// ReadsAs returns the first domain other than except that takes path's extension and
// reads an example from it with opt, or nil: a file one domain refuses (the drums of a
// beat, read as a melody) says which domain it belongs to.
func (r *Registry) ReadsAs(path string, opt ReadOptions, except Domain) Domain {
	ext := strings.ToLower(filepath.Ext(path))
	for _, d := range r.domains {
		if (except != nil && d.Info().Name == except.Info().Name) || !slices.Contains(d.Info().Inputs, ext) {
			continue
		}
		if _, err := ReadFile(d, path, opt); err == nil {
			return d
		}
	}
	return nil
}

// Models returns the canonical model names of every domain, in order.
func (r *Registry) Models() []string {
	var names []string
	for _, d := range r.domains {
		names = append(names, d.Info().Models...)
	}
	return names
}

// ForModel returns the domain of a canonical model configuration.
func (r *Registry) ForModel(name string) (Domain, error) {
	for _, d := range r.domains {
		if slices.Contains(d.Info().Models, name) {
			return d, nil
		}
	}
	return nil, fmt.Errorf("unknown model %q (one of %s)", name, strings.Join(r.Models(), ", "))
}

// Builtin returns the names of the models built into the program, sorted.
func (r *Registry) Builtin() []string {
	var names []string
	for _, d := range r.domains {
		names = append(names, builtinNames(d)...)
	}
	sort.Strings(names)
	return names
}

func builtinNames(d Domain) []string {
	fsys := d.Builtin()
	if fsys == nil {
		return nil
	}
	entries, _ := fs.ReadDir(fsys, ".")
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".safetensors"); ok {
			names = append(names, name)
		}
	}
	return names
}

// New returns a freshly initialised model of a canonical configuration, its parameters
// drawn from seed; z > 0 overrides the latent size, and encoder ("" for the canonical
// one) swaps the encoder.
func (r *Registry) New(name string, z int, encoder string, seed uint64) (*Model, error) {
	d, err := r.ForModel(name)
	if err != nil {
		return nil, err
	}
	info := d.Info()
	if encoder == info.Encoder {
		encoder = ""
	}
	meta := models.Meta{Model: name, Domain: info.Name, Seed: seed, Encoder: encoder}
	if meta.Config, err = d.Config(name, z); err != nil {
		return nil, err
	}
	return build(d, meta, rand.New(rand.NewPCG(seed, 0x6d75736165)))
}

func build(d Domain, meta models.Meta, rng *rand.Rand) (*Model, error) {
	vae, err := d.Build(meta, rng)
	if err != nil {
		return nil, err
	}
	return &Model{Domain: d, Meta: meta, VAE: vae}, nil
}

// FromCheckpoint rebuilds the model a checkpoint describes and loads its weights.
func (r *Registry) FromCheckpoint(c *models.Checkpoint) (*Model, error) {
	d, err := r.Lookup(c.Meta.Domain)
	if err != nil {
		return nil, fmt.Errorf("%s: unknown domain %q", c.Source, c.Meta.Domain)
	}
	if err := r.checkParams(c); err != nil {
		return nil, err
	}
	m, err := build(d, c.Meta, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Source, err)
	}
	if err := c.Restore(m.Params()); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadCheckpoint reads the checkpoint at path, refusing it from its header, before its
// tensors are read, when its config is out of bounds or disagrees with its tensors. Code
// that reads a checkpoint itself (to resume training, to strip it to its weights) should
// call it rather than models.LoadCheckpoint.
func (r *Registry) LoadCheckpoint(path string) (*models.Checkpoint, error) {
	return models.LoadCheckpointChecked(path, r.checkParams)
}

// checkParams refuses a checkpoint whose config is out of bounds or implies another number
// of parameters than its tensors hold (it works before the tensors' values are read).
func (r *Registry) checkParams(c *models.Checkpoint) error {
	d, err := r.Lookup(c.Meta.Domain)
	if err != nil {
		return fmt.Errorf("%s: unknown domain %q", c.Source, c.Meta.Domain)
	}
	n, err := d.Params(c.Meta)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Source, err)
	}
	return c.CheckParams(n)
}

// Open loads a model: ref is a checkpoint path, the name of a built-in model, or "" for
// the default model of the domain called domain. With domain not "", a model of another
// domain is refused.
func (r *Registry) Open(ref, domain string) (*Model, error) {
	if ref == "" {
		d, err := r.Lookup(domain)
		if err != nil {
			return nil, err
		}
		ref = d.Info().Models[0]
	}
	c, err := r.checkpoint(ref)
	if err != nil {
		return nil, err
	}
	if domain != "" && c.Meta.Domain != domain {
		return nil, fmt.Errorf("%s holds a %s model (%s), not a %s one", c.Source, c.Meta.Domain, c.Meta.Model, domain)
	}
	return r.FromCheckpoint(c)
}

// checkpoint reads the checkpoint ref names: a built-in model, else a file.
func (r *Registry) checkpoint(ref string) (*models.Checkpoint, error) {
	for _, d := range r.domains {
		if slices.Contains(builtinNames(d), ref) {
			b, err := fs.ReadFile(d.Builtin(), ref+".safetensors")
			if err != nil {
				return nil, err
			}
			return models.ParseCheckpoint(b, "built-in model "+ref)
		}
	}
	if _, err := os.Stat(ref); err == nil || strings.ContainsAny(ref, `/\.`) {
		return r.LoadCheckpoint(ref)
	}
	return nil, fmt.Errorf("no model %q: not a file, and the built-in models are %s", ref, strings.Join(r.Builtin(), ", "))
}

// IsBuiltin reports whether ref names a built-in model.
func (r *Registry) IsBuiltin(ref string) bool { return slices.Contains(r.Builtin(), ref) }

// Open loads a model of one of the domains ds: a checkpoint path or a built-in model's
// name. It is NewRegistry(ds...).Open(ref, "") for a program that uses a domain or two.
func Open(ref string, ds ...Domain) (*Model, error) {
	return NewRegistry(ds...).Open(ref, "")
}

// BuiltinAttributes returns the attribute vectors shipped beside a built-in model's
// weights, NAME.attributes.json in its domain's Builtin (written by musae attribute
// compute; the builtin README says on what data), or nil when there are none.
func (r *Registry) BuiltinAttributes(name string) (*latent.Attributes, error) {
	for _, d := range r.domains {
		if !slices.Contains(builtinNames(d), name) {
			continue
		}
		b, err := fs.ReadFile(d.Builtin(), name+".attributes.json")
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		a, err := latent.ReadAttributes(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("built-in attributes of %s: %w", name, err)
		}
		return a, nil
	}
	return nil, fmt.Errorf("no built-in model %q (the built-in models are %s)", name, strings.Join(r.Builtin(), ", "))
}
