package digits

import (
	"bytes"
	goimage "image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"musae/latent/domain"
)

func TestReadWrite(t *testing.T) {
	d := New()
	// A white stroke on black, of another size than 28×28: fitted, as MNIST's digits.
	img := goimage.NewGray(goimage.Rect(0, 0, 40, 60))
	for y := 10; y < 50; y++ {
		img.SetGray(20, y, color.Gray{Y: 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	x, err := d.Read(&b, "one.png", domain.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := x.Value.([]float32); len(p) != Rows*Cols || x.Where != "the picture fitted to 28×28" || x.Source != "one.png" {
		t.Fatalf("read %d values, %+v", len(p), x)
	}
	if _, err := d.Read(strings.NewReader("GIF89a"), "x.png", domain.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "read x.png: not a PNG picture") {
		t.Errorf("not a picture: %v", err)
	}
	// Five pictures make a near-square grid of 2 rows of 3, doubled in size; a nil
	// example leaves its cell black.
	var out bytes.Buffer
	if err := d.Write(&out, []domain.Example{x, x, {}, x, x}, domain.Layout{}); err != nil {
		t.Fatal(err)
	}
	grid, err := png.Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	if r := grid.Bounds(); r.Dx() != 2*(3*28+4*2) || r.Dy() != 2*(2*28+3*2) {
		t.Errorf("grid of 5 is %v", r)
	}
}

func TestSample(t *testing.T) {
	m, err := domain.Open("mnist-conv2", New())
	if err != nil {
		t.Fatal(err)
	}
	// At temperature 0 the prior is its mean: every sample is the decoding of z = 0.
	xs, err := m.Sample(3, 0, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	at0, _ := m.Decode([][]float32{{0, 0}}, 0, nil)
	for i, x := range xs {
		p := x.Value.([]float32)
		for j, v := range p {
			if v < 0 || v > 1 || v != at0[0].Value.([]float32)[j] {
				t.Fatalf("sample %d pixel %d is %g, want z = 0's %g", i, j, v, at0[0].Value.([]float32)[j])
			}
		}
	}
}

// FuzzRead feeds Read any bytes: it returns 28×28 intensities in [0, 1] or an error, and
// never panics.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, goimage.NewGray(goimage.Rect(0, 0, 3, 5)))
	f.Add(b.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := New().Read(bytes.NewReader(data), "fuzz.png", domain.ReadOptions{})
		if err != nil {
			return
		}
		p := x.Value.([]float32)
		if len(p) != Rows*Cols {
			t.Fatalf("Read gave %d values", len(p))
		}
		for _, v := range p {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("intensity %g", v)
			}
		}
	})
}
