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
	return safetensorsNames(fsys)
}

// safetensorsNames are the names of fsys's NAME.safetensors files.
func safetensorsNames(fsys fs.FS) []string {
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

// FromCheckpoint rebuilds the VAE a checkpoint describes and loads its weights; a
// network that is no VAE (Networker) is refused, saying which verb runs it.
func (r *Registry) FromCheckpoint(c *models.Checkpoint) (*Model, error) {
	return r.fromCheckpoint(c, false)
}

// fromCheckpoint is FromCheckpoint that, with nets, opens the networks that are no VAEs
// too.
func (r *Registry) fromCheckpoint(c *models.Checkpoint, nets bool) (*Model, error) {
	d, net, err := r.domainOf(c)
	if err != nil {
		return nil, err
	}
	if err := r.checkParams(c); err != nil {
		return nil, err
	}
	if net {
		return openNet(d.(Networker), c, nets)
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

// openNet builds the network c holds, of d, and loads its weights; unless nets, it refuses
// it instead, saying which verb runs it.
func openNet(d Networker, c *models.Checkpoint, nets bool) (*Model, error) {
	n, task, err := d.BuildNet(c.Meta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Source, err)
	}
	if !nets {
		verbs := []string{}
		for _, tr := range d.Transforms() {
			if tr.Net && slices.Contains(tr.ModelTasks(), task) {
				verbs = append(verbs, "musae "+tr.Name)
			}
		}
		return nil, Inputf("%s holds %s, a network of %s trained for %s, not a VAE: %s runs it", c.Source, c.Meta.Model, d.Info().Noun, task, OrList(verbs))
	}
	if err := c.Restore(n.Params()); err != nil {
		return nil, err
	}
	meta := c.Meta
	if meta.Task == "" {
		meta.Task = task
	}
	return &Model{Domain: d, Meta: meta, Net: n}, nil
}

// domainOf returns the domain of c's model: the one its Meta.Domain names, or (net) the
// Networker whose networks' checkpoints name it.
func (r *Registry) domainOf(c *models.Checkpoint) (d Domain, net bool, err error) {
	if d, err := r.Lookup(c.Meta.Domain); err == nil {
		return d, false, nil
	}
	for _, d := range r.domains {
		if n, ok := d.(Networker); ok && n.NetDomain() == c.Meta.Domain {
			return d, true, nil
		}
	}
	return nil, false, fmt.Errorf("%s: unknown domain %q", c.Source, c.Meta.Domain)
}

// checkParams refuses a checkpoint whose config is out of bounds or implies another number
// of parameters than its tensors hold (it works before the tensors' values are read).
func (r *Registry) checkParams(c *models.Checkpoint) error {
	d, net, err := r.domainOf(c)
	if err != nil {
		return err
	}
	var n int64
	if net {
		n, err = d.(Networker).NetParams(c.Meta)
	} else {
		n, err = d.Params(c.Meta)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.Source, err)
	}
	return c.CheckParams(n)
}

// Open loads a VAE: ref is a checkpoint path, the name of a built-in model, or "" for
// the default model of the domain called domain. With domain not "", a model of another
// domain is refused, and so is a network that is no VAE (see OpenAny).
func (r *Registry) Open(ref, domain string) (*Model, error) {
	return r.open(ref, domain, false)
}

// OpenAny is Open that opens the networks of a domain that are no VAEs too (Networker:
// Model.Net set, VAE nil), for the verbs of the domains' transformations; ref may also
// name a built-in network. The other verbs take a VAE: Open.
func (r *Registry) OpenAny(ref, domain string) (*Model, error) {
	return r.open(ref, domain, true)
}

func (r *Registry) open(ref, domain string, nets bool) (*Model, error) {
	if ref == "" {
		d, err := r.Lookup(domain)
		if err != nil {
			return nil, err
		}
		ref = d.Info().Models[0]
	}
	c, err := r.checkpoint(ref, nets)
	if err != nil {
		return nil, err
	}
	if domain != "" {
		d, _, err := r.domainOf(c)
		if err != nil {
			return nil, err
		}
		if d.Info().Name != domain && c.Meta.Domain != domain {
			return nil, fmt.Errorf("%s holds a %s model (%s), not a %s one", c.Source, c.Meta.Domain, c.Meta.Model, domain)
		}
	}
	return r.fromCheckpoint(c, nets)
}

// checkpoint reads the checkpoint ref names: a built-in model or network, else a file.
// The message for neither lists the built-in networks only where nets says they are
// taken.
func (r *Registry) checkpoint(ref string, nets bool) (*models.Checkpoint, error) {
	for _, d := range r.domains {
		for _, fsys := range builtinFS(d) {
			if slices.Contains(safetensorsNames(fsys), ref) {
				b, err := fs.ReadFile(fsys, ref+".safetensors")
				if err != nil {
					return nil, err
				}
				return models.ParseCheckpoint(b, "built-in model "+ref)
			}
		}
	}
	if _, err := os.Stat(ref); err == nil || strings.ContainsAny(ref, `/\.`) {
		return r.LoadCheckpoint(ref)
	}
	have := "the built-in models are " + strings.Join(r.Builtin(), ", ")
	if n := r.BuiltinNets(); nets && len(n) > 0 {
		have += "; the built-in networks " + strings.Join(n, ", ")
	}
	return nil, fmt.Errorf("no model %q: not a file, and %s", ref, have)
}

// builtinFS are the file systems of d's built-in models: its VAEs' (Builtin), and its
// networks' (Networker.Nets).
func builtinFS(d Domain) []fs.FS {
	var out []fs.FS
	if fsys := d.Builtin(); fsys != nil {
		out = append(out, fsys)
	}
	if n, ok := d.(Networker); ok && n.Nets() != nil {
		out = append(out, n.Nets())
	}
	return out
}

// BuiltinNets returns the names of the networks that are no VAEs built into the program
// (Networker.Nets), sorted; OpenAny opens them.
func (r *Registry) BuiltinNets() []string {
	var names []string
	for _, d := range r.domains {
		if n, ok := d.(Networker); ok && n.Nets() != nil {
			names = append(names, safetensorsNames(n.Nets())...)
		}
	}
	sort.Strings(names)
	return names
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
