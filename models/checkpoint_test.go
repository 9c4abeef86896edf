package models

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rawSafetensors returns a safetensors file of the given header (JSON, not checked) and
// data bytes, each set to fill.
func rawSafetensors(header string, data int, fill byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	for range data {
		b = append(b, fill)
	}
	return b
}

// tinyCheckpoint returns a musae checkpoint of a 3×2 dense layer (and, when opt is set,
// its optimiser state) with the first weight set to w0.
func tinyCheckpoint(t testing.TB, w0 float32, opt bool) []byte {
	t.Helper()
	d := NewDense("enc", 2, 3, newRNG())
	d.W.Data()[0] = w0
	tensors := ParamTensors(d.Params())
	if opt {
		for k, v := range NewAdam(d.Params(), DefaultAdamConfig()).State() {
			tensors[k] = v
		}
	}
	js, _ := json.Marshal(Meta{Model: "tiny", Domain: "mnist", Config: json.RawMessage(`{"Z":2}`)})
	b, err := EncodeTensors(tensors, map[string]string{"format": Format, "musae": string(js)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// craftedCheckpoints are the hostile safetensors files of issue 17, each with what its
// refusal must say.
func craftedCheckpoints(t testing.TB) []struct {
	name, say string
	b         []byte
} {
	allNaN := tinyCheckpoint(t, 0, false)
	allInf := tinyCheckpoint(t, 0, false)
	n := binary.LittleEndian.Uint64(allNaN)
	for i := 8 + int(n); i+4 <= len(allNaN); i += 4 {
		binary.LittleEndian.PutUint32(allNaN[i:], math.Float32bits(float32(math.NaN())))
		binary.LittleEndian.PutUint32(allInf[i:], math.Float32bits(float32(math.Inf(-1))))
	}
	huge := binary.LittleEndian.AppendUint64(nil, 1<<40)
	return []struct {
		name, say string
		b         []byte
	}{
		{"shape 2^62", `shape [4611686018427387904] of F32 needs more bytes`, rawSafetensors(`{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}`, 16, 0)},
		{"shape 2^31 x 2^31 at [0,0]", `shape [2147483648 2147483648] of F32 needs more bytes`, rawSafetensors(`{"w":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,0]}}`, 0, 0)},
		{"shape 2^32 x 2^32 x 0", `shape [4294967296 4294967296 0] of I64 needs more bytes`, rawSafetensors(`{"w":{"dtype":"I64","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`, 0, 0)},
		{"negative dimension", `negative dimension in shape [-4 -1]`, rawSafetensors(`{"w":{"dtype":"F32","shape":[-4,-1],"data_offsets":[0,16]}}`, 16, 0)},
		{"offsets not the shape's", `offsets [0, 12] do not fit shape [4] of F32 (16 bytes)`, rawSafetensors(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}`, 16, 0)},
		{"reversed offsets", `offsets [16, 0] do not fit`, rawSafetensors(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}`, 16, 0)},
		{"offsets past the end", `truncated: tensor "w" needs data up to byte 1016, the file has 16`, rawSafetensors(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[1000,1016]}}`, 16, 0)},
		{"overlapping tensors", `tensor "b" [0, 16] overlaps tensor "a" [0, 16]`, rawSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`, 32, 0)},
		{"gap between tensors", `bytes [16, 24] of the data belong to no tensor`, rawSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}`, 32, 0)},
		{"data after the tensors", `16 bytes after the last tensor`, rawSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 32, 0)},
		{"one offset", `data_offsets must be two numbers`, rawSafetensors(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0]}}`, 0, 0)},
		{"three offsets", `data_offsets must be two numbers`, rawSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16,32]}}`, 16, 0)},
		{"header null", `header is not a JSON object`, rawSafetensors(`null`, 0, 0)},
		{"metadata null", `metadata is not a map of strings`, rawSafetensors(`{"__metadata__":null}`, 0, 0)},
		{"all NaN", `tensor "enc.bias" holds NaN at index 0: weights must be finite`, allNaN},
		{"all -Inf", `tensor "enc.bias" holds -Inf at index 0: weights must be finite`, allInf},
		{"NaN in one weight", `tensor "enc.weight" holds NaN at index 0`, tinyCheckpoint(t, float32(math.NaN()), false)},
		{"truncated header", `not a safetensors file or truncated: header of 55 bytes in a file of 40`, rawSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 16, 0)[:40]},
		{"header length > file", `header of 1099511627776 bytes in a file of 12`, append(huge, "{}  "...)},
		{"header not JSON", `header is not JSON`, rawSafetensors(`{"a":`, 0, 0)},
		{"unknown dtype", `dtype F16 is not supported`, rawSafetensors(`{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}`, 8, 0)},
		{"too short", `too short for a header`, []byte{1, 2, 3}},
	}
}

func TestCraftedCheckpoints(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range craftedCheckpoints(t) {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, tc.b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadCheckpoint(path)
			if err == nil || !strings.Contains(err.Error(), tc.say) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, path, tc.say)
			}
			// The same bytes in memory (an embedded model) are refused the same way.
			if _, err := ParseCheckpoint(tc.b, "built-in x"); err == nil || !strings.Contains(err.Error(), tc.say) {
				t.Fatalf("ParseCheckpoint: error %v, want one saying %q", err, tc.say)
			}
		})
	}
}

// TestSparseCheckpointRefusedFromItsHeader checks that a 2 GiB file whose header does not
// describe its data is refused from the header alone, without reading the data.
func TestSparseCheckpointRefusedFromItsHeader(t *testing.T) {
	for _, tc := range []struct{ name, header, say string }{
		{"header of 16 bytes of data", `{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, "bytes after the last tensor"},
		{"header not JSON", `{"a": garbage`, "header is not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sparse.safetensors")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(rawSafetensors(tc.header, 0, 0))
			if err := f.Truncate(2 << 30); err != nil {
				t.Skipf("no sparse files here: %v", err)
			}
			f.Close()
			start := time.Now()
			_, err = LoadCheckpoint(path)
			if d := time.Since(start); d > 200*time.Millisecond {
				t.Errorf("refusal took %v: the data was read", d)
			}
			if err == nil || !strings.Contains(err.Error(), tc.say) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, path, tc.say)
			}
		})
	}
	t.Run("header longer than MaxHeader", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "sparse.safetensors")
		f, _ := os.Create(path)
		f.Write(binary.LittleEndian.AppendUint64(nil, 1<<30))
		if err := f.Truncate(2 << 30); err != nil {
			t.Skipf("no sparse files here: %v", err)
		}
		f.Close()
		if _, err := LoadCheckpoint(path); err == nil || !strings.Contains(err.Error(), "more than the 16777216 this reader takes") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestCheckParams(t *testing.T) {
	c, err := ParseCheckpoint(tinyCheckpoint(t, 0, true), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckParams(9); err != nil { // 3×2 weights and 3 biases; the optimiser's moments do not count
		t.Fatal(err)
	}
	if err := c.CheckParams(9 << 20); err == nil || !strings.Contains(err.Error(), "its config implies 9437184 parameter values, its tensors hold 9") {
		t.Fatalf("error %v", err)
	}
}

// FuzzParseCheckpoint feeds ParseCheckpoint arbitrary bytes: it must never panic, and
// whatever it accepts must hold finite values that fill each shape and survive a round trip
// through EncodeTensors.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add(tinyCheckpoint(f, 0.5, true))
	for _, tc := range craftedCheckpoints(f) {
		f.Add(tc.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpoint(b, "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "models: read fuzz: ") {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		for k, v := range c.Tensors {
			if v.Len() != len(v.F32)+len(v.I64) {
				t.Fatalf("tensor %q: shape %v with %d values", k, v.Shape, len(v.F32)+len(v.I64))
			}
			for _, x := range v.F32 {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("tensor %q holds %v", k, x)
				}
			}
		}
		meta := map[string]string{"format": Format}
		js, _ := json.Marshal(c.Meta)
		meta["musae"] = string(js)
		again, err := EncodeTensors(c.Tensors, meta)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := ParseCheckpoint(again, "fuzz")
		if err != nil {
			t.Fatalf("re-encoded checkpoint refused: %v", err)
		}
		for k, v := range c.Tensors {
			w := c2.Tensors[k]
			if !slices.Equal(v.Shape, w.Shape) || !slices.Equal(v.F32, w.F32) || !slices.Equal(v.I64, w.I64) {
				t.Fatalf("tensor %q changed in the round trip", k)
			}
		}
	})
}

