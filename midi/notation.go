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
	// Meters are the time signatures by step, the first at step 0, as File.Meters gives
	// them; nil is 4/4. Bars are laid out as Bars lays them.
	Meters []Meter
	// Key is the key signature, in which notes are spelled (see Melody.MusicXML); nil is
	// C major (and no mode written).
	Key *Key
	// Chords are chord symbols written above the staff (a lead sheet), in steps from the
	// melody's start; each is written where it starts, spelled in the key (Chord.Symbol),
	// a chord repeated at once not again. nil writes none.
	Chords []ChordSpan
}

func (o NotationOptions) meters() ([]Meter, error) {
	if len(o.Meters) == 0 {
		return []Meter{{Step: 0, Num: 4, Den: 4}}, nil
	}
	if o.Meters[0].Step != 0 {
		return nil, fmt.Errorf("the first meter starts at step %d, want 0", o.Meters[0].Step)
	}
	for i, m := range o.Meters {
		if m.StepsPerBar() == 0 {
			return nil, fmt.Errorf("a bar of %s is not a whole number of 16ths", m)
		}
		if m.Num > 64 {
			return nil, fmt.Errorf("a meter of %s: want at most 64 beats to the bar", m)
		}
		if i > 0 && m.Step <= o.Meters[i-1].Step {
			return nil, fmt.Errorf("meters out of order: %s at step %d after step %d", m, m.Step, o.Meters[i-1].Step)
		}
	}
	return o.Meters, nil
}

