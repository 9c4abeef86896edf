package image

import (
	"fmt"
	"image"
	"image/png"
	"io"

	"musae/models/atomicfile"
)

// WritePNG writes img to path as a PNG, atomically: readers see the old file or the whole
// new one, and an error or a kill leaves nothing behind (see musae/models/atomicfile).
func WritePNG(path string, img image.Image) error {
	return writeAtomic(path, func(w io.Writer) error { return EncodePNG(w, img) })
}

// EncodePNG writes img to w as a PNG, compressed as WritePNG compresses it.
func EncodePNG(w io.Writer, img image.Image) error {
	return (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(w, img)
}

// writeAtomic writes path through atomicfile, which leaves no half-written file and no
// temporary file behind, even when the process is killed.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("image: write %s: %w", path, err)
	}
	return nil
}
