package groove

import (
	"musae/latent/domain"
	"musae/latent/domain/drums"
	"musae/midi"
)

var (
	_ domain.Viewer  = Domain{}
	_ domain.Starter = Domain{}
)

// View shows a groove as the drums domain shows a beat, each hit at its velocity and
// offset (drums.GrooveView).
func (Domain) View(x domain.Example) (domain.View, error) {
	g, err := Groove(x)
	if err != nil {
		return domain.View{}, err
	}
	return drums.GrooveView(g), nil
}

// Starters are the drums domain's basic beats, quantised at one velocity: inputs to
// humanise.
func (Domain) Starters() []domain.Example {
	xs := drums.Domain{}.Starters()
	for i, x := range xs {
		xs[i].Value = x.Value.(midi.Drums).Groove()
	}
	return xs
}
