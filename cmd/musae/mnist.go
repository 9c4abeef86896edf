package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"musae/cmd/musae/internal/zoo"
	"musae/datasets"
	"musae/models"
)

// loadMNIST reads the train and test splits of the dataset named by --dataset and --data.
func loadMNIST(dataset, dir string) (train, test *datasets.Images, err error) {
	return datasets.LoadMNIST(datasets.MNISTOptions{Dataset: dataset, Dir: dir})
}

func setupMNISTTraining(t *models.Trainer, m *zoo.Model, o *trainOptions) error {
	train, test, err := loadMNIST(o.Dataset, o.Data)
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
		rec, kl, err := scoreImages(context.Background(), m, test, o.Seed)
		return map[string]float64{"loss": rec + kl, "reconstruction": rec, "kl": kl}, err
	}
	return nil
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

// scoreImages returns the single-sample negative ELBO's mean reconstruction and KL terms in
// nats per image on im, statically binarised at 0.5, with the noise drawn from seed.
func scoreImages(ctx context.Context, m *zoo.Model, im *datasets.Images, seed uint64) (rec, kl float64, err error) {
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	for from := 0; from < im.N; from += batchSize {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		to := min(from+batchSize, im.N)
		r, k := m.VAE.Score(datasets.ImageBatch(im, from, to, true), rng)
		for i := range r {
			rec += r[i]
			kl += k[i]
		}
	}
	return rec / float64(im.N), kl / float64(im.N), nil
}

// decodeImages returns the Bernoulli means (pixel probabilities) the decoder gives for
// each latent vector.
func decodeImages(m *zoo.Model, zs [][]float32) [][]float32 {
	if m.Images == nil {
		panic("decodeImages on a model without an image decoder")
	}
	zd := m.VAE.Z
	flat := make([]float32, 0, len(zs)*zd)
	for _, z := range zs {
		flat = append(flat, z...)
	}
	logits := m.Images.Logits(flat, len(zs))
	px := len(logits) / len(zs)
	out := make([][]float32, len(zs))
	for i := range out {
		out[i] = make([]float32, px)
		for j := range out[i] {
			out[i][j] = 1 / (1 + float32(math.Exp(-float64(logits[i*px+j]))))
		}
	}
	return out
}

// decodeImagesContext is decodeImages in batches of batchSize, checking ctx between them.
func decodeImagesContext(ctx context.Context, m *zoo.Model, zs [][]float32) ([][]float32, error) {
	out := make([][]float32, 0, len(zs))
	for from := 0; from < len(zs); from += batchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, decodeImages(m, zs[from:min(from+batchSize, len(zs))])...)
	}
	return out, nil
}

// encodeBatch returns the posterior means and log-variances of a batch's examples, each [Z].
func encodeBatch(m *zoo.Model, b *models.Batch) (mu, logvar [][]float32) {
	muF, lvF := m.VAE.Enc.Encode(b, false)
	zd := m.VAE.Z
	for i := 0; i < b.N; i++ {
		mu = append(mu, append([]float32(nil), muF[i*zd:(i+1)*zd]...))
		logvar = append(logvar, append([]float32(nil), lvF[i*zd:(i+1)*zd]...))
	}
	return mu, logvar
}

// imageEvalBatch is how many test images go through Importance.Estimate at a time: the unit
// of progress reports and of the non-finite check.
const imageEvalBatch = 50

// importanceStream is the PCG stream of the importance samples' noise.
const importanceStream = 0x6977 // "iw"

// imageBounds holds a set's mean figures in nats per image.
type imageBounds struct{ nll, rec, kl float64 }

// boundImages returns the mean importance-weighted −log p(x) with k samples, and the
// k-sample −ELBO's parts, over the images of im (already binary), drawing the samples from
// seed. It logs its progress to log every tenth of the set once it has run 5 seconds, and
// fails on the first batch whose figures are not finite.
func boundImages(ctx context.Context, m *zoo.Model, im *datasets.Images, k int, seed uint64, name string, log io.Writer) (imageBounds, error) {
	rng := rand.New(rand.NewPCG(seed, importanceStream))
	s := models.Importance{K: k}
	var sum imageBounds
	start, next := time.Now(), im.N/10
	for from := 0; from < im.N; from += imageEvalBatch {
		to := min(from+imageEvalBatch, im.N)
		b, err := s.Estimate(ctx, m.VAE, datasets.ImageBatch(im, from, to, false), rng)
		if err != nil {
			return imageBounds{}, err
		}
		for i := range b.NLL {
			sum.nll += b.NLL[i]
			sum.rec += b.Rec[i]
			sum.kl += b.KL[i]
		}
		if err := checkScore(m, name+"_nll", sum.nll+sum.rec+sum.kl); err != nil {
			return imageBounds{}, err
		}
		if el := time.Since(start); to >= next && to < im.N && el > 5*time.Second {
			left := time.Duration(float64(el) * float64(im.N-to) / float64(to))
			fmt.Fprintf(log, "eval: %s set: %d of %d images, %s, about %s left\n", name, to, im.N, el.Round(time.Second), left.Round(time.Second))
		}
		for to >= next {
			next += max(im.N/10, 1)
		}
	}
	n := float64(im.N)
	return imageBounds{sum.nll / n, sum.rec / n, sum.kl / n}, nil
}

// evalImages writes a digit model's figures in the literature's terms: the negative ELBO
// (k samples) and the importance-weighted −log p(x) (k samples) on the test set binarised
// dynamically from seed and on the fixed binarisation, then the old single-sample negative
// ELBO on the set thresholded at 0.5, labelled as the easier set it is. Each set's lines
// are written as soon as it is done; sets names those to score ("dynamic", "fixed"), and
// the importance samples of each are drawn from seed alone, so a set scored on its own
// gives the same figures.
func evalImages(ctx context.Context, m *zoo.Model, test *datasets.Images, sets []string, k int, seed uint64, stdout, stderr io.Writer) error {
	// The cheap figure first, so that a model that overflows fails at once.
	rec, kl, err := scoreImages(ctx, m, test, seed)
	if err != nil {
		return err
	}
	if err := checkScore(m, "threshold_neg_elbo", rec+kl); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "examples %d images\nimportance_samples %d per image\n", test.N, k)
	for _, set := range []struct {
		name string
		seed uint64
	}{{"dynamic", seed}, {"fixed", datasets.FixedBinarizationSeed}} {
		if !slices.Contains(sets, set.name) {
			continue
		}
		b, err := boundImages(ctx, m, datasets.BinarizeSet(test, set.seed), k, seed, set.name, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s_binarization_seed %d\n%s_neg_elbo %.2f nats\n%s_nll_iw %.2f nats\n%s_reconstruction %.2f nats\n%s_kl %.2f nats\n",
			set.name, set.seed, set.name, b.rec+b.kl, set.name, b.nll, set.name, b.rec, set.name, b.kl)
	}
	fmt.Fprintf(stdout, "threshold0.5_neg_elbo_1sample %.2f nats\n", rec+kl)
	return nil
}
