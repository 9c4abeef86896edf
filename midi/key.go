package midi

import (
	"math"
	"strconv"
	"strings"
)

// Key is a key signature: Fifths sharps (positive) or flats (negative), -7..7, and the
// mode. The zero value is C major.
type Key struct {
	Fifths int
	Minor  bool
}

// KeySig is a key signature event of a file.
type KeySig struct {
	Tick int64
	Key  Key
}

// letters are the note letters in order from C, with their pitch classes.
const letters = "CDEFGAB"

var letterPC = [7]int{0, 2, 4, 5, 7, 9, 11}

// Sharps are added to the key signature in the order F C G D A E B, flats in the reverse.
const sharpOrder = "FCGDAEB"

// alter is how the key signature alters the letter (an index into letters): +1 sharp,
// -1 flat, 0 natural.
func (k Key) alter(letter int) int {
	l := letters[letter]
	switch {
	case k.Fifths > 0 && strings.IndexByte(sharpOrder[:k.Fifths], l) >= 0:
		return 1
	case k.Fifths < 0 && strings.IndexByte(sharpOrder[7+k.Fifths:], l) >= 0:
		return -1
	}
	return 0
}

// Tonic is the pitch class (0 = C) of the key's tonic.
func (k Key) Tonic() int {
	pc := ((k.Fifths*7)%12 + 12) % 12 // the major key: a fifth (7 semitones) per sharp
	if k.Minor {
		pc = (pc + 9) % 12 // its relative minor, a minor third below
	}
	return pc
}

// tonicName spells the tonic: the letter of the major key at Fifths (or its relative
// minor) with the signature's alteration of that letter.
func (k Key) tonicName() (letter, alter int) {
	// Each fifth up moves the tonic's letter four letters on (C G D A E B F# C#), each
	// fifth down three (C F Bb Eb ...); the minor tonic is five letters on from the major.
	letter = ((k.Fifths*4)%7 + 7) % 7
	if k.Minor {
		letter = (letter + 5) % 7
	}
	return letter, k.alter(letter)
}

// String names the key as people write it: "G major", "E minor", "Bb major", "F# minor".
func (k Key) String() string {
	mode := " major"
	if k.Minor {
		mode = " minor"
	}
	return k.abcTonic() + mode
}

// abcTonic writes the tonic as ABC's K: field and people do: "Bb", "F#", "C".
func (k Key) abcTonic() string {
	l, a := k.tonicName()
	return string(letters[l]) + map[int]string{-1: "b", 0: "", 1: "#"}[a]
}

// Spell writes a pitch in the key: its letter (an index into "CDEFGAB"), alteration
// (+1 sharp, -1 flat) and octave (scientific: 4 is middle C's). Notes of the key's scale
// take the signature's letters (E# in F# major, Cb in Gb major), and in a minor key so
// does its raised leading tone, the letter below the tonic's (C# in D minor, F# in G
// minor, E# in F# minor). Others are naturals where they can be; the rest, the black keys
// off the scale, are spelled by their degree above the tonic as tonal music spells them
// (chromaticDegrees: Bb, not A#, in C major; F# and C#, not Gb and Db, in F major; F#, not
// Gb, in D minor), or where that would take two sharps or flats (F## in G# minor) with
// sharps in keys with sharps or none, with flats in keys with flats.
func (k Key) Spell(pitch int) (letter, alter, octave int) {
	return k.spell(pitch, chromaticDegrees)
}

// spell is Spell with the black keys off the scale spelled by degrees.
func (k Key) spell(pitch int, degrees map[bool]map[int][2]int) (letter, alter, octave int) {
	pc := ((pitch % 12) + 12) % 12
	letter = -1
	for l := range 7 {
		if a := k.alter(l); (letterPC[l]+a+12)%12 == pc {
			letter, alter = l, a
		}
	}
	// byDegree spells pc as degree deg above the tonic (0 the tonic's letter), raised or
	// lowered from the key's own by by, if that takes one accidental at most.
	t, _ := k.tonicName()
	byDegree := func(deg, by int) {
		l := (t + deg) % 7
		if a := k.alter(l) + by; letter < 0 && a >= -1 && a <= 1 && (letterPC[l]+a+12)%12 == pc {
			letter, alter = l, a
		}
	}
	off := (pc - k.Tonic() + 12) % 12
	if k.Minor && off == 11 {
		byDegree(6, 1)
	}
	for l := 0; l < 7 && letter < 0; l++ {
		if letterPC[l] == pc {
			letter, alter = l, 0
		}
	}
	if d, ok := degrees[k.Minor][off]; ok {
		byDegree(d[0], d[1])
	}
	for l := 0; l < 7 && letter < 0; l++ {
		switch {
		case k.Fifths >= 0 && (letterPC[l]+1)%12 == pc:
			letter, alter = l, 1
		case k.Fifths < 0 && (letterPC[l]+11)%12 == pc:
			letter, alter = l, -1
		}
	}
	// The octave is the letter's: B#3 sounds as C4, Cb4 as B3.
	return letter, alter, (pitch-alter)/12 - 1
}

