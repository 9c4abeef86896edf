package midi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Chord symbols of lead sheets: NotationOptions.Chords written above the staff, as
// MusicXML <harmony> elements and ABC's quoted chord symbols.

// spellPC names pitch class pc in the key: "F#" in D major, "Gb" in Db major.
func (k Key) spellPC(pc int) (letter byte, alter int, name string) {
	l, a, _ := k.Spell(60 + pcOf(pc))
	name = string(letters[l]) + strings.Repeat("#", max(a, 0)) + strings.Repeat("b", max(-a, 0))
	return letters[l], a, name
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
	_, _, root := k.spellPC(c.Root)
	s := root + c.chordSuffix()
	if c.Bass%12 != 0 {
		_, _, bass := k.spellPC(c.Root + c.Bass)
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
		l, a, _ := k.spellPC(c.Root)
		fmt.Fprintf(b, "        <root><root-step>%c</root-step>%s</root>\n", l, alterXML("root", a))
		b.WriteString("        <kind text=\"")
		xml.EscapeText(b, []byte(c.chordSuffix()))
		fmt.Fprintf(b, "\">%s</kind>\n", musicXMLKinds[c.Kind])
		if c.Bass%12 != 0 {
			l, a, _ := k.spellPC(c.Root + c.Bass)
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
