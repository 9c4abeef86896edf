package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

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
