package digits

import (
	"testing"

	"musae/latent/domain"
)

func TestView(t *testing.T) {
	p := make([]float32, Rows*Cols)
	for i := range Rows * Cols / 4 {
		p[i] = 1
	}
	v, err := New().View(Example(p))
	if err != nil || v.Kind != domain.ViewPicture || v.Rows != 28 || v.Cols != 28 || len(v.Pixels) != 784 || v.Text != "a 28×28 picture, 25% ink" {
		t.Errorf("view %+v, %v", v.Text, err)
	}
	if _, err := New().View(domain.Example{Value: []float32{1}}); err == nil {
		t.Error("a view of one pixel")
	}
}
