package digits

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"musae/datasets"
	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/models"
)

var _ domain.Attributer = Domain{}

// load reads the train and test splits of o.Dataset from o.Dir.
func load(o domain.DataOptions) (train, test *datasets.Images, err error) {
	return datasets.LoadMNIST(datasets.MNISTOptions{Dataset: o.Dataset, Dir: o.Dir})
}

// Score returns the single-sample negative ELBO's mean reconstruction and KL terms in
// nats per image on im, whose pixels are taken as they are (binarise them first:
// datasets.BinarizeSet or ThresholdSet), with the noise drawn from seed; it stops when ctx
// is done.
func Score(ctx context.Context, m *domain.Model, im *datasets.Images, seed uint64) (rec, kl float64, err error) {
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	for from := 0; from < im.N; from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		to := min(from+domain.BatchSize, im.N)
		m.VAE.AddScore(datasets.ImageBatch(im, from, to), rng, &rec, &kl)
	}
	return rec / float64(im.N), kl / float64(im.N), nil
}

// Train readies t to train m on the training split of o.Dataset, dynamically binarised,
// scored after each epoch on the test split binarised from o.Seed (single-sample −ELBO).
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	train, test, err := load(o.DataOptions)
	if err != nil {
		return err
	}
	if o.Limit > 0 && o.Limit < train.N {
		train = train.Head(o.Limit)
	}
	t.Data = datasets.ImageSet{Images: train, Dynamic: true}
	t.Shape = [3]int{train.Rows, train.Cols, 0}
	t.Meta.Dataset = fmt.Sprintf("%s train (%d images, dynamically binarised)", o.Dataset, train.N)
	valid := datasets.BinarizeSet(test, o.Seed)
	t.Validate = func() (map[string]float64, error) {
		rec, kl, err := Score(context.Background(), m, valid, o.Seed)
		return map[string]float64{"loss": rec + kl, "reconstruction": rec, "kl": kl}, err
	}
	return nil
}

// DefaultSamples is Eval's number of importance samples per image when not told: the
// IWAE paper's 5000.
const DefaultSamples = 5000

// The evaluation sets: Bernoulli draws of the test images' grey levels from the eval's
// seed, and the fixed draw (datasets.FixedBinarizationSeed).
const (
	SetDynamic = "dynamic"
	SetFixed   = "fixed"
)

// Eval writes a model's figures in the literature's terms, in nats per image, on o.Split
// ("test", the default, or "train"): for each binarisation of o.Sets (both when nil), the
// negative ELBO (estimated with the o.Samples importance samples, DefaultSamples when 0)
// with its reconstruction and KL parts, and the importance-weighted estimate of −log p(x)
// (Burda et al.'s IWAE bound); then the single-sample negative ELBO on the images
// thresholded at 0.5, an easier set, labelled as such. Each set's lines are written as soon
// as it is done, and its importance samples are drawn from o.Seed alone, so that a set
// scored on its own gives the same figures. Progress goes to o.Log.
func (Domain) Eval(ctx context.Context, m *domain.Model, o domain.DataOptions, w io.Writer) error {
	split := o.Split
	if split == "" {
		split = "test"
	}
	if split != "test" && split != "train" {
		return domain.Inputf("--split %q: for digits, want test or train", split)
	}
	k := o.Samples
	if k == 0 {
		k = DefaultSamples
	}
	if k < 0 {
		return domain.Inputf("--iw %d: want at least 1 importance sample", k)
	}
	sets := o.Sets
	if sets == nil {
		sets = []string{SetDynamic, SetFixed}
	}
	for _, s := range sets {
		if s != SetDynamic && s != SetFixed {
			return domain.Inputf("--binarization %q: want %s or %s", s, SetDynamic, SetFixed)
		}
	}
	train, test, err := load(o)
	if err != nil {
		return err
	}
	if split == "train" {
		test = train
	}
	if o.Limit > 0 && o.Limit < test.N {
		test = test.Head(o.Limit)
	}
	// The cheap figure first, so that a model that overflows fails at once.
	rec, kl, err := Score(ctx, m, datasets.ThresholdSet(test), o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("threshold0.5_neg_elbo", rec+kl); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s %s split\nexamples %d images\nimportance_samples %d per image\n", o.Dataset, split, test.N, k)
	for _, set := range []struct {
		name string
		seed uint64
	}{{SetDynamic, o.Seed}, {SetFixed, datasets.FixedBinarizationSeed}} {
		if !slices.Contains(sets, set.name) {
			continue
		}
		b, err := bound(ctx, m, datasets.BinarizeSet(test, set.seed), k, o.Seed, set.name, o.Log)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s_binarization_seed %d\n%s_neg_elbo %.2f nats\n%s_nll_iw %.2f nats\n%s_reconstruction %.2f nats\n%s_kl %.2f nats\n",
			set.name, set.seed, set.name, b.rec+b.kl, set.name, b.nll, set.name, b.rec, set.name, b.kl)
	}
	fmt.Fprintf(w, "threshold0.5_neg_elbo_1sample %.2f nats\n", rec+kl)
	return nil
}

