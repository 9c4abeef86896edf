package phrase

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"musae/latent/domain"
	"musae/midi"
	"musae/models/rnn"
)

var pop909 = filepath.Join("..", "..", "..", "..", "shared", "data", "melodies", "pop909")

// phraseModel opens hier16-c64, or the checkpoint MUSAE_PHRASE_MODEL names (to measure a
// model in training, or the flat baseline).
func phraseModel(t *testing.T) *domain.Model {
	t.Helper()
	ref := "hier16-c64"
	if p := os.Getenv("MUSAE_PHRASE_MODEL"); p != "" {
		ref = p
	}
	m, err := domain.Open(ref, Domain{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// seams measures how bars 5–12 of 16-bar phrases join bars 1–4 and 13–16 and whether they
// keep the key those bars are in.
type seams struct {
	jumps, joins    float64 // Σ |semitones| across the two seams, and how many seams had notes on both sides
	inKey, newNotes int     // onsets of bars 5–12 in the key signature of bars 1–4 and 13–16, and all of them
	silent, phrases int     // phrases whose bars 5–12 hold no onset, and all phrases
}

// add scores phrase p, with the key taken from its kept bars (those outside 5–12).
func (s *seams) add(p midi.Melody) {
	const S = midi.StepsPerBar
	from, to := 4*S, 12*S
	kept := append(midi.Melody(nil), p...)
	for t := from; t < to; t++ {
		kept[t] = midi.NoEvent
	}
	kept[from] = midi.NoteOff
	key := midi.EstimateKey(kept.Canonical())
	tonic := ((7*key.Fifths)%12 + 12) % 12 // the major tonic of the signature
	var before, first, last, after = -1, -1, -1, -1
	for _, n := range p.Notes() {
		switch {
		case n.Start < from:
			before = n.Pitch
		case n.Start < to:
			if first < 0 {
				first = n.Pitch
			}
			last = n.Pitch
			s.newNotes++
			if (0xAB5>>((n.Pitch-tonic+120)%12))&1 == 1 { // bits 0, 2, 4, 5, 7, 9, 11: the major scale
				s.inKey++
			}
		case after < 0:
			after = n.Pitch
		}
	}
	s.phrases++
	if first < 0 {
		s.silent++
		return
	}
	for _, j := range [][2]int{{before, first}, {last, after}} {
		if j[0] >= 0 && j[1] >= 0 {
			s.jumps += math.Abs(float64(j[1] - j[0]))
			s.joins++
		}
	}
}

func (s seams) jump() float64       { return s.jumps / s.joins }
func (s seams) inKeyShare() float64 { return float64(s.inKey) / float64(s.newNotes) }

// TestInfillFigures infills bars 5–12 of POP909 validation phrases with the built-in
// hier16-c64 (or MUSAE_PHRASE_MODEL), keeping bars 1–4 and 13–16, and measures the seams (the interval from the last
// kept note to the first new one, and from the last new one to the next kept one) and the
// share of new notes in the kept bars' key signature, beside the phrase's own bars 5–12 and
// beside bars 5–12 of another phrase spliced in. The figures are in README.md's 16-bar section:
//
//	go test ./latent/domain/phrase -run TestInfillFigures -v
func TestInfillFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("infills 40 phrases")
	}
	if _, err := os.Stat(pop909); err != nil {
		t.Skipf("POP909 is not here: %v", err)
	}
	c, err := corpus(context.Background(), pop909, "MELODY", false, false)
	if err != nil {
		t.Fatal(err)
	}
	m := phraseModel(t)
	if _, ok := m.VAE.Dec.(*rnn.HierDecoder); !ok {
		t.Skipf("%s is flat: it does not infill", m.Meta.Model)
	}
	keep := make([]bool, Bars)
	for _, b := range []int{0, 1, 2, 3, 12, 13, 14, 15} {
		keep[b] = true
	}
	const n = 40
	v := c.Validation
	rng := rand.New(rand.NewPCG(1, 2))
	var own, infilled, spliced seams
	for i := range n {
		w := v[i*len(v)/n]
		out, err := Domain{}.Infill(context.Background(), m, domain.Example{Value: w}, keep, domain.InfillOptions{Temperature: 0.7, Rng: rng})
		if err != nil {
			t.Fatal(err)
		}
		own.add(w)
		infilled.add(out.Value.(midi.Melody))
		other := v[(i*len(v)/n+len(v)/2)%len(v)]
		s := append(midi.Melody(nil), w...)
		copy(s[4*midi.StepsPerBar:12*midi.StepsPerBar], other[4*midi.StepsPerBar:12*midi.StepsPerBar])
		spliced.add(s.Canonical())
	}
	for _, r := range []struct {
		name string
		s    seams
	}{{"infilled (" + m.Meta.Model + ", T 0.7)", infilled}, {"the phrase's own bars", own}, {"another phrase's bars spliced in", spliced}} {
		t.Logf("%s: seams %.2f semitones on average (%.0f seams), %.1f%% of %d new notes in the key, %d of %d silent",
			r.name, r.s.jump(), r.s.joins, 100*r.s.inKeyShare(), r.s.newNotes, r.s.silent, r.s.phrases)
	}
	if infilled.silent > n/4 {
		t.Errorf("%d of %d infilled phrases have silent bars 5–12", infilled.silent, n)
	}
	if !(infilled.jump() < spliced.jump()) || !(infilled.inKeyShare() > spliced.inKeyShare()) {
		t.Errorf("infill joins no better than a splice: seams %.2f against %.2f semitones, %.1f%% against %.1f%% in the key",
			infilled.jump(), spliced.jump(), 100*infilled.inKeyShare(), 100*spliced.inKeyShare())
	}
}

// structure measures 16-bar phrases for the long-term structure a hierarchical decoder is
// for: bars that repeat an earlier bar note for note, and notes in the phrase's own key.
type structure struct {
	repeats, bars   int // bars with notes equal to an earlier bar with notes, and bars with notes
	inKey, notes    int // onsets in the key signature estimated from the phrase, and all onsets
	phrases, silent int // phrases, and bars without an onset
}

func (s *structure) add(p midi.Melody) {
	const S = midi.StepsPerBar
	key := midi.EstimateKey(p)
	tonic := ((7*key.Fifths)%12 + 12) % 12
	seen := map[string]bool{}
	for b := range Bars {
		bar := p[b*S : (b+1)*S]
		onsets := 0
		for _, c := range bar {
			if pitch, on := midi.ClassPitch(c); on {
				onsets++
				if (0xAB5>>((pitch-tonic+120)%12))&1 == 1 {
					s.inKey++
				}
			}
		}
		s.notes += onsets
		if onsets == 0 {
			s.silent++
			continue
		}
		s.bars++
		if seen[bar.String()] {
			s.repeats++
		}
		seen[bar.String()] = true
	}
	s.phrases++
}

// TestPhraseStructureFigures samples 200 phrases from the built-in hier16-c64 (or
// MUSAE_PHRASE_MODEL) at
// temperatures 1 and 0.5 and measures their structure beside 200 POP909 validation phrases (README.md's
// 16-bar section):
//
//	go test ./latent/domain/phrase -run TestPhraseStructureFigures -v
func TestPhraseStructureFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("samples 200 phrases")
	}
	if _, err := os.Stat(pop909); err != nil {
		t.Skipf("POP909 is not here: %v", err)
	}
	c, err := corpus(context.Background(), pop909, "MELODY", false, false)
	if err != nil {
		t.Fatal(err)
	}
	m := phraseModel(t)
	const n = 200
	var data, samples, cool structure
	for i := range n {
		data.add(c.Validation[i*len(c.Validation)/n])
	}
	for _, r := range []struct {
		s *structure
		t float64
	}{{&samples, 1}, {&cool, 0.5}} {
		xs, err := m.Sample(n, r.t, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			r.s.add(x.Value.(midi.Melody))
		}
	}
	for _, r := range []struct {
		name string
		s    structure
	}{{m.Meta.Model + " samples at T 1", samples}, {m.Meta.Model + " samples at T 0.5", cool}, {"POP909 validation phrases", data}} {
		t.Logf("%s: %.1f%% of bars with notes repeat an earlier bar note for note; %.1f%% of %d notes in the phrase's key; %.1f notes and %.1f silent bars a phrase",
			r.name, 100*float64(r.s.repeats)/float64(r.s.bars), 100*float64(r.s.inKey)/float64(r.s.notes), r.s.notes,
			float64(r.s.notes)/float64(r.s.phrases), float64(r.s.silent)/float64(r.s.phrases))
	}
	// A melody of pitches drawn at random fits its best key at about two in three notes (0.65).
	if share := float64(samples.inKey) / float64(samples.notes); samples.notes < n*Bars || share < 0.85 {
		t.Errorf("samples at T 1: %d notes, %.1f%% in their key; want a note a bar or more, and 85%% or more in the key", samples.notes, 100*share)
	}
}
