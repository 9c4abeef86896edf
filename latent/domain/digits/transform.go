package digits

import (
	"context"
	"embed"
	"fmt"
	goimage "image"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"

	"musae/datasets"
	"musae/image"
	"musae/latent/domain"
	"musae/models"
	"musae/models/conv"
)

// The digits' transformations, each a verb of the command line, done by the autoencoder
// lesson's convolutional autoencoders (conv.AE): networks that map a picture to a
// picture, no VAEs, trained with TrainNet.
const (
	Denoise = "denoise" // a noisy digit in, the clean digit out
	Upscale = "upscale" // a 14×14 or 7×7 digit in, the 28×28 digit out
)

var (
	_ domain.Networker       = Domain{}
	_ domain.TransformTester = Domain{}
)

//go:embed builtin/digits-*.safetensors
var nets embed.FS

// Nets holds the lesson's autoencoders digits-ae, digits-denoise, digits-superres14 and
// digits-superres7 (see builtin/README.md).
func (Domain) Nets() fs.FS {
	sub, _ := fs.Sub(nets, "builtin")
	return sub
}

// NetDomain is the domain the autoencoders' checkpoints name: conv.AEDomain.
func (Domain) NetDomain() string { return conv.AEDomain }

// NetParams counts the parameters of the autoencoder meta describes.
func (Domain) NetParams(meta models.Meta) (int64, error) {
	a, err := newAE(meta)
	if err != nil {
		return 0, err
	}
	return int64(models.CountParams(a.Params())), nil
}

// BuildNet makes the autoencoder meta describes (a *conv.AE), of its task: conv.TaskAE,
// TaskDenoise or TaskSuperRes.
func (Domain) BuildNet(meta models.Meta) (domain.Net, string, error) {
	a, err := newAE(meta)
	if err != nil {
		return nil, "", err
	}
	return a, a.Task, nil
}

func newAE(meta models.Meta) (*conv.AE, error) {
	cfg, err := conv.AEConfigOf(meta)
	if err != nil {
		return nil, err
	}
	// A few thousand values, which the checkpoint's then replace.
	return conv.NewAE(cfg, rand.New(rand.NewPCG(0, 0)))
}

// pictureNote says how a transformation reads a picture and what it writes.
const pictureNote = `A picture of exactly the model's input size is read as it is, white ink on black
as in MNIST; any other picture of a digit you drew is first prepared as MNIST's digits
were (see musae encode) at that size. The output is a 28×28 picture of the model's pixel
probabilities.`

// Transforms are denoise (digits-denoise; digits-ae, the plain autoencoder, does it too)
// and upscale (digits-superres14; digits-superres7 from 7×7), each done by an
// autoencoder trained for it (musae train --task), the whole picture in, one out.
func (Domain) Transforms() []domain.Transform {
	return []domain.Transform{
		{
			Name: Denoise, Short: "remove the noise from a digit", Task: true, Net: true, Whole: true,
			Builtin: "digits-denoise", Tasks: []string{conv.TaskDenoise, conv.TaskAE},
			Long: `Remove the noise from a digit with a convolutional autoencoder of the autoencoder
lesson, 28×28 in (built in: digits-denoise, and digits-ae, the plain autoencoder; or one
trained with musae train --task denoise or ae).
` + pictureNote + `

--test instead measures the model on the MNIST test set (--limit images, --data, --dataset):
binary cross-entropy and PSNR of its outputs against the clean digits, beside the noisy
inputs (noise drawn from --seed); with -o it also draws -n test digits: the inputs, the
model's outputs and the clean digits, in rows.`,
		},
		{
			Name: Upscale, Short: "enlarge a small digit to 28×28", Task: true, Net: true, Whole: true,
			Builtin: "digits-superres14", Tasks: []string{conv.TaskSuperRes},
			Long: `Enlarge a small digit to 28×28 with a convolutional autoencoder of the autoencoder
lesson (built in: digits-superres14, 14×14 in, and digits-superres7, 7×7 in; or one
trained with musae train --task superres).
` + pictureNote + `

--test instead measures the model on the MNIST test set (--limit images, --data, --dataset):
binary cross-entropy and PSNR of its outputs against the clean digits, beside bilinear
upscaling of the small inputs; with -o it also draws -n test digits: the inputs (enlarged),
the model's outputs, bilinear upscaling and the clean digits, in rows.`,
		},
	}
}

// autoencoder returns m's autoencoder, refusing a model that does not do the
// transformation called name.
func autoencoder(m *domain.Model, name string) (*conv.AE, error) {
	tr, ok := domain.TransformNamed(Domain{}, name)
	if !ok {
		return nil, fmt.Errorf("%w: digits have no transformation %q (%s or %s)", domain.ErrUnsupported, name, Denoise, Upscale)
	}
	a, ok := m.Net.(*conv.AE)
	if !ok {
		what := "a VAE of digits"
		if m.Net != nil {
			what = fmt.Sprintf("a %T", m.Net)
		}
		return nil, domain.Inputf("digits: %s is %s, not an autoencoder of the lesson; %s needs one trained with --task %s (built in: %s)", m.Meta.Model, what, name, domain.OrList(tr.Tasks), tr.Builtin)
	}
	if !slices.Contains(tr.Tasks, a.Task) {
		return nil, domain.Inputf("digits: %s is a %s model; %s needs one trained with --task %s (built in: %s)", m.Meta.Model, a.Task, name, domain.OrList(tr.Tasks), tr.Builtin)
	}
	return a, nil
}

