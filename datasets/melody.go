package datasets

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"musae/midi"
)

// MelodyOptions configure LoadMelodies.
type MelodyOptions struct {
	// Track picks the melody track of every file by name or index (POP909: "MELODY");
	// "" merges every eligible track. See midi.ExtractOptions.
	Track string
	// AllPrograms keeps programs outside 0–31; AnyMeter cuts windows in every meter.
	AllPrograms, AnyMeter bool
	// AlignGrid shifts each file onto its notes' own 16th grid and beats before
	// quantising (midi.File.AlignToGrid), for corpora played rather than sequenced, such
	// as POP909, whose beats do not start at tick 0. MusicVAE does not do this.
	AlignGrid bool
	// ValidationShare is the share of files held out for validation: 0 means 0.1, a
	// negative share holds out none.
	ValidationShare float64
	// Seed varies the split: the same seed and files give the same split.
	Seed uint64
	// CacheDir holds the cache of extracted windows; "" is os.UserCacheDir()/musae.
	CacheDir string
	// NoCache reads every file and neither reads nor writes the cache.
	NoCache bool
	// OwnMeter cuts the windows of a model of every meter from each file, in its own meter
	// (midi.File.OwnWindows: 32 steps in 4/4, 2/4 and 4/2 as for 4/4 models, two bars
	// elsewhere: 24 steps in 3/4 and 6/8, 36 in 9/8, 48 in 12/8), instead of 2 bars of 4/4,
	// and records each window's meters in MelodyCorpus.TrainMeters and ValidationMeters.
	// AnyMeter is then ignored. These windows are not cached yet: every file is read.
	// With Bars other than 2, the windows are phrases of Bars bars of the file's meter
	// instead (midi.File.PhraseWindows: 16 bars of 3/4 are 192 steps, of 2/4 or 4/4 256).
	OwnMeter bool
	// Bars is the length of the windows in bars of 16 steps, cut with a hop of one bar;
	// 0 means midi.WindowBars (2). MusicVAE's 16-bar models read 16.
	Bars int
}

// bars is the window length opt asks for.
func (opt MelodyOptions) bars() int {
	if opt.Bars > 0 {
		return opt.Bars
	}
	return midi.WindowBars
}

// DefaultValidationShare is the share of files held out when MelodyOptions.ValidationShare
// is 0.
const DefaultValidationShare = 0.1

// MelodyCorpus is the 2-bar melody windows of a folder of MIDI files, split by file.
type MelodyCorpus struct {
	Dir string
	// Train and Validation hold midi.WindowSteps-step windows, file by file in path
	// order, each file's windows in time order with duplicates within the file dropped.
	Train, Validation []midi.Melody
	// TrainMeters and ValidationMeters name the meter of each window of Train and
	// Validation (midi.MeterWindow.Meter: "6/8", "3/4+2/4") when MelodyOptions.OwnMeter
	// is set; they are nil otherwise.
	TrainMeters, ValidationMeters []string
	// TrainPulses and ValidationPulses are each window's pulses (midi.MeterWindow.Pulses:
	// where its bars and beats fall), with MelodyOptions.OwnMeter; nil otherwise.
	TrainPulses, ValidationPulses [][]midi.Pulse
	// TrainWindowMeters and ValidationWindowMeters are each window's meters by step from
	// its start (midi.MeterWindow.Meters), with MelodyOptions.OwnMeter; nil otherwise.
	TrainWindowMeters, ValidationWindowMeters [][]midi.Meter
	Files                                     []MelodyFile  // the files that gave windows, in path order
	Skipped                                   []SkippedFile // the files that gave none, and why, in path order
	Cached                                    int           // files whose windows came from the cache
	// CacheErr is why the cache could not be read or written, if so; the corpus is
	// complete regardless.
	CacheErr error
}

// MelodyFile is a file that gave windows.
type MelodyFile struct {
	Path       string // relative to the corpus folder, with forward slashes
	Windows    int    // windows kept
	Duplicates int    // windows dropped as repeats of an earlier window of the file
	Validation bool   // whether the file is in the validation split
}