// importanceStream is the PCG stream of the importance samples' noise.
const importanceStream = 0x6977 // "iw"

// bounds holds a set's mean figures in nats per image.
type bounds struct{ nll, rec, kl float64 }

// bound returns the mean importance-weighted −log p(x) with k samples, and the k-sample
// −ELBO's parts, over the images of im (already binary), drawing the samples from seed. It notes its progress in log every
// tenth of the set once it has run 5 seconds, and fails on the first batch whose figures
// are not finite.
func bound(ctx context.Context, m *domain.Model, im *datasets.Images, k int, seed uint64, name string, log io.Writer) (bounds, error) {
	rng := rand.New(rand.NewPCG(seed, importanceStream))
	s := models.Importance{K: k}
	var sum bounds
	start, next := time.Now(), im.N/10
	for from := 0; from < im.N; from += imageEvalBatch {
		to := min(from+imageEvalBatch, im.N)
		b, err := s.Estimate(ctx, m.VAE, datasets.ImageBatch(im, from, to), rng)
		if err != nil {
			return bounds{}, err
		}
		for i := range b.NLL {
			sum.nll += b.NLL[i]
			sum.rec += b.Rec[i]
			sum.kl += b.KL[i]
		}
		if err := m.CheckScore(name+"_nll_iw", sum.nll+sum.rec+sum.kl); err != nil {
			return bounds{}, err
		}
		if el := time.Since(start); log != nil && to >= next && to < im.N && el > 5*time.Second {
			left := time.Duration(float64(el) * float64(im.N-to) / float64(to))
			fmt.Fprintf(log, "eval: %s set: %d of %d images, %s, about %s left\n", name, to, im.N, el.Round(time.Second), left.Round(time.Second))
		}
		for to >= next {
			next += max(im.N/10, 1)
		}
	}
	n := float64(im.N)
	return bounds{sum.nll / n, sum.rec / n, sum.kl / n}, nil
}

// imageEvalBatch is how many images go through Importance.Estimate at a time: the unit of
// progress notes and of the non-finite check, smaller than domain.BatchSize because at
// K = 5000 each image is 5000 decoder passes. The samples are the same whatever it is.
const imageEvalBatch = 50

// Labelled returns the pictures of o.Split ("test" unless "train") with their labels.
func (Domain) Labelled(o domain.DataOptions) ([]domain.Example, []int, error) {
	train, test, err := load(o)
	if err != nil {
		return nil, nil, err
	}
	im := test
	if o.Split == "train" {
		im = train
	}
	xs := make([]domain.Example, im.N)
	for i := range xs {
		xs[i] = domain.Example{Value: im.Image(i)}
	}
	return xs, im.Labels, nil
}

// Attributes learns one vector per label, digit0 ... digit9 (class0 ... for
// fashion-mnist): the mean mu of that label's pictures minus that of all the others, on
// o.Split (test unless "train"); o.Limit pictures drawn by o.Seed, or all.
func (d Domain) Attributes(ctx context.Context, m *domain.Model, o domain.DataOptions, w, _ io.Writer) (*latent.Attributes, error) {
	all, labels, err := d.Labelled(o)
	if err != nil {
		return nil, err
	}
	if labels == nil {
		return nil, fmt.Errorf("%s %s set has no labels", o.Dataset, o.Split)
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	idx = pick.N(idx, o.Limit, o.Seed)
	xs := make([]domain.Example, len(idx))
	ls := make([]int, len(idx))
	for i, k := range idx {
		xs[i], ls[i] = all[k], labels[k]
	}
	fmt.Fprintf(w, "data %s %s set: %d images\n", o.Dataset, o.Split, len(idx))
	mu, _, err := m.EncodeContext(ctx, xs)
	if err != nil {
		return nil, err
	}
	prefix := "digit"
	if o.Dataset != "mnist" {
		prefix = "class"
	}
	attrs := latent.NewAttributes(m.VAE.Z)
	for l := range 10 {
		var with, without [][]float32
		for i, z := range mu {
			if ls[i] == l {
				with = append(with, z)
			} else {
				without = append(without, z)
			}
		}
		if len(with) == 0 {
			fmt.Fprintf(w, "%s%d: no images, no vector\n", prefix, l)
			continue
		}
		name := fmt.Sprintf("%s%d", prefix, l)
		if err := attrs.Learn(name, with, without); err != nil {
			return nil, err
		}
		v, _ := attrs.Vector(name)
		fmt.Fprintf(w, "%s: %d images minus the %d others; |v| %.3f\n", name, len(with), len(without), latent.Norm(v))
	}
	return attrs, nil
}
