package midi

import (
	"math"
	"math/bits"
	"slices"
)

// EstimateChordsOptions says which notes File.EstimateChords reads and how often it
// names a chord.
type EstimateChordsOptions struct {
	// Tracks are the indices of the tracks whose notes count; none: every track's.
	// Drum-channel notes never count.
	Tracks []int
	// SegmentSteps is the length in steps of the stretches named one chord each,
	// counted from each bar line: 8 is half a bar of 4/4. 0 takes the beat of the meter
	// in force (4 steps in 4/4 and 3/4, 6 in 6/8), which agrees with POP909's
	// annotations more often than half bars do (TestEstimateChordsPOP909).
	SegmentSteps int
}

// chordTemplates are the kinds EstimateChords chooses among: the triads, suspensions and
// sevenths that make up 97% of POP909's annotated chords.
var chordTemplates = []Kind{Maj, Min, Dim, Aug, Sus2, Sus4, Maj7, Min7, Dom7, Dim7, HalfDim7}

// EstimateChords names the chords of a file's notes, a chord per segment (a beat by
// default) laid from each bar line, by template matching:
//
//   - Each pitch class is weighted by how long its notes sound within the segment, in
//     steps, summed over octaves and notes (onsets and ends quantised to the 16th grid
//     as for melodies, a note lasting at least a step).
//   - Each kind of chordTemplates on each of the 12 roots scores the cosine between
//     that weight vector and the chord's pitch-class set (0/1 over 12), so that a
//     seventh chord whose seventh is silent scores below its triad; a chord of four
//     notes loses 0.02, so that a triad wins over a seventh chord that barely beats it.
//   - The bass is the pitch class of the lowest note sounding for at least a quarter of
//     the segment (else the lowest note). A chord whose root is the bass gets 0.05 more,
//     which settles the chords that share their notes (C6 and Am7, Csus2 and Gsus4, the
//     augmented triads); a chord whose bass is another of its tones is its inversion
//     (C/E).
//
// A segment in which no note sounds is NoChord. Neighbouring segments with the same
// chord are merged into one span.
func (f *File) EstimateChords(opt EstimateChordsOptions) []ChordSpan {
	c := f.clock()
	type sn struct{ pitch, start, end int }
	var notes []sn
	steps := 0
	for _, n := range f.Notes() {
		if n.Channel == DrumChannel || (len(opt.Tracks) > 0 && !slices.Contains(opt.Tracks, n.Track)) {
			continue
		}
		s := int(min(c.step(n.Start), MaxSteps))
		e := max(int(min(c.step(n.End), MaxSteps)), s+1)
		notes = append(notes, sn{n.Pitch, s, e})
		steps = max(steps, e)
	}
	if steps == 0 {
		return nil
	}
	meters := f.Meters()
	for i := range meters {
		if meters[i].StepsPerBar() > 0 && meters[i].StepsPerBar() < StepsPerBar && StepsPerBar%meters[i].StepsPerBar() == 0 {
			meters[i].Num, meters[i].Den = 4, 4 // POP909's 1/4 and 2/4 stand for 4/4
		}
	}
	// Notes sorted by onset let each segment look only at notes that may overlap it.
	slices.SortFunc(notes, func(a, b sn) int { return a.start - b.start })
	longest := 0
	for _, n := range notes {
		longest = max(longest, n.end-n.start)
	}
	var out []ChordSpan
	for _, b := range Bars(meters, steps) {
		seg := opt.SegmentSteps
		if seg <= 0 {
			seg = b.Meter.BeatSteps()
		}
		for s := b.Start; s < b.Start+b.Steps; s += seg {
			e := min(s+seg, b.Start+b.Steps)
			var w [12]float64
			low, lowAny := 128, 128
			lo, _ := slices.BinarySearchFunc(notes, s-longest, func(n sn, t int) int { return n.start - t })
			for _, n := range notes[lo:] {
				if n.start >= e {
					break
				}
				d := min(n.end, e) - max(n.start, s)
				if d <= 0 {
					continue
				}
				w[n.pitch%12] += float64(d)
				lowAny = min(lowAny, n.pitch)
				if 4*d >= e-s {
					low = min(low, n.pitch)
				}
			}
			if lowAny == 128 {
				out = appendSpan(out, ChordSpan{s, e, Chord{}})
				continue
			}
			if low == 128 {
				low = lowAny
			}
			out = appendSpan(out, ChordSpan{s, e, bestChord(w, low%12)})
		}
	}
	return out
}

// bestChord is the template chord that best matches the pitch-class weights w over
// bass, as EstimateChords says.
func bestChord(w [12]float64, bass int) Chord {
	var norm float64
	for _, x := range w {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	best, bestScore := Chord{}, math.Inf(-1)
	for _, k := range chordTemplates {
		tpl := kindInfo[k].intervals
		size := math.Sqrt(float64(bits.OnesCount16(tpl)))
		for root := 0; root < 12; root++ {
			var dot float64
			for i := 0; i < 12; i++ {
				if tpl&(1<<i) != 0 {
					dot += w[(root+i)%12]
				}
			}
			score := dot / (norm * size)
			if bits.OnesCount16(tpl) > 3 {
				score -= 0.02
			}
			if root == bass {
				score += 0.05
			}
			if score > bestScore {
				bestScore = score
				best = Chord{Root: root, Kind: k}
			}
		}
	}
	if iv := ((bass-best.Root)%12 + 12) % 12; kindInfo[best.Kind].intervals&(1<<iv) != 0 {
		best.Bass = iv
	}
	return best
}

// appendSpan appends sp, extending the last span instead where it has the same chord and
// ends where sp starts.
func appendSpan(spans []ChordSpan, sp ChordSpan) []ChordSpan {
	if n := len(spans); n > 0 && spans[n-1].Chord == sp.Chord && spans[n-1].End == sp.Start {
		spans[n-1].End = sp.End
		return spans
	}
	return append(spans, sp)
}
