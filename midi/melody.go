package midi

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The melody grid and the 90-class encoding (MusicVAE's MelodyOneHotEncoding over the
// piano range).
const (
	StepsPerQuarter = 4                           // 16th-note steps
	StepsPerBar     = 4 * StepsPerQuarter         // a bar of 4/4
	WindowBars      = 2                           // bars per training window
	WindowSteps     = WindowBars * StepsPerBar    // steps per training window
	NumClasses      = 2 + MaxPitch - MinPitch + 1 // 90
	NoEvent         = 0                           // hold the sounding note, or continue a rest
	NoteOff         = 1                           // end the sounding note: a rest starts
	MinPitch        = 21                          // A0, the lowest piano key
	MaxPitch        = 108                         // C8, the highest piano key

	// MaxSteps bounds a melody's length (65,536 bars): notes after it are dropped, so that
	// a corrupt delta time cannot make extraction allocate without bound.
	MaxSteps = 1 << 20
)

// ExtractVersion numbers the rules of File.Melody and File.Windows. It changes whenever
// they change, so that caches of extracted windows can tell theirs are stale.
const ExtractVersion = 2

// ErrNoMelody says that a file (or the chosen track) has no usable melody. Errors that
// wrap it say why: no notes, only drums, programs outside 0–31, or no 2-bar window.
var ErrNoMelody = errors.New("midi: no melody")

// ErrNoTrack says that ExtractOptions.Track names no track of the file.
var ErrNoTrack = errors.New("midi: no such track")

// Melody is a monophonic melody as one class index per 16th-note step, in the 90-class
// encoding: NoEvent, NoteOff, or NoteOnClass(pitch) for pitch MinPitch..MaxPitch. A note
// lasts from its onset to the next onset, the next NoteOff, or the end of the melody.
type Melody []int

// PitchName names a MIDI pitch in scientific pitch notation, with sharps: 60 is "C4",
// 61 "C#4", 21 "A0".
func PitchName(p int) string {
	if p < 0 || p > 127 {
		return "?" + strconv.Itoa(p)
	}
	names := [12]string{"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"}
	return names[p%12] + strconv.Itoa(p/12-1)
}

// NoteOnClass is the class of a note-on of pitch p, for MinPitch <= p <= MaxPitch.
func NoteOnClass(p int) int { return p - MinPitch + 2 }

// ClassPitch is the pitch of a note-on class; ok is false for NoEvent, NoteOff and
// classes out of range.
func ClassPitch(c int) (pitch int, ok bool) {
	if c < 2 || c >= NumClasses {
		return 0, false
	}
	return c - 2 + MinPitch, true
}

// Validate reports the first step whose class is outside 0..NumClasses-1.
func (m Melody) Validate() error {
	for i, c := range m {
		if c < 0 || c >= NumClasses {
			return fmt.Errorf("midi: melody step %d has class %d, want 0..%d", i, c, NumClasses-1)
		}
	}
	return nil
}

// Canonical returns the melody with every NoteOff where no note sounds (one that repeats
// a rest) turned into NoEvent. Writing a melody and reading it back gives its canonical
// form; classes out of range are kept, for Validate to report.
func (m Melody) Canonical() Melody {
	c := slices.Clone(m)
	on := false
	for i, x := range c {
		switch _, ok := ClassPitch(x); {
		case ok:
			on = true
		case x == NoteOff && !on:
			c[i] = NoEvent
		case x == NoteOff:
			on = false
		}
	}
	return c
}

// StepNote is a note of a melody, in steps: it sounds from Start to End (exclusive).
type StepNote struct {
	Pitch, Start, End int
}

// Notes decodes the melody into notes; a note still sounding at the end of the melody
// ends there. Invalid classes are treated as NoEvent.
func (m Melody) Notes() []StepNote {
	var ns []StepNote
	cur := -1
	for i, c := range m {
		p, on := ClassPitch(c)
		if (on || c == NoteOff) && cur >= 0 {
			ns[cur].End = i
			cur = -1
		}
		if on {
			ns = append(ns, StepNote{Pitch: p, Start: i})
			cur = len(ns) - 1
		}
	}
	if cur >= 0 {
		ns[cur].End = len(m)
	}
	return ns
}

// String renders the melody as a step grid of 16 steps to the bar; see Grid.
func (m Melody) String() string { return m.Grid(StepsPerBar) }

// Grid renders the melody one bar to a line, numbered from 1: each step shows the note
// name at an onset, "-" while the note is held, and "." where nothing sounds; quarter
// notes are set apart by a space.
//
//	1 | C4  -   -   -    E4  -   -   -    G4  -   -   -    .   .   .   .   |
func (m Melody) Grid(stepsPerBar int) string {
	return m.GridMeters([]Meter{{Step: 0, Num: stepsPerBar, Den: StepsPerBar}})
}

// GridMeters renders the melody as Grid does with the bars of each meter (File.Meters),
// numbering bars through and marking each change of meter; beats of compound meters
// (6/8, 9/8, 12/8) are dotted quarters. A meter whose bar is not a whole number of steps
// is drawn in bars of 16 steps. Notes are spelled in the melody's estimated key
// (EstimateKey): Bb4 in F major, A#4 in B major.
func (m Melody) GridMeters(meters []Meter) string { return m.GridKey(meters, EstimateKey(m)) }

// GridKey is GridMeters with the notes spelled in key k (Key.PitchName), for a caller
// that knows the key better than the notes alone tell it, as from a file's chords.
func (m Melody) GridKey(meters []Meter, k Key) string {
	var b strings.Builder
	sounding := false
	bar := 1
	for j, mt := range meters {
		from, to := max(mt.Step, 0), len(m)
		if j+1 < len(meters) {
			to = min(meters[j+1].Step, len(m))
		}
		if from >= to {
			continue
		}
		spb := mt.StepsPerBar()
		if spb <= 0 {
			spb = StepsPerBar
		}
		beat := StepsPerQuarter
		if mt.Den == 8 && mt.Num%3 == 0 {
			beat = 6 // compound meters (6/8, 9/8, 12/8) beat in dotted quarters
		}
		if len(meters) > 1 {
			fmt.Fprintf(&b, "     %d/%d\n", mt.Num, mt.Den)
		}
		for i := from; i < to; i++ {
			pos := (i - from) % spb
			if pos == 0 {
				if i > from {
					b.WriteString(" |\n")
				}
				fmt.Fprintf(&b, "%4d |", bar)
				bar++
			}
			if pos%beat == 0 && pos > 0 {
				b.WriteByte(' ')
			}
			cell := "."
			switch p, on := ClassPitch(m[i]); {
			case on:
				cell, sounding = k.PitchName(p), true
			case m[i] == NoteOff:
				sounding = false
			case m[i] == NoEvent && sounding:
				cell = "-"
			case m[i] != NoEvent:
				cell = "?"
			}
			fmt.Fprintf(&b, " %-3s", cell)
		}
		b.WriteString(" |\n")
	}
	return b.String()
}

// ExtractOptions choose the notes that make a melody.
type ExtractOptions struct {
	// Track picks one track by name (exact, then ignoring case) or by decimal index from
	// 0. "" merges every eligible track.
	Track string
	// AllPrograms keeps notes of programs outside 0–31 (pianos, chromatic percussion,
	// organs, guitars), which are otherwise ignored as MusicVAE does. A track picked by
	// Track keeps all programs regardless.
	AllPrograms bool
	// ByIndex reads Track as a decimal index only, never as a name: a caller going
	// through the tracks by position then gets the track it means even where another is
	// named "2", and without a search through the names.
	ByIndex bool
	// AnyMeter lets File.Windows cut windows in every meter, counting 16 steps to a bar
	// from where the meter starts, though in 3/4 or 6/8 they then straddle bar lines.
	AnyMeter bool
}

// TrackIndex resolves a track selector, a name or a decimal index, to a track index.
func (f *File) TrackIndex(sel string) (int, error) {
	for _, eq := range []func(a, b string) bool{func(a, b string) bool { return a == b }, strings.EqualFold} {
		for _, t := range f.Tracks {
			if eq(t.Name, strings.TrimSpace(sel)) {
				return t.Index, nil
			}
		}
	}
	if i, err := strconv.Atoi(sel); err == nil && i >= 0 && i < len(f.Tracks) {
		return i, nil
	}
	var names []string
	for _, t := range f.Tracks {
		if len(names) == 10 {
			names = append(names, fmt.Sprintf("... %d tracks in all", len(f.Tracks)))
			break
		}
		names = append(names, fmt.Sprintf("%d %q", t.Index, t.Name))
	}
	return 0, fmt.Errorf("%w %q (the file has %s)", ErrNoTrack, sel, strings.Join(names, ", "))
}

// pick resolves the track that opt chooses: -1 for all of them.
func (f *File) pick(opt ExtractOptions) (int, error) {
	switch {
	case opt.Track == "":
		return -1, nil
	case !opt.ByIndex:
		return f.TrackIndex(opt.Track)
	}
	if i, err := strconv.Atoi(opt.Track); err == nil && i >= 0 && i < len(f.Tracks) {
		return i, nil
	}
	return 0, fmt.Errorf("%w: no track of index %q (the file has %d tracks, from 0)", ErrNoTrack, opt.Track, len(f.Tracks))
}

// Melody extracts the piece's melody at 16th-note steps from step 0 of the file, following
// MusicVAE (see the package documentation for the rules). The melody lasts to the end of
// its last note or of the longest chosen track, whichever is later. It returns an error
// wrapping ErrNoMelody, saying why, when no note is usable, and one wrapping ErrNoTrack
// when opt.Track names no track.
func (f *File) Melody(opt ExtractOptions) (Melody, error) {
	track, err := f.pick(opt)
	if err != nil {
		return nil, err
	}
	c := f.clock()
	var (
		ns                              []StepNote
		total, drums, programs, outside int
		end                             int64
		notes                           []Note
	)
	if track < 0 {
		for _, t := range f.Tracks {
			end = max(end, c.step(t.End))
		}
		notes = f.Notes()
	} else {
		// Only the chosen track's notes, which need no programs: the work is that
		// track's, not the file's, for callers that go through every track.
		t := &f.Tracks[track]
		end = c.step(t.End)
		notes = t.pairNotes(nil)
		sortNotes(notes)
	}
	for _, n := range notes {
		total++
		switch {
		case n.Channel == DrumChannel:
			drums++
			continue
		case track < 0 && !opt.AllPrograms && n.Program > 31:
			programs++
			continue
		case n.Pitch < MinPitch || n.Pitch > MaxPitch:
			outside++
			continue
		}
		s, e := c.step(n.Start), c.step(n.End)
		if s >= MaxSteps {
			continue
		}
		if e <= s {
			e = s + 1 // note_seq gives a note that quantises to nothing one step
		}
		ns = append(ns, StepNote{Pitch: n.Pitch, Start: int(s), End: int(min(e, MaxSteps))})
		end = max(end, e)
	}
	if len(ns) == 0 {
		return nil, f.noMelody(track, total, drums, programs, outside)
	}
	m := make(Melody, min(end, MaxSteps))
	// MusicVAE's Melody.from_quantized_sequence with ignore_polyphonic_notes: notes by
	// onset, highest first; of notes starting together the highest wins, and a later
	// onset ends the note before it.
	slices.SortStableFunc(ns, func(a, b StepNote) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(b.Pitch, a.Pitch)) })
	lastOn, lastOff := -1, -1
	for _, n := range ns {
		if n.Start == lastOn {
			continue
		}
		if lastOff > n.Start && lastOff < len(m) {
			m[lastOff] = NoEvent
		}
		m[n.Start] = NoteOnClass(n.Pitch)
		if n.End < len(m) {
			m[n.End] = NoteOff
		}
		lastOn, lastOff = n.Start, n.End
	}
	return m, nil
}

