package midi

import (
	"bufio"
	"context"
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

// maxWAVSamples is the most samples a WAV file holds: 4 GiB of data, less the header.
const maxWAVSamples = (math.MaxUint32 - 36) / wavBlock

// The format of the WAV files written: 16-bit mono PCM.
const (
	wavChannels = 1
	wavBits     = 16
	wavBlock    = wavChannels * wavBits / 8 // bytes a sample
)

func writeWAV(w io.Writer, samples []int16, sampleRate int) error {
	bw, err := startWAV(w, len(samples), sampleRate)
	if err != nil {
		return err
	}
	if err := writeSamples(bw, samples); err != nil {
		return err
	}
	return bw.Flush()
}

// startWAV checks the rate and length and writes the header of a WAV file of n samples,
// returning the buffered writer to write the samples to.
func startWAV(w io.Writer, n, sampleRate int) (*bufio.Writer, error) {
	if sampleRate <= 0 || sampleRate > math.MaxInt32/wavBlock {
		return nil, fmt.Errorf("sample rate %d, want 1..%d", sampleRate, math.MaxInt32/wavBlock)
	}
	if n > maxWAVSamples {
		return nil, fmt.Errorf("%d samples do not fit in a WAV file", n)
	}
	data := uint32(n * wavBlock)
	bw := bufio.NewWriterSize(w, 1<<16)
	le := binary.LittleEndian
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = le.AppendUint32(h, 36+data)
	h = append(h, "WAVEfmt "...)
	h = le.AppendUint32(h, 16) // size of the fmt chunk
	h = le.AppendUint16(h, 1)  // PCM
	h = le.AppendUint16(h, wavChannels)
	h = le.AppendUint32(h, uint32(sampleRate))
	h = le.AppendUint32(h, uint32(sampleRate*wavBlock)) // bytes per second
	h = le.AppendUint16(h, wavBlock)
	h = le.AppendUint16(h, wavBits)
	h = append(h, "data"...)
	h = le.AppendUint32(h, data)
	if _, err := bw.Write(h); err != nil {
		return nil, err
	}
	return bw, nil
}

func writeSamples(bw *bufio.Writer, samples []int16) error {
	var b [4096]byte
	for len(samples) > 0 {
		n := min(len(samples), len(b)/wavBlock)
		for i, s := range samples[:n] {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
		}
		if _, err := bw.Write(b[:n*wavBlock]); err != nil {
			return err
		}
		samples = samples[n:]
	}
	return nil
}

// WriteWAVFile writes the samples to path as WriteWAV does, atomically: to a temporary
// file beside it, renamed over path once complete, so that no half-written file is left.
func WriteWAVFile(path string, samples []int16, sampleRate int) error {
	return writeAtomic(path, func(w io.Writer) error { return writeWAV(w, samples, sampleRate) })
}

// WriteWAV synthesises the audio into w as a WAV file (see the package function WriteWAV),
// a chunk at a time, so that memory does not grow with its length. It stops with ctx's
// error when ctx is done, leaving the file incomplete.
func (a *Audio) WriteWAV(ctx context.Context, w io.Writer) error {
	if err := a.writeWAV(ctx, w); err != nil {
		return fmt.Errorf("midi: write wav: %w", err)
	}
	return nil
}

func (a *Audio) writeWAV(ctx context.Context, w io.Writer) error {
	bw, err := startWAV(w, a.n, a.opt.SampleRate)
	if err != nil {
		return err
	}
	if err := a.synthesise(ctx, func(s []int16) error { return writeSamples(bw, s) }); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteWAVFile writes the audio to path as WriteWAV does, atomically: to a temporary file
// beside it, renamed over path once complete. When ctx is done it stops, removes the
// temporary file and leaves path as it was, returning an error that wraps ctx's.
func (a *Audio) WriteWAVFile(ctx context.Context, path string) error {
	return writeAtomic(path, func(w io.Writer) error { return a.writeWAV(ctx, w) })
}
