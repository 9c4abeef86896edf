package midi_test

import (
	"bytes"
	"fmt"
	"log"

	"musae/midi"
)

// Write a rock beat on channel 10, read it back as a drum pattern, and see its classes.
func ExampleFile_Drums() {
	const (
		k = 1 << midi.Kick
		s = 1 << midi.Snare
		h = 1 << midi.ClosedHat
	)
	beat := midi.Drums{k | h, 0, h, 0, s | h, 0, h, 0, k | h, 0, h, k, s | h, 0, h, 0}
	var buf bytes.Buffer
	if err := midi.WriteDrums(&buf, 100, beat); err != nil {
		log.Fatal(err)
	}
	f, err := midi.Read(&buf)
	if err != nil {
		log.Fatal(err)
	}
	back, err := f.Drums(midi.DrumOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(back)
	fmt.Println([]int(back[:5]), "of", midi.NumDrumClasses, "classes")
	// Output:
	// closed hi-hat |x.x.x.x.x.x.x.x.|
	// snare         |....x.......x...|
	// kick          |x.......x..x....|
	// [5 0 4 0 6] of 512 classes
}
