package phrase

import (
	"musae/latent/domain"
	"musae/latent/domain/melody"
)

var _ domain.Viewer = Domain{}

// View shows a 16-bar melody as the melody domain shows a window: a piano roll of its 256
// steps in bars of 4/4, which the page scrolls as it plays.
func (Domain) View(x domain.Example) (domain.View, error) { return melody.Domain{}.View(x) }
