package midi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Chord symbols of lead sheets: NotationOptions.Chords written above the staff, as
// MusicXML <harmony> elements and ABC's quoted chord symbols.

// chordRootDegrees are chromaticDegrees for chord roots: in major the root a minor sixth
// above the tonic is that of bVI, borrowed from minor (Ab in C major), not the #5 that is
// a melody's leading tone to vi (G#).
var chordRootDegrees = map[bool]map[int][2]int{
	false: {1: {0, 1}, 3: {2, -1}, 6: {3, 1}, 8: {5, -1}, 10: {6, -1}},
	true:  chromaticDegrees[true],
}

// intervalDegrees are the degrees above a chord's root (0 the root's letter) that its
// intervals are spelled on, in semitones: a minor third on the third (Db over Bb), the
// tritone as the fifth diminished (Fb over Bb in Bbm7b5), the minor sixth as a sixth.
var intervalDegrees = [12]int{0, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 6}

// spellRoot names the chord's root in the key (its letter, alteration, and both written):
// "F#" in D major, "Gb" in Db major, "Bb" in C major.
func (k Key) spellRoot(c Chord) (letter byte, alter int, name string) {
	l, a, _ := k.spell(60+pcOf(c.Root), chordRootDegrees)
	return letters[l], a, pcName(l, a)
}

// spellBass names the chord's bass as spellRoot names the root: on the degree above the
// root that its interval is on (Bbm7/Db, not Bbm7/C#, in any key; the fifth of an
// augmented chord raised, C+/G#), or as the key spells it where that would take two
// sharps or flats.
func (k Key) spellBass(c Chord) (letter byte, alter int, name string) {
	rl, ra, _ := k.spell(60+pcOf(c.Root), chordRootDegrees)
	iv := pcOf(c.Bass)
	deg := intervalDegrees[iv]
	if iv == 8 && c.Kind == Aug {
		deg = 4
	}
	l := (rl + deg) % 7
	a := pcOf(letterPC[rl]+ra+iv-letterPC[l]+6) - 6 // from -6 to 5
	if a < -1 || a > 1 {
		l, a, _ = k.Spell(60 + pcOf(c.Root+c.Bass))
	}
	return letters[l], a, pcName(l, a)
}

// chordSuffix is what Chord.Plain writes after the root, and before any bass: "m7" of Am7,
// "" of C.
func (c Chord) chordSuffix() string {
	s := strings.TrimPrefix(c.Plain(), pcNames[pcOf(c.Root)])
	if c.Bass%12 != 0 {
		s = strings.TrimSuffix(s, "/"+pcNames[pcOf(c.Root+c.Bass)])
	}
	return s
}

// Symbol is the chord as a lead sheet in key k writes it: Plain's symbol with its root and
// bass spelled in the key (A#m in F# major is written A#m, in F major Bbm).
func (c Chord) Symbol(k Key) string {
	if c.Kind == NoChord || int(c.Kind) >= len(kindInfo) {
		return "N.C."
	}
	_, _, root := k.spellRoot(c)
	s := root + c.chordSuffix()
	if c.Bass%12 != 0 {
		_, _, bass := k.spellBass(c)
		s += "/" + bass
	}
	return s
}

// musicXMLKinds are MusicXML's kind values of each Kind.
var musicXMLKinds = [...]string{
	NoChord: "none", Maj: "major", Min: "minor", Dim: "diminished", Aug: "augmented",
	Maj7: "major-seventh", Min7: "minor-seventh", Dom7: "dominant", Dim7: "diminished-seventh",
	HalfDim7: "half-diminished", MinMaj7: "major-minor", Maj6: "major-sixth", Min6: "minor-sixth",
	Dom9: "dominant-ninth", Maj9: "major-ninth", Min9: "minor-ninth", Sus2: "suspended-second",
	Sus4: "suspended-fourth", Power: "power", Unison: "other",
}

// harmonyXML writes the chord as a MusicXML <harmony> element, offset steps after the
// note it precedes: root and bass spelled in the key, the kind, and the symbol Symbol
// writes as the kind's text (so that added and omitted degrees read as written).
func (c Chord) harmonyXML(b *bytes.Buffer, k Key, offset int) {
	b.WriteString("      <harmony print-frame=\"no\">\n")
	if c.Kind == NoChord || int(c.Kind) >= len(kindInfo) {
		// MusicXML wants a root even for no chord; the text says N.C.
		b.WriteString("        <root><root-step>C</root-step></root>\n        <kind text=\"N.C.\">none</kind>\n")
	} else {
		l, a, _ := k.spellRoot(c)
		fmt.Fprintf(b, "        <root><root-step>%c</root-step>%s</root>\n", l, alterXML("root", a))
		b.WriteString("        <kind text=\"")
		xml.EscapeText(b, []byte(c.chordSuffix()))
		fmt.Fprintf(b, "\">%s</kind>\n", musicXMLKinds[c.Kind])
		if c.Bass%12 != 0 {
			l, a, _ := k.spellBass(c)
			fmt.Fprintf(b, "        <bass><bass-step>%c</bass-step>%s</bass>\n", l, alterXML("bass", a))
		}
		// Degrees added to the kind and left out of it (C7sus4 is sus4 with a b7 added).
		add, omit := c.Add&^kindInfo[c.Kind].intervals, c.Omit&kindInfo[c.Kind].intervals
		for i := range 12 {
			for _, d := range []struct {
				set  uint16
				kind string
			}{{add, "add"}, {omit, "subtract"}} {
				if d.set&(1<<i) != 0 {
					dg := xmlDegrees[i]
					fmt.Fprintf(b, "        <degree><degree-value>%d</degree-value><degree-alter>%d</degree-alter><degree-type>%s</degree-type></degree>\n", dg[0], dg[1], d.kind)
				}
			}
		}
	}
	if offset > 0 {
		fmt.Fprintf(b, "        <offset>%d</offset>\n", offset)
	}
	b.WriteString("      </harmony>\n")
}

// xmlDegrees are MusicXML's degree and alteration (from the major scale) of each interval
// above the root.
var xmlDegrees = [12][2]int{{1, 0}, {9, -1}, {9, 0}, {9, 1}, {3, 0}, {11, 0}, {11, 1}, {5, 0}, {13, -1}, {13, 0}, {7, -1}, {7, 0}}

func alterXML(what string, a int) string {
	if a == 0 {
		return ""
	}
	return fmt.Sprintf("<%s-alter>%d</%s-alter>", what, a, what)
}

// chordsAt returns the chords of spans that start within the piece from step start, dur
// steps long, with their offsets into it; a span that starts where the one before it ends
// with the same chord is no change and is left out.
func chordsAt(spans []ChordSpan, start, dur int) (out []ChordSpan) {
	for i, sp := range spans {
		if sp.Start < start || sp.Start >= start+dur {
			continue
		}
		if i > 0 && spans[i-1].End == sp.Start && spans[i-1].Chord == sp.Chord {
			continue
		}
		out = append(out, ChordSpan{sp.Start - start, sp.End, sp.Chord})
	}
	return out
}
