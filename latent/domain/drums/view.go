package drums

import (
	"fmt"
	"strings"

	"musae/latent/domain"
	"musae/midi"
)

var (
	_ domain.Viewer  = Domain{}
	_ domain.Starter = Domain{}
)

// lanes are the drum grid's rows, top first: cymbals over toms over hi-hats, snare and
// kick at the bottom, as drum machines draw them.
var lanes = []int{midi.Crash, midi.Ride, midi.HighTom, midi.MidTom, midi.LowTom, midi.OpenHat, midi.ClosedHat, midi.Snare, midi.Kick}

// View shows a beat as a drum grid of the nine drums on MIDI channel 10 (General MIDI
// percussion), each hit a 16th long at the velocity Write gives it.
func (Domain) View(x domain.Example) (domain.View, error) {
	d, err := Drums(x)
	if err != nil {
		return domain.View{}, err
	}
	return GrooveView(d.Groove()), nil
}

// GrooveView shows a groove as View shows a beat, each hit at its velocity and offset.
func GrooveView(g midi.Groove) domain.View {
	v := domain.View{
		Kind: domain.ViewGrid, Steps: len(g), Channel: midi.DrumChannel,
		StepsPerQuarter: midi.StepsPerQuarter, StepsPerBar: midi.StepsPerBar, Meter: "4/4",
	}
	var counts [midi.NumDrums]int
	for lane, drum := range lanes {
		v.Lanes = append(v.Lanes, domain.Lane{Name: midi.DrumNames[drum], Pitch: midi.DrumPitches[drum]})
		for t, s := range g {
			if h := s[drum]; h.Velocity > 0 {
				counts[drum]++
				v.Notes = append(v.Notes, domain.ViewNote{Pitch: midi.DrumPitches[drum], Name: midi.DrumNames[drum], Start: t, End: t + 1, Velocity: h.Velocity, Offset: h.Offset, Lane: lane})
			}
		}
	}
	var parts []string
	for drum, n := range counts {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", midi.DrumNames[drum], n))
		}
	}
	v.Text = "silence"
	if len(parts) > 0 {
		v.Text = fmt.Sprintf("%d hits: %s", g.Drums().NumHits(), strings.Join(parts, ", "))
	}
	return v
}

// beat is a basic 2-bar beat, each drum's hits drawn as a line of 32 steps ('x' a hit).
type beat struct {
	name  string
	qpm   float64
	lines map[int]string
}

var starterBeats = []beat{
	{"Rock", 110, map[int]string{
		midi.ClosedHat: "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.",
		midi.Snare:     "....x.......x.......x.......x...",
		midi.Kick:      "x.......x.x.....x.......x.x.....",
	}},
	{"Four on the floor", 124, map[int]string{
		midi.OpenHat:   "..x...x...x...x...x...x...x...x.",
		midi.ClosedHat: "x...x...x...x...x...x...x...x...",
		midi.Snare:     "....x.......x.......x.......x...",
		midi.Kick:      "x...x...x...x...x...x...x...x...",
	}},
	{"Funk", 100, map[int]string{
		midi.ClosedHat: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		midi.Snare:     "....x..x.x..x.......x..x.x..x...",
		midi.Kick:      "x.x.......x..x..x.x.......x.....",
	}},
	{"Bossa nova", 130, map[int]string{
		midi.Ride:  "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.",
		midi.Snare: "x..x..x...x..x..x..x..x...x..x..",
		midi.Kick:  "x..xx..xx..xx..xx..xx..xx..xx..x",
	}},
	{"Half-time shuffle", 90, map[int]string{
		midi.ClosedHat: "x.xx.xx.xx.xx.xxx.xx.xx.xx.xx.xx",
		midi.Snare:     "........x...............x.......",
		midi.Kick:      "x.........x.....x.....x...x.....",
		midi.Crash:     "x...............................",
	}},
}

func (b beat) drums() midi.Drums {
	d := make(midi.Drums, midi.WindowSteps)
	for drum, line := range b.lines {
		if len(line) != midi.WindowSteps {
			panic(fmt.Sprintf("drums: beat %q: %s has %d steps", b.name, midi.DrumNames[drum], len(line)))
		}
		for t, c := range line {
			if c == 'x' {
				d[t] |= 1 << drum
			}
		}
	}
	return d
}

// Starters are five basic beats: rock, four on the floor, funk, bossa nova and a
// half-time shuffle.
func (Domain) Starters() []domain.Example {
	xs := make([]domain.Example, len(starterBeats))
	for i, b := range starterBeats {
		xs[i] = domain.Example{Value: b.drums(), Source: b.name, Where: "2 bars", QPM: b.qpm}
	}
	return xs
}
