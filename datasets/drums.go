package datasets

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"musae/midi"
	"musae/models"
)

// DrumOptions configure LoadDrums.
type DrumOptions struct {
	// Track picks the drum track of every file (midi.DrumOptions.Track); "" reads the
	// drum channel of every track.
	Track string
	// Map maps keys to drums (the zero value is midi.DrumMapGroove).
	Map midi.DrumMap
	// ValidationShare and Seed split a folder without an info.csv by file, as
	// LoadMelodies does (0 means DefaultValidationShare).
	ValidationShare float64
	Seed            uint64
}

// DrumCorpus is the 2-bar drum windows of a folder of MIDI files, split by file.
type DrumCorpus struct {
	Dir string
	// Grooves are every 2-bar window (hop 1 bar) of each file in GrooVAE's representation,
	// file by file in path order; Train and Validation are their patterns with repeats
	// within a file dropped, as MusicVAE keeps the distinct windows of each sequence.
	TrainGrooves, ValidationGrooves []midi.Groove
	Train, Validation               []midi.Drums
	Files                           []DrumFile    // the files that gave windows, in path order
	Skipped                         []SkippedFile // the files that gave none, and why
	// SplitFrom says where the split came from: "info.csv" or "a hash of each path".
	SplitFrom string
}

// TrainFiles is how many of the files that gave windows training learns from.
func (c *DrumCorpus) TrainFiles() int {
	n := 0
	for _, f := range c.Files {
		if !f.Validation {
			n++
		}
	}
	return n
}

// DrumFile is a file that gave windows.
type DrumFile struct {
	Path       string // relative to the corpus folder, with forward slashes
	Windows    int    // 2-bar windows
	Patterns   int    // distinct patterns among them
	Validation bool
}

// LoadDrums reads every MIDI file under dir (recursively) and cuts 2-bar windows a bar
// apart from each as midi.File.GrooveWindows does. When dir holds the Groove MIDI
// Dataset's info.csv (columns midi_filename and split), its split is used: files marked
// "validation" (or "test") are held out, and files it does not list are skipped. Otherwise
// files are split by a hash of their path as LoadMelodies splits them.
func LoadDrums(ctx context.Context, dir string, opt DrumOptions) (*DrumCorpus, error) {
	files, err := melodyFiles(dir)
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			return nil, fmt.Errorf("datasets: drums: %w", inner)
		}
		return nil, fmt.Errorf("datasets: drums: %s", strings.TrimPrefix(err.Error(), "datasets: melodies: "))
	}
	split, err := readInfoSplit(filepath.Join(dir, "info.csv"))
	if err != nil {
		return nil, err
	}
	share := opt.ValidationShare
	if share == 0 {
		share = DefaultValidationShare
	}
	c := &DrumCorpus{Dir: dir, SplitFrom: "a hash of each path"}
	if split != nil {
		c.SplitFrom = "info.csv"
	}
	type entry struct {
		ws     []midi.Groove
		reason string
	}
	results := make([]entry, len(files))
	todo := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 8) {
		wg.Go(func() {
			for i := range todo {
				f, err := midi.ReadFile(files[i].abs)
				if err == nil {
					results[i].ws, err = f.GrooveWindows(midi.DrumOptions{Track: opt.Track, Map: opt.Map}, midi.WindowBars, 1)
				}
				if err != nil {
					results[i].reason = strings.TrimPrefix(err.Error(), "midi: ")
				}
			}
		})
	}
	var cancelled error
	for i, f := range files {
		if split != nil {
			if _, ok := split[f.rel]; !ok {
				results[i].reason = "not listed in info.csv"
				continue
			}
		}
		if cancelled = ctx.Err(); cancelled != nil {
			break
		}
		todo <- i
	}
	close(todo)
	wg.Wait()
	if cancelled != nil {
		return nil, fmt.Errorf("datasets: load drums from %s: %w", dir, cancelled)
	}
	for i, e := range results {
		rel := files[i].rel
		if e.reason != "" {
			c.Skipped = append(c.Skipped, SkippedFile{Path: rel, Reason: e.reason})
			continue
		}
		val := melodyValidation(rel, opt.Seed, share)
		if split != nil {
			val = split[rel]
		}
		var pats []midi.Drums
		seen := map[string]bool{}
		for _, w := range e.ws {
			d := w.Drums()
			if k := fmt.Sprint([]int(d)); !seen[k] {
				seen[k] = true
				pats = append(pats, d)
			}
		}
		c.Files = append(c.Files, DrumFile{Path: rel, Windows: len(e.ws), Patterns: len(pats), Validation: val})
		if val {
			c.ValidationGrooves = append(c.ValidationGrooves, e.ws...)
			c.Validation = append(c.Validation, pats...)
		} else {
			c.TrainGrooves = append(c.TrainGrooves, e.ws...)
			c.Train = append(c.Train, pats...)
		}
	}
	return c, nil
}

// readInfoSplit reads the split column of a Groove MIDI Dataset info.csv: for each
// midi_filename, whether it is held out. It returns nil, and no error, when there is no
// such file.
func readInfoSplit(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("datasets: drums: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("datasets: drums: %s: no header: %w", path, err)
	}
	file, split := slices.Index(head, "midi_filename"), slices.Index(head, "split")
	if file < 0 || split < 0 {
		return nil, fmt.Errorf("datasets: drums: %s: want columns midi_filename and split, have %s", path, strings.Join(head, ", "))
	}
	out := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("datasets: drums: %w", err)
		}
		if max(file, split) >= len(rec) {
			return nil, fmt.Errorf("datasets: drums: %s line %d: %d fields, want at least %d", path, line, len(rec), max(file, split)+1)
		}
		switch s := rec[split]; s {
		case "train":
			out[rec[file]] = false
		case "validation", "test":
			out[rec[file]] = true
		default:
			return nil, fmt.Errorf("datasets: drums: %s line %d: split %q, want train, validation or test", path, line, s)
		}
	}
}

// DrumSet serves drum patterns to the trainer as batches of one-hot steps (T = pattern
// length, D = midi.NumDrumClasses) with their class indices.
type DrumSet struct{ Windows []midi.Drums }

// Len returns the number of patterns.
func (s DrumSet) Len() int { return len(s.Windows) }

// Fill writes the patterns at idx into b, which must have T equal to their length and D
// equal to midi.NumDrumClasses, with room for classes.
func (s DrumSet) Fill(b *models.Batch, idx []int, _ *rand.Rand) {
	classes := make([]int32, b.T)
	for i, k := range idx {
		for j, c := range s.Windows[k] {
			classes[j] = int32(c)
		}
		b.SetClasses(i, classes)
	}
}

// DrumBatch returns patterns as one batch, unchanged. All must have the same length.
func DrumBatch(ds []midi.Drums) *models.Batch {
	t := midi.WindowSteps
	if len(ds) > 0 {
		t = len(ds[0])
	}
	b := models.NewBatch(len(ds), t, midi.NumDrumClasses, true)
	idx := make([]int, len(ds))
	for i := range idx {
		idx[i] = i
	}
	DrumSet{Windows: ds}.Fill(b, idx, nil)
	return b
}
