package midi

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	gomidi "gitlab.com/gomidi/midi/v2"
	"gitlab.com/gomidi/midi/v2/smf"
)

// The reduced drum kit of MusicVAE and GrooVAE: nine drums, in this order (the bit of each
// in a DrumStep).
const (
	Kick = iota
	Snare
	ClosedHat
	OpenHat
	LowTom
	MidTom
	HighTom
	Crash
	Ride
	NumDrums = 9

	// NumDrumClasses is the size of the categorical drum encoding: one class per set of
	// drums hit on a step (MusicVAE's MultiDrumOneHotEncoding).
	NumDrumClasses = 1 << NumDrums
)

// DrumNames name the drums of the reduced kit, by drum.
var DrumNames = [NumDrums]string{"kick", "snare", "closed hi-hat", "open hi-hat", "low tom", "mid tom", "high tom", "crash", "ride"}

// DrumPitches are the General MIDI keys drums are written with, by drum: the first key
// of each of GrooVAE's Roland classes. Each is in its drum's class under both DrumMaps,
// so written drums read back as they were.
var DrumPitches = [NumDrums]int{36, 38, 42, 46, 43, 47, 50, 49, 51}

// DrumMap maps MIDI keys to the drums of the reduced kit.
type DrumMap int

const (
	// DrumMapGroove is the map of the Groove MIDI Dataset's paper and of GrooVAE
	// (music_vae's ROLAND_DRUM_PITCH_CLASSES) for the Roland TD-11's keys, among them 22
	// and 26 (closed and open hi-hat edge) and 58 (floor tom rim, a low tom), and
	// DrumMapGM for every other key. It differs from DrumMapGM on three keys: 45 is a mid
	// tom (GM: low), 48 a high tom (GM: mid) and 58 a low tom (GM: vibraslap, a crash in
	// MusicVAE's map).
	DrumMapGroove DrumMap = iota
	// DrumMapGM is MusicVAE's reduction of General MIDI percussion
	// (note_seq's DEFAULT_DRUM_TYPE_PITCHES).
	DrumMapGM
)

// gmDrumKeys are note_seq's DEFAULT_DRUM_TYPE_PITCHES, by drum.
var gmDrumKeys = [NumDrums][]int{
	{36, 35},
	{38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85},
	{42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22},
	{46, 67, 72, 74, 79, 81, 26},
	{45, 29, 41, 43, 61, 64, 84},
	{48, 47, 60, 63, 77, 86, 87},
	{50, 30, 62, 76, 83},
	{49, 52, 55, 57, 58},
	{51, 53, 59, 82},
}

// rolandDrumKeys are music_vae's ROLAND_DRUM_PITCH_CLASSES, the paper's mapping of the
// TD-11's keys, by drum.
var rolandDrumKeys = [NumDrums][]int{
	{36},
	{38, 37, 40},
	{42, 22, 44},
	{46, 26},
	{43, 58},
	{47, 45},
	{50, 48},
	{49, 52, 55, 57},
	{51, 53, 59},
}

// Drum is the drum of the reduced kit that MIDI key pitch plays under the map; ok is false
// for keys the map leaves out (below 22, above 87, and a few between, such as 21 and 88).
func (m DrumMap) Drum(pitch int) (drum int, ok bool) {
	if m == DrumMapGroove {
		for d, keys := range rolandDrumKeys {
			if slices.Contains(keys, pitch) {
				return d, true
			}
		}
	}
	for d, keys := range gmDrumKeys {
		if slices.Contains(keys, pitch) {
			return d, true
		}
	}
	return 0, false
}

func (m DrumMap) String() string {
	switch m {
	case DrumMapGroove:
		return "groove"
	case DrumMapGM:
		return "gm"
	}
	return fmt.Sprintf("DrumMap(%d)", int(m))
}

// ErrNoDrums says that a file (or the chosen track) has no drums the kit can play. Errors
// that wrap it say why.
var ErrNoDrums = errors.New("midi: no drums")

// Drums is a drum pattern as one class per 16th-note step, in the categorical encoding:
// the class is the set of drums hit on the step, bit d for drum d (1<<Kick | 1<<Snare is
// kick and snare together), 0 for none. A drum has no length: a hit is an onset.
type Drums []int

// Hits tells whether drum d is hit on step t.
func (d Drums) Hits(t, drum int) bool { return d[t]>>drum&1 == 1 }

