package midi

import (
	"math"
	"slices"
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
	hist := noteWeights(m)
	best, bestR := Key{}, math.Inf(-1)
	for _, k := range keyCandidates {
		if r := k.fit(hist); r > bestR {
			best, bestR = k, r
		}
	}
	return best
}

// keyCandidates are the 24 keys EstimateKey and EstimateKeyWithChords choose among, in
// the order of preference that wins ties: major before minor, then fewer sharps or flats,
// then sharps; F# major and Eb minor, not Gb major and D# minor.
var keyCandidates = func() []Key {
	var ks []Key
	for _, minor := range []bool{false, true} {
		for a := 0; a <= 6; a++ {
			for i, fifths := range []int{a, -a} {
				if a == 0 && i == 1 || fifths == -6 && !minor || fifths == 6 && minor {
					continue
				}
				ks = append(ks, Key{Fifths: fifths, Minor: minor})
			}
		}
	}
	return ks
}()

// fit is the correlation of pitch-class weights with the key's Krumhansl–Kessler profile.
func (k Key) fit(hist [12]float64) float64 {
	prof := majorProfile
	if k.Minor {
		prof = minorProfile
	}
	var rot [12]float64
	for pc := range 12 {
		rot[pc] = prof[pcOf(pc-k.Tonic())]
	}
	return correlation(hist[:], rot[:])
}

// noteWeights is how many steps each pitch class of m sounds.
func noteWeights(m Melody) [12]float64 {
	var hist [12]float64
	for _, n := range m.Notes() {
		hist[n.Pitch%12] += float64(n.End - n.Start)
	}
	return hist
}

// EstimateKeyWithChords estimates the key of melody m under chords (spans in steps from
// m's start, as NotationOptions.Chords), for a lead sheet or a file whose chords are
// known. Each of the 24 keys of EstimateKey scores the sum of three terms:
//
//   - the Krumhansl–Kessler correlation (as EstimateKey) of pitch-class weights that add
//     the melody's, as shares of its sounding steps, to twice the chords', as shares of
//     theirs: each chord's tones (its bass included) weighted by the steps it lasts, its
//     root counted twice;
//   - the share of the chords' steps on a triad of the key (Chord.Triad): I, ii, iii, IV,
//     V, vi and vii° in major; i, ii°, III, iv, v or V, VI, VII and vii° in minor (natural
//     and harmonic minor), so that a chord off the key (F under G major) counts against
//     it as a whole, not as one pitch class of several;
//   - 0.3 times the share of the chords' steps on the key's own tonic triad (I or i),
//     which leans between a major key and its relative minor towards the one whose tonic
//     the chords dwell on.
//
// Ties go as EstimateKey's do. The weights are those that matched POP909's annotated keys
// best among the few tried (TestEstimateKeyPOP909: the key of 89.7% of its songs from the
// melody and the annotated chords, 89.4% with the chords estimated from the accompaniment,
// 69.1% from the melody alone). With no chord (none, or only NoChord) it is EstimateKey(m).
func EstimateKeyWithChords(m Melody, chords []ChordSpan) Key {
	var cw [12]float64
	var total float64 // steps under a chord
	var triads []keyTriad
	for _, sp := range chords {
		d := float64(sp.End - sp.Start)
		if sp.Chord.Kind == NoChord || d <= 0 {
			continue
		}
		c := sp.Chord
		c.Root = pcOf(c.Root)
		for _, pc := range c.PitchClasses() {
			cw[pc] += d
		}
		cw[c.Root] += d
		total += d
		if q := triadQuality(c); q >= 0 {
			triads = append(triads, keyTriad{c.Root, q, d})
		}
	}
	if total == 0 {
		return EstimateKey(m) // no chord: the same test as HasChords
	}
	hist := normalized(noteWeights(m))
	cw = normalized(cw)
	for i := range hist {
		hist[i] += 2 * cw[i]
	}
	best, bestS := Key{}, math.Inf(-1)
	for _, k := range keyCandidates {
		var diatonic, tonic float64
		for _, t := range triads {
			if k.hasTriad(t.root, t.quality) {
				diatonic += t.steps
			}
			if k.isTonic(t.root, t.quality) {
				tonic += t.steps
			}
		}
		s := k.fit(hist) + diatonic/total + 0.3*tonic/total
		if s > bestS {
			best, bestS = k, s
		}
	}
	return best
}

