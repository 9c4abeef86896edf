package midi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// TimedChord is a chord over a stretch of time in seconds, as chord annotations (MIREX
// .lab files, POP909's chord_midi.txt) time them.
type TimedChord struct {
	Start, End float64 // seconds
	Chord      Chord
}

// ChordSpan is a chord over the 16th-note steps Start to End (End excluded).
type ChordSpan struct {
	Start, End int
	Chord      Chord
}

// ReadChordLab reads chord annotations in the MIREX .lab format that POP909's
// chord_midi.txt uses: a line per chord, its start and end in seconds and its symbol
// (Harte's syntax, or plain), separated by tabs or spaces. Blank lines and lines starting
// with # are skipped. name names the input in errors.
func ReadChordLab(r io.Reader, name string) ([]TimedChord, error) {
	var out []TimedChord
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fs := strings.Fields(text)
		if len(fs) != 3 {
			return nil, fmt.Errorf("midi: read chords %s: line %d: want start, end and chord, got %d fields", name, line, len(fs))
		}
		start, err1 := strconv.ParseFloat(fs[0], 64)
		end, err2 := strconv.ParseFloat(fs[1], 64)
		if err := errors.Join(err1, err2); err != nil || math.IsNaN(start) || math.IsNaN(end) || math.IsInf(start, 0) || math.IsInf(end, 0) || start < 0 || end < start {
			return nil, fmt.Errorf("midi: read chords %s: line %d: times %q %q: want seconds, start ≥ 0 and end ≥ start", name, line, fs[0], fs[1])
		}
		c, err := ParseChord(fs[2])
		if err != nil {
			return nil, fmt.Errorf("midi: read chords %s: line %d: %w", name, line, err)
		}
		out = append(out, TimedChord{start, end, c})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("midi: read chords %s: %w", name, err)
	}
	return out, nil
}

// ReadChordLabFile reads a chord annotation file with ReadChordLab.
func ReadChordLabFile(path string) ([]TimedChord, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("midi: %w", err)
	}
	defer fh.Close()
	return ReadChordLab(fh, path)
}

// Tick is the tick at seconds from the start of the file, through its tempo map (120
// qpm until the first tempo event) or SMPTE rate: the inverse of Seconds, rounded to the
// nearest tick.
func (f *File) Tick(seconds float64) int64 {
	if seconds <= 0 {
		return 0
	}
	clamp := func(t float64) int64 { return int64(math.Round(min(t, maxTick))) }
	if f.Division == 0 {
		return clamp(seconds * f.clock().ticksPerSecond)
	}
	tl := f.timeline()
	// The last tempo change at or before seconds.
	i := sort.Search(len(tl.at), func(i int) bool { return tl.at[i] > seconds }) - 1
	if i < 0 {
		return clamp(seconds * 120 / 60 * float64(f.Division))
	}
	t := tl.tempos[i]
	return clamp(float64(t.Tick) + (seconds-tl.at[i])*t.QPM/60*float64(f.Division))
}

// maxTick bounds File.Tick, far beyond any file and far from overflowing the steps.
const maxTick = 1 << 50

// StepChords places chords timed in seconds of the file's clock (as POP909's
// chord_midi.txt times them) on the file's 16th-note grid, the grid its melodies are
// quantised to: each start and end goes to a tick through the tempo map, then moves by
// shift (the ticks the file was shifted by since it was read: File.AlignToGrid's result,
// 0 when it was not), then to the nearest step, halves rounding up, as note onsets do. A
// chord that rounds to no length is left out: the chord change it marked falls within a
// step of the next. Where two chords overlap after rounding, the later one starts where
// the earlier ends.
func (f *File) StepChords(timed []TimedChord, shift int64) []ChordSpan {
	c := f.clock()
	step := func(sec float64) int {
		return int(c.step(max(0, f.Tick(sec)+shift)))
	}
	var out []ChordSpan
	for _, tc := range timed {
		s, e := step(tc.Start), step(tc.End)
		if n := len(out); n > 0 && s < out[n-1].End {
			s = out[n-1].End
		}
		if e <= s {
			continue
		}
		out = append(out, ChordSpan{s, e, tc.Chord})
	}
	return out
}

// ChordsPerStep is the chord at each of the steps steps from from on, NoChord where no
// span covers a step.
func ChordsPerStep(spans []ChordSpan, from, steps int) []Chord {
	out := make([]Chord, max(steps, 0))
	for _, sp := range spans {
		for s := max(sp.Start, from); s < sp.End && s < from+steps; s++ {
			out[s-from] = sp.Chord
		}
	}
	return out
}

// ErrProgression is wrapped by every error of ParseProgression.
var ErrProgression = errors.New("midi: bad chord progression")

// MaxProgressionBars bounds what ParseProgression lays out: a progression of more bars is
// refused (a typed duration of a million beats would otherwise take memory).
const MaxProgressionBars = 4096