func (f *File) noMelody(track, total, drums, programs, outside int) error {
	where := "the file"
	if track >= 0 {
		where = fmt.Sprintf("track %d", track)
		if name := f.Tracks[track].Name; name != "" {
			where += fmt.Sprintf(" %q", name)
		}
	}
	if total == 0 {
		return fmt.Errorf("%w: %s has no notes", ErrNoMelody, where)
	}
	var why []string
	if drums > 0 {
		why = append(why, fmt.Sprintf("%d on the drum channel 10", drums))
	}
	if programs > 0 {
		why = append(why, fmt.Sprintf("%d of programs outside 0–31 (%s)", programs, f.outsidePrograms(track)))
	}
	if outside > 0 {
		why = append(why, fmt.Sprintf("%d outside the piano range A0–C8", outside))
	}
	if len(why) == 0 {
		why = append(why, "all start after 65,536 bars")
	}
	hint := ""
	if programs > 0 {
		hint = "; " + programsHint
	}
	return fmt.Errorf("%w: none of the %d notes of %s is usable: %s%s", ErrNoMelody, total, where, strings.Join(why, ", "), hint)
}

// Windows cuts training windows of bars bars from the melody with a hop of hopBars bars,
// counting 16 steps to the bar from step 0, as MusicVAE slices its melodies: a window is
// kept when it has a note onset and no bar-long stretch in which no note sounds (MusicVAE
// ends a melody at such a gap); note-offs before a window's first onset become NoEvent.
// The melody is padded at its end to a whole bar.
func Windows(m Melody, bars, hopBars int) []Melody {
	if bars <= 0 || hopBars <= 0 {
		return nil
	}
	var ws []Melody
	for _, w := range windowsIn(m, sounding(m), 0, roundUp(len(m), StepsPerBar), bars*StepsPerBar, hopBars*StepsPerBar) {
		ws = append(ws, w.Melody)
	}
	return ws
}

