package midi

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
)

// DrumChannel is the General MIDI percussion channel, 9 counted from 0 (channel 10 to people).
const DrumChannel = 9

// Note is a note of a file, paired from its note-on and note-off, timed in ticks.
type Note struct {
	Track    int // index of the track that holds it
	Channel  int // 0–15; DrumChannel is percussion
	Program  int // the program in force on the channel at the onset, 0 when none was set
	Pitch    int // MIDI key, 60 = C4
	Velocity int
	Start    int64 // tick of the note-on
	End      int64 // tick of the note-off
}

// Notes pairs the note-ons and note-offs of every track, in the order of their onsets.
//
// Pairing follows pretty_midi, which MusicVAE's data pipeline reads MIDI with: a note-off
// (or a note-on with velocity 0) ends every note of that key and channel in the track that
// started before it. A note still sounding when its track ends lasts to the end of the track.
// The program of a note is the last program change on its channel, in any track, at or
// before its onset: a player keeps channel state across tracks.
func (f *File) Notes() []Note {
	programs := f.programChanges()
	var notes []Note
	for i := range f.Tracks {
		notes = f.Tracks[i].pairNotes(notes)
	}
	sortNotes(notes)
	for i := range notes {
		notes[i].Program = programs.at(notes[i].Channel, notes[i].Start)
	}
	return notes
}

// sortNotes puts notes in the order Notes gives them.
func sortNotes(notes []Note) {
	slices.SortStableFunc(notes, func(a, b Note) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Track, b.Track), cmp.Compare(a.Channel, b.Channel),
			cmp.Compare(a.Pitch, b.Pitch), cmp.Compare(a.End, b.End), cmp.Compare(a.Velocity, b.Velocity))
	})
}

// pairNotes appends the track's notes to notes, paired as Notes pairs them, in no
// particular order and without their programs.
func (t *Track) pairNotes(notes []Note) []Note {
	type key struct{ ch, pitch int }
	type onset struct {
		tick int64
		vel  int
	}
	open := map[key][]onset{}
	for _, e := range t.Events {
		if !e.IsChannel() {
			continue
		}
		k := key{e.Channel(), int(e.Data1)}
		switch e.Kind() {
		case kindNoteOn:
			if e.Data2 > 0 {
				open[k] = append(open[k], onset{e.Tick, int(e.Data2)})
				continue
			}
		case kindNoteOff:
		default:
			continue
		}
		var keep []onset
		for _, o := range open[k] {
			if o.tick == e.Tick {
				keep = append(keep, o)
				continue
			}
			notes = append(notes, Note{Track: t.Index, Channel: k.ch, Pitch: k.pitch, Velocity: o.vel, Start: o.tick, End: e.Tick})
		}
		if len(keep) > 0 && len(keep) < len(open[k]) {
			open[k] = keep
		} else {
			// pretty_midi drops a note-on and note-off on the same tick as a note of
			// no length.
			delete(open, k)
		}
	}
	for k, ons := range open {
		for _, o := range ons {
			if t.End > o.tick {
				notes = append(notes, Note{Track: t.Index, Channel: k.ch, Pitch: k.pitch, Velocity: o.vel, Start: o.tick, End: t.End})
			}
		}
	}
	return notes
}

// programMap holds the program changes of each channel in time order.
type programMap [16][]struct {
	tick    int64
	program int
}

func (f *File) programChanges() *programMap {
	var pm programMap
	for _, t := range f.Tracks {
		for _, e := range t.Events {
			if e.IsChannel() && e.Kind() == kindProgramChange {
				ch := e.Channel()
				pm[ch] = append(pm[ch], struct {
					tick    int64
					program int
				}{e.Tick, int(e.Data1)})
			}
		}
	}
	for ch := range pm {
		sort.SliceStable(pm[ch], func(i, j int) bool { return pm[ch][i].tick < pm[ch][j].tick })
	}
	return &pm
}

func (pm *programMap) at(ch int, tick int64) int {
	pc := pm[ch]
	i := sort.Search(len(pc), func(i int) bool { return pc[i].tick > tick })
	if i == 0 {
		return 0
	}
	return pc[i-1].program
}

