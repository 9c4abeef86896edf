package midi

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// NotationOptions describe the score that Melody.MusicXML and Melody.ABC write.
type NotationOptions struct {
	Title string  // the work's title; "Untitled" when empty
	QPM   float64 // quarter notes a minute; 0 means DefaultQPM
}

func (o NotationOptions) tempo() (float64, error) {
	q := o.QPM
	if q == 0 {
		q = DefaultQPM
	}
	if !(q > 0) || math.IsInf(q, 0) {
		return 0, fmt.Errorf("tempo %v qpm, want a positive number", o.QPM)
	}
	return q, nil
}

func (o NotationOptions) title() string {
	t := strings.Join(strings.Fields(o.Title), " ") // one line, for ABC's T: field
	if t == "" {
		return "Untitled"
	}
	return t
}

// piece is one written note or rest: it lies within one bar, and its length is a written
// value (16th, 8th, dotted 8th, quarter, dotted quarter, half, dotted half or whole).
type piece struct {
	bar, pos, dur     int // bar from 0; position and length in 16th-note steps
	pitch             int // MIDI pitch, or -1 for a rest
	tieStop, tieStart bool
}

// writtenValues are the lengths a piece can have, longest first, in 16ths.
var writtenValues = []int{16, 12, 8, 6, 4, 3, 2, 1}

// fits tells whether a piece of dur steps may start at step pos of a 4/4 bar. A piece
// shorter than a quarter stays within its beat, where it may start anywhere (16th–8th–16th,
// 16th–dotted 8th); a longer one starts at a multiple of its undotted length (a dotted
// quarter on a beat, a half on beat 1 or 3), and only a piece starting the bar crosses its
// middle. So a note from beat 2 to the end of the bar is written as a quarter tied to a
// half, not as a dotted half.
func fits(pos, dur int) bool {
	if pos+dur > StepsPerBar {
		return false
	}
	if dur < StepsPerQuarter {
		return pos/StepsPerQuarter == (pos+dur-1)/StepsPerQuarter
	}
	base := 1
	for base*2 <= dur {
		base *= 2
	}
	const half = StepsPerBar / 2
	return pos%base == 0 && !(pos > 0 && pos < half && pos+dur > half)
}

// score lays the melody out in bars of 4/4: every note or rest split at bar lines, and
// within a bar into written values, tied where a note is split. The last bar is filled
// with rests; an empty melody gives one bar of rest.
func (m Melody) score() (pieces []piece, bars int, err error) {
	if err := m.Validate(); err != nil {
		return nil, 0, err
	}
	bars = max(1, (len(m)+StepsPerBar-1)/StepsPerBar)
	add := func(start, end, pitch int) {
		first := true
		for s := start; s < end; {
			bar, pos := s/StepsPerBar, s%StepsPerBar
			left := min(end-s, StepsPerBar-pos)
			for left > 0 {
				d := 1
				for _, v := range writtenValues {
					if v <= left && fits(pos, v) {
						d = v
						break
					}
				}
				pieces = append(pieces, piece{bar: bar, pos: pos, dur: d, pitch: pitch, tieStop: pitch >= 0 && !first})
				first = false
				pos, left, s = pos+d, left-d, s+d
			}
		}
		if pitch >= 0 {
			// Every piece but the last is tied to the next.
			for i := len(pieces) - 1; i >= 0 && pieces[i].tieStop; i-- {
				pieces[i-1].tieStart = true
			}
		}
	}
	at := 0
	for _, n := range m.Notes() {
		if n.Start > at {
			add(at, n.Start, -1)
		}
		add(n.Start, n.End, n.Pitch)
		at = n.End
	}
	add(at, bars*StepsPerBar, -1)
	return pieces, bars, nil
}

var (
	noteSteps = [12]string{"C", "C", "D", "D", "E", "F", "F", "G", "G", "A", "A", "B"}
	noteSharp = [12]bool{1: true, 3: true, 6: true, 8: true, 10: true}
	noteTypes = map[int]struct {
		name string
		dot  bool
	}{
		16: {"whole", false}, 12: {"half", true}, 8: {"half", false}, 6: {"quarter", true},
		4: {"quarter", false}, 3: {"eighth", true}, 2: {"eighth", false}, 1: {"16th", false},
	}
)

