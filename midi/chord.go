package midi

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Kind is a chord's shorthand quality, Harte's shorthand names (maj, min7, hdim7, ...).
// The zero Kind is NoChord.
type Kind uint8

// The kinds of chord this package names. Harte (2005) defines maj through sus4; sus2, 5
// and 1 are the common extensions (JAMS's chord namespace).
const (
	NoChord Kind = iota
	Maj
	Min
	Dim
	Aug
	Maj7
	Min7
	Dom7
	Dim7
	HalfDim7
	MinMaj7
	Maj6
	Min6
	Dom9
	Maj9
	Min9
	Sus2
	Sus4
	Power // 5: root and fifth
	Unison
)

// kindInfo is each Kind's Harte shorthand, plain suffix, and intervals above the root
// (bit i: i semitones).
var kindInfo = [...]struct {
	harte, plain string
	intervals    uint16
}{
	NoChord:  {"N", "N.C.", 0},
	Maj:      {"maj", "", iv(0, 4, 7)},
	Min:      {"min", "m", iv(0, 3, 7)},
	Dim:      {"dim", "dim", iv(0, 3, 6)},
	Aug:      {"aug", "aug", iv(0, 4, 8)},
	Maj7:     {"maj7", "maj7", iv(0, 4, 7, 11)},
	Min7:     {"min7", "m7", iv(0, 3, 7, 10)},
	Dom7:     {"7", "7", iv(0, 4, 7, 10)},
	Dim7:     {"dim7", "dim7", iv(0, 3, 6, 9)},
	HalfDim7: {"hdim7", "m7b5", iv(0, 3, 6, 10)},
	MinMaj7:  {"minmaj7", "m(maj7)", iv(0, 3, 7, 11)},
	Maj6:     {"maj6", "6", iv(0, 4, 7, 9)},
	Min6:     {"min6", "m6", iv(0, 3, 7, 9)},
	Dom9:     {"9", "9", iv(0, 4, 7, 10, 2)},
	Maj9:     {"maj9", "maj9", iv(0, 4, 7, 11, 2)},
	Min9:     {"min9", "m9", iv(0, 3, 7, 10, 2)},
	Sus2:     {"sus2", "sus2", iv(0, 2, 7)},
	Sus4:     {"sus4", "sus4", iv(0, 5, 7)},
	Power:    {"5", "5", iv(0, 7)},
	Unison:   {"1", "1", iv(0)},
}

// pcOf is n as a pitch class, 0 to 11.
func pcOf(n int) int { return (n%12 + 12) % 12 }

func iv(semitones ...int) uint16 {
	var m uint16
	for _, s := range semitones {
		m |= 1 << (s % 12)
	}
	return m
}

// Chord is a chord symbol: a root, a shorthand kind, degrees added to or left out of it,
// and a bass. The zero Chord is "no chord" (Harte's N, N.C. in lead sheets).
type Chord struct {
	Root int  // pitch class of the root, 0 (C) to 11 (B)
	Kind Kind // NoChord: no chord sounds; the other fields are then 0
	// Add and Omit are intervals above the root (bit i: i semitones) added to the kind's,
	// as Harte's degree list C:maj(9) adds, or taken from them, as C:maj(*3) omits.
	Add, Omit uint16
	Bass      int // the bass's interval above the root, 0 to 11: 0 in root position, 4 for C/E
}

// ErrChord is wrapped by every error of ParseChord.
var ErrChord = errors.New("midi: bad chord symbol")

// pcNames spells pitch classes as note_seq does (its _PITCH_CLASS_MAPPING) and as POP909's
// annotations do: sharps for C#, F#, flats for Eb, Ab, Bb.
var pcNames = [12]string{"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"}

// degreeNames names intervals as Harte's bass and list degrees.
var degreeNames = [12]string{"1", "b2", "2", "b3", "3", "4", "b5", "5", "b6", "6", "b7", "7"}