// TestSparseNonCheckpointRefusedFromItsHeader checks that LoadCheckpoint refuses a 2 GiB
// safetensors file without musae's metadata from its header: its tensors, which the header
// describes correctly, are never read.
func TestSparseNonCheckpointRefusedFromItsHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.safetensors")
	header := `{"w":{"dtype":"F32","shape":[536870912],"data_offsets":[0,2147483648]}}`
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(rawSafetensors(header, 0, 0))
	if err := f.Truncate(8 + int64(len(header)) + 2<<30); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	start := time.Now()
	_, err = LoadCheckpoint(path)
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("refusal took %v: the data was read", d)
	}
	if !errors.Is(err, ErrNotCheckpoint) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want ErrNotCheckpoint naming %s", err, path)
	}
}

// TestLoadCheckpointChecked checks that the check sees the tensors' shapes before their
// values are read, and that its refusal stops the read.
func TestLoadCheckpointChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.safetensors")
	if err := os.WriteFile(path, tinyCheckpoint(t, 0, true), 0o644); err != nil {
		t.Fatal(err)
	}
	var seen []int
	c, err := LoadCheckpointChecked(path, func(c *Checkpoint) error {
		w := c.Tensors["enc.weight"]
		seen = w.Shape
		if w.F32 != nil {
			t.Error("values read before the check")
		}
		return c.CheckParams(9)
	})
	if err != nil || !slices.Equal(seen, []int{3, 2}) || len(c.Tensors["enc.weight"].F32) != 6 {
		t.Fatalf("LoadCheckpointChecked: %v; the check saw shape %v", err, seen)
	}
	if _, err := LoadCheckpointChecked(path, func(c *Checkpoint) error { return c.CheckParams(10) }); !errors.Is(err, ErrWrongModel) {
		t.Fatalf("error %v, want the check's", err)
	}
}

