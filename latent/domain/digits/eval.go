package digits

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

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

// head returns the first n images of im.
func head(im *datasets.Images, n int) *datasets.Images {
	h := *im
	h.N = n
	h.Pixels = im.Pixels[:n*im.Rows*im.Cols]
	if im.Labels != nil {
		h.Labels = im.Labels[:n]
	}
	return &h
}

// Score returns the single-sample negative ELBO's mean reconstruction and KL terms in
// nats per image on im, statically binarised at 0.5, with the noise drawn from seed; it
// stops when ctx is done.
func Score(ctx context.Context, m *domain.Model, im *datasets.Images, seed uint64) (rec, kl float64, err error) {
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	for from := 0; from < im.N; from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		to := min(from+domain.BatchSize, im.N)
		r, k := m.VAE.Score(datasets.ImageBatch(im, from, to, true), rng)
		for i := range r {
			rec += r[i]
			kl += k[i]
		}
	}
	return rec / float64(im.N), kl / float64(im.N), nil
}

// Train readies t to train m on the training split of o.Dataset, dynamically binarised,
// scored on the test split after each epoch.
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	train, test, err := load(o.DataOptions)
	if err != nil {
		return err
	}
	if o.Limit > 0 && o.Limit < train.N {
		train = head(train, o.Limit)
	}
	t.Data = datasets.ImageSet{Images: train, Dynamic: true}
	t.Shape = [3]int{train.Rows, train.Cols, 0}
	t.Meta.Dataset = fmt.Sprintf("%s train (%d images, dynamically binarised)", o.Dataset, train.N)
	t.Validate = func() (map[string]float64, error) {
		rec, kl, err := Score(context.Background(), m, test, o.Seed)
		return map[string]float64{"loss": rec + kl, "reconstruction": rec, "kl": kl}, err
	}
	return nil
}

// Eval writes the single-sample negative ELBO in nats per image on the statically
// binarised o.Split ("test", the default, or "train"), and its reconstruction and KL parts.
func (Domain) Eval(ctx context.Context, m *domain.Model, o domain.DataOptions, w io.Writer) error {
	split := o.Split
	if split == "" {
		split = "test"
	}
	if split != "test" && split != "train" {
		return domain.Inputf("--split %q: for digits, want test or train", split)
	}
	train, test, err := load(o)
	if err != nil {
		return err
	}
	if split == "train" {
		test = train
	}
	if o.Limit > 0 && o.Limit < test.N {
		test = head(test, o.Limit)
	}
	rec, kl, err := Score(ctx, m, test, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore(split+"_neg_elbo", rec+kl); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s %s split\nexamples %d images\n%s_neg_elbo %.2f nats\nreconstruction %.2f nats\nkl %.2f nats\n", o.Dataset, split, test.N, split, rec+kl, rec, kl)
	return nil
}

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