// keyTriad is a chord of EstimateKeyWithChords that has a triad: its root's pitch class,
// the triad's quality (triadQuality) and the steps it lasts.
type keyTriad struct {
	root, quality int
	steps         float64
}

// normalized is w scaled to sum to 1; all zeros stay zeros.
func normalized(w [12]float64) [12]float64 {
	var sum float64
	for _, x := range w {
		sum += x
	}
	if sum > 0 {
		for i := range w {
			w[i] /= sum
		}
	}
	return w
}

// Triad qualities, as Chord.Triad orders its classes.
const (
	majorTriad = iota
	minorTriad
	augmentedTriad
	diminishedTriad
)

// triadQuality is the quality of c's triad (Chord.Triad); -1 for no chord or one without
// a triad.
func triadQuality(c Chord) int {
	cl, ok := c.Triad()
	if !ok || cl == 0 {
		return -1
	}
	return (cl - 1) / 12
}

// hasTriad reports whether the triad of quality q on root (a pitch class) is one of the
// key's (EstimateKeyWithChords lists them).
func (k Key) hasTriad(root, q int) bool {
	deg := pcOf(root - k.Tonic())
	if !k.Minor {
		want, ok := map[int]int{0: majorTriad, 2: minorTriad, 4: minorTriad, 5: majorTriad, 7: majorTriad, 9: minorTriad, 11: diminishedTriad}[deg]
		return ok && q == want
	}
	switch deg {
	case 0, 5:
		return q == minorTriad
	case 2, 11:
		return q == diminishedTriad
	case 3, 8, 10:
		return q == majorTriad
	case 7:
		return q == majorTriad || q == minorTriad
	}
	return false
}

// isTonic reports whether the triad of quality q on root is the key's tonic triad: C
// major's C, A minor's Am.
func (k Key) isTonic(root, q int) bool {
	want := majorTriad
	if k.Minor {
		want = minorTriad
	}
	return root == k.Tonic() && q == want
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

// KeySource says where a key came from.
type KeySource uint8

const (
	KeyFromFile           KeySource = iota // the file's key signature
	KeyFromNotes                           // estimated from the melody's notes (EstimateKey)
	KeyFromNotesAndChords                  // estimated from the notes and chords (EstimateKeyWithChords)
)

// String says where the key came from, for people: "its key signature", "estimated from
// the notes", "estimated from the notes and chords".
func (s KeySource) String() string {
	switch s {
	case KeyFromFile:
		return "its key signature"
	case KeyFromNotes:
		return "estimated from the notes"
	case KeyFromNotesAndChords:
		return "estimated from the notes and chords"
	}
	return "KeySource(" + strconv.Itoa(int(s)) + ")"
}

// Key is the key of the piece for notation: the file's first key signature when it has
// one, else the key estimated from its melody m and, where they are known (annotations,
// a chord track: in steps from m's start), the chords under it: EstimateKeyWithChords,
// which is EstimateKey when chords hold no chord. from says which.
func (f *File) Key(m Melody, chords []ChordSpan) (k Key, from KeySource) {
	if len(f.KeySigs) > 0 {
		return f.KeySigs[0].Key, KeyFromFile
	}
	if !HasChords(chords) {
		return EstimateKey(m), KeyFromNotes
	}
	return EstimateKeyWithChords(m, chords), KeyFromNotesAndChords
}

// HasChords reports whether any of spans holds a chord (not NoChord) for a step or more.
func HasChords(spans []ChordSpan) bool {
	return slices.ContainsFunc(spans, func(sp ChordSpan) bool { return sp.Chord.Kind != NoChord && sp.End > sp.Start })
}