// PitchName names a pitch in scientific pitch as the key spells it (Spell): "Bb4" in F
// major, where the PitchName of no key says "A#4".
func (k Key) PitchName(pitch int) string {
	if pitch < 0 || pitch > 127 {
		return PitchName(pitch)
	}
	l, a, o := k.Spell(pitch)
	return pcName(l, a) + strconv.Itoa(o)
}

// pcName writes a letter (an index into letters) and alteration: "Bb", "F#", "C".
func pcName(l, a int) string {
	return string(letters[l]) + strings.Repeat("#", max(a, 0)) + strings.Repeat("b", max(-a, 0))
}

// chromaticDegrees spell the semitones above the tonic that lie off the scale, in major
// (false) and minor (true): the degree from the tonic (0 the tonic) and whether it is
// raised (+1) or lowered (-1) from the key's own. Major has #1, b3, #4, #5 and b7 (the
// notes of the secondary dominants V/ii, V/V and V/vi, and of the minor third and seventh
// borrowed from minor); minor has b2 (Neapolitan), #3, #4, #6 and #7 (the melodic minor's).
var chromaticDegrees = map[bool]map[int][2]int{
	false: {1: {0, 1}, 3: {2, -1}, 6: {3, 1}, 8: {4, 1}, 10: {6, -1}},
	true:  {1: {1, -1}, 4: {2, 1}, 6: {3, 1}, 9: {5, 1}, 11: {6, 1}},
}

// spellTowards is Spell for a pitch that the note next is played after (-1: none). A
// black key off the key's scale that Spell writes as a flat, and that rises a semitone to
// next, is written as the sharp of the letter below, and one written as a sharp that falls
// a semitone to next as the flat of the letter above, so that a chromatic passing or
// neighbour note reads as a step to where it goes: C#–D, not Db–D, in Bb major; Bb–A, not
// A#–A, in G major.
func (k Key) spellTowards(pitch, next int) (letter, alter, octave int) {
	letter, alter, octave = k.Spell(pitch)
	if next < 0 || alter == k.alter(letter) || !blackKey(pitch) {
		return letter, alter, octave
	}
	switch {
	case alter == -1 && next == pitch+1:
		letter, alter = (letter+6)%7, 1
	case alter == 1 && next == pitch-1:
		letter, alter = (letter+1)%7, -1
	default:
		return letter, alter, octave
	}
	return letter, alter, (pitch-alter)/12 - 1
}

// blackKey tells whether a pitch is a black key of the piano, which no letter names
// without an accidental.
func blackKey(pitch int) bool {
	pc := (pitch%12 + 12) % 12
	return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10
}

// Krumhansl and Kessler's key profiles (1982): how well each scale degree, from the tonic
// up, fits a major and a minor key, as listeners rated them.
var (
	majorProfile = [12]float64{6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88}
	minorProfile = [12]float64{6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17}
)

// EstimateKey estimates the key of a melody with the Krumhansl–Schmuckler algorithm: the
// time each pitch class sounds, in steps, is correlated with Krumhansl and Kessler's
// profiles of the 24 major and minor keys, and the best correlated key wins (ties go to
// major, then to the key with fewer sharps or flats). Each key is written with the
// signature of fewer accidentals (F# major, 6 sharps, not Gb; Eb minor, 6 flats, not D#).
// A melody with no notes is in C major.
func EstimateKey(m Melody) Key {
	hist := pitchTime(m)
	best, bestR := Key{}, math.Inf(-1)
	// Candidates in order of preference, which wins ties: major before minor, then fewer
	// sharps or flats, then sharps.
	for _, minor := range []bool{false, true} {
		for a := 0; a <= 6; a++ {
			for i, fifths := range []int{a, -a} {
				if a == 0 && i == 1 || fifths == -6 && !minor || fifths == 6 && minor {
					continue // F# major and Eb minor, not Gb major and D# minor
				}
				k := Key{Fifths: fifths, Minor: minor}
				if r := k.fit(hist); r > bestR {
					best, bestR = k, r
				}
			}
		}
	}
	return best
}

// pitchTime is the time each pitch class sounds in the melody, in steps.
func pitchTime(m Melody) (hist [12]float64) {
	for _, n := range m.Notes() {
		hist[n.Pitch%12] += float64(n.End - n.Start)
	}
	return hist
}

// fit is how well the key fits the time each pitch class sounds: the correlation of hist
// with the key's profile.
func (k Key) fit(hist [12]float64) float64 {
	prof := majorProfile
	if k.Minor {
		prof = minorProfile
	}
	var rot [12]float64
	for pc := range 12 {
		rot[pc] = prof[(pc-k.Tonic()+12)%12]
	}
	return correlation(hist[:], rot[:])
}

// correlation is Pearson's r of x and y; 0 when either is constant.
func correlation(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx, my = mx+x[i], my+y[i]
	}
	mx, my = mx/float64(len(x)), my/float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// Key is the key of the piece for notation: the file's first key signature when it has
// one, else EstimateKey of its melody m. estimated says which.
func (f *File) Key(m Melody) (k Key, estimated bool) {
	if len(f.KeySigs) > 0 {
		return f.KeySigs[0].Key, false
	}
	return EstimateKey(m), true
}
