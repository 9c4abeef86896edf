package digits

import (
	"embed"
	"encoding/json"
	"fmt"
	goimage "image"
	_ "image/png" // Read decodes PNG pictures
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"strings"

	"musae/datasets"
	"musae/image"
	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/models"
	"musae/models/conv"
	"musae/models/rnn"
)

// Domain is the domain of MNIST's handwritten digits (and Fashion-MNIST's pictures):
// 28×28 grey pictures. Its zero value is ready to use.
type Domain struct{}

// New returns the digits domain.
func New() Domain { return Domain{} }

var _ domain.Pictures = Domain{}

// Name is the domain's name in checkpoints and on the command line.
const Name = "mnist"

// Rows and Cols are the pictures' size.
const Rows, Cols = 28, 28

// rnnHidden is the LSTM size per direction of the recurrent encoder on pictures.
const rnnHidden = 128

// Info describes the domain: PNG pictures in and out, 28×28 Bernoulli pixels, the
// plain ELBO for training.
func (Domain) Info() domain.Info {
	return domain.Info{
		Name:           Name,
		Noun:           "digits",
		Kind:           "pictures",
		Models:         []string{"mnist-conv32", "mnist-conv", "mnist-conv2"},
		Encoder:        "conv",
		Inputs:         []string{".png"},
		Outputs:        []string{".png"},
		OutputKind:     "a PNG picture",
		Shape:          [3]int{Rows, Cols, 0},
		Samples:        64,
		Temperature:    1,
		TemperatureUse: "prior scale for digits (default 1)",
		Mean:           "their pixel probabilities",
		Loss:           models.Loss{MaxBeta: 1},
	}
}

// Size is 28×28.
func (Domain) Size() (rows, cols int) { return Rows, Cols }

// Config returns the conv configuration of a canonical digit model.
func (Domain) Config(model string, z int) (json.RawMessage, error) {
	c, err := conv.ConfigByName(model)
	if err != nil {
		return nil, err
	}
	if z > 0 {
		c.Z = z
	}
	return json.Marshal(c)
}

// Build makes the convolutional VAE meta describes; with Encoder "rnn", a bidirectional
// LSTM reads the pictures row by row instead of the convolutional encoder.
func (Domain) Build(meta models.Meta, rng *rand.Rand) (*models.VAE, error) {
	var cfg conv.Config
	if err := json.Unmarshal(meta.Config, &cfg); err != nil {
		return nil, fmt.Errorf("bad model config: %w", err)
	}
	cm, err := conv.New(cfg, rng)
	if err != nil {
		return nil, err
	}
	var enc models.Encoder = cm.Enc
	switch meta.Encoder {
	case "", "conv":
	case "rnn":
		enc = rnn.NewEncoder(Cols, rnnHidden, cfg.Z, rng)
	default:
		return nil, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(domain.Encoders, ", "))
	}
	return &models.VAE{Enc: enc, Dec: cm.Dec, Z: cfg.Z}, nil
}

