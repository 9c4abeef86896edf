package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes builds an IDX file: magic, dimensions, then data.
func idxBytes(magic uint32, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestReadIDX(t *testing.T) {
	images := idxBytes(IDXImagesMagic, []uint32{2, 3, 4}, seq(24))
	labels := idxBytes(IDXLabelsMagic, []uint32{5}, []byte{0, 1, 2, 9, 7})
	for _, tc := range []struct {
		name  string
		in    []byte
		magic uint32
		dims  []int
		data  []byte
	}{
		{"raw images", images, IDXImagesMagic, []int{2, 3, 4}, seq(24)},
		{"gzip images", gz(images), IDXImagesMagic, []int{2, 3, 4}, seq(24)},
		{"raw labels", labels, IDXLabelsMagic, []int{5}, []byte{0, 1, 2, 9, 7}},
		{"gzip labels", gz(labels), IDXLabelsMagic, []int{5}, []byte{0, 1, 2, 9, 7}},
		{"no labels", idxBytes(IDXLabelsMagic, []uint32{0}, nil), IDXLabelsMagic, []int{0}, []byte{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if x.Magic != tc.magic || !equalInts(x.Dims, tc.dims) || !bytes.Equal(x.Data, tc.data) {
				t.Errorf("got magic %#x dims %v data %v; want %#x %v %v", x.Magic, x.Dims, x.Data, tc.magic, tc.dims, tc.data)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadIDXBroken(t *testing.T) {
	good := idxBytes(IDXImagesMagic, []uint32{2, 3, 4}, seq(24))
	corruptGz := gz(good)
	corruptGz[len(corruptGz)-6] ^= 0xff // inside the CRC-32 trailer
	for _, tc := range []struct {
		name string
		in   []byte
		want string // substring of the error
	}{
		{"empty", nil, "empty file"},
		{"short magic", []byte{0, 0, 8}, "truncated header: 3 of 4 magic bytes"},
		{"not IDX", []byte("hello world, this is text"), "wrong magic 0x68656c6c: not an IDX file"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n...."), "a PNG image"},
		{"float32 elements", idxBytes(0x00000d03, []uint32{1, 1, 1}, make([]byte, 4)), "elements are float32"},
		{"two dimensions", idxBytes(0x00000802, []uint32{2, 2}, make([]byte, 4)), "2 dimensions, neither 3"},
		{"short dims", idxBytes(IDXImagesMagic, []uint32{2, 3}, nil), "truncated header: 8 of 12 dimension bytes"},
		{"zero rows", idxBytes(IDXImagesMagic, []uint32{2, 0, 4}, nil), "wrong dimensions 2×0: image rows"},
		{"huge", idxBytes(IDXImagesMagic, []uint32{1 << 31, 1 << 16, 1 << 16}, nil), "wrong dimensions 2147483648×65536×65536: more than"},
		{"truncated data", good[:len(good)-5], "truncated data: dimensions 2×3×4 need 24 bytes, file ends after 19"},
		{"truncated labels", idxBytes(IDXLabelsMagic, []uint32{10}, seq(3)), "truncated data: dimensions 10 need 10 bytes, file ends after 3"},
		{"trailing garbage", append(append([]byte{}, good...), 1, 2), "trailing garbage after the 24 data bytes of 2×3×4"},
		{"gzip trailing garbage", append(gz(good), 'x'), "trailing garbage after the gzip stream"},
		{"gzip two members", append(gz(good), gz(good)...), "trailing garbage after the gzip stream"},
		{"gzip truncated", gz(good)[:30], "bad IDX file"},
		{"gzip bad checksum", corruptGz, "checksum"},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0}, "gzip header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tc.in))
			if err == nil {
				t.Fatalf("no error; got %+v", x)
			}
			if !errors.Is(err, ErrBadIDX) {
				t.Errorf("error %q does not wrap ErrBadIDX", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "datasets: read IDX: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestReadIDXFileNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train-images-idx3-ubyte.gz")
	if err := os.WriteFile(path, gz(idxBytes(IDXImagesMagic, []uint32{2, 3, 4}, seq(20))), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadIDXFile(path)
	want := "datasets: read " + path + ": bad IDX file: truncated data"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v\nwant prefix %q", err, want)
	}
	_, err = ReadIDXFile(filepath.Join(t.TempDir(), "missing"))
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrBadIDX) {
		t.Errorf("missing file: error %v, want one wrapping os.ErrNotExist and not ErrBadIDX", err)
	}
}

// FuzzReadIDX checks that no input makes ReadIDX panic or return an inconsistent IDX.
// Its seed corpus (below) runs with every go test.
func FuzzReadIDX(f *testing.F) {
	img := idxBytes(IDXImagesMagic, []uint32{2, 3, 4}, seq(24))
	lbl := idxBytes(IDXLabelsMagic, []uint32{3}, []byte{1, 2, 3})
	for _, seed := range [][]byte{
		img, lbl, gz(img), gz(lbl), nil, {0x1f, 0x8b}, img[:10], append(img, 0),
		idxBytes(IDXImagesMagic, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil),
		idxBytes(IDXImagesMagic, []uint32{0, 28, 28}, nil),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in))
		if err != nil {
			if x != nil {
				t.Fatal("non-nil IDX with an error")
			}
			return
		}
		n := 1
		for _, d := range x.Dims {
			n *= d
		}
		if len(x.Data) != n {
			t.Fatalf("dims %v but %d data bytes", x.Dims, len(x.Data))
		}
		want := map[uint32]int{IDXImagesMagic: 3, IDXLabelsMagic: 1}[x.Magic]
		if len(x.Dims) != want {
			t.Fatalf("magic %#x with %d dims", x.Magic, len(x.Dims))
		}
	})
}
