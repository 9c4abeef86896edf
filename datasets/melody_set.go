package datasets

import (
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/nlpodyssey/safetensors"

	"musae/midi"
	"musae/models"
)

// MusicVAETranspose is the transposition range of MusicVAE's training, in semitones
// either way.
const MusicVAETranspose = 5

// MelodySet serves melody windows to the trainer as batches of one-hot steps
// (T = window length, D = midi.NumClasses) with their class indices.
type MelodySet struct {
	Windows []midi.Melody
	// MaxTranspose transposes each window at each draw by a uniform number of semitones in
	// -MaxTranspose..MaxTranspose, as MusicVAE augments (MusicVAETranspose); a shift that
	// would leave the piano range leaves the window as it is. 0 serves windows unchanged.
	MaxTranspose int
	// Meters, when set, are each window's meters by step (MelodyCorpus.TrainWindowMeters):
	// Fill then serves windows of any length up to the batch's T, with their meters as
	// controls (midi.MeterControls) and their lengths, for a model of every meter.
	Meters [][]midi.Meter
	// Bars, with Meters, says the windows are phrases of Bars bars (midi.PhraseBars): Fill
	// also writes each one's bar lengths (models.Batch.BarLengths), for a model that
	// decodes bar by bar.
	Bars int
}

// Len returns the number of windows.
func (s MelodySet) Len() int { return len(s.Windows) }

// Fill writes the windows at idx into b, which must have T equal to their length (with
// Meters: at least their length) and D equal to midi.NumClasses, with room for classes.
func (s MelodySet) Fill(b *models.Batch, idx []int, rng *rand.Rand) {
	classes := make([]int32, b.T)
	if s.Meters != nil {
		b.SetControls(midi.NumMeterControls)
	}
	if s.Meters != nil && s.Bars > 0 {
		b.BarLengths = slices.Grow(b.BarLengths[:0], len(idx)*s.Bars)[:0]
	}
	for i, k := range idx {
		w := s.Windows[k]
		if s.MaxTranspose > 0 {
			if t, ok := Transpose(w, rng.IntN(2*s.MaxTranspose+1)-s.MaxTranspose); ok {
				w = t
			}
		}
		for j, c := range w {
			classes[j] = int32(c)
		}
		if s.Meters != nil {
			b.SetClasses(i, classes[:len(w)])
			midi.MeterControls(b.ExampleControls(i), s.Meters[k], len(w))
			b.SetLength(i, len(w))
			if s.Bars > 0 {
				b.BarLengths = append(b.BarLengths, PhraseBarLengths(s.Meters[k], len(w), s.Bars)...)
			}
			continue
		}
		b.SetClasses(i, classes)
	}
}

// PhraseBarLengths is the steps of each of the bars bars of a phrase of steps steps with
// the given meters (midi.PhraseBars), what a model that decodes bar by bar reads. It panics
// where they do not make bars bars that fill the phrase, a programmer's error: the phrases
// of midi.File.PhraseWindows always do.
func PhraseBarLengths(meters []midi.Meter, steps, bars int) []int {
	bs := midi.PhraseBars(meters, steps)
	out := make([]int, 0, bars)
	sum := 0
	for _, b := range bs {
		out, sum = append(out, b.Steps), sum+b.Steps
	}
	if len(out) != bars || sum != steps {
		panic(fmt.Sprintf("datasets: a phrase of %d steps in %v has bars of %v, not %d bars", steps, meters, out, bars))
	}
	return out
}

// MelodyBatch returns windows as one batch, unchanged (for evaluation). All windows must
// have the same length.
func MelodyBatch(windows []midi.Melody) *models.Batch {
	t := midi.WindowSteps
	if len(windows) > 0 {
		t = len(windows[0])
	}
	b := models.NewBatch(len(windows), t, midi.NumClasses, true)
	idx := make([]int, len(windows))
	for i := range idx {
		idx[i] = i
	}
	MelodySet{Windows: windows}.Fill(b, idx, nil)
	return b
}

// MelodyStats summarises a corpus for people.
type MelodyStats struct {
	Files, Skipped              int // files that gave windows, files that gave none
	TrainFiles, ValidationFiles int
	Train, Validation           int // windows
	Duplicates                  int // windows dropped as repeats within their file
	Notes                       int // note onsets in all windows
	LowPitch, HighPitch         int // the lowest and highest pitch in any window; 0 when none
	MeanPitch                   float64
	NotesPerBar                 float64        // onsets per 16-step bar
	SoundingShare               float64        // share of steps where a note sounds
	SkipReasons                 map[string]int // skipped files by kind of reason
	// Meters counts, for windows of each file's own meter (MelodyOptions.OwnMeter), the
	// windows of each meter and the files that gave them; nil otherwise.
	Meters map[string]MeterStats
}

// MeterStats counts the windows of one meter.
type MeterStats struct {
	Files, Windows int
}

