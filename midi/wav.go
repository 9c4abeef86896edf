package midi

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// WriteWAV writes the samples as a RIFF/WAVE file: PCM, 16 bits, one channel, at
// sampleRate samples per second. It refuses a rate of 0 or less and more samples than a
// WAV can hold (4 GiB of data).
func WriteWAV(w io.Writer, samples []int16, sampleRate int) error {
	if err := writeWAV(w, samples, sampleRate); err != nil {
		return fmt.Errorf("midi: write wav: %w", err)
	}
	return nil
}

func writeWAV(w io.Writer, samples []int16, sampleRate int) error {
	const (
		channels = 1
		bits     = 16
		block    = channels * bits / 8
	)
	if sampleRate <= 0 || sampleRate > math.MaxInt32/block {
		return fmt.Errorf("sample rate %d, want 1..%d", sampleRate, math.MaxInt32/block)
	}
	data := uint64(len(samples)) * block
	if data > math.MaxUint32-36 {
		return fmt.Errorf("%d samples do not fit in a WAV file", len(samples))
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	le := binary.LittleEndian
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = le.AppendUint32(h, uint32(36+data))
	h = append(h, "WAVEfmt "...)
	h = le.AppendUint32(h, 16) // size of the fmt chunk
	h = le.AppendUint16(h, 1)  // PCM
	h = le.AppendUint16(h, channels)
	h = le.AppendUint32(h, uint32(sampleRate))
	h = le.AppendUint32(h, uint32(sampleRate*block)) // bytes per second
	h = le.AppendUint16(h, block)
	h = le.AppendUint16(h, bits)
	h = append(h, "data"...)
	h = le.AppendUint32(h, uint32(data))
	if _, err := bw.Write(h); err != nil {
		return err
	}
	var b [2]byte
	for _, s := range samples {
		le.PutUint16(b[:], uint16(s))
		if _, err := bw.Write(b[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteWAVFile writes the samples to path as WriteWAV does, atomically: to a temporary
// file beside it, renamed over path once complete, so that no half-written file is left.
func WriteWAVFile(path string, samples []int16, sampleRate int) error {
	return writeAtomic(path, func(w io.Writer) error { return writeWAV(w, samples, sampleRate) })
}
