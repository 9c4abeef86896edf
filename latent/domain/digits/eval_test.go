package digits_test

import (
	"bufio"
	"context"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"musae/datasets"
	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/models"
)

// TestTrainValidatesOnEvalSet: training scores its epochs on the test set binarised as
// musae eval's dynamic set is (the same draws from the same seed), not on the easier set
// thresholded at 0.5. With one importance sample, eval's −log p(x) estimate is a
// single-sample −ELBO like the validation's, from other posterior noise: the two agree
// within noise, while the thresholded set scores many nats lower.
func TestTrainValidatesOnEvalSet(t *testing.T) {
	if testing.Short() {
		t.Skip("scores the MNIST test set twice")
	}
	m, err := domain.Open("mnist-conv2", digits.New())
	if err != nil {
		t.Fatal(err)
	}
	tr := &models.Trainer{Progress: io.Discard}
	const seed = 7
	if err := m.Domain.Train(tr, m, domain.TrainOptions{DataOptions: domain.DataOptions{Dataset: "mnist", Seed: seed, Limit: 64}}); err != nil {
		t.Fatal(err)
	}
	v, err := tr.Validate()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := m.Domain.Eval(context.Background(), m, domain.DataOptions{Dataset: "mnist", Seed: seed, Samples: 1}, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 {
			if x, err := strconv.ParseFloat(f[1], 64); err == nil {
				got[f[0]] = x
			}
		}
	}
	dyn, thr := got["dynamic_nll_iw"], got["threshold0.5_neg_elbo_1sample"]
	if dyn == 0 || thr == 0 {
		t.Fatalf("eval printed no dynamic_nll_iw or threshold figure:\n%s", out.String())
	}
	t.Logf("validation %.2f nats, eval k = 1: dynamic %.2f, thresholded %.2f", v["loss"], dyn, thr)
	if dyn-thr < 2 {
		t.Fatalf("the dynamic set (%.2f) and the thresholded one (%.2f) are too close to tell apart", dyn, thr)
	}
	if d := math.Abs(v["loss"] - dyn); d > 0.5 {
		t.Errorf("validation loss %.2f nats, eval's dynamic set %.2f (k = 1): %.2f apart, want within 0.5", v["loss"], dyn, d)
	}
	// The same draws, exactly: eval's dynamic set is BinarizeSet of the test split from its
	// seed (which the figures above cannot tell from another draw).
	_, test, err := datasets.LoadMNIST(datasets.MNISTOptions{Dataset: "mnist"})
	if err != nil {
		t.Fatal(err)
	}
	rec, kl, err := digits.Score(context.Background(), m, datasets.BinarizeSet(test, seed), seed)
	if err != nil {
		t.Fatal(err)
	}
	if rec+kl != v["loss"] {
		t.Errorf("validation loss %v, the −ELBO of the test set binarised from seed %d %v", v["loss"], seed, rec+kl)
	}
}
