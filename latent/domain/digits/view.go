package digits

import (
	"fmt"

	"musae/latent/domain"
)

var _ domain.Viewer = Domain{}

// View shows a digit as its 28×28 picture.
func (Domain) View(x domain.Example) (domain.View, error) {
	p, err := Pixels(x)
	if err != nil {
		return domain.View{}, err
	}
	var ink float64
	for _, v := range p {
		ink += float64(v)
	}
	return domain.View{
		Kind: domain.ViewPicture, Rows: Rows, Cols: Cols, Pixels: p,
		Text: fmt.Sprintf("a %d×%d picture, %.0f%% ink", Rows, Cols, 100*ink/float64(len(p))),
	}, nil
}
