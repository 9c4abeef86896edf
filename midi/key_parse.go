package midi

import (
	"errors"
	"fmt"
	"strings"
)

// ErrKey is wrapped by every error of ParseKey.
var ErrKey = errors.New("midi: bad key")

// ParseKey reads a key as people write it: a tonic (C, F#, Bb, Eb) and a mode, major
// unless it says minor ("m", "min", "minor"; "maj", "major" may be written): "D", "Bm",
// "F# minor", "Eb major". Its key signature is the one with the tonic's spelling (F# major
// has 6 sharps, Gb major 6 flats); a key of more than 7 sharps or flats (D# major) is
// refused, naming its enharmonic.
func ParseKey(s string) (Key, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Key{}, fmt.Errorf("%w: empty: want a tonic and a mode, such as D or Bm", ErrKey)
	}
	l := strings.IndexByte(letters, strings.ToUpper(t[:1])[0])
	if l < 0 {
		return Key{}, fmt.Errorf("%w %q: want a tonic from A to G (D, F#, Bb) and a mode (m or minor for minor)", ErrKey, s)
	}
	rest, alter := t[1:], 0
	for len(rest) > 0 && (rest[0] == '#' || rest[0] == 'b') {
		alter += map[byte]int{'#': 1, 'b': -1}[rest[0]]
		rest = rest[1:]
	}
	var minor bool
	switch strings.ToLower(strings.TrimSpace(rest)) {
	case "", "maj", "major":
	case "m", "min", "minor":
		minor = true
	default:
		return Key{}, fmt.Errorf("%w %q: want a mode of major or minor (m), not %q", ErrKey, s, strings.TrimSpace(rest))
	}
	// Fifths of the major key on each letter: C 0, D 2, E 4, F -1, G 1, A 3, B 5; a sharp
	// adds 7, a flat takes 7; the minor key has the signature of the major a minor third up.
	f := [7]int{0, 2, 4, -1, 1, 3, 5}[l] + 7*alter
	if minor {
		f -= 3
	}
	if f < -7 || f > 7 {
		return Key{}, fmt.Errorf("%w %q: %d %s in its signature; write it as its enharmonic", ErrKey, s, max(f, -f), map[bool]string{true: "sharps", false: "flats"}[f > 0])
	}
	return Key{Fifths: f, Minor: minor}, nil
}

// ShiftTo is the transposition, in semitones from -6 to 5, that takes a melody in key k to
// key to: tonic to tonic in the same mode, and between modes from the relative key (a
// melody in A minor goes to D major as to B minor, the relative minor of D, keeping its
// mode and the key signature asked for).
func (k Key) ShiftTo(to Key) int {
	want := to.Tonic()
	if k.Minor != to.Minor {
		want = Key{Fifths: to.Fifths, Minor: k.Minor}.Tonic()
	}
	d := pcOf(want - k.Tonic())
	if d > 5 {
		d -= 12
	}
	return d
}
