package models

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"musae/internal/atomicfile"
)

// Version is musae's version, written into every checkpoint.
const Version = "0.1.0"

// Format marks a safetensors file as a musae checkpoint (metadata key "format").
const Format = "musae-checkpoint/1"

// ErrNotCheckpoint is returned when a file is valid safetensors but not a musae checkpoint.
var ErrNotCheckpoint = errors.New("not a musae checkpoint")

// Tensor is one tensor read from a safetensors file.
type Tensor struct {
	DType string // "F32" or "I64"
	Shape []int
	F32   []float32
	I64   []int64
}

// Len returns the number of values the shape holds.
func (t Tensor) Len() int {
	n := 1
	for _, s := range t.Shape {
		n *= s
	}
	return n
}

// F32Tensor returns a float32 tensor over data (no copy).
func F32Tensor(data []float32, shape ...int) Tensor {
	return Tensor{DType: "F32", Shape: shape, F32: data}
}

// I64Tensor returns an int64 tensor over data (no copy).
func I64Tensor(data []int64, shape ...int) Tensor {
	return Tensor{DType: "I64", Shape: shape, I64: data}
}

type headerEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// ReadTensors reads every tensor and the metadata of a safetensors file.
func ReadTensors(path string) (map[string]Tensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("models: %w", err)
	}
	return ParseTensors(b, path)
}

// ParseTensors parses a safetensors file held in b; name is used in errors.
func ParseTensors(b []byte, name string) (map[string]Tensor, map[string]string, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("models: read %s: %s", name, fmt.Sprintf(format, a...))
	}
	if len(b) < 8 {
		return nil, nil, fail("not a safetensors file: %d bytes, too short for a header", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) || n > 100<<20 {
		return nil, nil, fail("not a safetensors file or truncated: header of %d bytes in a file of %d", n, len(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, nil, fail("not a safetensors file: header is not JSON: %v", err)
	}
	data := b[8+n:]
	meta := map[string]string{}
	tensors := map[string]Tensor{}
	for key, v := range raw {
		if key == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return nil, nil, fail("metadata is not a map of strings: %v", err)
			}
			continue
		}
		var h headerEntry
		if err := json.Unmarshal(v, &h); err != nil {
			return nil, nil, fail("tensor %q: bad header entry: %v", key, err)
		}
		t := Tensor{DType: h.DType, Shape: h.Shape}
		size := int64(0)
		switch h.DType {
		case "F32":
			size = 4
		case "I64":
			size = 8
		default:
			return nil, nil, fail("tensor %q: dtype %s is not supported (F32 or I64)", key, h.DType)
		}
		cnt := int64(1)
		for _, s := range h.Shape {
			if s < 0 {
				return nil, nil, fail("tensor %q: negative dimension in shape %v", key, h.Shape)
			}
			cnt *= int64(s)
		}
		lo, hi := h.Offsets[0], h.Offsets[1]
		if lo < 0 || hi < lo || hi-lo != cnt*size {
			return nil, nil, fail("tensor %q: offsets [%d, %d] do not fit shape %v of %s", key, lo, hi, h.Shape, h.DType)
		}
		if hi > int64(len(data)) {
			return nil, nil, fail("truncated: tensor %q needs data up to byte %d, the file has %d", key, hi, len(data))
		}
		seg := data[lo:hi]
		if h.DType == "F32" {
			t.F32 = make([]float32, cnt)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(seg[4*i:]))
			}
		} else {
			t.I64 = make([]int64, cnt)
			for i := range t.I64 {
				t.I64[i] = int64(binary.LittleEndian.Uint64(seg[8*i:]))
			}
		}
		tensors[key] = t
	}
	return tensors, meta, nil
}

// EncodeTensors returns a safetensors file holding tensors (in name order) and meta.
func EncodeTensors(tensors map[string]Tensor, meta map[string]string) ([]byte, error) {
	names := make([]string, 0, len(tensors))
	for k := range tensors {
		names = append(names, k)
	}
	slices.Sort(names)
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, k := range names {
		t := tensors[k]
		size := int64(4)
		if t.DType == "I64" {
			size = 8
		}
		if n := t.Len(); (t.DType == "F32" && len(t.F32) != n) || (t.DType == "I64" && len(t.I64) != n) {
			return nil, fmt.Errorf("models: tensor %q: %d values for shape %v", k, max(len(t.F32), len(t.I64)), t.Shape)
		}
		header[k] = headerEntry{DType: t.DType, Shape: t.Shape, Offsets: [2]int64{off, off + int64(t.Len())*size}}
		off += int64(t.Len()) * size
	}
	h, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("models: encode header: %w", err)
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	var buf bytes.Buffer
	buf.Grow(8 + len(h) + int(off))
	binary.Write(&buf, binary.LittleEndian, uint64(len(h)))
	buf.Write(h)
	var w [8]byte
	for _, k := range names {
		t := tensors[k]
		for _, v := range t.F32 {
			binary.LittleEndian.PutUint32(w[:], math.Float32bits(v))
			buf.Write(w[:4])
		}
		for _, v := range t.I64 {
			binary.LittleEndian.PutUint64(w[:], uint64(v))
			buf.Write(w[:])
		}
	}
	return buf.Bytes(), nil
}

// WriteFileAtomic writes data to path so that path never holds a half-written file and
// no temporary file outlives a kill (see musae/internal/atomicfile), synced to the disk
// before it replaces the old file.
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.WriteDurable(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// WriteTensors writes tensors and meta to path as safetensors, atomically.
func WriteTensors(path string, tensors map[string]Tensor, meta map[string]string) error {
	b, err := EncodeTensors(tensors, meta)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(path, b); err != nil {
		return fmt.Errorf("models: write %s: %w", path, err)
	}
	return nil
}

// ParamTensors returns the parameters' values as tensors named as the parameters (no copy).
func ParamTensors(params []*Param) map[string]Tensor {
	m := make(map[string]Tensor, len(params))
	for _, p := range params {
		m[p.Name] = F32Tensor(p.Data(), p.Shape()...)
	}
	return m
}

// LoadParams copies tensors into params, checking that every parameter is present with
// its shape and that no tensor is left over (tensors under "test." and "optimizer." are
// not parameters and are skipped).
func LoadParams(params []*Param, tensors map[string]Tensor) error {
	used := map[string]bool{}
	var problems []string
	for _, p := range params {
		t, ok := tensors[p.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("missing %s %v", p.Name, p.Shape()))
		case t.DType != "F32":
			problems = append(problems, fmt.Sprintf("%s is %s, want F32", p.Name, t.DType))
		case !slices.Equal(t.Shape, p.Shape()):
			problems = append(problems, fmt.Sprintf("%s has shape %v, the model wants %v", p.Name, t.Shape, p.Shape()))
		default:
			copy(p.Data(), t.F32)
		}
		used[p.Name] = true
	}
	for k := range tensors {
		if !used[k] && !strings.HasPrefix(k, "test.") && !strings.HasPrefix(k, "optimizer.") {
			problems = append(problems, "unexpected tensor "+k)
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		if len(problems) > 6 {
			problems = append(problems[:6], fmt.Sprintf("and %d more", len(problems)-6))
		}
		return fmt.Errorf("models: parameters do not match the model: %s", strings.Join(problems, "; "))
	}
	return nil
}
