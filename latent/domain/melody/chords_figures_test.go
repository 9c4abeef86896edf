package melody

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"musae/datasets"
	"musae/latent"
	"musae/latent/domain"
	"musae/midi"
)

var pop909 = filepath.Join("..", "..", "..", "..", "shared", "data", "melodies", "pop909")

// figureProgressions are the progressions TestChordToneFigures samples under: 8 bars
// each, common pop and jazz turns in several keys.
var figureProgressions = []string{
	"C Am F G C Am F G",
	"C G Am F C G Am F",
	"Am F C G Am F C G",
	"D Bm G A D Bm G A",
	"F Dm Bb C F Dm Bb C",
	"Dm G C C Dm G C C",
	"E C#m A B E C#m A B",
	"G Em C D G Em C D",
}

// chordModel opens mel2-chords, or the checkpoint MUSAE_CHORDS_MODEL names.
func chordModel(t *testing.T) *domain.Model {
	t.Helper()
	ref := "mel2-chords"
	if p := os.Getenv("MUSAE_CHORDS_MODEL"); p != "" {
		ref = p
	}
	m, err := domain.Open(ref, New())
	if err != nil {
		t.Skip("no chord model:", err)
	}
	return m
}

// TestChordToneFigures measures how melodies sit on their chords: the share of onsets on
// beats 1 and 3 (and of all onsets) that are tones of the chord under them, for 8-bar
// samples of mel2-chords under figureProgressions, for mel2-tiny's samples (which know no
// chords) under the same progressions, for POP909's validation windows under their
// annotated chords, and for interpolations between POP909 validation windows decoded
// under a fixed progression by mel2-chords (encoded under their own chords) and by
// mel2-tiny. It holds the conditioned model's samples to sitting on their chords clearly
// more than the unconditioned one's. The figures:
// go test ./latent/domain/melody -run TestChordToneFigures -v
func TestChordToneFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("samples thousands of melodies")
	}
	chords := chordModel(t)
	tiny, err := domain.Open("mel2-tiny", New())
	if err != nil {
		t.Fatal(err)
	}
	const perProgression = 50
	var cond, plain midi.ChordTones
	rng := rand.New(rand.NewPCG(1, 2))
	for _, p := range figureProgressions {
		spans, err := midi.ParseProgression(p, midi.Meter{})
		if err != nil {
			t.Fatal(err)
		}
		per := midi.ChordsPerStep(spans, 0, 8*midi.StepsPerBar)
		xs, err := chords.SampleUnder(perProgression, domain.Conditions{ChordsCondition: p}, 0.5, rng)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			cond.Add(x.Value.(midi.Melody), per)
		}
		// mel2-tiny: four 2-bar samples a melody, against the same chords.
		ys, err := tiny.Sample(4*perProgression, 0.5, rng)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(ys); i += 4 {
			var m midi.Melody
			for _, y := range ys[i : i+4] {
				m = append(m, y.Value.(midi.Melody)...)
			}
			plain.Add(m, per)
		}
	}
	t.Logf("samples, %d progressions × %d melodies of 8 bars at temperature 0.5: chord tones on beats 1 and 3: mel2-chords %.1f%% (%d onsets), mel2-tiny %.1f%% (%d); of all onsets: %.1f%%, %.1f%%",
		len(figureProgressions), perProgression, 100*cond.StrongShare(), cond.Strong, 100*plain.StrongShare(), plain.Strong, 100*cond.Share(), 100*plain.Share())

	if _, err := os.Stat(filepath.Join(pop909, "annotations", "001", "chord_midi.txt")); err != nil {
		t.Logf("POP909 with its annotations is not here (%v): no figures of its melodies", err)
	} else {
		corpus, err := datasets.LoadChordMelodies(context.Background(), pop909, datasets.MelodyOptions{Track: "MELODY", AlignGrid: true})
		if err != nil {
			t.Fatal(err)
		}
		// POP909's melodies under their own chords, as annotated (sevenths and all).
		var own midi.ChordTones
		for _, f := range corpus.Files {
			if !f.Validation {
				continue
			}
			mf, err := midi.ReadFile(filepath.Join(pop909, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			lab, err := midi.ReadChordLabFile(datasets.ChordAnnotation(pop909, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			spans := mf.StepChords(lab, mf.AlignToGrid())
			ws, err := mf.PlacedWindows(midi.ExtractOptions{Track: "MELODY"}, midi.WindowBars, midi.WindowBars)
			if err != nil {
				continue
			}
			for _, w := range ws {
				own.Add(w.Melody, midi.ChordsPerStep(spans, w.Start, len(w.Melody)))
			}
		}
		t.Logf("POP909 validation melodies under their annotated chords (2-bar windows, hop 2 bars): chord tones on beats 1 and 3 %.1f%% (%d onsets), of all onsets %.1f%%", 100*own.StrongShare(), own.Strong, 100*own.Share())

		// Interpolations between pairs of validation windows under a fixed progression.
		const fixed, pairs, steps = "C Am", 100, 7
		spans, _ := midi.ParseProgression(fixed, midi.Meter{})
		per := midi.ChordsPerStep(spans, 0, midi.WindowSteps)
		var ic, ip midi.ChordTones
		for k := 0; k < pairs; k++ {
			a, b := rng.IntN(len(corpus.Validation)), rng.IntN(len(corpus.Validation))
			xs := []domain.Example{
				{Value: corpus.Validation[a], Conditions: domain.Conditions{ChordsCondition: classesText(corpus.ValidationChords[a])}},
				{Value: corpus.Validation[b], Conditions: domain.Conditions{ChordsCondition: classesText(corpus.ValidationChords[b])}},
			}
			for _, mc := range []struct {
				m     *domain.Model
				tally *midi.ChordTones
				cond  domain.Conditions
			}{{chords, &ic, domain.Conditions{ChordsCondition: fixed}}, {tiny, &ip, nil}} {
				mu, _, err := mc.m.EncodeUnder(context.Background(), xs, nil)
				if err != nil {
					t.Fatal(err)
				}
				zs, err := latent.Interpolate(mu[0], mu[1], steps, "slerp")
				if err != nil {
					t.Fatal(err)
				}
				// The inner points: the ends are the inputs' reconstructions.
				out, err := mc.m.DecodeUnder(zs[1:steps-1], mc.cond, 0, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range out {
					mc.tally.Add(x.Value.(midi.Melody), per)
				}
			}
		}
		t.Logf("interpolations, %d pairs of POP909 validation windows, the %d inner points of %d, greedy, against %q: chord tones on beats 1 and 3: mel2-chords (decoding under it) %.1f%% (%d onsets), mel2-tiny %.1f%% (%d); of all onsets %.1f%%, %.1f%%",
			pairs, steps-2, steps, fixed, 100*ic.StrongShare(), ic.Strong, 100*ip.StrongShare(), ip.Strong, 100*ic.Share(), 100*ip.Share())
		if ic.StrongShare() < ip.StrongShare()+0.1 {
			t.Errorf("interpolations under %q: mel2-chords %.1f%% chord tones on strong beats, mel2-tiny %.1f%%: want 10 points more", fixed, 100*ic.StrongShare(), 100*ip.StrongShare())
		}
	}
	if cond.StrongShare() < plain.StrongShare()+0.1 {
		t.Errorf("mel2-chords's samples: %.1f%% chord tones on strong beats, mel2-tiny's %.1f%%: want 10 points more", 100*cond.StrongShare(), 100*plain.StrongShare())
	}
}

// classesText writes triad classes per step as progression text.
func classesText(classes []int8) string {
	var spans []midi.ChordSpan
	for t, c := range classes {
		ch, _ := midi.TriadChord(int(c))
		if n := len(spans); n > 0 && spans[n-1].Chord == ch && spans[n-1].End == t {
			spans[n-1].End++
			continue
		}
		spans = append(spans, midi.ChordSpan{Start: t, End: t + 1, Chord: ch})
	}
	return midi.FormatProgression(spans, midi.Meter{})
}