// Validate checks that every class is in 0..NumDrumClasses-1.
func (d Drums) Validate() error {
	for t, c := range d {
		if c < 0 || c >= NumDrumClasses {
			return fmt.Errorf("midi: drums: step %d has class %d, want 0..%d", t, c, NumDrumClasses-1)
		}
	}
	return nil
}

// NumHits counts the hits of the pattern, of every drum.
func (d Drums) NumHits() int {
	n := 0
	for _, c := range d {
		for b := 0; b < NumDrums; b++ {
			n += c >> b & 1
		}
	}
	return n
}

// String draws the pattern as Grid does, 16 steps to the bar.
func (d Drums) String() string { return d.Grid(StepsPerBar) }

// Grid draws the pattern for people: a row per drum that is hit (kick at the bottom, as
// drummers read a beat), a column per step, x for a hit and . for none, bars split by |.
func (d Drums) Grid(stepsPerBar int) string { return d.Groove().grid(stepsPerBar, false) }

// Groove is the pattern as a groove: every hit on the grid at WriteVelocity. A class out
// of range has no hits.
func (d Drums) Groove() Groove {
	g := make(Groove, len(d))
	for t, c := range d {
		if c < 0 || c >= NumDrumClasses {
			continue
		}
		for b := 0; b < NumDrums; b++ {
			if c>>b&1 == 1 {
				g[t][b].Velocity = WriteVelocity
			}
		}
	}
	return g
}

// DrumHit is a drum's hit on a step in GrooVAE's representation: its velocity (1–127;
// 0 for no hit) and its offset from the step's grid line, in steps, in [-0.5, 0.5).
type DrumHit struct {
	Velocity int
	Offset   float64
}

// GrooveStep holds the hits of each drum on a step.
type GrooveStep [NumDrums]DrumHit

// Groove is a drum performance at 16th-note steps in GrooVAE's representation: for each
// step and drum, a hit (Velocity > 0) with its velocity and timing. Of several hits of a
// drum on one step the loudest is kept.
type Groove []GrooveStep

// Drums is the groove's pattern: which drums are hit on each step.
func (g Groove) Drums() Drums {
	d := make(Drums, len(g))
	for t, s := range g {
		for b, h := range s {
			if h.Velocity > 0 {
				d[t] |= 1 << b
			}
		}
	}
	return d
}

// Quantised is the groove with every hit on its grid line (offset 0); velocities stay.
func (g Groove) Quantised() Groove {
	q := slices.Clone(g)
	for t := range q {
		for b := range q[t] {
			q[t][b].Offset = 0
		}
	}
	return q
}

// Validate checks velocities (0–127) and offsets ([-0.5, 0.5), 0 where there is no hit).
func (g Groove) Validate() error {
	for t, s := range g {
		for b, h := range s {
			if h.Velocity < 0 || h.Velocity > 127 {
				return fmt.Errorf("midi: groove: step %d %s has velocity %d, want 0..127", t, DrumNames[b], h.Velocity)
			}
			if !(h.Offset >= -0.5 && h.Offset < 0.5) || (h.Velocity == 0 && h.Offset != 0) {
				return fmt.Errorf("midi: groove: step %d %s has offset %v, want -0.5 <= offset < 0.5 (0 without a hit)", t, DrumNames[b], h.Offset)
			}
		}
	}
	return nil
}

// String draws the groove as Drums.Grid does, hits marked by loudness: o soft (velocity
// below 50), x, X loud (above 100). Offsets are not drawn.
func (g Groove) String() string { return g.grid(StepsPerBar, true) }

// grid draws rows per drum hit, kick at the bottom; with dynamics, hits are o (velocity
// below 50), x, or X (above 100).
func (g Groove) grid(stepsPerBar int, dynamics bool) string {
	if stepsPerBar <= 0 {
		stepsPerBar = StepsPerBar
	}
	var used [NumDrums]bool
	for _, s := range g {
		for b, h := range s {
			used[b] = used[b] || h.Velocity > 0
		}
	}
	var sb strings.Builder
	for b := NumDrums - 1; b >= 0; b-- {
		if !used[b] {
			continue
		}
		fmt.Fprintf(&sb, "%-13s", DrumNames[b])
		for t, s := range g {
			if t%stepsPerBar == 0 {
				sb.WriteString(" |")
			}
			mark := "."
			if v := s[b].Velocity; v > 0 {
				mark = "x"
				if dynamics && v < 50 {
					mark = "o"
				} else if dynamics && v > 100 {
					mark = "X"
				}
			}
			sb.WriteString(mark)
		}
		sb.WriteString("|\n")
	}
	if sb.Len() == 0 {
		return fmt.Sprintf("(%d steps of silence)\n", len(g))
	}
	return sb.String()
}

