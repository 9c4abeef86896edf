package midi_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"musae/midi"
)

// Write a melody as a MIDI file, read it back, and look at it the ways musae shows it.
func Example() {
	c := midi.NoteOnClass
	// "Frère Jacques": C4 D4 E4 C4 in quarter notes, then E4 F4 G4 (half note).
	m := midi.Melody{
		c(60), 0, 0, 0, c(62), 0, 0, 0, c(64), 0, 0, 0, c(60), 0, 0, midi.NoteOff,
		c(64), 0, 0, 0, c(65), 0, 0, 0, c(67), 0, 0, 0, 0, 0, 0, midi.NoteOff,
	}
	var buf bytes.Buffer
	if err := midi.WriteMelodies(&buf, 100, m); err != nil {
		log.Fatal(err)
	}

	f, err := midi.Read(&buf)
	if err != nil {
		log.Fatal(err)
	}
	back, err := f.Melody(midi.ExtractOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("format %d, %v qpm, %d steps\n", f.Format, f.QPM, len(back))
	fmt.Print(back)
	for _, n := range back.Notes()[:3] {
		fmt.Printf("%s from step %d to %d\n", midi.PitchName(n.Pitch), n.Start, n.End)
	}
	fmt.Println("windows:", len(midi.Windows(back, midi.WindowBars, 1)))
	// Output:
	// format 0, 100 qpm, 32 steps
	//    1 | C4  -   -   -    D4  -   -   -    E4  -   -   -    C4  -   -   .   |
	//    2 | E4  -   -   -    F4  -   -   -    G4  -   -   -    -   -   -   .   |
	// C4 from step 0 to 4
	// D4 from step 4 to 8
	// E4 from step 8 to 12
	// windows: 1
}

// Write a melody in ABC notation: a note crossing the bar line, or the middle of the bar,
// is tied, and sharps are written out.
func ExampleMelody_ABC() {
	c := midi.NoteOnClass
	m := midi.Melody{
		c(67), 0, 0, 0, c(69), 0, c(71), 0, c(72), 0, 0, 0, 0, 0, c(66), 0,
		0, 0, 0, 0, c(67), 0, 0, 0, 0, 0, 0, 0, midi.NoteOff,
	}
	abc, err := m.ABC(midi.NotationOptions{Title: "Tied", QPM: 96})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(abc))
	// Output:
	// X:1
	// T:Tied
	// M:4/4
	// L:1/16
	// Q:1/4=96
	// K:C
	// G4 A2B2 c6^F2- | ^F4 G4- G4 z4 |]
}

// Render a melody as audio and write it as a WAV file: a bar at 120 qpm lasts 2 s.
func ExampleRenderMelody() {
	m := midi.Melody{midi.NoteOnClass(69), 0, 0, 0, midi.NoteOnClass(72), 0, 0, 0, midi.NoteOnClass(76), 0, 0, 0, 0, 0, 0, 0}
	samples := midi.RenderMelody(120, midi.RenderOptions{}, m)
	var wav bytes.Buffer
	if err := midi.WriteWAV(&wav, samples, midi.SampleRate); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d samples, %.1f s, %d bytes of WAV\n", len(samples), float64(len(samples))/midi.SampleRate, wav.Len())
	// Output:
	// 88200 samples, 2.0 s, 176444 bytes of WAV
}

// Schedule melodies for the synthesiser within the render limits, and stream the audio to
// a WAV file; a cancelled context would stop it and leave no file.
func ExampleMelodyAudio() {
	m := midi.Melody{midi.NoteOnClass(60), 0, midi.NoteOnClass(64), 0, midi.NoteOnClass(67), 0, 0, 0}
	a, err := midi.MelodyAudio(90, midi.RenderOptions{}, m, m)
	if err != nil {
		log.Fatal(err) // errors.Is(err, midi.ErrRenderLimit) past 30 minutes
	}
	var wav bytes.Buffer
	if err := a.WriteWAV(context.Background(), &wav); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d samples, %.2f s, %d bytes of WAV\n", a.Len(), float64(a.Len())/float64(a.SampleRate()), wav.Len())

	// A melody of 20,000 bars at 40 qpm would play for 33 hours.
	long := make(midi.Melody, 20000*midi.StepsPerBar)
	_, err = midi.MelodyAudio(40, midi.RenderOptions{}, long)
	fmt.Println(err)
	// Output:
	// 117600 samples, 2.67 s, 235244 bytes of WAV
	// midi: past the render limits: the audio would last 33h20m0s, longer than the limit of 30m0s
}

// Example_chords reads chord symbols as POP909 and lead sheets write them, and the
// triad classes a chord-conditioned model reads.
func Example_chords() {
	for _, s := range []string{"F#:maj/3", "A:min7", "Bb:sus4(b7)", "Bm7b5", "N.C."} {
		c, err := midi.ParseChord(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		class, ok := c.Triad()
		fmt.Println(c.Harte(), c.Plain(), c.PitchClasses(), class, ok)
	}
	spans, _ := midi.ParseProgression("C*2 G*2 Am F", midi.Meter{Num: 4, Den: 4})
	fmt.Println(spans)
	// Output:
	// F#:maj/3 F#/Bb [6 10 1] 7 true
	// A:min7 Am7 [9 0 4 7] 22 true
	// Bb:sus4(b7) Bb7sus4 [10 3 5 8] 0 false
	// B:hdim7 Bm7b5 [11 2 5 9] 48 true
	// N N.C. [] 0 true
	// [{0 8 C:maj} {8 16 G:maj} {16 32 A:min} {32 48 F:maj}]
}

// ExampleEstimateKeyWithChords: a melody of G, B, D, A and E, with no F, sounds in G
// major by its notes alone; over C Am F G it is in C major.
func ExampleEstimateKeyWithChords() {
	m := make(midi.Melody, 4*midi.StepsPerBar)
	for i, p := range []int{67, 71, 74, 71, 69, 64, 72, 69, 69, 72, 67, 69, 67, 71, 74, 67} {
		m[i*midi.StepsPerQuarter] = midi.NoteOnClass(p)
	}
	chords, _ := midi.ParseProgression("C Am F G", midi.Meter{})
	fmt.Println(midi.EstimateKey(m))
	fmt.Println(midi.EstimateKeyWithChords(m, chords))
	// Output:
	// G major
	// C major
}
