package melody

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

// View shows a melody as a piano roll in its meter (its meter condition: 4/4 where it has
// none) on MIDI channel 1, its notes at the velocity Write gives them and named in its
// estimated key. A window whose meter changes is drawn in bars of its first meter.
func (Domain) View(x domain.Example) (domain.View, error) {
	m, err := Melody(x)
	if err != nil {
		return domain.View{}, err
	}
	meters, _, err := meterOf(x)
	if err != nil {
		return domain.View{}, err
	}
	v := domain.View{
		Kind: domain.ViewRoll, Steps: len(m),
		StepsPerQuarter: midi.StepsPerQuarter, StepsPerBar: meters[0].StepsPerBar(), Meter: meters[0].String(),
	}
	var names []string
	key := midi.EstimateKey(m) // names spelled in the melody's key: Bb4 in F, not A#4
	for _, n := range m.Notes() {
		name := key.PitchName(n.Pitch)
		names = append(names, name)
		v.Notes = append(v.Notes, domain.ViewNote{Pitch: n.Pitch, Name: name, Start: n.Start, End: n.End, Velocity: midi.WriteVelocity})
	}
	v.Text = "silence"
	if len(names) > 0 {
		v.Text = strings.Join(names, " ")
	}
	return v, nil
}

// tune is the opening of a public-domain tune: notes as pitch (−1 for a rest) and length
// in sixteenths, filling the 32 steps of a window.
type tune struct {
	name  string
	qpm   float64
	notes [][2]int
}

// tunes are the openings of public-domain tunes, in C.
var tunes = []tune{
	{"Ode to Joy", 120, [][2]int{{64, 4}, {64, 4}, {65, 4}, {67, 4}, {67, 4}, {65, 4}, {64, 4}, {62, 4}}},
	{"Twinkle, Twinkle", 110, [][2]int{{60, 4}, {60, 4}, {67, 4}, {67, 4}, {69, 4}, {69, 4}, {67, 8}}},
	{"Frère Jacques", 120, [][2]int{{60, 4}, {62, 4}, {64, 4}, {60, 4}, {60, 4}, {62, 4}, {64, 4}, {60, 4}}},
	{"Au clair de la lune", 100, [][2]int{{60, 4}, {60, 4}, {60, 4}, {62, 4}, {64, 8}, {62, 8}}},
	{"When the Saints", 120, [][2]int{{-1, 4}, {60, 4}, {64, 4}, {65, 4}, {67, 14}, {-1, 2}}},
	{"Mary Had a Little Lamb", 120, [][2]int{{64, 3}, {62, 1}, {60, 2}, {62, 2}, {64, 2}, {64, 2}, {64, 4}, {62, 2}, {62, 2}, {62, 4}, {64, 2}, {67, 2}, {67, 4}}},
	{"Scale up and down", 120, [][2]int{{60, 2}, {62, 2}, {64, 2}, {65, 2}, {67, 2}, {69, 2}, {71, 2}, {72, 2}, {71, 2}, {69, 2}, {67, 2}, {65, 2}, {64, 2}, {62, 2}, {60, 4}}},
}

func (t tune) melody() midi.Melody {
	m := make(midi.Melody, 0, midi.WindowSteps)
	for _, n := range t.notes {
		first := midi.NoteOff
		if n[0] >= 0 {
			first = midi.NoteOnClass(n[0])
		}
		m = append(m, first)
		for range n[1] - 1 {
			m = append(m, midi.NoEvent)
		}
	}
	if len(m) != midi.WindowSteps {
		panic(fmt.Sprintf("melody: tune %q has %d steps", t.name, len(m)))
	}
	return m.Canonical()
}

// Starters are the openings of seven public-domain tunes, in C, at their usual tempos.
func (Domain) Starters() []domain.Example {
	xs := make([]domain.Example, len(tunes))
	for i, t := range tunes {
		xs[i] = domain.Example{Value: t.melody(), Source: t.name, Where: "its first 2 bars", QPM: t.qpm}
	}
	return xs
}