// DrumOptions choose the notes that make a drum track.
type DrumOptions struct {
	// Track picks one track by name or index (File.TrackIndex), whose notes on every
	// channel are read as drums by their keys: a hi-hat loop written on channel 1 is
	// read as a hi-hat. "" reads the notes on the drum channel (10) of every track.
	Track string
	// Map maps keys to drums; the zero value is DrumMapGroove.
	Map DrumMap
	// Taps reads every chosen note, on any channel and key (every note of Track, or of
	// the whole file), as a hit of one drum, the open hi-hat: a rhythm tapped or played
	// on any instrument, as GrooVAE's tapify squashes a kit into one voice. Map is then
	// not used.
	Taps bool
}

// Groove reads the file's drum track at 16th-note steps from step 0, in GrooVAE's
// representation: each note the map knows is a hit of its drum on the step nearest its
// onset (halves rounding up, as melodies quantise), offset by its distance from that
// step's grid line. The groove lasts to the end of the chosen tracks' last step with a
// hit or of the longest chosen track, whichever is later. The error wraps ErrNoDrums,
// saying why, when no note is a drum of the kit, and ErrNoTrack when opt.Track names no
// track.
func (f *File) Groove(opt DrumOptions) (Groove, error) {
	track := -1
	if opt.Track != "" {
		var err error
		if track, err = f.TrackIndex(opt.Track); err != nil {
			return nil, err
		}
	}
	c := f.clock()
	var end int64
	for _, t := range f.Tracks {
		if track < 0 || t.Index == track {
			end = max(end, c.step(t.End))
		}
	}
	type hit struct {
		step      int
		drum, vel int
		offset    float64
	}
	var (
		hs                   []hit
		total, other, nodrum int
	)
	for _, n := range f.Notes() {
		if track >= 0 && n.Track != track {
			continue
		}
		total++
		if track < 0 && n.Channel != DrumChannel && !opt.Taps {
			other++
			continue
		}
		d, ok := opt.Map.Drum(n.Pitch)
		if opt.Taps {
			d, ok = OpenHat, true
		}
		if !ok {
			nodrum++
			continue
		}
		s := c.step(n.Start)
		if s >= MaxSteps {
			continue
		}
		off := c.stepPosition(n.Start) - float64(s)
		// Rounding can land a hair outside [-0.5, 0.5) where ticks do not divide a step.
		off = math.Min(math.Max(off, -0.5), math.Nextafter(0.5, 0))
		hs = append(hs, hit{int(s), d, n.Velocity, off})
		end = max(end, s+1)
	}
	if len(hs) == 0 {
		return nil, f.noDrums(track, total, other, nodrum)
	}
	g := make(Groove, min(end, MaxSteps))
	// The loudest hit of a drum on a step wins; of equal ones, the earliest.
	slices.SortStableFunc(hs, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.step, b.step), cmp.Compare(a.drum, b.drum), cmp.Compare(b.vel, a.vel))
	})
	for i, h := range hs {
		if i > 0 && hs[i-1].step == h.step && hs[i-1].drum == h.drum {
			continue
		}
		g[h.step][h.drum] = DrumHit{Velocity: h.vel, Offset: h.offset}
	}
	return g, nil
}

// Drums reads the file's drum pattern: the Drums of its Groove.
func (f *File) Drums(opt DrumOptions) (Drums, error) {
	g, err := f.Groove(opt)
	if err != nil {
		return nil, err
	}
	return g.Drums(), nil
}

func (f *File) noDrums(track, total, other, nodrum int) error {
	where := "the file"
	if track >= 0 {
		where = f.trackLabel(track)
	}
	switch {
	case total == 0:
		return fmt.Errorf("%w: %s has no notes", ErrNoDrums, where)
	case nodrum == 0:
		return fmt.Errorf("%w: none of the %d notes of %s is on the drum channel (10); pick the track that plays drums to read its notes as drums", ErrNoDrums, total, where)
	}
	return fmt.Errorf("%w: none of the %d notes of %s is a drum of the kit (%d on other channels, %d on keys the kit leaves out)", ErrNoDrums, total, where, other, nodrum)
}

