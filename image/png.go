package image

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
)

// WritePNG writes img to path as a PNG, atomically: it writes a temporary file in the
// same folder and renames it over path, so that readers see the old file or the whole
// new one, and an error leaves nothing behind.
func WritePNG(path string, img image.Image) error {
	return writeAtomic(path, func(w io.Writer) error { return EncodePNG(w, img) })
}

// EncodePNG writes img to w as a PNG, compressed as WritePNG compresses it.
func EncodePNG(w io.Writer, img image.Image) error {
	return (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(w, img)
}

// writeAtomic calls write with a temporary file beside path and renames it to path
// when write and the file's close succeed; otherwise it removes the temporary file.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("image: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("image: write %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file private; a picture should be as readable as any file.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
