package groove_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"musae/latent/domain"
	"musae/latent/domain/groove"
	"musae/midi"
)

// Humanising a programmed beat with the built-in groove2: the hits stay, each gets a
// drummer's velocity and timing.
func ExampleDomain_Transform() {
	beat := make(midi.Groove, midi.WindowSteps)
	for t := range beat {
		if t%2 == 0 {
			beat[t][midi.ClosedHat] = midi.DrumHit{Velocity: 100}
		}
		switch t % 16 {
		case 0, 8:
			beat[t][midi.Kick] = midi.DrumHit{Velocity: 100}
		case 4, 12:
			beat[t][midi.Snare] = midi.DrumHit{Velocity: 100}
		}
	}
	m, err := domain.Open("groove2", groove.New())
	if err != nil {
		log.Fatal(err)
	}
	out, err := groove.New().Transform(m, groove.Humanise, []domain.Example{{Value: beat}}, 0, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		log.Fatal(err)
	}
	played := out[0].Value.(midi.Groove)
	velocities := map[int]bool{}
	offGrid := 0
	for _, s := range played {
		for _, h := range s {
			if h.Velocity > 0 {
				velocities[h.Velocity] = true
				if h.Offset != 0 {
					offGrid++
				}
			}
		}
	}
	fmt.Print(played.Drums())
	fmt.Println("varied velocities:", len(velocities) > 5, "; hits off the grid:", offGrid > 10)
	// Output:
	// closed hi-hat |x.x.x.x.x.x.x.x. |x.x.x.x.x.x.x.x.|
	// snare         |....x.......x... |....x.......x...|
	// kick          |x.......x....... |x.......x.......|
	// varied velocities: true ; hits off the grid: true
}
