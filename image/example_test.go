package image_test

import (
	"fmt"

	"musae/image"
)

func ExampleToGray() {
	// A 2×3 picture: intensity 0 is black background, 1 is white ink.
	g := image.ToGray([]float32{0, 0.5, 1, 1, 0.5, 0}, 2, 3)
	fmt.Println(g.Bounds(), g.Pix)
	pix, rows, cols := image.FromGray(g)
	fmt.Println(rows, cols, pix[2])
	// Output:
	// (0,0)-(3,2) [0 128 255 255 128 0]
	// 2 3 1
}

func ExampleGrid() {
	digits := make([][]float32, 10) // nil pictures leave black cells
	g := image.Grid(digits, 2, 5, 28, 28, 2)
	fmt.Println(g.Bounds().Dx(), "×", g.Bounds().Dy())
	s := image.Strip(digits[:8], 28, 28, 1)
	fmt.Println(s.Bounds().Dx(), "×", s.Bounds().Dy())
	// Output:
	// 152 × 62
	// 233 × 30
}

func ExampleManifoldZ() {
	for _, z := range image.ManifoldZ(3) {
		fmt.Printf("(%+.3f, %+.3f) ", z[0], z[1])
	}
	fmt.Println()
	// Output:
	// (-1.645, +1.645) (+0.000, +1.645) (+1.645, +1.645) (-1.645, +0.000) (+0.000, +0.000) (+1.645, +0.000) (-1.645, -1.645) (+0.000, -1.645) (+1.645, -1.645)
}

func ExamplePianoRoll() {
	// C4 E4 G4 C5 as quarter notes in one bar of 16 steps: rows for pitches 58–74.
	var notes []image.RollNote
	for i, p := range []int{60, 64, 67, 72} {
		notes = append(notes, image.RollNote{Pitch: p, Start: 4 * i, End: 4*i + 4})
	}
	roll := image.PianoRoll(notes, 16, 16)
	fmt.Println(roll.Bounds())
	// Output:
	// (0,0)-(287,187)
}
