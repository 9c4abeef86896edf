package midi

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// melodyWords are the words of a track name that say the track holds the melody: POP909
// names its melody track "MELODY", and sequencers and karaoke files write "Lead",
// "Vocal" or "Voice".
var melodyWords = []string{"melody", "melodie", "lead", "vocal", "vocals", "voice", "vox"}

// The melodic range in which ChooseMelodyTrack counts a track's notes, C3–C6: the range
// MelodyRNN transposes its melodies into, which bass lines mostly fall below.
const (
	melodicLow  = 48
	melodicHigh = 84
)

// MelodyTrack is the track File.ChooseMelodyTrack takes the melody from, and why.
type MelodyTrack struct {
	Index int // the track's index in File.Tracks
	// Reason says why, for people: `track 1 "MELODY" (named as a melody)`.
	Reason string
	// Options extract the melody of the track with File.Melody or File.Windows: the
	// options given, with Track set to Index. Track stays "" when the track is the only
	// one with usable notes: merging then gives its notes and still leaves out programs
	// outside 0–31 within it (a file of format 0 holds every instrument in one track),
	// which picking the track would keep.
	Options ExtractOptions
}

// ChooseMelodyTrack picks the track that holds the melody, for a file with notes in
// several tracks, and says why. MusicVAE extracts a melody from every instrument and
// trains on them all; a command that works on one melody of a file needs one track,
// chosen as a person would choose it:
//
//  1. the track opt.Track names, when it is set;
//  2. else the first track whose name has a word that says melody (MELODY, Lead, Vocal,
//     Voice: see melodyWords) and that has notes off the drum channel, whatever its
//     programs, as picking it by name would take them;
//  3. else, among the tracks with usable notes (off the drum channel, in the piano range,
//     of programs 0–31 unless opt.AllPrograms), the most melodic: the one with the most
//     notes that sound alone (no other note of the track starts on the same 16th or
//     still sounds there) in the melodic range C3–C6. Chords and pedalled accompaniment
//     have few notes that sound alone, bass lines few in that range, and a short fill few
//     at all. Ties go to the higher mean pitch, then to the first track. With their names
//     hidden, this takes POP909's MELODY track in 855 of its 909 songs, BRIDGE (the
//     secondary melody) in 53 and PIANO in 1; preferring the highest of the tracks with
//     at least half (or 90%) as many such notes takes MELODY in only 640 (848).
//
// The error wraps ErrNoMelody, saying why, when no track qualifies (only drums, only
// programs outside 0–31, no notes), and ErrNoTrack when opt.Track names no track.
func (f *File) ChooseMelodyTrack(opt ExtractOptions) (MelodyTrack, error) {
	if opt.Track != "" {
		i, err := f.TrackIndex(opt.Track)
		if err != nil {
			return MelodyTrack{}, err
		}
		opt.Track = strconv.Itoa(i)
		return MelodyTrack{Index: i, Reason: f.trackLabel(i) + ", as asked", Options: opt}, nil
	}
	lines := f.trackLines(opt.AllPrograms)
	for _, t := range f.Tracks {
		if namesMelody(t.Name) && slices.ContainsFunc(lines, func(l trackLine) bool { return l.index == t.Index && l.offDrums > 0 }) {
			opt.Track = strconv.Itoa(t.Index)
			return MelodyTrack{Index: t.Index, Reason: f.trackLabel(t.Index) + " (named as a melody)", Options: opt}, nil
		}
	}
	var cands, outside []trackLine
	for _, l := range lines {
		switch {
		case l.notes > 0:
			cands = append(cands, l)
		case len(l.programs) > 0 && !opt.AllPrograms:
			outside = append(outside, l)
		}
	}
	if len(cands) == 0 {
		// No note of the file is usable, so merging them fails too, saying why.
		if _, err := f.Melody(ExtractOptions{AllPrograms: opt.AllPrograms}); err != nil {
			return MelodyTrack{}, err
		}
		return MelodyTrack{}, fmt.Errorf("%w: no track has usable notes", ErrNoMelody)
	}
	slices.SortStableFunc(cands, func(a, b trackLine) int {
		return cmp.Or(cmp.Compare(b.alone, a.alone), cmp.Compare(b.meanPitch(), a.meanPitch()), cmp.Compare(a.index, b.index))
	})
	best := cands[0]
	var why string
	if len(cands) == 1 {
		why = f.trackLabel(best.index) + ", the only track with usable notes"
		if !opt.AllPrograms {
			why = f.trackLabel(best.index) + ", the only track with notes of programs 0–31 off the drum channel"
		}
	} else {
		opt.Track = strconv.Itoa(best.index)
		next := cands[1]
		why = fmt.Sprintf("%s: the most melodic of %d tracks, %d of its %d notes sound alone in C3–C6, around %s (next: %s, %d of %d, around %s)",
			f.trackLabel(best.index), len(cands), best.alone, best.notes, PitchName(int(math.Round(best.meanPitch()))),
			f.trackLabel(next.index), next.alone, next.notes, PitchName(int(math.Round(next.meanPitch()))))
	}
	if len(outside) > 0 {
		var names []string
		for i, l := range outside {
			if i == 3 {
				names = append(names, fmt.Sprintf("%d more", len(outside)-i))
				break
			}
			names = append(names, fmt.Sprintf("%s (%s)", f.trackLabel(l.index), programList(l.programs)))
		}
		why += "; left out for programs outside 0–31: " + strings.Join(names, ", ")
	}
	return MelodyTrack{Index: best.index, Reason: why, Options: opt}, nil
}

