package phrase

import (
	"musae/latent/domain"
	"musae/latent/domain/melody"
)

var _ domain.Viewer = Domain{}

// View shows a 16-bar melody as the melody domain shows a window: a piano roll of its 256
// steps in bars of 4/4, which the page scrolls as it plays.
func (Domain) View(x domain.Example) (domain.View, error) { return melody.Domain{}.View(x) }

var _ domain.Shower = Domain{}

// Show writes a phrase bar by bar in its meter, as the melody domain shows a melody.
func (Domain) Show(x domain.Example) string { return melody.Domain{}.Show(x) }