// Programs lists the distinct programs set by program changes in the track, in order of
// first use.
func (t *Track) Programs() []int {
	var ps []int
	for _, e := range t.Events {
		if e.IsChannel() && e.Kind() == kindProgramChange && !slices.Contains(ps, int(e.Data1)) {
			ps = append(ps, int(e.Data1))
		}
	}
	return ps
}

// Channels lists the distinct channels (0–15) of the track's channel messages, ascending.
func (t *Track) Channels() []int {
	var seen [16]bool
	for _, e := range t.Events {
		if e.IsChannel() {
			seen[e.Channel()] = true
		}
	}
	var cs []int
	for c, ok := range seen {
		if ok {
			cs = append(cs, c)
		}
	}
	return cs
}

// NoteOns counts the track's note-on events with a velocity above 0.
func (t *Track) NoteOns() int {
	n := 0
	for _, e := range t.Events {
		if e.IsChannel() && e.Kind() == kindNoteOn && e.Data2 > 0 {
			n++
		}
	}
	return n
}

// clock converts ticks to 16th-note steps.
type clock struct {
	division int // ticks per quarter; 0 for SMPTE
	// SMPTE: ticks per second, and for each tempo change its time in seconds and the
	// quarter notes elapsed before it.
	ticksPerSecond float64
	tempos         []Tempo
	seconds        []float64
	quarters       []float64
}

func (f *File) clock() *clock {
	c := &clock{division: f.Division}
	if f.Division > 0 {
		return c
	}
	fps := float64(f.SMPTE.FramesPerSecond)
	if f.SMPTE.FramesPerSecond == 29 {
		fps = 29.97
	}
	c.ticksPerSecond = fps * float64(f.SMPTE.TicksPerFrame)
	qpm, sec, q := 120.0, 0.0, 0.0
	for _, t := range f.Tempos {
		s := float64(t.Tick) / c.ticksPerSecond
		q += (s - sec) * qpm / 60
		sec, qpm = s, t.QPM
		c.tempos = append(c.tempos, t)
		c.seconds = append(c.seconds, s)
		c.quarters = append(c.quarters, q)
	}
	return c
}

// step is the tick's position in 16th notes, rounded to the nearest step, halves up
// (note_seq's quantize cutoff of 0.5).
func (c *clock) step(tick int64) int64 {
	if c.division > 0 {
		if tick > math.MaxInt64/8 {
			return math.MaxInt64 / int64(c.division)
		}
		return (8*tick + int64(c.division)) / (2 * int64(c.division))
	}
	s := float64(tick) / c.ticksPerSecond
	i := sort.Search(len(c.seconds), func(i int) bool { return c.seconds[i] > s }) - 1
	q := s * 2 // 120 qpm before the first tempo
	if i >= 0 {
		q = c.quarters[i] + (s-c.seconds[i])*c.tempos[i].QPM/60
	}
	v := math.Floor(q*StepsPerQuarter + 0.5)
	if v > math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	return int64(v)
}

// Meter is a time signature in force from a step of the piece on.
type Meter struct {
	Step     int // 16th-note step where it takes effect
	Num, Den int
}

// StepsPerBar is the length of a bar in 16th-note steps, or 0 when a bar is not a whole
// number of steps (7/32).
func (m Meter) StepsPerBar() int {
	if m.Den <= 0 || (m.Num*StepsPerBar)%m.Den != 0 {
		return 0
	}
	return m.Num * StepsPerBar / m.Den
}

// DividesFourFour tells whether whole bars of the meter fill a 4/4 bar (4/4, 2/2, 2/4,
// 1/4): the meters in which windows are cut and 4/4 notation reads the same.
func (m Meter) DividesFourFour() bool {
	spb := m.StepsPerBar()
	return spb > 0 && StepsPerBar%spb == 0
}

// String writes the meter as a time signature: 6/8.
func (m Meter) String() string { return fmt.Sprintf("%d/%d", m.Num, m.Den) }

// Meters lists the meters of the piece by step: the file's time signatures with
// restatements of the same meter merged, starting at step 0 with 4/4 when the file sets
// none there (the MIDI default).
func (f *File) Meters() []Meter {
	c := f.clock()
	ms := []Meter{{Step: 0, Num: 4, Den: 4}}
	for _, ts := range f.TimeSigs {
		s := int(min(c.step(ts.Tick), MaxSteps))
		last := &ms[len(ms)-1]
		switch {
		case last.Num == ts.Num && last.Den == ts.Den:
		case s == last.Step:
			last.Num, last.Den = ts.Num, ts.Den
			if len(ms) > 1 && ms[len(ms)-2].Num == ts.Num && ms[len(ms)-2].Den == ts.Den {
				ms = ms[:len(ms)-1]
			}
		default:
			ms = append(ms, Meter{Step: s, Num: ts.Num, Den: ts.Den})
		}
	}
	return ms
}

