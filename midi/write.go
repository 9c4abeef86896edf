package midi

import (
	"fmt"
	"io"

	gomidi "gitlab.com/gomidi/midi/v2"
	"gitlab.com/gomidi/midi/v2/smf"

	"musae/models/atomicfile"
)

// DefaultQPM is the tempo of written melodies when the caller has none.
const DefaultQPM = 120

// QPMOr is qpm, or DefaultQPM where qpm is 0 or less (a file or a layout that gave no
// tempo); a tempo out of MinQPM..MaxQPM is left for the writers to refuse.
func QPMOr(qpm float64) float64 {
	if qpm <= 0 {
		return DefaultQPM
	}
	return qpm
}

// MinQPM and MaxQPM bound the tempo of written melodies, in quarter notes a minute. A MIDI
// tempo is 3 bytes of microseconds a quarter, so nothing slower than 3.58 qpm fits; faster
// than 1000 qpm a 16th note lasts less than 15 ms, which is no longer a melody. Read
// clamps File.QPM, the tempo melodies taken from a file are written at, to this range.
const (
	MinQPM = 4
	MaxQPM = 1000
)

// WriteVelocity is the velocity of every written note.
const WriteVelocity = 100

// writeDivision is the resolution of written files: ticks per quarter note.
const writeDivision = 480

// WriteMelodies writes the melodies one after the other as a format-0 Standard MIDI File
// of one track: tempo qpm (DefaultQPM when 0), 4/4, program 0 on channel 1, velocity
// WriteVelocity, and an end-of-track at the end of the last melody, so that reading the
// file back gives the melodies again.
func WriteMelodies(w io.Writer, qpm float64, ms ...Melody) error {
	return WriteMelodiesWith(w, WriteOptions{QPM: qpm}, ms...)
}

// WriteOptions say how WriteMelodiesWith writes melodies.
type WriteOptions struct {
	QPM float64 // quarter notes a minute; 0 means DefaultQPM
	// Meters are the time signatures, by step from the start of the first melody, the
	// first at step 0 (as File.Meters gives them); nil is 4/4.
	Meters []Meter
	Key    *Key // a key signature at the start; nil writes none
	// Chords, by step from the start of the first melody, are written as block chords in a
	// second track, "musae chords" (channel 2, program 0, velocity ChordVelocity): the
	// chord's tones from its root in the octave below middle C, its bass an octave below
	// that when it is not the root, so that reading the file back estimates the same chords
	// (File.EstimateChords) and a melody verb takes them. nil writes one track.
	Chords []ChordSpan
}

// ChordVelocity is the velocity of the notes of written chords, softer than the melody.
const ChordVelocity = 60

// WriteMelodiesWith writes the melodies as WriteMelodies does, with a time signature
// event at the start and at each change of meter (its metronome clicks on the beat:
// Meter.BeatSteps), and a key signature event at the start when opt.Key is set, so that
// reading the file back gives the melodies, File.Meters and File.KeySigs again.
func WriteMelodiesWith(w io.Writer, opt WriteOptions, ms ...Melody) error {
	if err := writeMelodies(w, opt, ms); err != nil {
		return fmt.Errorf("midi: write: %w", err)
	}
	return nil
}

