package digits_test

import (
	"bytes"
	"context"
	"errors"
	goimage "image"
	"image/color"
	"image/png"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"musae/datasets"
	"musae/image"
	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/models/conv"
)

// TestNets: the lesson's autoencoders are built in beside the VAEs, not among them: OpenAny
// opens each, of its task, and Open refuses it naming the verb that runs it.
func TestNets(t *testing.T) {
	reg := domain.NewRegistry(digits.New())
	if got := strings.Join(reg.Builtin(), " "); got != "mnist-conv mnist-conv2 mnist-conv32" {
		t.Errorf("built-in VAEs %s; want mnist-conv mnist-conv2 mnist-conv32", got)
	}
	want := map[string]string{"digits-ae": "ae", "digits-denoise": "denoise", "digits-superres14": "superres", "digits-superres7": "superres"}
	if got := reg.BuiltinNets(); len(got) != len(want) {
		t.Errorf("built-in networks %v; want the %d of %v", got, len(want), want)
	}
	for name, task := range want {
		m, err := reg.OpenAny(name, digits.Name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := m.Net.(*conv.AE); !ok || m.VAE != nil || m.Meta.Task != task || m.Meta.Model != name {
			t.Errorf("%s opens as %T (VAE %v), task %q, model %q; want a *conv.AE of %s", name, m.Net, m.VAE, m.Meta.Task, m.Meta.Model, task)
		}
		verb := map[string]string{"ae": "denoise", "denoise": "denoise", "superres": "upscale"}[task]
		if _, err := reg.Open(name, ""); err == nil || !domain.IsInputError(err) || !strings.Contains(err.Error(), "not a VAE: musae "+verb+" runs it") {
			t.Errorf("Open(%s), a network: %v; want an InputError naming musae %s", name, err, verb)
		}
	}
	if m, err := reg.OpenAny("mnist-conv", ""); err != nil || m.VAE == nil || m.Net != nil {
		t.Errorf("OpenAny of a VAE: %v, %v", m, err)
	}
	if s := mustOpen(t, reg, "digits-superres7").String(); s != "digits-superres7 (superres, 7×7 in, 19105 parameters, trained 936 steps)" {
		t.Errorf("String() = %q", s)
	}
	if _, err := fs.Stat(digits.New().Builtin(), "digits-denoise.safetensors"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a network among the VAEs' built-ins: %v", err)
	}
}

func mustOpen(t *testing.T, reg *domain.Registry, ref string) *domain.Model {
	t.Helper()
	m, err := reg.OpenAny(ref, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pngOf returns a side×side picture of a stroke, as a PNG.
func pngOf(t *testing.T, side int) []byte {
	t.Helper()
	img := goimage.NewGray(goimage.Rect(0, 0, side, side))
	for y := side / 4; y < side*3/4; y++ {
		img.SetGray(side/2, y, color.Gray{Y: 255})
		img.SetGray(side/2+1, y, color.Gray{Y: 200})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTransform: a picture of the model's input size goes in as it is, any other fitted
// as MNIST's digits; each gives a 28×28 picture, written whole; what does not fit is
// refused as the caller's mistake.
func TestTransform(t *testing.T) {
	reg := domain.NewRegistry(digits.New())
	d := digits.New()
	for _, tc := range []struct {
		model, name string
		side        int
		fitted      bool
	}{
		{"digits-superres14", digits.Upscale, 14, false},
		{"digits-superres7", digits.Upscale, 7, false},
		{"digits-superres14", digits.Upscale, 56, true},
		{"digits-denoise", digits.Denoise, 28, false},
		{"digits-ae", digits.Denoise, 40, true},
	} {
		m := mustOpen(t, reg, tc.model)
		a := m.Net.(*conv.AE)
		b := pngOf(t, tc.side)
		x, err := d.ReadInput(tc.name, bytes.NewReader(b), "in.png", domain.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ys, err := d.Transform(m, tc.name, []domain.Example{x}, 0, nil)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.model, tc.name, err)
		}
		img, _ := png.Decode(bytes.NewReader(b))
		in, _, _ := image.FromGray(img)
		if tc.fitted {
			in = image.FitDigit(img, a.In, a.In)
		}
		if want := a.Map(in, 1); !slices.Equal(ys[0].Value.([]float32), want) {
			t.Errorf("%s of a %d×%d picture: not the autoencoder's output of it (fitted: %v)", tc.model, tc.side, tc.side, tc.fitted)
		}
		var out bytes.Buffer
		if err := d.Write(&out, ys, domain.Layout{Whole: true}); err != nil {
			t.Fatal(err)
		}
		if cfg, err := png.DecodeConfig(&out); err != nil || cfg.Width != 28 || cfg.Height != 28 {
			t.Errorf("written whole: %+v, %v; want 28×28", cfg, err)
		}
	}
	x, _ := d.ReadInput(digits.Denoise, bytes.NewReader(pngOf(t, 28)), "in.png", domain.ReadOptions{})
	for _, tc := range []struct {
		model, name string
		temperature float64
		say         string
	}{
		{"digits-denoise", digits.Upscale, 0, "digits-denoise is a denoise model; upscale needs one trained with --task superres"},
		{"digits-superres7", digits.Denoise, 0, "digits-superres7 is a superres model; denoise needs one trained with --task denoise or ae"},
		{"mnist-conv", digits.Denoise, 0, "mnist-conv is a VAE of digits, not an autoencoder of the lesson"},
		{"digits-denoise", digits.Denoise, 1, "denoise gives pixel probabilities, at no temperature (got 1)"},
	} {
		if _, err := d.Transform(mustOpen(t, reg, tc.model), tc.name, []domain.Example{x}, tc.temperature, nil); err == nil || !domain.IsInputError(err) || !strings.Contains(err.Error(), tc.say) {
			t.Errorf("%s by %s at %g: %v; want an InputError %q", tc.name, tc.model, tc.temperature, err, tc.say)
		}
	}
	if _, err := d.ReadInput(digits.Denoise, bytes.NewReader(pngOf(t, 28)), "in.png", domain.ReadOptions{Track: "1"}); err == nil || !domain.IsInputError(err) {
		t.Errorf("a track of a picture: %v", err)
	}
	if _, err := d.ReadInput(digits.Denoise, strings.NewReader("MThd"), "tune.png", domain.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "read tune.png: not a PNG picture") {
		t.Errorf("not a picture: %v", err)
	}
	if _, err := d.ReadInput("elaborate", bytes.NewReader(pngOf(t, 28)), "in.png", domain.ReadOptions{}); !errors.Is(err, domain.ErrUnsupported) {
		t.Errorf("elaborate a digit: %v", err)
	}
}

// TestTestTransform: the figures of a network on test digits, and the rows drawn of them,
// each row's cells 28×28 pictures: for upscale, the small inputs enlarged, the outputs,
// bilinear upscaling, and the clean digits, in that order.
func TestTestTransform(t *testing.T) {
	if _, err := datasets.MNISTDir("mnist"); err != nil {
		t.Skipf("no MNIST here: %v", err)
	}
	reg := domain.NewRegistry(digits.New())
	m := mustOpen(t, reg, "digits-superres7")
	var w strings.Builder
	rows, names, err := digits.New().TestTransform(context.Background(), m, digits.Upscale, domain.DataOptions{Limit: 20, Seed: 1}, 3, &w)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"test_examples 20 images\n", "test_bce ", "test_psnr ", "baseline_bce ", "(bilinear upscaling)\n"} {
		if !strings.Contains(w.String(), l) {
			t.Errorf("figures lack %q:\n%s", l, w.String())
		}
	}
	if strings.Join(names, ", ") != "inputs, outputs, bilinear upscaling, clean digits" || len(rows) != 4 {
		t.Fatalf("rows %v (%d)", names, len(rows))
	}
	_, test, _ := datasets.LoadMNIST(datasets.MNISTOptions{})
	for i, r := range rows {
		if len(r) != 3 {
			t.Fatalf("row %s has %d cells, want 3", names[i], len(r))
		}
		for _, x := range r {
			if p, err := digits.Pixels(x); err != nil || len(p) != 784 {
				t.Fatalf("row %s: %v", names[i], err)
			}
		}
	}
	if !slices.Equal(rows[3][1].Value.([]float32), test.Image(1)) {
		t.Errorf("the clean digits' row is not the test digits")
	}
	small := datasets.Downsample(test.Image(1), 28, 28, 4)
	if in := rows[0][1].Value.([]float32); in[0] != small[0] || in[3] != small[0] || in[4*28+4] != small[7+1] {
		t.Errorf("the inputs' row is not the 7×7 inputs enlarged 4 times")
	}
	if _, _, err := digits.New().TestTransform(context.Background(), m, digits.Denoise, domain.DataOptions{Limit: 1}, 0, &w); err == nil || !domain.IsInputError(err) {
		t.Errorf("denoise --test of a super-resolution network: %v", err)
	}
}
