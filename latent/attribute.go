package latent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNoAttribute is returned (wrapped) by Attributes.Vector for a name the set lacks.
var ErrNoAttribute = errors.New("latent: no such attribute")

// Attribute returns an attribute vector, Mean(with) − Mean(without): the direction from
// the centroid of latent points without an attribute (say, melodies with few notes) to
// the centroid of those with it, as in MusicVAE. Add it with Apply. It returns an error
// when either set is empty or the vectors differ in size.
func Attribute(withZ, withoutZ [][]float32) ([]float32, error) {
	v, err := attribute(withZ, withoutZ)
	if err != nil {
		return nil, fmt.Errorf("latent: attribute: %w", err)
	}
	return v, nil
}

func attribute(withZ, withoutZ [][]float32) ([]float32, error) {
	if len(withZ) == 0 || len(withoutZ) == 0 {
		return nil, fmt.Errorf("%d examples with the attribute and %d without; need at least one of each", len(withZ), len(withoutZ))
	}
	mw, err := Mean(withZ)
	if err != nil {
		return nil, fmt.Errorf("examples with the attribute: %w", err)
	}
	mo, err := Mean(withoutZ)
	if err != nil {
		return nil, fmt.Errorf("examples without the attribute: %w", err)
	}
	if len(mw) != len(mo) {
		return nil, fmt.Errorf("examples with the attribute have size %d, those without %d", len(mw), len(mo))
	}
	return Sub(mw, mo), nil
}

// Count records how many latent points an attribute vector was computed from.
type Count struct {
	With    int `json:"with"`
	Without int `json:"without"`
}

// Attributes is a named set of attribute vectors for one latent size, as stored in an
// attributes file (WriteJSON, ReadAttributes). Every vector has Dim elements, every name
// is an Eval identifier, and Counts holds entries only for names in Vectors.
type Attributes struct {
	Dim     int                  `json:"dim"`
	Vectors map[string][]float32 `json:"vectors"`
	Counts  map[string]Count     `json:"counts,omitempty"`
}

// NewAttributes returns an empty set for latent vectors of size dim.
func NewAttributes(dim int) *Attributes {
	return &Attributes{Dim: dim, Vectors: map[string][]float32{}, Counts: map[string]Count{}}
}

// Learn computes Attribute(withZ, withoutZ) and stores it under name, with its counts.
func (a *Attributes) Learn(name string, withZ, withoutZ [][]float32) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("latent: attribute %w", err)
	}
	v, err := attribute(withZ, withoutZ)
	if err != nil {
		return fmt.Errorf("latent: attribute %q: %w", name, err)
	}
	if err := a.Set(name, v); err != nil {
		return err
	}
	if a.Counts == nil {
		a.Counts = map[string]Count{}
	}
	a.Counts[name] = Count{With: len(withZ), Without: len(withoutZ)}
	return nil
}

// Set stores a copy of v under name, replacing any vector and count there. It returns an
// error for a name that is not an identifier, a vector of the wrong size, or a vector
// with NaN or infinite elements.
func (a *Attributes) Set(name string, v []float32) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("latent: attribute %w", err)
	}
	if err := a.checkVector(name, v); err != nil {
		return fmt.Errorf("latent: %w", err)
	}
	if a.Vectors == nil {
		a.Vectors = map[string][]float32{}
	}
	a.Vectors[name] = clone(v)
	delete(a.Counts, name)
	return nil
}

// Vector returns a copy of the vector stored under name, or an error wrapping
// ErrNoAttribute that lists the names there are.
func (a *Attributes) Vector(name string) ([]float32, error) {
	v, ok := a.Vectors[name]
	if !ok {
		have := "none"
		if len(a.Vectors) > 0 {
			have = strings.Join(a.Names(), ", ")
		}
		return nil, fmt.Errorf("%w %q (have %s)", ErrNoAttribute, name, have)
	}
	return clone(v), nil
}