func writeMelodies(w io.Writer, opt WriteOptions, ms []Melody) (err error) {
	qpm := opt.QPM
	if qpm == 0 {
		qpm = DefaultQPM
	}
	if !(qpm >= MinQPM && qpm <= MaxQPM) {
		return fmt.Errorf("tempo %v qpm, want %d..%d", qpm, MinQPM, MaxQPM)
	}
	meters := opt.Meters
	if len(meters) == 0 {
		meters = []Meter{{Step: 0, Num: 4, Den: 4}}
	}
	for i, m := range meters {
		if (i == 0) != (m.Step == 0) || i > 0 && m.Step <= meters[i-1].Step || m.Num < 1 || m.Num > 255 || m.Den < 1 || m.Den > 64 || m.Den&(m.Den-1) != 0 {
			return fmt.Errorf("meter %s at step %d: want meters in order from step 0, denominators a power of 2 up to 64", m, m.Step)
		}
	}
	if k := opt.Key; k != nil && (k.Fifths < -7 || k.Fifths > 7) {
		return fmt.Errorf("a key of %d fifths, want -7..7", k.Fifths)
	}
	for i, m := range ms {
		for j, c := range m {
			if c < 0 || c >= NumClasses {
				return fmt.Errorf("melody %d step %d has class %d, want 0..%d", i, j, c, NumClasses-1)
			}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gomidi: %v", p)
		}
	}()
	const ticksPerStep = writeDivision / StepsPerQuarter
	timeSig := func(m Meter) smf.Message {
		// MIDI clocks run at 24 a quarter, 6 a step.
		return smf.MetaTimeSig(uint8(m.Num), uint8(m.Den), uint8(min(255, max(1, 6*m.BeatSteps()))), 8)
	}
	var tr smf.Track
	tr.Add(0, smf.MetaTrackSequenceName("musae melody"))
	tr.Add(0, smf.MetaTempo(qpm))
	if len(opt.Meters) == 0 {
		tr.Add(0, smf.MetaTimeSig(4, 4, 24, 8))
	} else {
		tr.Add(0, timeSig(meters[0]))
	}
	if k := opt.Key; k != nil {
		tr.Add(0, smf.MetaKey(0, !k.Minor, uint8(max(k.Fifths, -k.Fifths)), k.Fifths < 0))
	}
	tr.Add(0, gomidi.ProgramChange(0, 0))
	var now, offset int64 // ticks: of the last event written, of the current melody's start
	next := 1             // the next change of meter
	at := func(step int) uint32 {
		t := offset + int64(step)*ticksPerStep
		// Changes of meter up to t go first.
		for ; next < len(meters) && int64(meters[next].Step)*ticksPerStep <= t; next++ {
			mt := int64(meters[next].Step) * ticksPerStep
			tr.Add(uint32(mt-now), timeSig(meters[next]))
			now = mt
		}
		d := t - now
		now = t
		return uint32(d)
	}
	for _, m := range ms {
		for _, n := range m.Notes() {
			tr.Add(at(n.Start), gomidi.NoteOn(0, uint8(n.Pitch), WriteVelocity))
			tr.Add(at(n.End), gomidi.NoteOff(0, uint8(n.Pitch)))
		}
		offset += int64(len(m)) * ticksPerStep
	}
	tr.Close(at(0))
	s := smf.New()
	s.TimeFormat = smf.MetricTicks(writeDivision)
	if err := s.Add(tr); err != nil {
		return err
	}
	if len(opt.Chords) > 0 {
		if err := s.Add(chordTrack(opt.Chords, offset)); err != nil {
			return err
		}
	}
	_, err = s.WriteTo(w)
	return err
}

// WriteFile writes the melodies to path as WriteMelodies does, atomically: to a temporary
// file beside it, renamed over path once complete.
func WriteFile(path string, qpm float64, ms ...Melody) error {
	return WriteFileWith(path, WriteOptions{QPM: qpm}, ms...)
}

// WriteFileWith writes the melodies to path as WriteMelodiesWith does, atomically.
func WriteFileWith(path string, opt WriteOptions, ms ...Melody) error {
	return writeAtomic(path, func(w io.Writer) error { return writeMelodies(w, opt, ms) })
}

// writeAtomic writes path through atomicfile, so that neither a half-written file nor a
// temporary one is left, even by a kill.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("midi: write %s: %w", path, err)
	}
	return nil
}

// WithRests returns the sequences (melodies, beats) with a bar of rest, the zero step,
// after each but the last, so that played or written in sequence they stay apart.
func WithRests[S ~[]E, E any](xs []S) []S {
	var out []S
	for i, x := range xs {
		out = append(out, x)
		if i < len(xs)-1 {
			out = append(out, make(S, StepsPerBar))
		}
	}
	return out
}

// chordTrack is the track of WriteOptions.Chords, none past end ticks.
func chordTrack(spans []ChordSpan, end int64) smf.Track {
	const ticksPerStep = writeDivision / StepsPerQuarter
	var tr smf.Track
	tr.Add(0, smf.MetaTrackSequenceName("musae chords"))
	tr.Add(0, gomidi.ProgramChange(1, 0))
	var now int64
	at := func(step int) uint32 {
		t := min(int64(step)*ticksPerStep, end)
		d := t - now
		now = t
		return uint32(max(d, 0))
	}
	for _, sp := range spans {
		if sp.Chord.Kind == NoChord || sp.End <= sp.Start || int64(sp.Start)*ticksPerStep >= end {
			continue
		}
		var keys []uint8
		root := 48 + pcOf(sp.Chord.Root)
		if sp.Chord.Bass%12 != 0 {
			keys = append(keys, uint8(36+pcOf(sp.Chord.Root+sp.Chord.Bass)))
		}
		for i := range 12 {
			if sp.Chord.Intervals()&(1<<i) != 0 {
				keys = append(keys, uint8(root+i))
			}
		}
		for k, key := range keys {
			d := uint32(0)
			if k == 0 {
				d = at(sp.Start)
			}
			tr.Add(d, gomidi.NoteOn(1, key, ChordVelocity))
		}
		for k, key := range keys {
			d := uint32(0)
			if k == 0 {
				d = at(sp.End)
			}
			tr.Add(d, gomidi.NoteOff(1, key))
		}
	}
	tr.Close(at(int(end / ticksPerStep)))
	return tr
}
