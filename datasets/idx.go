package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Magic numbers of the two IDX layouts musae reads: unsigned bytes (type 0x08) with
// three dimensions (images: count, rows, columns) or one (labels: count).
const (
	IDXImagesMagic = 0x00000803
	IDXLabelsMagic = 0x00000801
)

// IDXMaxBytes bounds the data an IDX header may declare, so that a corrupt or hostile
// header cannot make the reader allocate without limit. MNIST's largest file holds
// 47,040,000 bytes.
const IDXMaxBytes = 1 << 30

// ErrBadIDX is wrapped by every error that reports a malformed IDX file (as opposed to
// an I/O error), so callers can tell "wrong file" from "cannot read".
var ErrBadIDX = errors.New("bad IDX file")

// IDX is one decoded IDX file of unsigned bytes.
type IDX struct {
	Magic uint32 // IDXImagesMagic or IDXLabelsMagic
	Dims  []int  // [count, rows, cols] for images, [count] for labels
	Data  []byte // the elements in row-major order; len = product of Dims
}

// Count is the size of the first dimension: the number of images or labels.
func (x *IDX) Count() int { return x.Dims[0] }

// ReadIDX decodes an IDX file of unsigned-byte images or labels from r, raw or
// gzip-compressed; gzip is recognised by its magic bytes, never by a file name. It
// reads r to the end and rejects trailing bytes. Errors about the format wrap ErrBadIDX.
func ReadIDX(r io.Reader) (*IDX, error) {
	x, err := readIDX(r)
	if err != nil {
		return nil, fmt.Errorf("datasets: read IDX: %w", err)
	}
	return x, nil
}

// ReadIDXFile is ReadIDX on the named file; its errors name the file.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	x, err := readIDX(f)
	if err != nil {
		return nil, fmt.Errorf("datasets: read %s: %w", path, err)
	}
	return x, nil
}

func badIDX(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadIDX, fmt.Sprintf(format, args...))
}

// readIDX returns errors without the package prefix and file name; the exported
// wrappers add them.
func readIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	compressed := false
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, badIDX("gzip header: %v", err)
		}
		defer zr.Close()
		// One gzip member only: bytes after it are trailing garbage, not another file.
		zr.Multistream(false)
		compressed = true
		r = zr
	} else {
		r = br
	}

	var hdr [4]byte
	if n, err := io.ReadFull(r, hdr[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return nil, badIDX("empty file")
		}
		return nil, readErr(err, "truncated header: %d of 4 magic bytes", n)
	}
	magic := binary.BigEndian.Uint32(hdr[:])
	var ndims int
	switch magic {
	case IDXImagesMagic:
		ndims = 3
	case IDXLabelsMagic:
		ndims = 1
	default:
		return nil, badIDX("wrong magic 0x%08x: %s; want 0x%08x (images) or 0x%08x (labels)",
			magic, explainMagic(hdr), IDXImagesMagic, IDXLabelsMagic)
	}

	dimBytes := make([]byte, 4*ndims)
	if n, err := io.ReadFull(r, dimBytes); err != nil {
		return nil, readErr(err, "truncated header: %d of %d dimension bytes", n, len(dimBytes))
	}
	dims := make([]int, ndims)
	size := int64(1)
	for i := range dims {
		d := binary.BigEndian.Uint32(dimBytes[4*i:])
		dims[i] = int(d)
		if d == 0 && i > 0 {
			return nil, badIDX("wrong dimensions %s: image rows and columns must be positive", dimString(dims[:i+1]))
		}
		size *= int64(d)
		if size > IDXMaxBytes {
			return nil, badIDX("wrong dimensions %s: more than the %d-byte limit", dimString(dimsOf(dimBytes)), IDXMaxBytes)
		}
	}

	data, err := readUpTo(r, int(size))
	if err != nil {
		return nil, readErr(err, "reading data")
	}
	if len(data) < int(size) {
		return nil, badIDX("truncated data: dimensions %s need %d bytes, file ends after %d",
			dimString(dims), size, len(data))
	}
	// The gzip reader verifies its checksum only at the end of the stream, so reading
	// past the data is also what catches a corrupt .gz.
	var one [1]byte
	switch n, err := io.ReadFull(r, one[:]); {
	case n > 0:
		return nil, badIDX("trailing garbage after the %d data bytes of %s", size, dimString(dims))
	case errors.Is(err, io.EOF):
	default:
		return nil, readErr(err, "after the data")
	}
	if compressed {
		// Anything left in the raw stream after the gzip member is garbage too.
		if n, _ := br.Read(one[:]); n > 0 {
			return nil, badIDX("trailing garbage after the gzip stream")
		}
	}
	return &IDX{Magic: magic, Dims: dims, Data: data}, nil
}

// readErr turns an unexpected EOF into a format error and wraps anything else.
func readErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return badIDX("%s", what)
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
		return badIDX("%s: %v", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// readUpTo reads at most n bytes, growing its buffer only as data arrives so that a
// header that lies about the size of a short file costs no more memory than the file.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 1<<22))
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(n-len(buf), len(buf)))
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func explainMagic(hdr [4]byte) string {
	switch {
	case hdr[0] != 0 || hdr[1] != 0:
		if bytes.HasPrefix(hdr[:], []byte("\x89PNG")) {
			return "a PNG image, not an IDX file"
		}
		return "not an IDX file (its first two bytes must be zero)"
	case hdr[2] != 0x08:
		names := map[byte]string{0x09: "signed byte", 0x0b: "int16", 0x0c: "int32", 0x0d: "float32", 0x0e: "float64"}
		if name, ok := names[hdr[2]]; ok {
			return fmt.Sprintf("elements are %s, not unsigned bytes", name)
		}
		return fmt.Sprintf("unknown element type %#02x", hdr[2])
	default:
		return fmt.Sprintf("%d dimensions, neither 3 (images) nor 1 (labels)", hdr[3])
	}
}

func dimsOf(b []byte) []int {
	d := make([]int, len(b)/4)
	for i := range d {
		d[i] = int(binary.BigEndian.Uint32(b[4*i:]))
	}
	return d
}

func dimString(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "×")
}