func (o NotationOptions) key() Key {
	if o.Key == nil {
		return Key{}
	}
	return *o.Key
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
// value (16th, 8th, dotted 8th, quarter, dotted quarter, half, dotted half, whole, dotted
// whole or breve), or it is a rest of the whole bar, whatever the bar's length.
type piece struct {
	bar, pos, dur     int // bar from 0; position and length in 16th-note steps
	pitch             int // MIDI pitch, or -1 for a rest
	tieStop, tieStart bool
}

// writtenValues are the lengths a piece can have, longest first, in 16ths.
var writtenValues = []int{32, 24, 16, 12, 8, 6, 4, 3, 2, 1}

// fits tells whether a piece of dur steps may start at step pos of bar b, so that the
// score shows where the beats fall. A piece shorter than the meter's beam group (a
// quarter in simple meters, the dotted-quarter beat of 6/8, 3+2 eighths in 5/8: see
// Meter.groupAt) stays within its group, where it may start anywhere (16th–8th–16th,
// 16th–dotted 8th); a longer one starts on a group's start and stays within its beat (a
// quarter in 2/2) or, from a beat up, starts on a beat, lasts whole beats in compound
// meters (no half note in 6/8), and in meters of four beats or more (4/4, 12/8, 4/2)
// crosses the middle of the bar only from the bar's start. So in 4/4 a note from beat 2
// to the end of the bar is written as a quarter tied to a half, not as a dotted half, and
// in 3/4 a half may follow a quarter.
func fits(b Bar, pos, dur int) bool {
	if pos+dur > b.Steps {
		return false
	}
	mt := b.Meter
	gs, g := mt.groupAt(pos)
	beat, spb := mt.BeatSteps(), mt.StepsPerBar()
	switch {
	case dur < g:
		return pos+dur <= gs+g
	case pos != gs:
		return false
	case dur < beat:
		return pos/beat == (pos+dur-1)/beat
	case pos%beat != 0 || mt.Compound() && dur%beat != 0:
		return false
	}
	if n := spb / beat; n >= 4 && n%2 == 0 {
		half := spb / 2
		return !(pos > 0 && pos < half && pos+dur > half)
	}
	return true
}

// score lays the melody out in bars of the meters: every note or rest split at bar lines,
// and within a bar into written values, tied where a note is split. The last bar is
// filled with rests; an empty melody gives one bar of rest. A bar of rest is one piece.
func (m Melody) score(meters []Meter) (pieces []piece, bars []Bar, err error) {
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	bars = Bars(meters, max(len(m), 1))
	end := bars[len(bars)-1].Start + bars[len(bars)-1].Steps
	add := func(start, end, pitch int) {
		first := true
		k := 0
		for s := start; s < end; {
			for bars[k].Start+bars[k].Steps <= s {
				k++
			}
			pos := s - bars[k].Start
			left := min(end-s, bars[k].Steps-pos)
			if pitch < 0 && pos == 0 && left == bars[k].Steps {
				// A bar of rest is one whole-bar rest, whatever its length (9/8, 5/4).
				pieces = append(pieces, piece{bar: k, dur: left, pitch: -1})
				s += left
				continue
			}
			for left > 0 {
				d := 1
				for _, v := range writtenValues {
					if v <= left && fits(bars[k], pos, v) {
						d = v
						break
					}
				}
				pieces = append(pieces, piece{bar: k, pos: pos, dur: d, pitch: pitch, tieStop: pitch >= 0 && !first})
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
	add(at, end, -1)
	return pieces, bars, nil
}

// beams gives each piece of one bar its MusicXML beams: notes shorter than a quarter,
// side by side within a beam group (see fits), are beamed together, with a second beam
// between 16ths and a hook on a 16th beside a longer note. beams[i] is nil for a piece
// that is not beamed.
func beams(b Bar, ps []piece) [][2]string {
	out := make([][2]string, len(ps))
	group := func(i int) int { s, _ := b.Meter.groupAt(ps[i].pos); return s }
	beamable := func(i int) bool { return i >= 0 && i < len(ps) && ps[i].pitch >= 0 && ps[i].dur < StepsPerQuarter }
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && beamable(j) && group(j) == group(i) {
			j++
		}
		if j-i < 2 {
			i = max(j, i+1)
			continue
		}
		for k := i; k < j; k++ {
			switch k {
			case i:
				out[k][0] = "begin"
			case j - 1:
				out[k][0] = "end"
			default:
				out[k][0] = "continue"
			}
			if ps[k].dur != 1 {
				continue
			}
			prev, next := k > i && ps[k-1].dur == 1, k < j-1 && ps[k+1].dur == 1
			switch {
			case prev && next:
				out[k][1] = "continue"
			case prev:
				out[k][1] = "end"
			case next:
				out[k][1] = "begin"
			case k == i:
				out[k][1] = "forward hook"
			default:
				out[k][1] = "backward hook"
			}
		}
		i = j
	}
	return out
}

// spellingKey is the key the melody's notes are spelled in: k, or the relative minor of a
// major k when the notes fit it better (EstimateKey's profiles), as a tune in G minor
// under the two flats of a file that says Bb major does, so that its leading tone is F#,
// not Gb. Only major gives way: it is what a file says when it does not know the mode
// (the key-signature event's default), while minor is said on purpose.
func (m Melody) spellingKey(k Key) Key {
	if minor := (Key{Fifths: k.Fifths, Minor: true}); !k.Minor {
		if h := noteWeights(m); minor.fit(h) > k.fit(h) {
			return minor
		}
	}
	return k
}

// spellings are the pieces' pitches spelled in the key, each note towards the note after
// it (Key.spellTowards), the pieces of a tied note alike; a rest's is zero.
func spellings(pieces []piece, key Key) [][3]int {
	out := make([][3]int, len(pieces))
	for i := 0; i < len(pieces); {
		if pieces[i].pitch < 0 {
			i++
			continue
		}
		end := i + 1 // after the note's last piece
		for end < len(pieces) && pieces[end].tieStop {
			end++
		}
		next := -1
		for j := end; j < len(pieces) && next < 0; j++ {
			next = pieces[j].pitch
		}
		l, a, o := key.spellTowards(pieces[i].pitch, next)
		for ; i < end; i++ {
			out[i] = [3]int{l, a, o}
		}
	}
	return out
}

var noteTypes = map[int]struct {
	name string
	dot  bool
}{
	32: {"breve", false}, 24: {"whole", true}, 16: {"whole", false}, 12: {"half", true}, 8: {"half", false},
	6: {"quarter", true}, 4: {"quarter", false}, 3: {"eighth", true}, 2: {"eighth", false}, 1: {"16th", false},
}

// layout is what MusicXML and ABC both need: the pieces, the bars, the key.
func (m Melody) layout(opt NotationOptions) (qpm float64, pieces []piece, bars []Bar, key Key, err error) {
	if qpm, err = opt.tempo(); err != nil {
		return
	}
	meters, err := opt.meters()
	if err != nil {
		return
	}
	if k := opt.key(); k.Fifths < -7 || k.Fifths > 7 {
		err = fmt.Errorf("a key of %d fifths, want -7..7", k.Fifths)
		return
	}
	pieces, bars, err = m.score(meters)
	return qpm, pieces, bars, opt.key(), err
}

// MusicXML writes the melody as a MusicXML 4.0 score-partwise document of one part (id
// "P1"), in the meters of opt (4/4 by default; a time signature in the first bar and at
// each change) and the key signature of opt.Key (C major by default), 4 divisions to the
// quarter (one to a step), a metronome mark and a sound tempo of opt.QPM, and a treble
// clef, or a bass clef when most notes lie below C4. Notes are split at bar lines and
// into written values that show the beats (see fits), tied, and beamed within each beat
// group (a quarter; the dotted quarter of 6/8); pitches are spelled in the key
// (Key.Spell; see spellingKey for a major key whose relative minor fits), a chromatic
// note that moves a semitone to the next note as a step towards it (C#–D, not Db–D, in Bb
// major; Key.spellTowards). A bar of rest is one measure rest, with no type (drawn as a
// whole rest in any meter). The last bar is filled with rests, and an empty melody gives
// one bar of rest. It returns an error for classes out of range, a tempo that is not a
// positive number, and meters whose bar is not a whole number of 16ths.
func (m Melody) MusicXML(opt NotationOptions) ([]byte, error) {
	qpm, pieces, bars, key, err := m.layout(opt)
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
	keyXML := "<key><fifths>0</fifths></key>"
	if opt.Key != nil {
		mode := "major"
		if key.Minor {
			mode = "minor"
		}
		keyXML = fmt.Sprintf("<key><fifths>%d</fifths><mode>%s</mode></key>", key.Fifths, mode)
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
	spell := m.spellingKey(key)
	sp := spellings(pieces, spell)
	k := 0
	for bar, br := range bars {
		fmt.Fprintf(&b, "    <measure number=\"%d\">\n", bar+1)
		timeXML := fmt.Sprintf("<time><beats>%d</beats><beat-type>%d</beat-type></time>", br.Meter.Num, br.Meter.Den)
		switch {
		case bar == 0:
			fmt.Fprintf(&b, "      <attributes>\n        <divisions>%d</divisions>\n        %s\n"+
				"        %s\n        <clef>%s</clef>\n      </attributes>\n", StepsPerQuarter, keyXML, timeXML, clef)
			fmt.Fprintf(&b, "      <direction placement=\"above\">\n        <direction-type>\n          <metronome><beat-unit>quarter</beat-unit><per-minute>%s</per-minute></metronome>\n"+
				"        </direction-type>\n        <sound tempo=\"%s\"/>\n      </direction>\n", tempo, tempo)
		case br.Meter != bars[bar-1].Meter:
			fmt.Fprintf(&b, "      <attributes>\n        %s\n      </attributes>\n", timeXML)
		}
		from := k
		for k < len(pieces) && pieces[k].bar == bar {
			k++
		}
		bm := beams(br, pieces[from:k])
		for i, p := range pieces[from:k] {
			for _, c := range chordsAt(opt.Chords, br.Start+p.pos, p.dur) {
				c.Chord.harmonyXML(&b, spell, c.Start)
			}
			b.WriteString("      <note>\n")
			measureRest := p.pitch < 0 && p.pos == 0 && p.dur == br.Steps
			switch {
			case measureRest:
				b.WriteString("        <rest measure=\"yes\"/>\n")
			case p.pitch < 0:
				b.WriteString("        <rest/>\n")
			default:
				l, a, o := sp[from+i][0], sp[from+i][1], sp[from+i][2]
				alter := ""
				if a != 0 {
					alter = fmt.Sprintf("<alter>%d</alter>", a)
				}
				fmt.Fprintf(&b, "        <pitch><step>%c</step>%s<octave>%d</octave></pitch>\n", letters[l], alter, o)
			}
			fmt.Fprintf(&b, "        <duration>%d</duration>\n", p.dur)
			if p.tieStop {
				b.WriteString("        <tie type=\"stop\"/>\n")
			}
			if p.tieStart {
				b.WriteString("        <tie type=\"start\"/>\n")
			}
			// A measure rest has no type, so that readers draw it as a whole rest in any
			// meter, as scores do (MuseScore draws one typed as a dotted half in 3/4 or
			// 6/8 as a dotted half rest).
			b.WriteString("        <voice>1</voice>\n")
			if t := noteTypes[p.dur]; !measureRest {
				fmt.Fprintf(&b, "        <type>%s</type>\n", t.name)
				if t.dot {
					b.WriteString("        <dot/>\n")
				}
			}
			for n, kind := range bm[i] {
				if kind != "" {
					fmt.Fprintf(&b, "        <beam number=\"%d\">%s</beam>\n", n+1, kind)
				}
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
		if bar == len(bars)-1 {
			b.WriteString("      <barline location=\"right\"><bar-style>light-heavy</bar-style></barline>\n")
		}
		b.WriteString("    </measure>\n")
	}
	b.WriteString("  </part>\n</score-partwise>\n")
	return b.Bytes(), nil
}

// abcBarsPerLine is how many bars Melody.ABC writes on a line.
const abcBarsPerLine = 4

// ABC writes the melody in ABC notation (2.1): a tune with X:1, the title, M: the first
// meter (4/4 by default), L:1/16 (so that lengths count 16ths), Q:1/4= the tempo rounded
// to a whole number, and K: the key (C by default; G, Em, Bb, F#m), then its bars, four
// to a line, ending with |]; a change of meter is written inline ([M:3/4]) at the start
// of its bar. Pitches are in ABC's octaves (C is C4, c is C5, c' is C6, C, is C3),
// spelled in the key as MusicXML spells them; an accidental is written where a note's
// alteration differs from the key signature's, and on every later note of that letter in
// the bar, naturals marked =, so that the notes read right whichever way a reader carries
// accidentals. Notes are split at bar lines and into written values that show the beats
// (see fits), tied with -; a space ends each beam group (a quarter; the dotted quarter of
// 6/8); rests are z, a bar of rest whose length is no written value (9/8, 5/4) Z; the
// last bar is filled with rests, and an empty melody gives one bar of rest. It returns an
// error for classes out of range, a tempo that is not a positive number, and meters whose
// bar is not a whole number of 16ths.
func (m Melody) ABC(opt NotationOptions) ([]byte, error) {
	qpm, pieces, bars, key, err := m.layout(opt)
	if err != nil {
		return nil, fmt.Errorf("midi: abc: %w", err)
	}
	var b bytes.Buffer
	mode := ""
	if key.Minor {
		mode = "m"
	}
	fmt.Fprintf(&b, "X:1\nT:%s\nM:%s\nL:1/16\nQ:1/4=%d\nK:%s%s\n", opt.title(), bars[0].Meter, max(1, int(math.Round(qpm))), key.abcTonic(), mode)
	spell := m.spellingKey(key)
	sp := spellings(pieces, spell)
	k := 0
	for bar, br := range bars {
		if bar > 0 && br.Meter != bars[bar-1].Meter {
			fmt.Fprintf(&b, "[M:%s] ", br.Meter)
		}
		var marked [7]bool // letters written with an accidental earlier in the bar, in any octave
		for first := true; k < len(pieces) && pieces[k].bar == bar; k++ {
			p := pieces[k]
			if gs, _ := br.Meter.groupAt(p.pos); !first && p.pos == gs {
				b.WriteByte(' ') // a space between beam groups breaks the beams
			}
			first = false
			// A chord is written on the note or rest where it starts, or on the one it
			// starts within (ABC has no offset).
			for _, c := range chordsAt(opt.Chords, br.Start+p.pos, p.dur) {
				fmt.Fprintf(&b, "%q", strings.ReplaceAll(c.Chord.Symbol(spell), `"`, ""))
			}
			_, written := noteTypes[p.dur]
			switch {
			case !written:
				b.WriteByte('Z') // a whole-bar rest of no written value (9/8, 5/4)
			case p.pitch < 0:
				b.WriteByte('z')
			default:
				l, a, o := sp[k][0], sp[k][1], sp[k][2]
				if a != key.alter(l) || marked[l] {
					b.WriteString(map[int]string{-1: "_", 0: "=", 1: "^"}[a])
					marked[l] = true
				}
				b.WriteString(abcPitch(string(letters[l]), o))
			}
			if written && p.dur != 1 {
				b.WriteString(strconv.Itoa(p.dur))
			}
			if p.tieStart {
				b.WriteByte('-')
			}
		}
		switch {
		case bar == len(bars)-1:
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