// Intervals is the set of intervals above the root that sound (bit i: i semitones), the
// bass included.
func (c Chord) Intervals() uint16 {
	if c.Kind == NoChord || int(c.Kind) >= len(kindInfo) {
		return 0
	}
	return (kindInfo[c.Kind].intervals|c.Add)&^c.Omit | 1<<pcOf(c.Bass)
}

// PitchClasses lists the chord's pitch classes (0 = C) from the root up, the bass
// included; none for no chord.
func (c Chord) PitchClasses() []int {
	m := c.Intervals()
	pcs := make([]int, 0, bits.OnesCount16(m))
	for i := 0; i < 12; i++ {
		if m&(1<<i) != 0 {
			pcs = append(pcs, pcOf(c.Root+i))
		}
	}
	return pcs
}

// BassPitchClass is the pitch class of the chord's lowest note, -1 for no chord.
func (c Chord) BassPitchClass() int {
	if c.Kind == NoChord {
		return -1
	}
	return pcOf(c.Root + c.Bass)
}

// Has reports whether pitch class pc (0 = C, any octave: pitch%12) belongs to the chord.
func (c Chord) Has(pc int) bool {
	pc = pcOf(pc - c.Root)
	return c.Intervals()&(1<<pc) != 0
}

// TriadClasses is the number of classes of Chord.Triad: no chord, then 12 roots each of
// major, minor, augmented and diminished triads, note_seq's TriadChordOneHotEncoding,
// which MusicVAE's chord-conditioned melody model (cat-mel_2bar_med_chords) reads.
const TriadClasses = 4*12 + 1

// Triad is the chord as note_seq's TriadChordOneHotEncoding encodes it: 0 for no chord,
// 1 + root for a chord on a major triad (C13 is 1, as C), 13 + root on a minor one, 25 +
// root on an augmented one, 37 + root on a diminished one (Abm7b5 is 45). The bass is
// ignored. ok is false for a chord without one of those triads (sus2, sus4, 5, 7b5),
// which note_seq cannot encode: MusicVAE drops every example holding one.
func (c Chord) Triad() (class int, ok bool) {
	if c.Kind == NoChord {
		return 0, true
	}
	m := c.Intervals()
	has := func(s int) bool { return m&(1<<s) != 0 }
	switch {
	case has(4) && has(7):
		return 1 + c.Root, true
	case has(3) && has(7):
		return 13 + c.Root, true
	case has(4) && has(8):
		return 25 + c.Root, true
	case has(3) && has(6):
		return 37 + c.Root, true
	}
	return 0, false
}

// TriadChord is the chord that Triad class stands for, with ok false outside
// 0..TriadClasses-1.
func TriadChord(class int) (c Chord, ok bool) {
	if class < 0 || class >= TriadClasses {
		return Chord{}, false
	}
	if class == 0 {
		return Chord{}, true
	}
	k := [4]Kind{Maj, Min, Aug, Dim}[(class-1)/12]
	return Chord{Root: (class - 1) % 12, Kind: k}, true
}

// Transpose moves the chord by semitones, up or (negative) down.
func (c Chord) Transpose(semitones int) Chord {
	if c.Kind == NoChord {
		return c
	}
	c.Root = pcOf(c.Root + semitones)
	return c
}

// String is the chord in Harte's syntax, as POP909 writes it: C:maj, A:min7, F#:maj/3,
// Bb:sus4(b7), N.
func (c Chord) String() string { return c.Harte() }

// Harte is the chord in Harte's syntax: the root, a colon, the shorthand, added and
// omitted degrees in parentheses (omitted ones starred), and the bass as a degree.
func (c Chord) Harte() string {
	if c.Kind == NoChord || int(c.Kind) >= len(kindInfo) {
		return "N"
	}
	var b strings.Builder
	b.WriteString(pcNames[pcOf(c.Root)])
	b.WriteByte(':')
	b.WriteString(kindInfo[c.Kind].harte)
	add, omit := c.Add&^kindInfo[c.Kind].intervals, c.Omit&kindInfo[c.Kind].intervals
	if add|omit != 0 {
		var ds []string
		for i := 0; i < 12; i++ {
			if omit&(1<<i) != 0 {
				ds = append(ds, "*"+degreeNames[i])
			}
			if add&(1<<i) != 0 {
				ds = append(ds, degreeNames[i])
			}
		}
		b.WriteString("(" + strings.Join(ds, ",") + ")")
	}
	if c.Bass%12 != 0 {
		b.WriteString("/" + degreeNames[pcOf(c.Bass)])
	}
	return b.String()
}