// String describes the event for people, with note names in scientific pitch and channels
// counted from 1: "note-on ch 1 C4 vel 100", "tempo 120 qpm", "time-signature 6/8".
func (e Event) String() string {
	if e.IsChannel() {
		ch := e.Channel() + 1
		switch e.Kind() {
		case kindNoteOn:
			if e.Data2 == 0 {
				return fmt.Sprintf("note-off ch %d %s (note-on vel 0)", ch, PitchName(int(e.Data1)))
			}
			return fmt.Sprintf("note-on ch %d %s vel %d", ch, PitchName(int(e.Data1)), e.Data2)
		case kindNoteOff:
			return fmt.Sprintf("note-off ch %d %s", ch, PitchName(int(e.Data1)))
		case 0xA0:
			return fmt.Sprintf("key-pressure ch %d %s %d", ch, PitchName(int(e.Data1)), e.Data2)
		case 0xB0:
			return fmt.Sprintf("control ch %d #%d = %d", ch, e.Data1, e.Data2)
		case kindProgramChange:
			return fmt.Sprintf("program ch %d %d", ch, e.Data1)
		case 0xD0:
			return fmt.Sprintf("channel-pressure ch %d %d", ch, e.Data1)
		default:
			return fmt.Sprintf("pitch-bend ch %d %d", ch, int(e.Data2)<<7|int(e.Data1)-8192)
		}
	}
	if e.Status != 0xFF {
		return fmt.Sprintf("sysex %d bytes", len(e.Data))
	}
	switch e.Meta {
	case metaTempo:
		if len(e.Data) >= 3 {
			if us := int(e.Data[0])<<16 | int(e.Data[1])<<8 | int(e.Data[2]); us > 0 {
				return fmt.Sprintf("tempo %.6g qpm", 60e6/float64(us))
			}
		}
	case metaTimeSig:
		if len(e.Data) >= 2 && e.Data[1] < 16 {
			return fmt.Sprintf("time-signature %d/%d", e.Data[0], 1<<e.Data[1])
		}
	case metaEndTrack:
		return "end-of-track"
	case 0x01, 0x02, metaTrackName, 0x04, 0x05, 0x06, 0x07:
		names := map[byte]string{0x01: "text", 0x02: "copyright", metaTrackName: "track-name", 0x04: "instrument", 0x05: "lyric", 0x06: "marker", 0x07: "cue"}
		return fmt.Sprintf("%s %q", names[e.Meta], e.Data)
	}
	return fmt.Sprintf("meta 0x%02X %d bytes", e.Meta, len(e.Data))
}

// Seconds is the time of tick from the start of the file, following the tempo map (120 qpm
// until the first tempo event) or the SMPTE rate.
func (f *File) Seconds(tick int64) float64 { return f.timeline().seconds(tick) }

// timeline converts ticks to seconds: for many ticks, in time logarithmic in the number of
// tempo changes, not linear.
type timeline struct {
	division       int     // ticks per quarter; 0 for SMPTE
	ticksPerSecond float64 // SMPTE
	tempos         []Tempo
	at             []float64 // seconds at each tempo change
}

func (f *File) timeline() *timeline {
	tl := &timeline{division: f.Division, tempos: f.Tempos}
	if f.Division == 0 {
		tl.ticksPerSecond = f.clock().ticksPerSecond
		return tl
	}
	sec, qpm, at := 0.0, 120.0, int64(0)
	for _, t := range f.Tempos {
		sec += float64(t.Tick-at) / float64(f.Division) * 60 / qpm
		at, qpm = t.Tick, t.QPM
		tl.at = append(tl.at, sec)
	}
	return tl
}

func (tl *timeline) seconds(tick int64) float64 {
	if tl.division == 0 {
		return float64(tick) / tl.ticksPerSecond
	}
	// The last tempo change before tick, as the tempo in force from there.
	i := sort.Search(len(tl.tempos), func(i int) bool { return tl.tempos[i].Tick >= tick }) - 1
	if i < 0 {
		return float64(tick) / float64(tl.division) * 60 / 120
	}
	t := tl.tempos[i]
	return tl.at[i] + float64(tick-t.Tick)/float64(tl.division)*60/t.QPM
}

