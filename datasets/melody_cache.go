package datasets

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"musae/midi"
	"musae/models/atomicfile"
)

// melodyCacheVersion names the cache layout and what LoadMelodies does to windows (the
// per-file deduplication); bump it when either changes. midi.ExtractVersion covers the
// extraction rules.
const melodyCacheVersion = 1

const melodyCacheMagic = "musae melody cache\n"

// melodyCache holds the windows of each file of one corpus folder under one set of
// extraction options, keyed by the file's relative path and checked by size and
// modification time.
type melodyCache struct {
	path    string
	steps   int // window length
	entries map[string]melodyEntry
}

// openMelodyCache finds and reads the cache for dir and opt. A cache that cannot be read
// is an error to report, not to fail on: the cache then starts empty. It returns a nil
// cache only when there is no cache folder at all.
func openMelodyCache(dir string, opt MelodyOptions) (*melodyCache, error) {
	cdir := opt.CacheDir
	if cdir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("datasets: melody cache: %w", err)
		}
		cdir = filepath.Join(base, "musae")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: melody cache: %w", err)
	}
	key := sha256.Sum256(fmt.Appendf(nil, "%d\x00%d\x00%d\x00%s\x00%q\x00%t\x00%t\x00%t",
		melodyCacheVersion, midi.ExtractVersion, opt.bars()*midi.StepsPerBar, abs, opt.Track, opt.AllPrograms, opt.AnyMeter, opt.AlignGrid))
	c := &melodyCache{
		path:    filepath.Join(cdir, "melodies-"+hex.EncodeToString(key[:10])+".cache"),
		steps:   opt.bars() * midi.StepsPerBar,
		entries: map[string]melodyEntry{},
	}
	data, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err == nil {
		err = c.decode(data)
	}
	if err != nil {
		c.entries = map[string]melodyEntry{}
		return c, fmt.Errorf("datasets: melody cache %s ignored: %w", c.path, err)
	}
	return c, nil
}

func (c *melodyCache) lookup(f melodyFileInfo) (melodyEntry, bool) {
	if c == nil {
		return melodyEntry{}, false
	}
	e, ok := c.entries[f.rel]
	if !ok || e.Size != f.size || e.MTime != f.mtime {
		return melodyEntry{}, false
	}
	return e, true
}

// save replaces the cache with entries, atomically.
func (c *melodyCache) save(entries []melodyEntry) error {
	var b bytes.Buffer
	b.WriteString(melodyCacheMagic)
	b.Write(binary.AppendUvarint(nil, uint64(len(entries))))
	for _, e := range entries {
		putString(&b, e.Path)
		b.Write(binary.AppendVarint(nil, e.Size))
		b.Write(binary.AppendVarint(nil, e.MTime))
		putString(&b, e.Reason)
		b.Write(binary.AppendUvarint(nil, uint64(e.Duplicates)))
		b.Write(binary.AppendUvarint(nil, uint64(len(e.Windows))))
		for _, w := range e.Windows {
			for _, x := range w {
				b.WriteByte(byte(x))
			}
		}
	}
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b.Bytes())))

	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return fmt.Errorf("datasets: melody cache: %w", err)
	}
	if err := atomicfile.WriteBytes(c.path, b.Bytes()); err != nil {
		return fmt.Errorf("datasets: melody cache: %w", err)
	}
	return nil
}

func putString(b *bytes.Buffer, s string) {
	b.Write(binary.AppendUvarint(nil, uint64(len(s))))
	b.WriteString(s)
}

func (c *melodyCache) decode(data []byte) error {
	if len(data) < len(melodyCacheMagic)+4 || string(data[:len(melodyCacheMagic)]) != melodyCacheMagic {
		return errors.New("not a melody cache")
	}
	body, sum := data[:len(data)-4], binary.BigEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return errors.New("checksum mismatch")
	}
	r := bufio.NewReader(bytes.NewReader(body[len(melodyCacheMagic):]))
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return err
	}
	for range n {
		var e melodyEntry
		if e.Path, err = getString(r); err != nil {
			return err
		}
		if e.Size, err = binary.ReadVarint(r); err != nil {
			return err
		}
		if e.MTime, err = binary.ReadVarint(r); err != nil {
			return err
		}
		if e.Reason, err = getString(r); err != nil {
			return err
		}
		dups, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		e.Duplicates = int(dups)
		nw, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		if nw > uint64(len(body)/c.steps) {
			return errors.New("window count past the end")
		}
		raw := make([]byte, int(nw)*c.steps)
		if _, err := io.ReadFull(r, raw); err != nil {
			return err
		}
		for i := range int(nw) {
			w := make(midi.Melody, c.steps)
			for j := range w {
				w[j] = int(raw[i*c.steps+j])
			}
			if w.Validate() != nil {
				return errors.New("class out of range")
			}
			e.Windows = append(e.Windows, w)
		}
		c.entries[e.Path] = e
	}
	return nil
}

func getString(r *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	if n > 1<<20 {
		return "", errors.New("string too long")
	}
	b := make([]byte, n)
	_, err = io.ReadFull(r, b)
	return string(b), err
}
