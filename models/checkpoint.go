package models

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strings"

	"musae/models/atomicfile"
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

// MaxHeader is the largest safetensors header (the JSON after the 8-byte length) that
// ReadTensors and ParseTensors accept. musae's checkpoints have headers of a few KB; 16 MiB
// leaves room for files with thousands of tensors written elsewhere, and bounds what a
// crafted header costs to parse.
const MaxHeader = 16 << 20

// ReadTensors reads every tensor and the metadata of a safetensors file. It reads the
// header first and checks it against the file's size, so that a file whose header does not
// describe its data is refused without reading the data.
func ReadTensors(path string) (map[string]Tensor, map[string]string, error) {
	return readTensorsFile(path, nil)
}

// readTensorsFile is ReadTensors, calling check (when not nil) on the metadata and the
// tensors' dtypes and shapes (Tensors without values) before reading any tensor.
func readTensorsFile(path string, check func(meta map[string]string, shapes map[string]Tensor) error) (map[string]Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("models: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("models: %w", err)
	}
	if st.IsDir() {
		return nil, nil, fmt.Errorf("models: read %s: a folder, not a safetensors file", path)
	}
	return readTensors(f, st.Size(), path, check)
}

// ParseTensors parses a safetensors file held in b; name is used in errors.
func ParseTensors(b []byte, name string) (map[string]Tensor, map[string]string, error) {
	return readTensors(bytes.NewReader(b), int64(len(b)), name, nil)
}

// tensorEntry is a header entry that has been checked against the data section: its
// offsets hold exactly the bytes of its shape and dtype, inside the data.
type tensorEntry struct {
	name     string
	dtype    string
	shape    []int
	lo, hi   int64 // byte offsets in the data section
	count    int   // values
	elemSize int64
}

// readTensors reads a safetensors file of size bytes from r: the header, checked whole
// against the size before any tensor is allocated, and passed with the metadata to check
// when it is not nil; then the tensors, each checked to hold finite values.
func readTensors(r io.ReaderAt, size int64, name string, check func(meta map[string]string, shapes map[string]Tensor) error) (map[string]Tensor, map[string]string, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("models: read %s: "+format, append([]any{name}, a...)...)
	}
	if size < 8 {
		return nil, nil, fail("not a safetensors file: %d bytes, too short for a header", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, nil, fail("%w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(size-8) {
		return nil, nil, fail("not a safetensors file or truncated: header of %d bytes in a file of %d", n, size)
	}
	if n > MaxHeader {
		return nil, nil, fail("not a safetensors file: header of %d bytes, more than the %d this reader takes", n, MaxHeader)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, nil, fail("%w", err)
	}
	dataStart := 8 + int64(n)
	entries, meta, err := parseHeader(header, size-dataStart)
	if err != nil {
		return nil, nil, fail("%w", err)
	}
	if check != nil {
		shapes := make(map[string]Tensor, len(entries))
		for _, e := range entries {
			shapes[e.name] = Tensor{DType: e.dtype, Shape: e.shape}
		}
		if err := check(meta, shapes); err != nil {
			return nil, nil, err
		}
	}
	tensors := make(map[string]Tensor, len(entries))
	var buf []byte
	for _, e := range entries {
		t := Tensor{DType: e.dtype, Shape: e.shape}
		if e.dtype == "F32" {
			t.F32 = make([]float32, e.count)
		} else {
			t.I64 = make([]int64, e.count)
		}
		// Read in pieces, so that a large tensor does not need a second copy of its bytes.
		const piece = 1 << 20
		for i := 0; i < e.count; {
			m := min(e.count-i, int(piece/e.elemSize))
			buf = slices.Grow(buf[:0], m*int(e.elemSize))[:m*int(e.elemSize)]
			if _, err := r.ReadAt(buf, dataStart+e.lo+int64(i)*e.elemSize); err != nil {
				return nil, nil, fail("tensor %q: %w", e.name, err)
			}
			if e.dtype == "F32" {
				for j := range m {
					v := math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:]))
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						return nil, nil, fail("tensor %q holds %v at index %d: weights must be finite", e.name, v, i+j)
					}
					t.F32[i+j] = v
				}
			} else {
				for j := range m {
					t.I64[i+j] = int64(binary.LittleEndian.Uint64(buf[8*j:]))
				}
			}
			i += m
		}
		tensors[e.name] = t
	}
	return tensors, meta, nil
}