// Plain is the chord as lead sheets write it: C, Am, F#m7, Bbmaj7, Gsus4, Bdim, Bm7b5,
// Bb/D, N.C.; degrees beyond the kind's as add (Cadd9), omitted ones as no (Cno3), a
// sus4 with a minor seventh as 7sus4.
func (c Chord) Plain() string {
	if c.Kind == NoChord || int(c.Kind) >= len(kindInfo) {
		return "N.C."
	}
	s := pcNames[pcOf(c.Root)] + kindInfo[c.Kind].plain
	add, omit := c.Add&^kindInfo[c.Kind].intervals, c.Omit&kindInfo[c.Kind].intervals
	if c.Kind == Sus4 && add&(1<<10) != 0 {
		s, add = pcNames[pcOf(c.Root)]+"7sus4", add&^(1<<10)
	}
	plainDegree := [12]string{"", "b9", "9", "#9", "3", "11", "#11", "5", "b13", "13", "b7", "maj7"}
	for i := 1; i < 12; i++ {
		if add&(1<<i) != 0 {
			s += "add" + plainDegree[i]
		}
	}
	for i := 0; i < 12; i++ {
		if omit&(1<<i) != 0 {
			s += "no" + degreeNames[i]
		}
	}
	if c.Bass%12 != 0 {
		s += "/" + pcNames[pcOf(c.Root+c.Bass)]
	}
	return s
}

// ParseChord reads a chord symbol in Harte's syntax (C:maj, A:min7, F#:maj/3,
// Bb:sus4(b7), C:(1,3,5), N) or as lead sheets write it (C, Am, F#m7, Bb/D, Cmaj7,
// Gsus4, Edim, Bm7b5, C7sus4, Cadd9, N.C.). Roots and bass notes take any number of
// sharps (#) and flats (b); spaces around the symbol are ignored.
func ParseChord(s string) (Chord, error) {
	c, err := parseChord(strings.TrimSpace(s))
	if err != nil {
		return Chord{}, fmt.Errorf("%w %q: %s", ErrChord, s, err)
	}
	return c, nil
}

func parseChord(s string) (Chord, error) {
	switch s {
	case "":
		return Chord{}, errors.New("empty")
	case "N", "N.C.", "NC", "N.C", "X":
		return Chord{}, nil
	}
	root, rest, err := parseNote(s)
	if err != nil {
		return Chord{}, err
	}
	if strings.HasPrefix(rest, ":") {
		return parseHarte(root, rest[1:])
	}
	return parsePlain(root, rest)
}

// parseNote reads a note name (a letter A–G, upper case, then sharps and flats) at the
// start of s, and returns its pitch class and the rest of s.
func parseNote(s string) (pc int, rest string, err error) {
	if s == "" {
		return 0, "", errors.New("no root")
	}
	i := strings.IndexByte("C D EF G A B", s[0])
	if i < 0 || s[0] == ' ' {
		return 0, "", fmt.Errorf("%q is no note name", s[:1])
	}
	pc, n := i, 1
	for ; n < len(s) && (s[n] == '#' || s[n] == 'b'); n++ {
		if s[n] == '#' {
			pc++
		} else {
			pc--
		}
	}
	return (pc%12 + 12) % 12, s[n:], nil
}

// parseDegree reads a Harte degree (flats and sharps, then 1 to 13) and returns it as
// semitones above the root, 0 to 11.
func parseDegree(s string) (int, error) {
	n := 0
	shift := 0
	for ; n < len(s) && (s[n] == '#' || s[n] == 'b'); n++ {
		if s[n] == '#' {
			shift++
		} else {
			shift--
		}
	}
	d, err := strconv.Atoi(s[n:])
	if err != nil || d < 1 || d > 13 || n > 3 {
		return 0, fmt.Errorf("degree %q: want 1 to 13, after at most 3 sharps or flats", s)
	}
	scale := [7]int{0, 2, 4, 5, 7, 9, 11}
	semis := scale[(d-1)%7] + 12*((d-1)/7) + shift
	return (semis%12 + 12) % 12, nil
}