// Length is the tick of the latest end of track.
func (f *File) Length() int64 {
	var end int64
	for _, t := range f.Tracks {
		end = max(end, t.End)
	}
	return end
}

// GridOffset estimates how far the music's 16th-note grid and beats sit from the file's
// own, as in files recorded from performance (POP909) whose first beat is not at tick 0.
// It returns the ticks to add to every event (negative: to take away), less than half a
// quarter note either way, so that onsets fall on 16ths and, in meters that beat in
// quarter notes, most of them on beats. A file whose onsets all fall on its own 16ths is
// on the grid already: its offset is 0, however many onsets fall off the beat. ok is
// false, and the offset 0, for SMPTE timing,
// for fewer than 16 onsets, and when the onsets share no 16th phase (triplets, rubato).
// The downbeat cannot be told this way: bars still count from the start of the file.
func (f *File) GridOffset() (ticks int64, ok bool) {
	if f.Division == 0 {
		return 0, false
	}
	notes := f.Notes()
	if len(notes) < 16 {
		return 0, false
	}
	// A file whose every onset sits on its own 16ths was sequenced, not played: its
	// beats are where it says, however syncopated the tune (musae's own files are such).
	if step := int64(f.Division) / StepsPerQuarter; int64(f.Division)%StepsPerQuarter == 0 {
		onGrid := true
		for _, n := range notes {
			onGrid = onGrid && n.Start%step == 0
		}
		if onGrid {
			return 0, true
		}
	}
	div := float64(f.Division)
	q16 := div / StepsPerQuarter
	// The 16th phase is the circular mean of the onsets' positions within a 16th: every
	// onset on the grid, whatever its rhythm, shares it.
	var sx, sy float64
	for _, n := range notes {
		a := 2 * math.Pi * math.Mod(float64(n.Start), q16) / q16
		sx, sy = sx+math.Cos(a), sy+math.Sin(a)
	}
	if math.Hypot(sx, sy)/float64(len(notes)) < 0.5 {
		return 0, false
	}
	beat := math.Atan2(sy, sx) / (2 * math.Pi) * q16 // in (-q16/2, q16/2]
	// The beat is the 16th of the four that most onsets fall on, if clearly so; compound
	// meters beat in dotted quarters, which this does not look for.
	if m := f.Meters()[0]; !(m.Den == 8 && m.Num%3 == 0) {
		var count [StepsPerQuarter]int
		for _, n := range notes {
			s := int64(math.Floor((float64(n.Start)-beat)/q16 + 0.5))
			count[((s%StepsPerQuarter)+StepsPerQuarter)%StepsPerQuarter]++
		}
		best := 0
		for k := range count {
			if count[k] > count[best] {
				best = k
			}
		}
		if float64(count[best]) >= 1.25*float64(count[0]) {
			beat += float64(best) * q16
		}
	}
	shift := -int64(math.Round(beat))
	if shift <= -int64(f.Division)/2 {
		shift += int64(f.Division)
	}
	return shift, true
}

// Shift moves every event after tick 0 by ticks, later or (negative) earlier but not
// before tick 0; events at tick 0, which set the piece up, stay. The tempo map and time
// signatures move with them.
func (f *File) Shift(ticks int64) {
	if ticks == 0 {
		return
	}
	at := func(t int64) int64 {
		if t == 0 {
			return 0
		}
		return max(t+ticks, 0)
	}
	for i := range f.Tracks {
		t := &f.Tracks[i]
		for j := range t.Events {
			t.Events[j].Tick = at(t.Events[j].Tick)
		}
		t.End = at(t.End)
	}
	for i := range f.Tempos {
		f.Tempos[i].Tick = at(f.Tempos[i].Tick)
	}
	for i := range f.TimeSigs {
		f.TimeSigs[i].Tick = at(f.TimeSigs[i].Tick)
	}
}

// AlignToGrid shifts the file by GridOffset, and returns the shift in ticks.
func (f *File) AlignToGrid() int64 {
	t, _ := f.GridOffset()
	f.Shift(t)
	return t
}
