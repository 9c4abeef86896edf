package midi_test

import (
	"bytes"
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
