package image

import (
	"fmt"
	"image"
	"image/color"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// RollNote is one note of a piano roll: MIDI pitch (60 = C4) sounding from step Start
// up to, not including, step End.
type RollNote struct {
	Pitch, Start, End int
}

// Piano-roll geometry in pixels.
const (
	rollStepW   = 16 // per step
	rollRowH    = 10 // per pitch
	rollMarginL = 30 // pitch names
	rollMarginT = 16 // bar numbers
)

var (
	rollWhiteKey = color.RGBA{252, 252, 252, 255}
	rollBlackKey = color.RGBA{236, 236, 240, 255}
	rollCRow     = color.RGBA{221, 230, 246, 255}
	rollStepLine = color.RGBA{222, 222, 226, 255}
	rollBarLine  = color.RGBA{90, 90, 100, 255}
	rollOctave   = color.RGBA{170, 178, 200, 255}
	rollNoteFill = color.RGBA{45, 110, 200, 255}
	rollNoteEdge = color.RGBA{20, 55, 120, 255}
	rollText     = color.RGBA{60, 60, 70, 255}
)

// PianoRoll draws notes on a grid of steps (time, left to right) and pitches (low at
// the bottom), showing the pitches used ±2 (C4 to C5 when there are no notes). Rows of
// black keys are shaded, C rows tinted and named in scientific pitch (C4 = 60), bars
// (every stepsPerBar steps) numbered from 1 and ruled. steps ≤ 0 means up to the last
// note's end, rounded up to a whole bar. Notes are clipped to [0, steps); empty notes
// (End ≤ Start) are not drawn. Consecutive notes at one pitch stay distinct.
func PianoRoll(notes []RollNote, steps, stepsPerBar int) *image.RGBA {
	return PianoRollFrom(notes, steps, stepsPerBar, 1)
}

// PianoRollFrom is PianoRoll for a part of a piece that starts at bar firstBar (from 1):
// step 0 is that bar's first step, and the bars are numbered from firstBar.
func PianoRollFrom(notes []RollNote, steps, stepsPerBar, firstBar int) *image.RGBA {
	if stepsPerBar <= 0 {
		panic(fmt.Sprintf("image: PianoRoll: %d steps per bar", stepsPerBar))
	}
	lo, hi := RollRange(notes)
	return PianoRollRange(notes, steps, stepsPerBar, firstBar, lo, hi)
}

// RollRange returns the pitches a piano roll of notes shows: those used ±2, or C4 to C5
// when no note sounds. Pictures to be compared side by side (the steps of an
// interpolation) share one range: the lowest lo and highest hi of theirs.
func RollRange(notes []RollNote) (lo, hi int) {
	lo, hi = 128, -1
	for _, n := range notes {
		if n.End > n.Start {
			lo, hi = min(lo, n.Pitch), max(hi, n.Pitch)
		}
	}
	if hi < 0 {
		return 60, 72
	}
	return max(0, lo-2), min(127, hi+2)
}

// PianoRollRange is PianoRollFrom showing the pitches lo to hi (clamped to 0–127);
// notes outside them are not drawn.
func PianoRollRange(notes []RollNote, steps, stepsPerBar, firstBar, lo, hi int) *image.RGBA {
	if stepsPerBar <= 0 {
		panic(fmt.Sprintf("image: PianoRoll: %d steps per bar", stepsPerBar))
	}
	lo, hi = max(0, lo), min(127, hi)
	if hi < lo {
		panic(fmt.Sprintf("image: PianoRoll: pitch range %d..%d", lo, hi))
	}
	last := 0
	for _, n := range notes {
		if n.End > n.Start {
			last = max(last, n.End)
		}
	}
	if steps <= 0 {
		steps = max(1, (last+stepsPerBar-1)/stepsPerBar) * stepsPerBar
	}

	rows := hi - lo + 1
	w := rollMarginL + steps*rollStepW + 1
	h := rollMarginT + rows*rollRowH + 1
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(img, img.Bounds(), color.White)
	rowY := func(p int) int { return rollMarginT + (hi-p)*rollRowH } // top of pitch p's row
	stepX := func(s int) int { return rollMarginL + s*rollStepW }

	text := &font.Drawer{Dst: img, Src: image.NewUniform(rollText), Face: basicfont.Face7x13}
	for p := lo; p <= hi; p++ {
		bg := rollWhiteKey
		switch {
		case p%12 == 0:
			bg = rollCRow
		case isBlackKey(p):
			bg = rollBlackKey
		}
		y := rowY(p)
		fill(img, image.Rect(stepX(0), y, stepX(steps), y+rollRowH), bg)
		if p%12 == 0 {
			// Octave line under C, and C's name, baseline centred on the row.
			fill(img, image.Rect(stepX(0), y+rollRowH, stepX(steps), y+rollRowH+1), rollOctave)
			name := "C" + strconv.Itoa(p/12-1)
			tw := font.MeasureString(text.Face, name).Ceil()
			text.Dot = fixed.P(rollMarginL-4-tw, y+rollRowH/2+5)
			text.DrawString(name)
		}
	}
	for s := 0; s <= steps; s++ {
		c := rollStepLine
		if s%stepsPerBar == 0 || s == steps {
			c = rollBarLine
		}
		fill(img, image.Rect(stepX(s), rollMarginT, stepX(s)+1, h), c)
		if s%stepsPerBar == 0 && s < steps {
			text.Dot = fixed.P(stepX(s)+3, rollMarginT-4)
			text.DrawString(strconv.Itoa(s/stepsPerBar + firstBar))
		}
	}
	// Frame: top and bottom edges of the grid.
	fill(img, image.Rect(stepX(0), rollMarginT, stepX(steps)+1, rollMarginT+1), rollBarLine)
	fill(img, image.Rect(stepX(0), h-1, stepX(steps)+1, h), rollBarLine)

	for _, n := range notes {
		start, end := max(n.Start, 0), min(n.End, steps)
		if end <= start || n.Pitch < lo || n.Pitch > hi {
			continue
		}
		// Inset by a pixel at the right and top/bottom so repeated notes show apart.
		r := image.Rect(stepX(start)+1, rowY(n.Pitch)+1, stepX(end)-1, rowY(n.Pitch)+rollRowH)
		fill(img, r, rollNoteEdge)
		fill(img, r.Inset(1), rollNoteFill)
	}
	return img
}

func isBlackKey(p int) bool {
	switch p % 12 {
	case 1, 3, 6, 8, 10:
		return true
	}
	return false
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	r = r.Intersect(img.Rect)
	cr := color.RGBAModel.Convert(c).(color.RGBA)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = cr.R, cr.G, cr.B, cr.A
		}
	}
}
