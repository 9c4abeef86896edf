package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Latents is the JSON file of latent vectors that musae encode writes and musae decode
// reads: the model that encoded them, and one entry per input. An entry's Z, when a
// person or program sets it, is decoded instead of its Mu.
type Latents struct {
	Model      string        `json:"model"`                // canonical config name, such as "mel2-tiny"
	Checkpoint string        `json:"checkpoint,omitempty"` // the checkpoint (absolute path) or built-in model that encoded
	Domain     string        `json:"domain"`
	Z          int           `json:"z"` // latent size
	Entries    []LatentEntry `json:"entries"`
}

// LatentEntry is one input of a Latents file.
type LatentEntry struct {
	File  string  `json:"file,omitempty"`
	Where string  `json:"where,omitempty"` // which part of the file was encoded
	QPM   float64 `json:"qpm,omitempty"`   // the input's tempo, for examples that play in time
	// Conditions are the input's own (its meter), which musae decode decodes the entry
	// under unless told others.
	Conditions Conditions `json:"conditions,omitempty"`
	Mu         []float32  `json:"mu,omitempty"`
	Logvar     []float32  `json:"logvar,omitempty"`
	Z          []float32  `json:"z,omitempty"` // decoded instead of Mu when present
}

// Latents returns the file of examples xs that m encoded to mu and logvar; ref names the
// model for a later decode (a checkpoint's absolute path, or a built-in model's name).
func (m *Model) Latents(ref string, xs []Example, mu, logvar [][]float32) *Latents {
	lf := &Latents{Model: m.Meta.Model, Checkpoint: ref, Domain: m.Meta.Domain, Z: m.VAE.Z}
	for i, x := range xs {
		lf.Entries = append(lf.Entries, LatentEntry{File: x.Source, Where: x.Where, QPM: x.QPM, Conditions: m.ConditionsOf(x, nil), Mu: mu[i], Logvar: logvar[i]})
	}
	return lf
}

// Marshal writes the file as indented JSON with each vector on one line, so that a
// person can read and edit it.
func (lf *Latents) Marshal() ([]byte, error) {
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
		if len(e.Conditions) > 0 {
			fs = append(fs, kv{"conditions", e.Conditions})
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

// ReadLatents reads and checks the JSON that Marshal writes (musae encode's), from a file
// called path in errors: its domain must be one of r's, and every vector finite and of
// the file's latent size.
func (r *Registry) ReadLatents(rd io.Reader, path string) (*Latents, error) {
	var lf Latents
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lf); err != nil {
		return nil, fmt.Errorf("read %s: not the JSON that musae encode writes: %w", path, err)
	}
	switch {
	case !slices.Contains(r.Names(), lf.Domain):
		return nil, fmt.Errorf("read %s: domain %q: want %s", path, lf.Domain, OrList(r.Names()))
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

// Vector is the latent vector an entry stands for: its z when given, else its mu.
func (e LatentEntry) Vector() []float32 {
	if e.Z != nil {
		return e.Z
	}
	return e.Mu
}

// OrList joins words as a message lists choices: "a or b", "a, b or c".
func OrList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