// MusicXML writes the melody as a MusicXML 4.0 score-partwise document of one part (id
// "P1"), in 4/4 with C major's key signature, 4 divisions to the quarter (one to a step),
// a metronome mark and a sound tempo of opt.QPM, and a treble clef, or a bass clef when
// most notes lie below C4. Notes are split at bar lines and into written values, tied;
// sharps are spelled as sharps (alter 1); the last bar is filled with rests, and an empty
// melody gives one bar of rest. It returns an error for classes out of range and a tempo
// that is not a positive number.
func (m Melody) MusicXML(opt NotationOptions) ([]byte, error) {
	qpm, err := opt.tempo()
	if err != nil {
		return nil, fmt.Errorf("midi: musicxml: %w", err)
	}
	pieces, bars, err := m.score()
	if err != nil {
		return nil, fmt.Errorf("midi: musicxml: %w", err)
	}
	low, notes := 0, m.Notes()
	for _, n := range notes {
		if n.Pitch < 60 {
			low++
		}
	}
	clef := "<sign>G</sign><line>2</line>"
	if 2*low > len(notes) {
		clef = "<sign>F</sign><line>4</line>"
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">` + "\n")
	b.WriteString(`<score-partwise version="4.0">` + "\n")
	b.WriteString("  <work>\n    <work-title>")
	xml.EscapeText(&b, []byte(opt.title()))
	b.WriteString("</work-title>\n  </work>\n")
	b.WriteString("  <identification>\n    <encoding>\n      <software>musae</software>\n    </encoding>\n  </identification>\n")
	// The instrument is the piano that WriteMelodies writes (MIDI program 0; MusicXML
	// counts programs from 1); notation programs ask for one to play the part with.
	b.WriteString("  <part-list>\n    <score-part id=\"P1\">\n      <part-name>Melody</part-name>\n" +
		"      <score-instrument id=\"P1-I1\"><instrument-name>Piano</instrument-name></score-instrument>\n" +
		"      <midi-instrument id=\"P1-I1\"><midi-channel>1</midi-channel><midi-program>1</midi-program></midi-instrument>\n" +
		"    </score-part>\n  </part-list>\n")
	b.WriteString("  <part id=\"P1\">\n")
	tempo := strconv.FormatFloat(math.Round(qpm*100)/100, 'f', -1, 64)
	k := 0
	for bar := range bars {
		fmt.Fprintf(&b, "    <measure number=\"%d\">\n", bar+1)
		if bar == 0 {
			fmt.Fprintf(&b, "      <attributes>\n        <divisions>%d</divisions>\n        <key><fifths>0</fifths></key>\n"+
				"        <time><beats>4</beats><beat-type>4</beat-type></time>\n        <clef>%s</clef>\n      </attributes>\n", StepsPerQuarter, clef)
			fmt.Fprintf(&b, "      <direction placement=\"above\">\n        <direction-type>\n          <metronome><beat-unit>quarter</beat-unit><per-minute>%s</per-minute></metronome>\n"+
				"        </direction-type>\n        <sound tempo=\"%s\"/>\n      </direction>\n", tempo, tempo)
		}
		for ; k < len(pieces) && pieces[k].bar == bar; k++ {
			p := pieces[k]
			b.WriteString("      <note>\n")
			switch {
			case p.pitch < 0 && p.dur == StepsPerBar:
				b.WriteString("        <rest measure=\"yes\"/>\n")
			case p.pitch < 0:
				b.WriteString("        <rest/>\n")
			default:
				alter := ""
				if noteSharp[p.pitch%12] {
					alter = "<alter>1</alter>"
				}
				fmt.Fprintf(&b, "        <pitch><step>%s</step>%s<octave>%d</octave></pitch>\n", noteSteps[p.pitch%12], alter, p.pitch/12-1)
			}
			fmt.Fprintf(&b, "        <duration>%d</duration>\n", p.dur)
			if p.tieStop {
				b.WriteString("        <tie type=\"stop\"/>\n")
			}
			if p.tieStart {
				b.WriteString("        <tie type=\"start\"/>\n")
			}
			t := noteTypes[p.dur]
			fmt.Fprintf(&b, "        <voice>1</voice>\n        <type>%s</type>\n", t.name)
			if t.dot {
				b.WriteString("        <dot/>\n")
			}
			if p.tieStop || p.tieStart {
				b.WriteString("        <notations>\n")
				if p.tieStop {
					b.WriteString("          <tied type=\"stop\"/>\n")
				}
				if p.tieStart {
					b.WriteString("          <tied type=\"start\"/>\n")
				}
				b.WriteString("        </notations>\n")
			}
			b.WriteString("      </note>\n")
		}
		if bar == bars-1 {
			b.WriteString("      <barline location=\"right\"><bar-style>light-heavy</bar-style></barline>\n")
		}
		b.WriteString("    </measure>\n")
	}
	b.WriteString("  </part>\n</score-partwise>\n")
	return b.Bytes(), nil
}

// abcBarsPerLine is how many bars Melody.ABC writes on a line.
const abcBarsPerLine = 4

// ABC writes the melody in ABC notation (2.1): a tune with X:1, the title, M:4/4,
// L:1/16 (so that lengths count 16ths), Q:1/4= the tempo rounded to a whole number, and
// K:C, then its bars, four to a line, ending with |]. Pitches are in ABC's octaves (C is
// C4, c is C5, c' is C6, C, is C3), spelled with sharps; every sharp is written and a
// natural that follows a sharp of its letter in the bar is marked =, so that the notes
// read right whichever way a reader carries accidentals. Notes are split at bar lines
// and into written values, tied with -; rests are z; the last bar is filled with rests,
// and an empty melody gives one bar of rest. It returns an error for classes out of
// range and a tempo that is not a positive number.
func (m Melody) ABC(opt NotationOptions) ([]byte, error) {
	qpm, err := opt.tempo()
	if err != nil {
		return nil, fmt.Errorf("midi: abc: %w", err)
	}
	pieces, bars, err := m.score()
	if err != nil {
		return nil, fmt.Errorf("midi: abc: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "X:1\nT:%s\nM:4/4\nL:1/16\nQ:1/4=%d\nK:C\n", opt.title(), max(1, int(math.Round(qpm))))
	k := 0
	for bar := range bars {
		var sharp [7]bool // letters sharpened earlier in the bar, in any octave
		for first := true; k < len(pieces) && pieces[k].bar == bar; k++ {
			p := pieces[k]
			if !first && p.pos%StepsPerQuarter == 0 {
				b.WriteByte(' ') // a space between beats breaks the beams
			}
			first = false
			if p.pitch < 0 {
				b.WriteByte('z')
			} else {
				pc := p.pitch % 12
				letter := strings.Index("CDEFGAB", noteSteps[pc])
				switch {
				case noteSharp[pc]:
					b.WriteByte('^')
					sharp[letter] = true
				case sharp[letter]:
					b.WriteByte('=')
				}
				b.WriteString(abcPitch(noteSteps[pc], p.pitch/12-1))
			}
			if p.dur != 1 {
				b.WriteString(strconv.Itoa(p.dur))
			}
			if p.tieStart {
				b.WriteByte('-')
			}
		}
		switch {
		case bar == bars-1:
			b.WriteString(" |]\n")
		case (bar+1)%abcBarsPerLine == 0:
			b.WriteString(" |\n")
		default:
			b.WriteString(" | ")
		}
	}
	return b.Bytes(), nil
}

// abcPitch writes a note letter in octave oct (scientific: 4 is middle C's) in ABC: C is
// C4, c is C5, c' C6, C, C3.
func abcPitch(letter string, oct int) string {
	switch {
	case oct >= 5:
		return strings.ToLower(letter) + strings.Repeat("'", oct-5)
	default:
		return letter + strings.Repeat(",", 4-oct)
	}
}