func parseHarte(root int, s string) (Chord, error) {
	c := Chord{Root: root}
	body, bass, hasBass := strings.Cut(s, "/")
	if hasBass {
		d, err := parseDegree(bass)
		if err != nil {
			return Chord{}, fmt.Errorf("bass: %w", err)
		}
		c.Bass = d
	}
	short, list, hasList := strings.Cut(body, "(")
	if hasList {
		if !strings.HasSuffix(list, ")") {
			return Chord{}, errors.New("degree list without its closing parenthesis")
		}
		list = strings.TrimSuffix(list, ")")
	}
	if short == "" {
		if !hasList {
			return Chord{}, errors.New("no shorthand or degree list after the colon")
		}
		c.Kind = Unison // C:(1,3,5): the degrees say it all; the root sounds
	} else {
		k, ok := harteKinds[short]
		if !ok {
			return Chord{}, fmt.Errorf("unknown shorthand %q", short)
		}
		c.Kind = k
	}
	if hasList {
		for _, item := range strings.Split(list, ",") {
			item = strings.TrimSpace(item)
			omit := strings.HasPrefix(item, "*")
			d, err := parseDegree(strings.TrimPrefix(item, "*"))
			if err != nil {
				return Chord{}, err
			}
			if omit {
				c.Omit |= 1 << d
			} else {
				c.Add |= 1 << d
			}
		}
	}
	return c.canonical(), nil
}

var harteKinds = func() map[string]Kind {
	m := map[string]Kind{}
	for k := Maj; int(k) < len(kindInfo); k++ {
		m[kindInfo[k].harte] = k
	}
	return m
}()

// plainKinds are the suffixes lead sheets write, longest match first.
var plainKinds = []struct {
	suffix string
	kind   Kind
	add    uint16
}{
	{"m(maj7)", MinMaj7, 0}, {"mMaj7", MinMaj7, 0}, {"mmaj7", MinMaj7, 0}, {"minmaj7", MinMaj7, 0},
	{"maj9", Maj9, 0}, {"M9", Maj9, 0}, {"maj7", Maj7, 0}, {"M7", Maj7, 0}, {"Δ7", Maj7, 0}, {"Δ", Maj7, 0},
	{"m7b5", HalfDim7, 0}, {"m7-5", HalfDim7, 0}, {"ø7", HalfDim7, 0}, {"ø", HalfDim7, 0},
	{"min7", Min7, 0}, {"min9", Min9, 0}, {"min6", Min6, 0}, {"min", Min, 0},
	{"m7", Min7, 0}, {"m9", Min9, 0}, {"m6", Min6, 0}, {"-7", Min7, 0},
	{"dim7", Dim7, 0}, {"°7", Dim7, 0}, {"dim", Dim, 0}, {"°", Dim, 0},
	{"aug7", Aug, iv(10)}, {"+7", Aug, iv(10)}, {"aug", Aug, 0}, {"+", Aug, 0},
	{"7sus4", Sus4, 1 << 10}, {"7sus", Sus4, 1 << 10}, {"sus2", Sus2, 0}, {"sus4", Sus4, 0}, {"sus", Sus4, 0},
	{"maj", Maj, 0}, {"m", Min, 0}, {"-", Min, 0},
	{"13", Dom9, iv(9)}, {"11", Dom9, iv(5)}, {"9", Dom9, 0}, {"7", Dom7, 0}, {"6", Maj6, 0}, {"5", Power, 0}, {"1", Unison, 0},
}