// ParseProgression lays a progression written as text on the 16th-note grid of meter m
// (4/4 when m is the zero Meter). Chords are separated by spaces, and each lasts to the
// end of the bar it starts in, so that "C Am F G" is a bar of each, unless a duration in
// beats of the meter follows it after a star: "C*2 G*2 Am F" is C and G for two beats
// each, then a bar of Am and one of F; a fraction of a beat that is whole 16ths ("C*1.5",
// "G*0.25") places a change off the beat. A bar line | ends the bar there, the chord before
// it lasting to it, and is otherwise optional: "C*2 G | Am" is C for two beats, G for two,
// then Am. Chords are Harte symbols or plain ones (ParseChord); N or N.C. is a stretch
// with no chord. A # that begins a word starts a comment to the end of the line (one
// within a word is a sharp: F#m).
func ParseProgression(s string, m Meter) ([]ChordSpan, error) {
	if m.Num == 0 && m.Den == 0 {
		m = Meter{Num: 4, Den: 4}
	}
	bar, beat := m.StepsPerBar(), m.BeatSteps()
	if bar == 0 || beat == 0 {
		return nil, fmt.Errorf("%w: meter %s has no whole number of 16ths to the bar", ErrProgression, m)
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		// A # that begins a word starts a comment; within a word it is a sharp (F#m).
		for i := 0; i < len(l); i++ {
			if l[i] == '#' && (i == 0 || l[i-1] == ' ' || l[i-1] == '\t' || l[i-1] == '|') {
				l = l[:i]
				break
			}
		}
		lines = append(lines, l)
	}
	text := strings.ReplaceAll(strings.Join(lines, " "), "|", " | ")
	var out []ChordSpan
	at := 0
	toBar := func() int { return (at/bar + 1) * bar }
	for _, tok := range strings.Fields(text) {
		if tok == "|" {
			if at%bar != 0 {
				if n := len(out); n > 0 && out[n-1].End == at {
					out[n-1].End = toBar()
				}
				at = toBar()
			}
			continue
		}
		sym, dur, hasDur := strings.Cut(tok, "*")
		c, err := ParseChord(sym)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProgression, err)
		}
		end := toBar()
		if hasDur {
			beats, err := strconv.ParseFloat(dur, 64)
			steps := beats * float64(beat)
			if err == nil && beats > float64(MaxProgressionBars*bar/beat) {
				return nil, fmt.Errorf("%w: %q: more than %d bars", ErrProgression, tok, MaxProgressionBars)
			}
			if err != nil || !(beats > 0) || steps != math.Round(steps) {
				return nil, fmt.Errorf("%w: %q: want a number of beats after the star (2, or 1.5 or 0.25: whole 16ths)", ErrProgression, tok)
			}
			end = at + int(steps)
		}
		if end > MaxProgressionBars*bar {
			return nil, fmt.Errorf("%w: more than %d bars", ErrProgression, MaxProgressionBars)
		}
		out = append(out, ChordSpan{at, end, c})
		at = end
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no chords", ErrProgression)
	}
	return out, nil
}

// ReadProgressionFile reads a progression from a text file, as ParseProgression writes
// it.
func ReadProgressionFile(path string, m Meter) ([]ChordSpan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("midi: %w", err)
	}
	spans, err := ParseProgression(string(b), m)
	if err != nil {
		return nil, fmt.Errorf("midi: read %s: %w", path, err)
	}
	return spans, nil
}

// ChordsIn returns the spans within the steps steps from from on, cut to them and counted
// from from: the chords of a window.
func ChordsIn(spans []ChordSpan, from, steps int) []ChordSpan {
	var out []ChordSpan
	for _, sp := range spans {
		s, e := max(sp.Start, from), min(sp.End, from+steps)
		if e > s {
			out = append(out, ChordSpan{s - from, e - from, sp.Chord})
		}
	}
	return out
}

// FormatProgression writes spans (counted from step 0 of a piece in meter m, 4/4 when m is
// the zero Meter) as ParseProgression reads them: plain chord symbols, a chord that fills
// the rest of its bar alone, one filling whole bars once a bar ("C C" for two bars of C),
// others with their length in beats after a star ("C*2", "G*1.5"), N.C. where no span
// covers a stretch. It gives "" for no spans.
func FormatProgression(spans []ChordSpan, m Meter) string {
	if m.Num == 0 && m.Den == 0 {
		m = Meter{Num: 4, Den: 4}
	}
	bar, beat := m.StepsPerBar(), m.BeatSteps()
	if bar == 0 || beat == 0 {
		return ""
	}
	var toks []string
	put := func(c Chord, s, e int) {
		sym := c.Plain()
		for s < e {
			barEnd := (s/bar + 1) * bar
			switch {
			case e >= barEnd:
				toks = append(toks, sym)
				s = barEnd
			default:
				toks = append(toks, sym+"*"+strconv.FormatFloat(float64(e-s)/float64(beat), 'f', -1, 64))
				s = e
			}
		}
	}
	at := 0
	for _, sp := range spans {
		if sp.End <= at {
			continue
		}
		if sp.Start > at {
			put(Chord{}, at, sp.Start)
			at = sp.Start
		}
		put(sp.Chord, at, sp.End)
		at = sp.End
	}
	return strings.Join(toks, " ")
}