// SkippedFile is a file that gave no windows.
type SkippedFile struct {
	Path   string // relative to the corpus folder, with forward slashes
	Reason string
}

// melodyExtensions are the file name endings LoadMelodies reads, compared ignoring case.
var melodyExtensions = []string{".mid", ".midi", ".kar", ".rmi"}

// LoadMelodies reads every MIDI file under dir (recursively; names ending .mid, .midi,
// .kar or .rmi) and cuts 2-bar windows from each as midi.File.Windows does, hop 1 bar. A
// file goes wholly to train or to validation by a hash of its path relative to dir and
// the seed, so the split does not depend on the order of listing nor on other files.
// Windows are cached per file (keyed by size and modification time, the extraction options
// and the code version), so that a second load reads only files that changed.
func LoadMelodies(dir string, opt MelodyOptions) (*MelodyCorpus, error) {
	return LoadMelodiesContext(context.Background(), dir, opt)
}

// LoadMelodiesContext is LoadMelodies, cancellable through ctx.
func LoadMelodiesContext(ctx context.Context, dir string, opt MelodyOptions) (*MelodyCorpus, error) {
	share := opt.ValidationShare
	switch {
	case share == 0:
		share = DefaultValidationShare
	case share < 0:
		share = 0
	case share > 1:
		return nil, fmt.Errorf("datasets: validation share %v, want at most 1", share)
	}
	files, err := melodyFiles(dir)
	if err != nil {
		return nil, err
	}
	c := &MelodyCorpus{Dir: dir}
	var cache *melodyCache
	if !opt.NoCache && !opt.OwnMeter {
		cache, c.CacheErr = openMelodyCache(dir, opt)
	}

	results := make([]melodyEntry, len(files))
	todo := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8) {
		wg.Go(func() {
			for i := range todo {
				results[i] = extractMelodyFile(files[i], opt)
			}
		})
	}
	var cancelled error
	for i, f := range files {
		if e, ok := cache.lookup(f); ok {
			results[i] = e
			c.Cached++
			continue
		}
		if cancelled = ctx.Err(); cancelled != nil {
			break
		}
		todo <- i
	}
	close(todo)
	wg.Wait()
	if cancelled != nil {
		return nil, fmt.Errorf("datasets: load melodies from %s: %w", dir, cancelled)
	}
	if cache != nil && (c.Cached < len(files) || len(cache.entries) != len(files)) {
		if err := cache.save(results); err != nil && c.CacheErr == nil {
			c.CacheErr = err
		}
	}

	for _, e := range results {
		if e.Reason != "" {
			c.Skipped = append(c.Skipped, SkippedFile{Path: e.Path, Reason: e.Reason})
			continue
		}
		val := melodyValidation(e.Path, opt.Seed, share)
		c.Files = append(c.Files, MelodyFile{Path: e.Path, Windows: len(e.Windows), Duplicates: e.Duplicates, Validation: val})
		if val {
			c.Validation = append(c.Validation, e.Windows...)
			c.ValidationMeters = append(c.ValidationMeters, e.Meters...)
			c.ValidationPulses = append(c.ValidationPulses, e.Pulses...)
			c.ValidationWindowMeters = append(c.ValidationWindowMeters, e.WindowMeters...)
		} else {
			c.Train = append(c.Train, e.Windows...)
			c.TrainMeters = append(c.TrainMeters, e.Meters...)
			c.TrainPulses = append(c.TrainPulses, e.Pulses...)
			c.TrainWindowMeters = append(c.TrainWindowMeters, e.WindowMeters...)
		}
	}
	return c, nil
}

// melodyFileInfo is a file found under the corpus folder.
type melodyFileInfo struct {
	abs, rel string
	size     int64
	mtime    int64 // nanoseconds since 1970
}