// Names returns the attribute names in sorted order.
func (a *Attributes) Names() []string {
	names := make([]string, 0, len(a.Vectors))
	for n := range a.Vectors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// CheckDim returns an error unless the set's vectors have size dim, the latent size of
// the model they are to be used with.
func (a *Attributes) CheckDim(dim int) error {
	if a.Dim != dim {
		return fmt.Errorf("latent: attribute vectors of size %d, but the model's latent size is %d", a.Dim, dim)
	}
	return nil
}

// WriteJSON writes the set as one JSON object, {"dim": D, "vectors": {name: [...]},
// "counts": {name: {"with": W, "without": O}}}, names sorted and one vector per line, so
// the same set always gives the same bytes. It validates the set first.
func (a *Attributes) WriteJSON(w io.Writer) error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("latent: write attributes: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\n  \"dim\": %d,\n  \"vectors\": {", a.Dim)
	for i, name := range a.Names() {
		vec, err := json.Marshal(a.Vectors[name])
		if err != nil { // unreachable after validate; kept so a bug cannot write a bad file
			return fmt.Errorf("latent: write attributes: %q: %w", name, err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n    %s: %s", jsonString(name), vec)
	}
	b.WriteString("\n  }")
	sep := ",\n  \"counts\": {"
	for _, name := range a.Names() {
		if c, ok := a.Counts[name]; ok {
			fmt.Fprintf(&b, "%s\n    %s: {\"with\": %d, \"without\": %d}", sep, jsonString(name), c.With, c.Without)
			sep = ","
		}
	}
	if sep == "," {
		b.WriteString("\n  }")
	}
	b.WriteString("\n}\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("latent: write attributes: %w", err)
	}
	return nil
}

// ReadAttributes reads a set that WriteJSON wrote (any JSON layout of the same object
// will do) and checks it: a positive dim, at least one vector, every vector of that size,
// identifier names, counts only for names with a vector. Unknown fields are ignored.
func ReadAttributes(r io.Reader) (*Attributes, error) {
	var raw struct {
		Dim     *int                 `json:"dim"`
		Vectors map[string][]float32 `json:"vectors"`
		Counts  map[string]Count     `json:"counts"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("latent: read attributes: %w", jsonError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("latent: read attributes: data after the JSON object at byte %d", dec.InputOffset())
	}
	if raw.Dim == nil {
		return nil, fmt.Errorf("latent: read attributes: no \"dim\" field")
	}
	a := &Attributes{Dim: *raw.Dim, Vectors: raw.Vectors, Counts: raw.Counts}
	if a.Vectors == nil {
		a.Vectors = map[string][]float32{}
	}
	if a.Counts == nil {
		a.Counts = map[string]Count{}
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("latent: read attributes: %w", err)
	}
	return a, nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// jsonError adds the byte offset to JSON errors that carry one but do not print it.
func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("at byte %d: %w", se.Offset, err)
	}
	if err == io.EOF {
		return fmt.Errorf("empty input: want a JSON object")
	}
	return err
}

func (a *Attributes) validate() error {
	if a.Dim <= 0 {
		return fmt.Errorf("dim %d: want a positive latent size", a.Dim)
	}
	if len(a.Vectors) == 0 {
		return fmt.Errorf("no attribute vectors")
	}
	for _, name := range a.Names() {
		if err := checkName(name); err != nil {
			return fmt.Errorf("attribute %w", err)
		}
		if err := a.checkVector(name, a.Vectors[name]); err != nil {
			return err
		}
	}
	for name, c := range a.Counts {
		if _, ok := a.Vectors[name]; !ok {
			return fmt.Errorf("counts for attribute %q, which has no vector", name)
		}
		if c.With < 0 || c.Without < 0 {
			return fmt.Errorf("attribute %q: negative counts %d and %d", name, c.With, c.Without)
		}
	}
	return nil
}

func (a *Attributes) checkVector(name string, v []float32) error {
	if len(v) != a.Dim {
		return fmt.Errorf("attribute %q has %d values, want dim %d", name, len(v), a.Dim)
	}
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("attribute %q: element %d is %v", name, i, x)
		}
	}
	return nil
}

// checkName accepts what Eval reads as a variable: a letter or _, then letters, digits
// or _.
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("with an empty name")
	}
	for i, r := range name {
		if r == utf8.RuneError || !isIdentRune(r, i == 0) {
			return fmt.Errorf("name %q: want a letter or _ followed by letters, digits or _", name)
		}
	}
	return nil
}

func isIdentRune(r rune, first bool) bool {
	return r == '_' || unicode.IsLetter(r) || (!first && unicode.IsDigit(r))
}