// Stats counts the corpus's files, windows, pitch range and note density.
func (c *MelodyCorpus) Stats() MelodyStats {
	s := MelodyStats{Files: len(c.Files), Skipped: len(c.Skipped), Train: len(c.Train), Validation: len(c.Validation), SkipReasons: map[string]int{}}
	for _, f := range c.Files {
		if f.Validation {
			s.ValidationFiles++
		} else {
			s.TrainFiles++
		}
		s.Duplicates += f.Duplicates
	}
	for _, f := range c.Skipped {
		s.SkipReasons[skipKind(f.Reason)]++
	}
	if c.TrainMeters != nil || c.ValidationMeters != nil {
		s.Meters = map[string]MeterStats{}
		// Windows are in file order: a file's windows of a meter follow one another.
		fileOf := func(meters []string, val bool) {
			k := 0
			for _, f := range c.Files {
				if f.Validation != val {
					continue
				}
				seen := map[string]bool{}
				for _, m := range meters[k : k+f.Windows] {
					ms := s.Meters[m]
					ms.Windows++
					if !seen[m] {
						ms.Files++
						seen[m] = true
					}
					s.Meters[m] = ms
				}
				k += f.Windows
			}
		}
		fileOf(c.TrainMeters, false)
		fileOf(c.ValidationMeters, true)
	}
	var steps, sounding, pitchSum int
	for _, w := range slices.Concat(c.Train, c.Validation) {
		on := false
		for _, x := range w {
			if p, ok := midi.ClassPitch(x); ok {
				on = true
				s.Notes++
				pitchSum += p
				if s.LowPitch == 0 || p < s.LowPitch {
					s.LowPitch = p
				}
				s.HighPitch = max(s.HighPitch, p)
			} else if x == midi.NoteOff {
				on = false
			}
			if on {
				sounding++
			}
			steps++
		}
	}
	if steps > 0 {
		s.NotesPerBar = float64(s.Notes) / float64(steps) * midi.StepsPerBar
		s.SoundingShare = float64(sounding) / float64(steps)
	}
	if s.Notes > 0 {
		s.MeanPitch = float64(pitchSum) / float64(s.Notes)
	}
	return s
}

// skipKind shortens a skip reason to its kind, for counting.
func skipKind(reason string) string {
	for _, k := range [][2]string{
		{"in a meter that divides 4/4", "no window: not in 4/4, 2/2, 2/4 or 1/4"},
		{"is not a whole number of 16ths", "no window: a bar is not a whole number of 16ths (or too long)"},
		{"without a silent bar", "no window without a silent bar"},
		{"no such track", "no such track"},
		{"has no notes", "no notes"},
		{"is usable", "no usable notes (drums, programs outside 0–31, outside A0–C8)"},
	} {
		if strings.Contains(reason, k[0]) {
			return k[1]
		}
	}
	if strings.HasPrefix(reason, "byte ") {
		return "not a readable MIDI file"
	}
	return reason
}

// WriteMelodySafetensors writes the corpus's windows as safetensors: I64 tensors "train"
// and "validation" of shape [N, window length] holding class indices, unaugmented, with
// metadata (string to string) in __metadata__. This is the input of the PyTorch peer's
// train-melody. A corpus of windows in their own meter (MelodyOptions.OwnMeter), whose
// lengths differ, is padded to its longest window with -1, and each split also gets
// "_steps" [N] (each window's length), "_pulses" [N, length] (midi.Pulse, -1 past the end)
// and "_meter" [N] (an index into the metadata's comma-separated "meters").
func WriteMelodySafetensors(w io.Writer, c *MelodyCorpus, metadata map[string]string) error {
	tensors := map[string]safetensors.TensorView{}
	own := c.TrainMeters != nil || c.ValidationMeters != nil
	var names []string // the meters, in order of first use
	index := map[string]int{}
	if own {
		for _, m := range slices.Concat(c.TrainMeters, c.ValidationMeters) {
			if _, ok := index[m]; !ok {
				index[m] = len(names)
				names = append(names, m)
			}
		}
		metadata = maps.Clone(metadata)
		metadata["meters"] = strings.Join(names, ",")
		metadata["pulses"] = "0 none, 1 the beat's division, 2 a beat, 3 a bar's first step"
	}
	i64 := func(name string, shape []uint64, vals []int64) error {
		data := make([]byte, 0, 8*len(vals))
		for _, v := range vals {
			data = binary.LittleEndian.AppendUint64(data, uint64(v))
		}
		tv, err := safetensors.NewTensorView(safetensors.I64, shape, data)
		if err != nil {
			return fmt.Errorf("datasets: export: %w", err)
		}
		tensors[name] = tv
		return nil
	}
	for _, split := range []struct {
		name   string
		ws     []midi.Melody
		meters []string
		pulses [][]midi.Pulse
	}{{"train", c.Train, c.TrainMeters, c.TrainPulses}, {"validation", c.Validation, c.ValidationMeters, c.ValidationPulses}} {
		t := midi.WindowSteps
		if len(split.ws) > 0 {
			t = len(split.ws[0]) // 32, or 256 for 16-bar windows (MelodyOptions.Bars)
		}
		if own {
			t = 0
			for _, m := range split.ws {
				t = max(t, len(m))
			}
		}
		var classes, pulses, steps, meters []int64
		for i, m := range split.ws {
			if !own && len(m) != t {
				return fmt.Errorf("datasets: export: %s window %d has %d steps, want %d", split.name, i, len(m), t)
			}
			for k := range t {
				class, pulse := int64(-1), int64(-1)
				if k < len(m) {
					class = int64(m[k])
					if own {
						pulse = int64(split.pulses[i][k])
					}
				}
				classes, pulses = append(classes, class), append(pulses, pulse)
			}
			if own {
				steps, meters = append(steps, int64(len(m))), append(meters, int64(index[split.meters[i]]))
			}
		}
		n := uint64(len(split.ws))
		if err := i64(split.name, []uint64{n, uint64(t)}, classes); err != nil {
			return err
		}
		if own {
			if err := i64(split.name+"_pulses", []uint64{n, uint64(t)}, pulses); err != nil {
				return err
			}
			if err := i64(split.name+"_steps", []uint64{n}, steps); err != nil {
				return err
			}
			if err := i64(split.name+"_meter", []uint64{n}, meters); err != nil {
				return err
			}
		}
	}
	if err := safetensors.SerializeToWriter(tensors, metadata, w); err != nil {
		return fmt.Errorf("datasets: export: %w", err)
	}
	return nil
}