// stepPosition is the tick's position in 16th-note steps, unrounded.
func (c *clock) stepPosition(tick int64) float64 {
	if c.division > 0 {
		return float64(tick) * StepsPerQuarter / float64(c.division)
	}
	s := float64(tick) / c.ticksPerSecond
	i := -1
	for i+1 < len(c.seconds) && c.seconds[i+1] <= s {
		i++
	}
	q := s * 2 // 120 qpm before the first tempo
	if i >= 0 {
		q = c.quarters[i] + (s-c.seconds[i])*c.tempos[i].QPM/60
	}
	return q * StepsPerQuarter
}

// DrumWindows cuts windows of bars bars (16 steps each, counted from step 0) with a hop
// of hopBars bars from the pattern, keeping those with a hit and no bar-long stretch
// without one (MusicVAE's drum converter splits a track at such gaps). The pattern is
// padded at its end to a whole bar.
func DrumWindows(d Drums, bars, hopBars int) []Drums {
	var ds []Drums
	for _, w := range GrooveWindows(d.Groove(), bars, hopBars) {
		ds = append(ds, w.Drums())
	}
	return ds
}

// GrooveWindows cuts windows from a groove as DrumWindows does from a pattern.
func GrooveWindows(g Groove, bars, hopBars int) []Groove {
	if bars <= 0 || hopBars <= 0 {
		return nil
	}
	size, hop := bars*StepsPerBar, hopBars*StepsPerBar
	limit := roundUp(len(g), StepsPerBar)
	var ws []Groove
	for s := 0; s+size <= limit; s += hop {
		w := make(Groove, size)
		copy(w, g[s:min(s+size, len(g))])
		run, ok, any := 0, true, false
		for _, st := range w {
			hit := false
			for _, h := range st {
				hit = hit || h.Velocity > 0
			}
			if hit {
				run, any = 0, true
			} else if run++; run >= StepsPerBar {
				ok = false
				break
			}
		}
		if ok && any {
			ws = append(ws, w)
		}
	}
	return ws
}

// GrooveWindows reads the file's groove and cuts it into windows as GrooveWindows does,
// within the stretches of the piece whose meter gives 16-step bars (4/4) or divides them
// (2/4, 2/2, 1/4), counted from where each meter starts. The error wraps ErrNoDrums,
// saying why, when there is no window.
func (f *File) GrooveWindows(opt DrumOptions, bars, hopBars int) ([]Groove, error) {
	g, err := f.Groove(opt)
	if err != nil {
		return nil, err
	}
	if bars <= 0 || hopBars <= 0 {
		return nil, fmt.Errorf("midi: windows of %d bars with a hop of %d bars", bars, hopBars)
	}
	meters := f.Meters()
	var (
		ws    []Groove
		other []string
	)
	for i, mt := range meters {
		if mt.Step >= len(g) {
			break
		}
		limit := len(g)
		if i+1 < len(meters) && meters[i+1].Step < len(g) {
			limit = meters[i+1].Step
		}
		if !mt.DividesFourFour() {
			if s := mt.String(); !slices.Contains(other, s) {
				other = append(other, s)
			}
			continue
		}
		part := g[mt.Step:limit]
		if i+1 < len(meters) && meters[i+1].Step < len(g) {
			// A meter that ends before the piece ends mid-bar gives only whole bars.
			part = part[:len(part)/StepsPerBar*StepsPerBar]
		}
		ws = append(ws, GrooveWindows(part, bars, hopBars)...)
	}
	if len(ws) == 0 {
		if len(other) > 0 {
			return nil, fmt.Errorf("%w: no %d-bar window in a meter that divides 4/4 (the piece is in %s)", ErrNoDrums, bars, strings.Join(other, ", "))
		}
		return nil, fmt.Errorf("%w: no %d-bar window without a silent bar", ErrNoDrums, bars)
	}
	return ws, nil
}

// drumNoteTicks is the length of a written drum note: a 32nd note, short as a hit is.
const drumNoteTicks = writeDivision / StepsPerQuarter / 2