// FuzzTensorHeader fuzzes the arithmetic of one header entry, which byte-level fuzzing
// rarely reaches through valid JSON: any shape and offsets over any data length must be
// refused or give a tensor whose values fill its shape.
func FuzzTensorHeader(f *testing.F) {
	f.Add("F32", int64(4), int64(1), int64(1), int64(0), int64(16), uint16(16))
	f.Add("F32", int64(1)<<31, int64(1)<<31, int64(1), int64(0), int64(0), uint16(0))
	f.Add("I64", int64(1)<<62, int64(4), int64(0), int64(0), int64(0), uint16(0))
	f.Add("F32", int64(-1), int64(-4), int64(1), int64(0), int64(16), uint16(16))
	f.Fuzz(func(t *testing.T, dtype string, d0, d1, d2, lo, hi int64, data uint16) {
		dt, _ := json.Marshal(dtype)
		header := fmt.Sprintf(`{"w":{"dtype":%s,"shape":[%d,%d,%d],"data_offsets":[%d,%d]}}`, dt, d0, d1, d2, lo, hi)
		ts, _, err := ParseTensors(rawSafetensors(header, int(data), 0), "fuzz")
		if err != nil {
			return
		}
		w := ts["w"]
		if n := len(w.F32) + len(w.I64); int64(n) != d0*d1*d2 || hi-lo != int64(n)*map[string]int64{"F32": 4, "I64": 8}[dtype] || hi != int64(data) {
			t.Fatalf("accepted shape [%d %d %d] at [%d, %d] over %d bytes as %d values", d0, d1, d2, lo, hi, data, n)
		}
	})
}
