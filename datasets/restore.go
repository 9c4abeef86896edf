package datasets

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"musae/midi"
	"musae/models"
)

// The melody tasks of the autoencoder lesson: a model whose encoder reads a damaged window
// and whose decoder targets the clean one.
const (
	// TaskDenoise repairs a melody with wrong notes, missing notes and sloppy timing
	// (Corrupt).
	TaskDenoise = "denoise"
	// TaskElaborate turns a melody in quarter notes into a 16th-note line (Skeleton).
	TaskElaborate = "elaborate"
)

// MelodyTasks are the tasks RestoreSet and Damage take.
var MelodyTasks = []string{TaskDenoise, TaskElaborate}

// Corruption is how Corrupt damages a melody: each note independently is deleted with
// probability Delete, else moved to a wrong pitch (±1 or ±2 semitones, uniformly) with
// probability Shift, and, if not deleted, has its onset moved a 16th earlier or later
// with probability Jitter.
type Corruption struct {
	Delete, Shift, Jitter float64
}

// DefaultCorruption is the damage musae's melody denoiser is trained to repair: about a
// third of the notes are touched.
var DefaultCorruption = Corruption{Delete: 0.08, Shift: 0.15, Jitter: 0.15}

// Damage says what Corrupt did to a note, as bits; 0 leaves it as it was.
type Damage uint8

const (
	Deleted Damage = 1 << iota // the note is gone: a rest in its place
	Shifted                    // the note has a wrong pitch
	Moved                      // the note starts a 16th early or late
)

// Corrupt returns m damaged as c says, drawing from rng, with what happened to each of
// m.Notes(). Notes stay within the piano range and in their order: a move that would
// reach the previous note's onset or the note's own end is not made.
func Corrupt(m midi.Melody, c Corruption, rng *rand.Rand) (midi.Melody, []Damage) {
	ns := m.Notes()
	dmg := make([]Damage, len(ns))
	out := make([]midi.StepNote, 0, len(ns))
	prevStart := -1
	for i, n := range ns {
		if rng.Float64() < c.Delete {
			dmg[i] = Deleted
			continue
		}
		if rng.Float64() < c.Shift {
			d := []int{-2, -1, 1, 2}[rng.IntN(4)]
			if p := n.Pitch + d; p >= midi.MinPitch && p <= midi.MaxPitch {
				n.Pitch = p
				dmg[i] |= Shifted
			}
		}
		if rng.Float64() < c.Jitter {
			d := 2*rng.IntN(2) - 1
			// A moved onset stays after the previous note's and before the note's end.
			if s := n.Start + d; s > prevStart && s >= 0 && s < n.End {
				n.Start = s
				dmg[i] |= Moved
			}
		}
		prevStart = n.Start
		out = append(out, n)
	}
	return FromNotes(out, len(m)), dmg
}

// Skeleton returns m in quarter notes: on each beat (4 steps), the note sounding at the
// beat's first step, held to the beat's end or, when the same note still sounds at the
// next beat, on through it; a rest where none sounds.
func Skeleton(m midi.Melody) midi.Melody {
	ns := m.Notes()
	var out []midi.StepNote
	cur, last := 0, -1 // the note of ns sounding, and the one the skeleton holds
	for beat := 0; beat < len(m); beat += midi.StepsPerQuarter {
		for cur < len(ns) && ns[cur].End <= beat {
			cur++
		}
		end := min(beat+midi.StepsPerQuarter, len(m))
		switch {
		case cur >= len(ns) || ns[cur].Start > beat:
			last = -1 // a rest on this beat
		case cur == last:
			out[len(out)-1].End = end
		default:
			out = append(out, midi.StepNote{Pitch: ns[cur].Pitch, Start: beat, End: end})
			last = cur
		}
	}
	return FromNotes(out, len(m))
}

// FromNotes returns the melody of steps steps that plays ns, which must be in order of
// onset with distinct onsets within the melody: each note sounds from its onset to its end
// or the next onset, whichever is first.
func FromNotes(ns []midi.StepNote, steps int) midi.Melody {
	m := make(midi.Melody, steps)
	for i, n := range ns {
		m[n.Start] = midi.NoteOnClass(n.Pitch)
		end := n.End
		if i+1 < len(ns) {
			end = min(end, ns[i+1].Start)
		}
		if end < steps && (i+1 == len(ns) || ns[i+1].Start != end) {
			m[end] = midi.NoteOff
		}
	}
	return m
}

// Damaged returns the input a model of task reads for the clean window m (drawing from
// rng), and for TaskDenoise what happened to each of m.Notes().
func Damaged(task string, m midi.Melody, rng *rand.Rand) (midi.Melody, []Damage, error) {
	switch task {
	case TaskDenoise:
		in, dmg := Corrupt(m, DefaultCorruption, rng)
		return in, dmg, nil
	case TaskElaborate:
		return Skeleton(m), nil, nil
	}
	return nil, nil, fmt.Errorf("datasets: melody task %q: want one of %v", task, MelodyTasks)
}

// RestoreSet serves melody windows for a task: the encoder reads each window damaged
// (afresh at each draw for TaskDenoise), the decoder targets it clean; each window is
// transposed first as MelodySet does.
type RestoreSet struct {
	MelodySet
	Task string
}

// Fill writes the windows at idx into b: targets in Classes, the damaged inputs in Input
// and X.
func (s RestoreSet) Fill(b *models.Batch, idx []int, rng *rand.Rand) {
	s.MelodySet.Fill(b, idx, rng)
	clean := make(midi.Melody, b.T)
	in := make([]int32, b.T)
	for i := range idx {
		for t, c := range b.Classes[i*b.T : (i+1)*b.T] {
			clean[t] = int(c)
		}
		d, _, err := Damaged(s.Task, clean, rng)
		if err != nil {
			panic(err) // the task was checked when the set was made
		}
		for t, c := range d {
			in[t] = int32(c)
		}
		b.SetInput(i, in)
	}
}

