package latent

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestAttribute(t *testing.T) {
	// Toy set: dimension 0 carries the attribute, dimension 1 is noise that cancels.
	with := [][]float32{{3, 1}, {5, -1}, {4, 0}}
	without := [][]float32{{1, 2}, {-1, -2}}
	v, err := Attribute(with, without)
	if err != nil {
		t.Fatal(err)
	}
	approxVec(t, "attribute vector", v, []float32{4, 0}, 0)
	// Moving a point without the attribute by the vector lands at the "with" centroid's
	// offset.
	approxVec(t, "Apply", Apply([]float32{0, 2}, v, 1), []float32{4, 2}, 0)
	approxVec(t, "Apply ½", Apply([]float32{0, 2}, v, 0.5), []float32{2, 2}, 0)

	for _, tc := range []struct {
		name          string
		with, without [][]float32
		want          string
	}{
		{"no with", nil, without, "0 examples with"},
		{"no without", with, [][]float32{}, "and 0 without"},
		{"ragged with", [][]float32{{1, 2}, {1}}, without, "with the attribute: latent: mean: vector 1 has size 1"},
		{"sizes differ", with, [][]float32{{1, 2, 3}}, "size 2, those without 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Attribute(tc.with, tc.without)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "latent: attribute: ") {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestAttributesJSONRoundTrip(t *testing.T) {
	a := NewAttributes(3)
	if err := a.Learn("note_density", [][]float32{{1, 2, 3}, {3, 2, 1}}, [][]float32{{0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Set("Höhe", []float32{0.1, -1e-30, 3.4028235e38}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := a.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	want := `{
  "dim": 3,
  "vectors": {
    "Höhe": [0.1,-1e-30,3.4028235e+38],
    "note_density": [2,2,2]
  },
  "counts": {
    "note_density": {"with": 2, "without": 1}
  }
}
`
	if buf.String() != want {
		t.Errorf("WriteJSON wrote\n%s\nwant\n%s", buf.String(), want)
	}
	b, err := ReadAttributes(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b.Dim != 3 || !slices.Equal(b.Names(), []string{"Höhe", "note_density"}) {
		t.Fatalf("read back dim %d, names %v", b.Dim, b.Names())
	}
	for _, name := range a.Names() {
		va, _ := a.Vector(name)
		vb, err := b.Vector(name)
		if err != nil || !slices.Equal(va, vb) {
			t.Errorf("%s: read back %v (%v), want %v exactly", name, vb, err, va)
		}
	}
	if b.Counts["note_density"] != (Count{With: 2, Without: 1}) || len(b.Counts) != 1 {
		t.Errorf("counts read back as %v", b.Counts)
	}

	// Vector hands out copies.
	v, _ := b.Vector("note_density")
	v[0] = 99
	if w, _ := b.Vector("note_density"); w[0] != 2 {
		t.Error("Vector returned the stored slice itself")
	}

	// Set replaces the vector and drops the stale count.
	if err := b.Set("note_density", []float32{1, 1, 1}); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Counts["note_density"]; ok {
		t.Error("Set kept the count of the vector it replaced")
	}
}

func TestAttributesErrors(t *testing.T) {
	a := NewAttributes(2)
	_ = a.Set("up", []float32{1, 0})
	_, err := a.Vector("down")
	if !errors.Is(err, ErrNoAttribute) || !strings.Contains(err.Error(), `"down" (have up)`) {
		t.Errorf("Vector(down): err = %v", err)
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"wrong size", a.Set("left", []float32{1, 2, 3}), `attribute "left" has 3 values, want dim 2`},
		{"bad name", a.Set("note-density", []float32{1, 2}), `name "note-density"`},
		{"empty name", a.Set("", []float32{1, 2}), "empty name"},
		{"learn bad name", a.Learn("2x", [][]float32{{1, 2}}, [][]float32{{0, 0}}), `name "2x"`},
		{"learn no examples", a.Learn("x", nil, [][]float32{{0, 0}}), `attribute "x": 0 examples`},
		{"check dim", a.CheckDim(16), "size 2, but the model's latent size is 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) || !strings.HasPrefix(tc.err.Error(), "latent: ") {
				t.Errorf("err = %v, want one mentioning %q", tc.err, tc.want)
			}
		})
	}
	if err := a.CheckDim(2); err != nil {
		t.Errorf("CheckDim(2): %v", err)
	}
	if err := NewAttributes(2).WriteJSON(new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "no attribute vectors") {
		t.Errorf("WriteJSON of an empty set: err = %v", err)
	}
}

func TestReadAttributesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty input"},
		{"not json", "dim: 3", "at byte 1"},
		{"truncated", `{"dim": 2, "vectors": {"a": [1,`, "unexpected EOF"},
		{"trailing", `{"dim": 1, "vectors": {"a": [1]}} {}`, "data after the JSON object"},
		{"no dim", `{"vectors": {"a": [1, 2]}}`, `no "dim" field`},
		{"zero dim", `{"dim": 0, "vectors": {"a": []}}`, "dim 0"},
		{"no vectors", `{"dim": 2}`, "no attribute vectors"},
		{"wrong dim", `{"dim": 3, "vectors": {"a": [1, 2, 3], "b": [1, 2]}}`, `attribute "b" has 2 values, want dim 3`},
		{"null vector", `{"dim": 2, "vectors": {"a": null}}`, `attribute "a" has 0 values`},
		{"missing name", `{"dim": 1, "vectors": {"": [1]}}`, "empty name"},
		{"bad name", `{"dim": 1, "vectors": {"a b": [1]}}`, `name "a b"`},
		{"orphan count", `{"dim": 1, "vectors": {"a": [1]}, "counts": {"b": {"with": 1, "without": 1}}}`, `counts for attribute "b", which has no vector`},
		{"negative count", `{"dim": 1, "vectors": {"a": [1]}, "counts": {"a": {"with": -1, "without": 1}}}`, "negative counts"},
		{"string value", `{"dim": 1, "vectors": {"a": ["1"]}}`, "cannot unmarshal string"},
		{"float32 overflow", `{"dim": 1, "vectors": {"a": [1e39]}}`, "float32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadAttributes(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "latent: read attributes: ") {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// Unknown fields and other layouts are fine.
	a, err := ReadAttributes(strings.NewReader(`{"vectors":{"a":[1,2]},"dim":2,"model":"mel2-tiny"}`))
	if err != nil || a.Dim != 2 {
		t.Errorf("compact file with an extra field: %v, %v", a, err)
	}
}

// FuzzReadAttributes checks that ReadAttributes never panics and that every set it
// accepts writes back and reads again unchanged.
func FuzzReadAttributes(f *testing.F) {
	for _, s := range []string{
		`{"dim": 2, "vectors": {"a": [1, 2]}}`,
		`{"dim": 2, "vectors": {"a": [1, 2], "b_2": [-0.5, 3e-7]}, "counts": {"a": {"with": 3, "without": 4}}}`,
		`{"dim": 1, "vectors": {"": [1]}}`,
		`{"dim": -1}`, `{"dim": 1, "vectors": {"a": [1e39]}}`, `null`, `[]`, `{}`, `{"dim": 1, "vectors": {"a": [1]}} x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ReadAttributes(strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "latent: read attributes: ") {
				t.Errorf("error %q lacks the prefix", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := a.WriteJSON(&buf); err != nil {
			t.Fatalf("accepted %q but cannot write it: %v", in, err)
		}
		b, err := ReadAttributes(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("cannot read back what WriteJSON wrote for %q: %v\n%s", in, err, buf.Bytes())
		}
		if b.Dim != a.Dim || !slices.Equal(a.Names(), b.Names()) || len(a.Counts) != len(b.Counts) {
			t.Fatalf("round trip of %q changed the set", in)
		}
		for _, n := range a.Names() {
			if !slices.Equal(a.Vectors[n], b.Vectors[n]) || a.Counts[n] != b.Counts[n] {
				t.Fatalf("round trip of %q changed %q", in, n)
			}
		}
	})
}