func parsePlain(root int, s string) (Chord, error) {
	c := Chord{Root: root, Kind: Maj}
	body, bass, hasBass := strings.Cut(s, "/")
	if hasBass {
		pc, rest, err := parseNote(bass)
		if err != nil {
			return Chord{}, fmt.Errorf("bass: %w", err)
		}
		if rest != "" {
			return Chord{}, fmt.Errorf("bass: %q after the note name", rest)
		}
		c.Bass = ((pc-root)%12 + 12) % 12
	}
	for _, k := range plainKinds {
		if strings.HasPrefix(body, k.suffix) {
			c.Kind, c.Add, body = k.kind, k.add, body[len(k.suffix):]
			break
		}
	}
	// What may follow: added degrees (add9, addb13) and omitted ones (no3, no5).
	plainDegrees := map[string]int{"b9": 1, "9": 2, "#9": 3, "11": 5, "#11": 6, "b13": 8, "13": 9, "2": 2, "3": 4, "4": 5, "5": 7, "6": 9, "b7": 10, "maj7": 11}
	for body != "" {
		body = strings.TrimPrefix(strings.TrimPrefix(body, "("), ")")
		switch {
		case body == "":
		case strings.HasPrefix(body, "add"):
			d, n := longestDegree(body[3:], plainDegrees)
			if n == 0 {
				return Chord{}, fmt.Errorf("%q: want add and a degree (add9)", body)
			}
			c.Add |= 1 << d
			body = body[3+n:]
		case strings.HasPrefix(body, "no"):
			d, n := longestDegree(body[2:], harteDegrees)
			if n == 0 {
				return Chord{}, fmt.Errorf("%q: want no and a degree (no3, no5)", body)
			}
			c.Omit |= 1 << d
			body = body[2+n:]
		default:
			return Chord{}, fmt.Errorf("unknown quality %q", body)
		}
	}
	return c.canonical(), nil
}

// harteDegrees are degreeNames by name.
var harteDegrees = func() map[string]int {
	m := map[string]int{}
	for i, d := range degreeNames {
		m[d] = i
	}
	return m
}()

// longestDegree finds the longest name of ds that s starts with.
func longestDegree(s string, ds map[string]int) (semis, n int) {
	for name, d := range ds {
		if strings.HasPrefix(s, name) && len(name) > n {
			semis, n = d, len(name)
		}
	}
	return semis, n
}

// canonical keeps in Add only what the kind lacks and in Omit only what it has, so that
// equal chords compare equal.
func (c Chord) canonical() Chord {
	if c.Kind == Unison {
		// C:(3,5) is C:maj: a degree list that spells a kind is that kind.
		set := (kindInfo[Unison].intervals | c.Add) &^ c.Omit
		for k := Maj; k < Unison; k++ {
			if kindInfo[k].intervals == set {
				c.Kind, c.Add, c.Omit = k, 0, 0
				break
			}
		}
	}
	in := kindInfo[c.Kind].intervals
	c.Add &^= in
	c.Omit &= in
	c.Add &^= 1 // the root is always there
	return c
}

// NearTriad is the Triad class that the chord-conditioned melody model reads for the
// chord: Triad's where it has one, else the triad nearest it, so that no window of a
// corpus is dropped for its chord and every chord a person types conditions a model. A
// chord with a major third (and neither fifth the triads take: C7b5, Cadd#11no5) reads as
// major, one with a minor third as minor, and one without a third (sus2, sus4, 5, 1:
// 23.1% of POP909's 2-bar windows hold one, TestPOP909ChordSurvey) as the major triad on
// its root: a suspension in pop mostly stands for, and resolves to, that chord. exact is
// false for those mapped chords.
func (c Chord) NearTriad() (class int, exact bool) {
	if t, ok := c.Triad(); ok {
		return t, true
	}
	if m := c.Intervals(); m&(1<<3) != 0 && m&(1<<4) == 0 {
		return 13 + pcOf(c.Root), false
	}
	return 1 + pcOf(c.Root), false
}

// TransposeTriad moves a Triad class by semitones: the same quality on another root, 0
// (no chord) staying 0.
func TransposeTriad(class, semitones int) int {
	if class <= 0 || class >= TriadClasses {
		return class
	}
	q, root := (class-1)/12, (class-1)%12
	return 1 + 12*q + pcOf(root+semitones)
}