// RestoreBatch returns the batch that reads inputs and targets clean (for evaluation).
func RestoreBatch(inputs, clean []midi.Melody) *models.Batch {
	b := MelodyBatch(clean)
	in := make([]int32, b.T)
	for i, m := range inputs {
		for t, c := range m {
			in[t] = int32(c)
		}
		b.SetInput(i, in)
	}
	return b
}

// onsetOf reports whether m has an onset of pitch at step.
func onsetOf(m midi.Melody, step, pitch int) bool {
	p, ok := midi.ClassPitch(m[step])
	return ok && p == pitch
}

// sounds reports whether pitch sounds at step of m (starting there or held from before).
func sounds(ns []midi.StepNote, step, pitch int) bool {
	i, _ := slices.BinarySearchFunc(ns, step+1, func(n midi.StepNote, s int) int { return n.Start - s })
	return i > 0 && ns[i-1].End > step && ns[i-1].Pitch == pitch
}

// RestoreScore counts how a model of a task did on windows: for TaskDenoise, of the clean
// notes the corruption damaged, how many the output plays again (the pitch, starting at
// the step it should), and of the undamaged ones how many it kept; for TaskElaborate, how
// many skeleton notes still sound on their beats, and the onsets of outputs and originals.
// Steps and notes matched against the clean windows are counted for every task.
type RestoreScore struct {
	Windows                 int
	Damaged, Restored       int // TaskDenoise: damaged clean notes, and those the output plays
	Clean, Kept             int // TaskDenoise: undamaged clean notes, and those the output plays
	SkeletonNotes, Sounding int // TaskElaborate: skeleton notes, and those sounding in the output on their beat
	Onsets, CleanOnsets     int // note onsets of the outputs and of the clean windows
	InputOnsets             int // note onsets of the inputs
	SameSteps, Steps        int // steps of the output equal to the clean window's
	NoteHits                int // output onsets with the clean window's pitch at that step
	// ByDamage counts TaskDenoise's damaged notes [0] and those restored [1] by each kind
	// of damage (a note shifted and moved counts under both).
	ByDamage [3][2]int // Deleted, Shifted, Moved
}

// Add counts one window: the clean one, the model's input, what the model made of it, and
// (TaskDenoise) what happened to each clean note.
func (s *RestoreScore) Add(clean, input, out midi.Melody, dmg []Damage) {
	s.Windows++
	ns := clean.Notes()
	for i, n := range ns {
		if dmg == nil {
			break
		}
		if dmg[i] != 0 {
			s.Damaged++
			ok := onsetOf(out, n.Start, n.Pitch)
			if ok {
				s.Restored++
			}
			for k := range s.ByDamage {
				if dmg[i]&(1<<k) != 0 {
					s.ByDamage[k][0]++
					if ok {
						s.ByDamage[k][1]++
					}
				}
			}
		} else {
			s.Clean++
			if onsetOf(out, n.Start, n.Pitch) {
				s.Kept++
			}
		}
	}
	if dmg == nil {
		outNotes := out.Notes()
		for _, n := range input.Notes() {
			s.SkeletonNotes++
			if sounds(outNotes, n.Start, n.Pitch) {
				s.Sounding++
			}
		}
	}
	s.CleanOnsets += len(ns)
	s.InputOnsets += len(input.Notes())
	for _, n := range out.Notes() {
		s.Onsets++
		if onsetOf(clean, n.Start, n.Pitch) {
			s.NoteHits++
		}
	}
	for t, c := range clean {
		s.Steps++
		if out[t] == c {
			s.SameSteps++
		}
	}
}

// share is a/b, 0 when b is 0.
func share(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Figures returns the score's shares: restored (and restored_deleted, _shifted, _moved by
// the kind of damage), kept, skeleton_kept, step_accuracy
// (steps equal to the clean window's), note_f1 (onsets with the clean pitch at their
// step, against the clean onsets), and onsets per window of outputs, inputs and clean
// windows.
func (s *RestoreScore) Figures() map[string]float64 {
	p, r := share(s.NoteHits, s.Onsets), share(s.NoteHits, s.CleanOnsets)
	f1 := 0.0
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	f := map[string]float64{
		"step_accuracy":        share(s.SameSteps, s.Steps),
		"note_f1":              f1,
		"onsets_per_window":    share(s.Onsets, s.Windows),
		"input_onsets":         share(s.InputOnsets, s.Windows),
		"clean_onsets":         share(s.CleanOnsets, s.Windows),
		"damaged_notes":        float64(s.Damaged),
		"restored":             share(s.Restored, s.Damaged),
		"restored_deleted":     share(s.ByDamage[0][1], s.ByDamage[0][0]),
		"restored_shifted":     share(s.ByDamage[1][1], s.ByDamage[1][0]),
		"restored_moved":       share(s.ByDamage[2][1], s.ByDamage[2][0]),
		"kept":                 share(s.Kept, s.Clean),
		"skeleton_kept":        share(s.Sounding, s.SkeletonNotes),
		"skeleton_notes_total": float64(s.SkeletonNotes),
	}
	if s.SkeletonNotes == 0 {
		delete(f, "skeleton_kept")
		delete(f, "skeleton_notes_total")
	} else {
		delete(f, "restored")
		delete(f, "restored_deleted")
		delete(f, "restored_shifted")
		delete(f, "restored_moved")
		delete(f, "kept")
		delete(f, "damaged_notes")
	}
	return f
}