// Windows extracts the melody and cuts it into windows as the package function Windows
// does, within the stretches of the piece whose bar is 16 steps or divides 16 steps (4/4,
// 2/2, 2/4, 1/4), counting from where each meter starts so that every window starts on a
// bar line. Other meters (3/4, 6/8) give no windows unless opt.AnyMeter is set. MusicVAE
// takes 16-step bars only; 2/4 and 1/4 are accepted here because POP909 marks nearly all
// of its 4/4 songs 1/4 or 2/4. The error wraps ErrNoMelody, saying why, when there is no
// window.
func (f *File) Windows(opt ExtractOptions, bars, hopBars int) ([]Melody, error) {
	pws, err := f.PlacedWindows(opt, bars, hopBars)
	if err != nil {
		return nil, err
	}
	ws := make([]Melody, len(pws))
	for i, w := range pws {
		ws[i] = w.Melody
	}
	return ws, nil
}

// PlacedWindow is a window of a piece's melody and the step where it starts.
type PlacedWindow struct {
	Melody Melody
	Start  int // the step of the piece's melody (File.Melody) where the window starts
}

// PlacedWindows is File.Windows with the step where each window starts, so that what
// runs beside the melody (its chords: File.StepChords) can be cut with it.
func (f *File) PlacedWindows(opt ExtractOptions, bars, hopBars int) ([]PlacedWindow, error) {
	m, err := f.Melody(opt)
	if err != nil {
		return nil, err
	}
	if bars <= 0 || hopBars <= 0 {
		return nil, fmt.Errorf("midi: windows of %d bars with a hop of %d bars", bars, hopBars)
	}
	meters := f.Meters()
	snd := sounding(m)
	var (
		ws    []PlacedWindow
		other []string
	)
	for i, mt := range meters {
		if mt.Step >= len(m) {
			break
		}
		last := i == len(meters)-1 || meters[i+1].Step >= len(m)
		limit := roundUp(len(m)-mt.Step, StepsPerBar) + mt.Step
		if !last {
			limit = meters[i+1].Step
		}
		if !opt.AnyMeter && !mt.DividesFourFour() {
			if s := mt.String(); !slices.Contains(other, s) {
				other = append(other, s)
			}
			continue
		}
		ws = append(ws, windowsIn(m, snd, mt.Step, limit, bars*StepsPerBar, hopBars*StepsPerBar)...)
	}
	if len(ws) == 0 {
		if len(other) > 0 {
			return nil, fmt.Errorf("%w: no %d-bar window in a meter that divides 4/4 (the piece is in %s)", ErrNoMelody, bars, strings.Join(other, ", "))
		}
		return nil, fmt.Errorf("%w: no %d-bar window without a silent bar", ErrNoMelody, bars)
	}
	return ws, nil
}