// parseHeader parses a safetensors header and checks it against a data section of
// dataLen bytes: every shape's size without overflow, every tensor's offsets holding
// exactly its bytes, and the tensors, in offset order, covering the data with neither gap
// nor overlap (as the safetensors format requires). It returns the tensors in offset order.
func parseHeader(header []byte, dataLen int64) ([]tensorEntry, map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, nil, fmt.Errorf("not a safetensors file: header is not JSON: %w", err)
	}
	if raw == nil {
		return nil, nil, fmt.Errorf("not a safetensors file: header is not a JSON object")
	}
	meta := map[string]string{}
	entries := make([]tensorEntry, 0, len(raw))
	for key, v := range raw {
		if key == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil || meta == nil {
				return nil, nil, fmt.Errorf("metadata is not a map of strings: %v", cmp.Or(err, errors.New("null")))
			}
			continue
		}
		var h headerEntry
		if err := json.Unmarshal(v, &h); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: bad header entry: %w", key, err)
		}
		// A [2]int64 takes [0] or [0, 4, 8] as well; the format has exactly two.
		var offsets struct {
			Offsets []json.RawMessage `json:"data_offsets"`
		}
		if json.Unmarshal(v, &offsets) != nil || len(offsets.Offsets) != 2 {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets must be two numbers, [begin, end]", key)
		}
		e := tensorEntry{name: key, dtype: h.DType, shape: h.Shape, lo: h.Offsets[0], hi: h.Offsets[1]}
		switch h.DType {
		case "F32":
			e.elemSize = 4
		case "I64":
			e.elemSize = 8
		default:
			return nil, nil, fmt.Errorf("tensor %q: dtype %s is not supported (F32 or I64)", key, h.DType)
		}
		// The size in bytes, in unsigned 64-bit arithmetic that reports any overflow: a
		// shape's product can exceed every integer type long before it meets the file.
		need, ok := uint64(e.elemSize), true
		for _, s := range h.Shape {
			if s < 0 {
				return nil, nil, fmt.Errorf("tensor %q: negative dimension in shape %v", key, h.Shape)
			}
			hi, lo := bits.Mul64(need, uint64(s))
			need, ok = lo, ok && hi == 0
		}
		if !ok || need > uint64(dataLen) {
			return nil, nil, fmt.Errorf("tensor %q: shape %v of %s needs more bytes than the file's %d of data", key, h.Shape, h.DType, dataLen)
		}
		if e.lo < 0 || e.hi < e.lo || uint64(e.hi-e.lo) != need {
			return nil, nil, fmt.Errorf("tensor %q: offsets [%d, %d] do not fit shape %v of %s (%d bytes)", key, e.lo, e.hi, h.Shape, h.DType, need)
		}
		if e.hi > dataLen {
			return nil, nil, fmt.Errorf("truncated: tensor %q needs data up to byte %d, the file has %d", key, e.hi, dataLen)
		}
		e.count = int(need / uint64(e.elemSize))
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b tensorEntry) int {
		return cmp.Or(cmp.Compare(a.lo, b.lo), cmp.Compare(a.hi, b.hi), strings.Compare(a.name, b.name))
	})
	var end int64
	for i, e := range entries {
		switch {
		case e.lo < end:
			return nil, nil, fmt.Errorf("tensor %q [%d, %d] overlaps tensor %q [%d, %d]", e.name, e.lo, e.hi, entries[i-1].name, entries[i-1].lo, entries[i-1].hi)
		case e.lo > end:
			return nil, nil, fmt.Errorf("bytes [%d, %d] of the data belong to no tensor", end, e.lo)
		}
		end = e.hi
	}
	if end != dataLen {
		return nil, nil, fmt.Errorf("%d bytes after the last tensor: the header does not describe the file's data", dataLen-end)
	}
	return entries, meta, nil
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
// no temporary file outlives a kill (see musae/models/atomicfile), synced to the disk
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
		if !used[k] && isParamTensor(k) {
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

// LoadMatching copies into each parameter the tensor of its name when it has the same
// shape and dtype F32, and leaves the others as they are: a model of another
// architecture starts from the weights they share. It returns the names of the
// parameters it set (taken) and of those it left (kept, with the reason), in the
// parameters' order.
func LoadMatching(params []*Param, tensors map[string]Tensor) (taken, kept []string) {
	for _, p := range params {
		t, ok := tensors[p.Name]
		switch {
		case !ok:
			kept = append(kept, fmt.Sprintf("%s %v (not there)", p.Name, p.Shape()))
		case t.DType != "F32" || !slices.Equal(t.Shape, p.Shape()):
			kept = append(kept, fmt.Sprintf("%s %v (there %s %v)", p.Name, p.Shape(), t.DType, t.Shape))
		default:
			copy(p.Data(), t.F32)
			taken = append(taken, fmt.Sprintf("%s %v", p.Name, p.Shape()))
		}
	}
	return taken, kept
}

// isParamTensor reports whether a checkpoint's tensor called name is a model parameter:
// tensors under "test." (reference outputs) and "optimizer." (Adam's moments) are not.
func isParamTensor(name string) bool {
	return !strings.HasPrefix(name, "test.") && !strings.HasPrefix(name, "optimizer.")
}