func melodyFiles(dir string) ([]melodyFileInfo, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("datasets: melodies: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("datasets: melodies: %s is not a folder", dir)
	}
	// WalkDir does not follow a link at its root; a trailing separator makes it.
	root := dir
	if lst, err := os.Lstat(dir); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		root = dir + string(filepath.Separator)
	}
	var files []melodyFileInfo
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !slices.ContainsFunc(melodyExtensions, func(ext string) bool { return strings.EqualFold(filepath.Ext(p), ext) }) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, melodyFileInfo{abs: p, rel: filepath.ToSlash(rel), size: info.Size(), mtime: info.ModTime().UnixNano()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("datasets: melodies: %w", err)
	}
	slices.SortFunc(files, func(a, b melodyFileInfo) int { return strings.Compare(a.rel, b.rel) })
	return files, nil
}

// melodyEntry is what one file gave: windows, or the reason it gave none.
type melodyEntry struct {
	Path        string
	Size, MTime int64
	Reason      string
	Windows     []midi.Melody
	Meters      []string       // each window's meter, with MelodyOptions.OwnMeter
	Pulses      [][]midi.Pulse // and its pulses
	// and its meters by step
	WindowMeters [][]midi.Meter
	Duplicates   int
}

func extractMelodyFile(fi melodyFileInfo, opt MelodyOptions) melodyEntry {
	e := melodyEntry{Path: fi.rel, Size: fi.size, MTime: fi.mtime}
	data, err := os.ReadFile(fi.abs)
	if err != nil {
		e.Reason = err.Error()
		return e
	}
	f, err := midi.Read(bytes.NewReader(data))
	if err == nil {
		if opt.AlignGrid {
			f.AlignToGrid()
		}
		var (
			ws     []midi.Melody
			meters []string
			pulses [][]midi.Pulse
			wms    [][]midi.Meter
		)
		xopt := midi.ExtractOptions{Track: opt.Track, AllPrograms: opt.AllPrograms, AnyMeter: opt.AnyMeter}
		if opt.OwnMeter {
			xopt.AnyMeter = false
			var mws []midi.MeterWindow
			if opt.bars() != midi.WindowBars {
				mws, err = f.PhraseWindows(xopt, opt.Bars, 1)
			} else {
				mws, err = f.OwnWindows(xopt, 1)
			}
			for _, w := range mws {
				ws, meters, pulses = append(ws, w.Melody), append(meters, w.Meter()), append(pulses, w.Pulses())
				wms = append(wms, w.Meters)
			}
		} else {
			ws, err = f.Windows(xopt, opt.bars(), 1)
		}
		// MusicVAE keeps the distinct windows of each sequence: a repeated chorus would
		// otherwise weigh as often as it repeats. A window is the same only in the same
		// meter.
		seen := map[string]bool{}
		for i, w := range ws {
			k := fmt.Sprint(w)
			if meters != nil {
				k += " " + meters[i]
			}
			if seen[k] {
				e.Duplicates++
				continue
			}
			seen[k] = true
			e.Windows = append(e.Windows, w)
			if meters != nil {
				e.Meters, e.Pulses = append(e.Meters, meters[i]), append(e.Pulses, pulses[i])
				e.WindowMeters = append(e.WindowMeters, wms[i])
			}
		}
	}
	if err != nil {
		e.Reason = strings.TrimPrefix(strings.TrimPrefix(err.Error(), "midi: read: "), "midi: ")
		e.Windows, e.Meters, e.Pulses, e.WindowMeters, e.Duplicates = nil, nil, nil, nil, 0
	}
	return e
}

// melodyValidation tells whether the file at rel belongs to the validation split: FNV-1a
// of the seed and the path, as a fraction of 2^64, below share.
func melodyValidation(rel string, seed uint64, share float64) bool {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(rel))
	return float64(h.Sum64()>>11)/(1<<53) < share
}

// Transpose shifts every note of m by semitones; ok is false, and the melody nil, when a
// note would leave the piano range midi.MinPitch..midi.MaxPitch.
func Transpose(m midi.Melody, semitones int) (_ midi.Melody, ok bool) {
	out := make(midi.Melody, len(m))
	for i, c := range m {
		p, isNote := midi.ClassPitch(c)
		if !isNote {
			out[i] = c
			continue
		}
		p += semitones
		if p < midi.MinPitch || p > midi.MaxPitch {
			return nil, false
		}
		out[i] = midi.NoteOnClass(p)
	}
	return out, true
}