// Params counts the parameters of the convolutional VAE meta describes.
func (Domain) Params(meta models.Meta) (int64, error) {
	var cfg conv.Config
	if err := json.Unmarshal(meta.Config, &cfg); err != nil {
		return 0, fmt.Errorf("bad model config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	switch meta.Encoder {
	case "", "conv":
		return cfg.EncoderParams() + cfg.DecoderParams(), nil
	case "rnn":
		return rnn.EncoderParams(Cols, rnnHidden, cfg.Z) + cfg.DecoderParams(), nil
	}
	return 0, fmt.Errorf("unknown encoder %q (one of %s)", meta.Encoder, strings.Join(domain.Encoders, ", "))
}

// The built-in VAEs are builtin/mnist-*; builtin/digits-* are the lesson's networks
// (Nets), which are no VAEs.
//
//go:embed builtin/mnist-*.safetensors builtin/*.attributes.json
var builtin embed.FS

// Builtin holds mnist-conv32, mnist-conv and mnist-conv2 (see builtin/README.md).
func (Domain) Builtin() fs.FS {
	sub, _ := fs.Sub(builtin, "builtin")
	return sub
}

// Pixels returns the intensities an example holds, or an error naming it.
func Pixels(x domain.Example) ([]float32, error) {
	p, ok := x.Value.([]float32)
	if !ok || len(p) != Rows*Cols {
		return nil, fmt.Errorf("digits: example %s holds a %T, not %d×%d intensities", x.Source, x.Value, Rows, Cols)
	}
	return p, nil
}

func pixels(xs []domain.Example) ([][]float32, error) {
	out := make([][]float32, len(xs))
	for i, x := range xs {
		if x.Value == nil {
			continue
		}
		p, err := Pixels(x)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// Example wraps 28×28 intensities as an example.
func Example(pix []float32) domain.Example { return domain.Example{Value: pix} }

// Read reads a picture (PNG) and fits it to 28×28 as MNIST's digits are (image.FitDigit).
// A picture has neither tracks nor bars: opt.Track or opt.Bar is refused (an InputError).
func (Domain) Read(r io.Reader, name string, opt domain.ReadOptions) (domain.Example, error) {
	img, err := readPicture(r, name, opt)
	if err != nil {
		return domain.Example{}, err
	}
	return domain.Example{Value: image.FitDigit(img, Rows, Cols), Source: name, Where: "the picture fitted to 28×28"}, nil
}

// readPicture decodes the picture (PNG) of the file called name, refusing the tracks and
// bars that opt may ask for (an InputError).
func readPicture(r io.Reader, name string, opt domain.ReadOptions) (goimage.Image, error) {
	if opt.Track != "" {
		return nil, domain.Inputf("read %s: a picture has no tracks, so track %q cannot be read", name, opt.Track)
	}
	if opt.Bar != 0 {
		return nil, domain.Inputf("read %s: a picture has no bars, so bar %d cannot be read", name, opt.Bar)
	}
	img, _, err := goimage.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: not a PNG picture: %w", name, err)
	}
	return img, nil
}

// Write writes pictures as a PNG grid of layout.Rows × layout.Cols cells (near-square when
// 0), doubled in size; nil examples leave their cell black. With layout.Whole, one picture
// is written as it is, 28×28.
func (Domain) Write(w io.Writer, xs []domain.Example, l domain.Layout) error {
	ps, err := pixels(xs)
	if err != nil {
		return err
	}
	if l.Whole && len(ps) == 1 && ps[0] != nil {
		return image.EncodePNG(w, image.ToGray(ps[0], Rows, Cols))
	}
	rows, cols := l.Rows, l.Cols
	if rows <= 0 || cols <= 0 {
		n := len(xs)
		cols = int(math.Ceil(math.Sqrt(float64(n))))
		rows = (n + cols - 1) / cols
	}
	return image.EncodePNG(w, image.Upscale(image.Grid(ps, rows, cols, Rows, Cols, 2), 2))
}

// Batch makes the batch of intensities (not binarised) the encoder reads.
func (Domain) Batch(xs []domain.Example) (*models.Batch, error) {
	ps, err := pixels(xs)
	if err != nil {
		return nil, err
	}
	im := &datasets.Images{N: len(ps), Rows: Rows, Cols: Cols, Pixels: pick.Flatten(ps)}
	return datasets.ImageBatch(im, 0, len(ps)), nil
}

// Decode returns the Bernoulli means (pixel probabilities) the decoder gives for each
// latent vector; a temperature above 0 is refused, as pictures are not sampled.
func (Domain) Decode(m *domain.Model, zs [][]float32, temperature float64, _ *rand.Rand) ([]domain.Example, error) {
	dec, ok := m.VAE.Dec.(*conv.Decoder)
	if !ok {
		return nil, fmt.Errorf("digits: %s has a %T decoder, not a picture one", m.Meta.Model, m.VAE.Dec)
	}
	if temperature != 0 {
		return nil, domain.Inputf("digits: decoding gives pixel probabilities, at no temperature (got %g)", temperature)
	}
	out := make([]domain.Example, len(zs))
	if len(zs) == 0 {
		return out, nil
	}
	logits := dec.Logits(pick.Flatten(zs), len(zs))
	px := len(logits) / len(zs)
	for i := range out {
		p := make([]float32, px)
		for j := range p {
			p[j] = 1 / (1 + float32(math.Exp(-float64(logits[i*px+j]))))
		}
		out[i] = domain.Example{Value: p}
	}
	return out, nil
}

// Sample draws n latent vectors from the prior scaled by the temperature and decodes
// them to pixel probabilities.
func (d Domain) Sample(m *domain.Model, n int, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	return d.Decode(m, latent.SamplePrior(n, m.VAE.Z, temperature, rng), 0, nil)
}
