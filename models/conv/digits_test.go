package conv

import (
	"compress/gzip"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"musae/datasets"
	"musae/models"
)

// digits returns the first n MNIST test images, grey values in [0, 1], from the Go module
// cache, or smallBatch's bars where MNIST is not there.
func digits(t *testing.T, rng *rand.Rand, n int) *models.Batch {
	t.Helper()
	b, err := readDigits(n)
	if err != nil {
		t.Logf("no MNIST (%v): training on bars instead", err)
		return smallBatch(rng, n)
	}
	return b
}

func readDigits(n int) (*models.Batch, error) {
	dir, err := datasets.MNISTDir("mnist")
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var head [4]uint32 // magic, count, rows, columns
	if err := binary.Read(z, binary.BigEndian, &head); err != nil {
		return nil, err
	}
	if head[0] != 0x803 || head[1] < uint32(n) || head[2] != side || head[3] != side {
		return nil, io.ErrUnexpectedEOF
	}
	px := make([]byte, n*pixels)
	if _, err := io.ReadFull(z, px); err != nil {
		return nil, err
	}
	b := models.NewBatch(n, side, side, false)
	for i, p := range px {
		b.X[i] = float32(p) / 255
	}
	return b, nil
}