func roundUp(n, k int) int { return (n + k - 1) / k * k }

// sounding tells for each step whether a note sounds there.
func sounding(m Melody) []bool {
	s := make([]bool, len(m))
	on := false
	for i, c := range m {
		if _, ok := ClassPitch(c); ok {
			on = true
		} else if c == NoteOff {
			on = false
		}
		s[i] = on
	}
	return s
}

// windowsIn cuts windows of size steps starting at from, from+hop, ... that end by limit.
func windowsIn(m Melody, snd []bool, from, limit, size, hop int) []PlacedWindow {
	var ws []PlacedWindow
	for s := from; s+size <= limit; s += hop {
		if w, ok := cutWindow(m, snd, s, size, StepsPerBar); ok {
			ws = append(ws, PlacedWindow{w, s})
		}
	}
	return ws
}

// cutWindow cuts the window of size steps from step s, and tells whether it is kept: it
// has an onset and no silent stretch of gap steps. Steps past the melody are silent, with
// a NoteOff where a note sounds to its end; note-offs before the first onset become
// NoEvent.
func cutWindow(m Melody, snd []bool, s, size, gap int) (Melody, bool) {
	w := make(Melody, size)
	onset, run := false, 0
	for i := range w {
		j := s + i
		c, on := NoEvent, false
		switch {
		case j < len(m):
			c, on = m[j], snd[j]
		case j == len(m) && j > 0 && snd[j-1]:
			c = NoteOff
		}
		if on {
			run = 0
		} else if run++; run >= gap {
			return nil, false
		}
		if c >= 2 {
			onset = true
		}
		w[i] = c
	}
	if !onset {
		return nil, false
	}
	for i := range w {
		if w[i] >= 2 {
			break
		}
		w[i] = NoEvent
	}
	return w, true
}