// WriteGrooves writes the grooves one after the other as a format-0 Standard MIDI File of
// one track on the drum channel (10): tempo qpm (DefaultQPM when 0), 4/4, each hit a
// 32nd note of its drum's key (DrumPitches) at its velocity and offset, and an
// end-of-track at the end of the last groove, so that reading the file back gives the
// grooves again (offsets to within half a tick, 1/240 of a step, and a tick short of half a
// step late at most). A hit before the start
// of the file (step 0, early) is written at its start.
func WriteGrooves(w io.Writer, qpm float64, gs ...Groove) error {
	if err := writeGrooves(w, qpm, gs); err != nil {
		return fmt.Errorf("midi: write: %w", err)
	}
	return nil
}

// WriteDrums writes the patterns as WriteGrooves does, every hit on the grid at
// WriteVelocity.
func WriteDrums(w io.Writer, qpm float64, ds ...Drums) error {
	gs, err := drumGrooves(ds)
	if err != nil {
		return fmt.Errorf("midi: write: %w", err)
	}
	return WriteGrooves(w, qpm, gs...)
}

// WriteGroovesFile writes the grooves to path as WriteGrooves does, atomically.
func WriteGroovesFile(path string, qpm float64, gs ...Groove) error {
	return writeAtomic(path, func(w io.Writer) error { return writeGrooves(w, qpm, gs) })
}

// WriteDrumsFile writes the patterns to path as WriteDrums does, atomically.
func WriteDrumsFile(path string, qpm float64, ds ...Drums) error {
	gs, err := drumGrooves(ds)
	if err != nil {
		return fmt.Errorf("midi: write %s: %w", path, err)
	}
	return WriteGroovesFile(path, qpm, gs...)
}

// drumGrooves turns patterns into grooves of hits on the grid at WriteVelocity.
func drumGrooves(ds []Drums) ([]Groove, error) {
	gs := make([]Groove, len(ds))
	for i, d := range ds {
		for t, c := range d {
			if c < 0 || c >= NumDrumClasses {
				return nil, fmt.Errorf("drums %d step %d has class %d, want 0..%d", i, t, c, NumDrumClasses-1)
			}
		}
		gs[i] = d.Groove()
	}
	return gs, nil
}

func writeGrooves(w io.Writer, qpm float64, gs []Groove) (err error) {
	if qpm == 0 {
		qpm = DefaultQPM
	}
	if !(qpm >= MinQPM && qpm <= MaxQPM) {
		return fmt.Errorf("tempo %v qpm, want %d..%d", qpm, MinQPM, MaxQPM)
	}
	for i, g := range gs {
		if err := g.Validate(); err != nil {
			return fmt.Errorf("groove %d: %w", i, err)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gomidi: %v", p)
		}
	}()
	const ticksPerStep = writeDivision / StepsPerQuarter
	type event struct {
		tick     int64
		on       bool
		key, vel uint8
	}
	var evs []event
	var offset int64 // ticks of the current groove's start
	for _, g := range gs {
		for t, s := range g {
			for b, h := range s {
				if h.Velocity == 0 {
					continue
				}
				// Half a step late rounds to the next step when read: stay a tick short.
				late := min(int64(math.Round(h.Offset*ticksPerStep)), ticksPerStep/2-1)
				tick := max(offset+int64(t)*ticksPerStep+late, 0)
				key := uint8(DrumPitches[b])
				evs = append(evs, event{tick, true, key, uint8(h.Velocity)}, event{tick + drumNoteTicks, false, key, 0})
			}
		}
		offset += int64(len(g)) * ticksPerStep
	}
	// Offs before ons on a tick, so that a note-off never ends a hit that starts with it.
	slices.SortStableFunc(evs, func(a, b event) int {
		if c := cmp.Compare(a.tick, b.tick); c != 0 {
			return c
		}
		if a.on != b.on {
			if a.on {
				return 1
			}
			return -1
		}
		return 0
	})
	var tr smf.Track
	tr.Add(0, smf.MetaTrackSequenceName("musae drums"))
	tr.Add(0, smf.MetaTempo(qpm))
	tr.Add(0, smf.MetaTimeSig(4, 4, 24, 8))
	var now int64
	for _, e := range evs {
		msg := gomidi.NoteOff(DrumChannel, e.key)
		if e.on {
			msg = gomidi.NoteOn(DrumChannel, e.key, e.vel)
		}
		tr.Add(uint32(e.tick-now), msg)
		now = e.tick
	}
	tr.Close(uint32(max(offset-now, 0)))
	s := smf.New()
	s.TimeFormat = smf.MetricTicks(writeDivision)
	if err := s.Add(tr); err != nil {
		return err
	}
	_, err = s.WriteTo(w)
	return err
}
