package datasets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"musae/midi"
	"musae/models"
)

// ChordAnnotation is where POP909 keeps the chords of the MIDI file at rel (relative to
// the corpus folder dir): dir/annotations/NNN/chord_midi.txt for NNN.mid.
func ChordAnnotation(dir, rel string) string {
	stem := strings.TrimSuffix(filepath.Base(rel), filepath.Ext(rel))
	return filepath.Join(dir, "annotations", stem, "chord_midi.txt")
}

// ChordCorpus is the 2-bar melody windows of a folder of MIDI files with chord
// annotations laid out as POP909's (ChordAnnotation), each window with the triad class of
// its chord at each step (midi.Chord.NearTriad), split by file as LoadMelodies splits.
type ChordCorpus struct {
	Dir string
	// Train and Validation are the windows LoadMelodies gives with the same options
	// (every file aligned to its grid), in the same order, from the files that have
	// annotations; TrainChords and ValidationChords are their chords, a triad class per
	// step.
	Train, Validation             []midi.Melody
	TrainChords, ValidationChords [][]int8
	Files                         []MelodyFile
	Skipped                       []SkippedFile
	// Mapped counts the windows holding a chord without a triad class of its own (sus2,
	// sus4, 5), read as the triad nearest it (midi.Chord.NearTriad); NoChordSteps the
	// steps no annotated chord covers, or marked N, which read as class 0.
	Mapped, NoChordSteps, Steps int
}

// LoadChordMelodies reads every MIDI file of dir that has chord annotations beside it
// (ChordAnnotation; the others are skipped, saying so), aligns it to its notes' grid as
// POP909 needs (midi.File.AlignToGrid), places the annotated chords on its 16th grid
// (midi.File.StepChords) and cuts the 2-bar windows of File.Windows (hop 1 bar) with the
// chords under them. Duplicate windows within a file are dropped by their melody alone, as
// LoadMelodies drops them, keeping the first one's chords, so that the windows are
// LoadMelodies's and the figures of a model with chords and one without compare. It is not
// cached; the files are read in order, checking ctx between them.
func LoadChordMelodies(ctx context.Context, dir string, opt MelodyOptions) (*ChordCorpus, error) {
	share := opt.ValidationShare
	switch {
	case share == 0:
		share = DefaultValidationShare
	case share < 0:
		share = 0
	}
	files, err := melodyFiles(dir)
	if err != nil {
		return nil, err
	}
	c := &ChordCorpus{Dir: dir}
	for _, fi := range files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("datasets: load melodies with chords from %s: %w", dir, err)
		}
		ws, chords, mapped, reason := chordWindows(dir, fi, opt)
		if reason != "" {
			c.Skipped = append(c.Skipped, SkippedFile{Path: fi.rel, Reason: reason})
			continue
		}
		val := melodyValidation(fi.rel, opt.Seed, share)
		c.Files = append(c.Files, MelodyFile{Path: fi.rel, Windows: len(ws), Validation: val})
		c.Mapped += mapped
		for _, cs := range chords {
			for _, k := range cs {
				c.Steps++
				if k == 0 {
					c.NoChordSteps++
				}
			}
		}
		if val {
			c.Validation, c.ValidationChords = append(c.Validation, ws...), append(c.ValidationChords, chords...)
		} else {
			c.Train, c.TrainChords = append(c.Train, ws...), append(c.TrainChords, chords...)
		}
	}
	return c, nil
}

// chordWindows reads one file's windows and their chords, or says why it gives none.
func chordWindows(dir string, fi melodyFileInfo, opt MelodyOptions) (ws []midi.Melody, chords [][]int8, mapped int, reason string) {
	lab, err := midi.ReadChordLabFile(ChordAnnotation(dir, fi.rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, 0, "no chord annotations (" + filepath.ToSlash(strings.TrimPrefix(ChordAnnotation(dir, fi.rel), dir+string(filepath.Separator))) + ")"
		}
		return nil, nil, 0, strings.TrimPrefix(err.Error(), "midi: ")
	}
	f, err := midi.ReadFile(fi.abs)
	if err != nil {
		return nil, nil, 0, strings.TrimPrefix(strings.TrimPrefix(err.Error(), "midi: read: "), "midi: ")
	}
	spans := f.StepChords(lab, f.AlignToGrid())
	pws, err := f.PlacedWindows(midi.ExtractOptions{Track: opt.Track, AllPrograms: opt.AllPrograms, AnyMeter: opt.AnyMeter}, midi.WindowBars, 1)
	if err != nil {
		return nil, nil, 0, strings.TrimPrefix(err.Error(), "midi: ")
	}
	seen := map[string]bool{}
	for _, w := range pws {
		k := fmt.Sprint(w.Melody)
		if seen[k] {
			continue
		}
		seen[k] = true
		cs := make([]int8, len(w.Melody))
		exact := true
		for i, ch := range midi.ChordsPerStep(spans, w.Start, len(w.Melody)) {
			class, ok := ch.NearTriad()
			cs[i], exact = int8(class), exact && ok
		}
		if !exact {
			mapped++
		}
		ws, chords = append(ws, w.Melody), append(chords, cs)
	}
	return ws, chords, mapped, ""
}

