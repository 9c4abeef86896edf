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
	if err := writeMelodies(w, qpm, ms); err != nil {
		return fmt.Errorf("midi: write: %w", err)
	}
	return nil
}

func writeMelodies(w io.Writer, qpm float64, ms []Melody) (err error) {
	if qpm == 0 {
		qpm = DefaultQPM
	}
	if !(qpm >= MinQPM && qpm <= MaxQPM) {
		return fmt.Errorf("tempo %v qpm, want %d..%d", qpm, MinQPM, MaxQPM)
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
	var tr smf.Track
	tr.Add(0, smf.MetaTrackSequenceName("musae melody"))
	tr.Add(0, smf.MetaTempo(qpm))
	tr.Add(0, smf.MetaTimeSig(4, 4, 24, 8))
	tr.Add(0, gomidi.ProgramChange(0, 0))
	var now, offset int64 // ticks: of the last event written, of the current melody's start
	at := func(step int) uint32 {
		t := offset + int64(step)*ticksPerStep
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
	_, err = s.WriteTo(w)
	return err
}

// WriteFile writes the melodies to path as WriteMelodies does, atomically: to a temporary
// file beside it, renamed over path once complete.
func WriteFile(path string, qpm float64, ms ...Melody) error {
	return writeAtomic(path, func(w io.Writer) error { return writeMelodies(w, qpm, ms) })
}

// writeAtomic writes path through atomicfile, so that neither a half-written file nor a
// temporary one is left, even by a kill.
func writeAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("midi: write %s: %w", path, err)
	}
	return nil
}