// ReadInput reads a picture (PNG) as it is, for Transform to fit to the model's input
// size. A picture has neither tracks nor bars: opt.Track or opt.Bar is refused.
func (Domain) ReadInput(name string, r io.Reader, file string, opt domain.ReadOptions) (domain.Example, error) {
	if _, ok := domain.TransformNamed(Domain{}, name); !ok {
		return domain.Example{}, fmt.Errorf("%w: digits have no transformation %q (%s or %s)", domain.ErrUnsupported, name, Denoise, Upscale)
	}
	img, err := readPicture(r, file, opt)
	if err != nil {
		return domain.Example{}, err
	}
	b := img.Bounds()
	return domain.Example{Value: img, Source: file, Where: fmt.Sprintf("a %d×%d picture", b.Dx(), b.Dy())}, nil
}

// Transform runs each picture (an image.Image from ReadInput, or In·In intensities)
// through m, an autoencoder that does the transformation called name: a picture of the
// autoencoder's input size as it is, any other fitted to it as MNIST's digits were
// (image.FitDigit). The outputs are 28×28 pixel probabilities; they take no temperature
// (above 0 is refused) and no random numbers (rng may be nil).
func (Domain) Transform(m *domain.Model, name string, xs []domain.Example, temperature float64, _ *rand.Rand) ([]domain.Example, error) {
	a, err := autoencoder(m, name)
	if err != nil {
		return nil, err
	}
	if temperature != 0 {
		return nil, domain.Inputf("digits: %s gives pixel probabilities, at no temperature (got %g)", name, temperature)
	}
	ys := make([]domain.Example, len(xs))
	for i, x := range xs {
		var in []float32
		switch v := x.Value.(type) {
		case goimage.Image:
			in = fitPicture(v, a.In)
		case []float32:
			if len(v) != a.In*a.In {
				return nil, fmt.Errorf("digits: %s: example %d holds %d intensities; %s reads %d×%d pictures", name, i+1, len(v), m.Meta.Model, a.In, a.In)
			}
			in = v
		default:
			return nil, fmt.Errorf("digits: %s: example %d holds a %T, not a picture", name, i+1, x.Value)
		}
		ys[i] = domain.Example{Value: a.Map(in, 1), Source: x.Source, Where: x.Where}
	}
	return ys, nil
}

// fitPicture returns img as side×side intensities: as it is at that size, else prepared
// as MNIST's digits were.
func fitPicture(img goimage.Image, side int) []float32 {
	if r := img.Bounds(); r.Dx() == side && r.Dy() == side {
		pix, _, _ := image.FromGray(img)
		return pix
	}
	return image.FitDigit(img, side, side)
}

// TestTransform writes the figures of m's autoencoder on o's test split (o.Limit images,
// noise drawn from o.Seed): WriteAEFigures. Its rows are the first n test digits: the
// inputs (enlarged to 28×28, nearest), the outputs, bilinear upscaling (upscale) and the
// clean digits (but for the plain autoencoder, whose inputs they are).
func (Domain) TestTransform(ctx context.Context, m *domain.Model, name string, o domain.DataOptions, n int, w io.Writer) ([][]domain.Example, []string, error) {
	a, err := autoencoder(m, name)
	if err != nil {
		return nil, nil, err
	}
	_, test, err := load(o)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err := WriteAEFigures(a, test, o.Limit, o.Seed, w); err != nil {
		return nil, nil, err
	}
	if n <= 0 {
		return nil, nil, nil
	}
	rows, names := aeRows(a, test.Head(min(n, test.N)), o.Seed)
	return rows, names, nil
}

// aeRows are the rows of TestTransform for the test digits of test.
func aeRows(a *conv.AE, test *datasets.Images, seed uint64) ([][]domain.Example, []string) {
	in, target, base := aeTestSet(a, test, seed)
	out := a.Map(in, test.N)
	row := func(pix []float32, size, k int) []domain.Example {
		r := make([]domain.Example, test.N)
		for i := range r {
			p := pix[i*size : (i+1)*size]
			if k > 1 {
				p = nearest(p, a.In, k)
			}
			r[i] = Example(p)
		}
		return r
	}
	ins, outs := row(in, a.In*a.In, Rows/a.In), row(out, Rows*Cols, 1)
	switch a.Task {
	case conv.TaskAE: // the inputs are the clean digits
		return [][]domain.Example{ins, outs}, []string{"inputs", "outputs"}
	case conv.TaskSuperRes:
		return [][]domain.Example{ins, outs, row(base, Rows*Cols, 1), row(target, Rows*Cols, 1)},
			[]string{"inputs", "outputs", "bilinear upscaling", "clean digits"}
	}
	return [][]domain.Example{ins, outs, row(target, Rows*Cols, 1)}, []string{"inputs", "outputs", "clean digits"}
}

// nearest enlarges a side×side picture k times by repeating pixels.
func nearest(pix []float32, side, k int) []float32 {
	out := make([]float32, side*k*side*k)
	for y := range side * k {
		for x := range side * k {
			out[y*side*k+x] = pix[(y/k)*side+x/k]
		}
	}
	return out
}