// namesMelody tells whether a track name has a word of melodyWords, in any case.
func namesMelody(name string) bool {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) })
	return slices.ContainsFunc(words, func(w string) bool { return slices.Contains(melodyWords, w) })
}

// trackLabel names a track for people: `track 1 "MELODY"`, or `track 1` when it has no
// name.
func (f *File) trackLabel(i int) string {
	if name := f.Tracks[i].Name; name != "" {
		return fmt.Sprintf("track %d %q", i, name)
	}
	return fmt.Sprintf("track %d", i)
}

// trackLine is what ChooseMelodyTrack weighs of a track.
type trackLine struct {
	index    int
	offDrums int   // notes off the drum channel, of any program and pitch
	programs []int // programs outside 0–31 of those notes, in order of first use
	notes    int   // usable notes: off the drum channel, in the piano range, of allowed programs
	alone    int   // usable notes in C3–C6 that sound alone at their onset
	pitchSum int
}

func (l trackLine) meanPitch() float64 {
	if l.notes == 0 {
		return 0
	}
	return float64(l.pitchSum) / float64(l.notes)
}

// trackLines weighs every track with notes, in track order.
func (f *File) trackLines(allPrograms bool) []trackLine {
	c := f.clock()
	byTrack := make([][]StepNote, len(f.Tracks))
	lines := make([]trackLine, len(f.Tracks))
	for i := range lines {
		lines[i].index = i
	}
	for _, n := range f.Notes() {
		l := &lines[n.Track]
		if n.Channel == DrumChannel {
			continue
		}
		l.offDrums++
		if n.Program > 31 && !slices.Contains(l.programs, n.Program) {
			l.programs = append(l.programs, n.Program)
		}
		if (n.Program > 31 && !allPrograms) || n.Pitch < MinPitch || n.Pitch > MaxPitch {
			continue
		}
		s, e := c.step(n.Start), c.step(n.End)
		if s >= MaxSteps {
			continue
		}
		l.notes++
		l.pitchSum += n.Pitch
		byTrack[n.Track] = append(byTrack[n.Track], StepNote{Pitch: n.Pitch, Start: int(s), End: int(max(e, s+1))})
	}
	for i, ns := range byTrack {
		lines[i].alone = countAlone(ns)
	}
	return slices.DeleteFunc(lines, func(l trackLine) bool { return l.offDrums == 0 })
}

// countAlone counts the notes in C3–C6 that no other note starts with or sounds over at
// their onset. ns is in order of onset.
func countAlone(ns []StepNote) int {
	alone := 0
	held := -1 // the latest end of the notes that start before the current onset
	for i := 0; i < len(ns); {
		j := i
		for j < len(ns) && ns[j].Start == ns[i].Start {
			j++
		}
		if p := ns[i].Pitch; j == i+1 && held <= ns[i].Start && p >= melodicLow && p <= melodicHigh {
			alone++
		}
		for ; i < j; i++ {
			held = max(held, ns[i].End)
		}
	}
	return alone
}

// programList writes programs with their General MIDI names: "73 Flute, 40 Violin".
func programList(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprintf("%d %s", p, ProgramName(p))
	}
	return strings.Join(s, ", ")
}

// programsHint says how to lift the program filter, for errors that refuse notes for it.
const programsHint = "MusicVAE's melody models leave out programs outside 0–31: pick a track to take its notes anyway, or keep all programs"

// outsidePrograms lists the programs outside 0–31 that the notes of track (-1: of the
// whole file) play off the drum channel, with their General MIDI names: "73 Flute".
func (f *File) outsidePrograms(track int) string {
	var ps []int
	for _, n := range f.Notes() {
		if (track < 0 || n.Track == track) && n.Channel != DrumChannel && n.Program > 31 && !slices.Contains(ps, n.Program) {
			ps = append(ps, n.Program)
		}
	}
	return programList(ps)
}