// ChordMelodySet serves melody windows with their chords to the trainer: each step's
// class, and its chord as the one-hot of its triad class in midi.TriadClasses control
// features (models.Batch.Controls), as mel2-chords reads them.
type ChordMelodySet struct {
	Windows []midi.Melody
	Chords  [][]int8 // a triad class per step of each window
	// MaxTranspose transposes each window and its chords together at each draw by a
	// uniform number of semitones in -MaxTranspose..MaxTranspose (as MelodySet); a shift
	// that would take the melody out of the piano range leaves both as they are.
	MaxTranspose int
	// KeyFree, with MaxTranspose, is the share (0 to 1) of windows that the decoder is to
	// reconstruct in another transposition than the encoder read them in (DecoderView,
	// between encoding and decoding: models.VAE's BeforeDecode), each under its chords moved
	// with it; the others it reconstructs as read. Where z and the chords disagree on the
	// key, the decoder so learns to follow the chords (as under a progression a person
	// gives to a sample from the prior), and where they agree to use z's every detail (as in
	// a reconstruction).
	KeyFree float64

	view   *models.Batch // the decoder's view of the last Fill, with KeyFree
	shifts []int         // the last Fill's transposition of each window
}

// Len returns the number of windows.
func (s *ChordMelodySet) Len() int { return len(s.Windows) }

// Fill writes the windows at idx and their chords into b, making room for the controls;
// with KeyFree it also draws the decoder's view (DecoderView).
func (s *ChordMelodySet) Fill(b *models.Batch, idx []int, rng *rand.Rand) {
	s.shifts = s.shifts[:0]
	s.fill(b, idx, func(int) int { return s.draw(rng) })
	if s.KeyFree > 0 && s.MaxTranspose > 0 {
		if s.view == nil || s.view.N != b.N || s.view.T != b.T {
			s.view = models.NewBatch(b.N, b.T, b.D, true)
		}
		enc := slices.Clone(s.shifts)
		s.fill(s.view, idx, func(i int) int {
			if rng.Float64() < s.KeyFree {
				return s.draw(rng)
			}
			return enc[i]
		})
	}
}

// draw draws a transposition, 0 without MaxTranspose.
func (s *ChordMelodySet) draw(rng *rand.Rand) int {
	if s.MaxTranspose <= 0 {
		return 0
	}
	return rng.IntN(2*s.MaxTranspose+1) - s.MaxTranspose
}

// DecoderView replaces b's classes, features and controls with the decoder's view of the
// last Fill (KeyFree); without KeyFree it leaves b as it is.
func (s *ChordMelodySet) DecoderView(b *models.Batch) {
	if s.KeyFree <= 0 || s.view == nil || s.view.N != b.N {
		return
	}
	copy(b.X, s.view.X)
	copy(b.Classes, s.view.Classes)
	copy(b.Controls, s.view.Controls)
}

// fill writes the windows at idx into b, window i transposed by shift(i) with its chords
// (not at all where that would leave the piano range), recording the transpositions.
func (s *ChordMelodySet) fill(b *models.Batch, idx []int, shift func(i int) int) {
	b.SetControls(midi.TriadClasses)
	classes := make([]int32, b.T)
	for i, k := range idx {
		w, d := s.Windows[k], shift(i)
		if t, ok := Transpose(w, d); ok {
			w = t
		} else {
			d = 0
		}
		s.shifts = append(s.shifts, d)
		for j, c := range w {
			classes[j] = int32(c)
		}
		b.SetClasses(i, classes)
		ctl := b.ExampleControls(i)
		clear(ctl)
		for j, class := range s.Chords[k] {
			ctl[j*b.C+midi.TransposeTriad(int(class), d)] = 1
		}
	}
}

// ChordMelodyBatch returns windows with their chords as one batch, unchanged (for
// evaluation and encoding). All windows must have the same length.
func ChordMelodyBatch(windows []midi.Melody, chords [][]int8) *models.Batch {
	t := midi.WindowSteps
	if len(windows) > 0 {
		t = len(windows[0])
	}
	b := models.NewBatch(len(windows), t, midi.NumClasses, true)
	idx := make([]int, len(windows))
	for i := range idx {
		idx[i] = i
	}
	(&ChordMelodySet{Windows: windows, Chords: chords}).Fill(b, idx, nil)
	return b
}
