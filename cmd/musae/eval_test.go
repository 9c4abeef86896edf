package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
)

// evalFigures reads eval's "name value unit" lines into a map.
func evalFigures(t *testing.T, out string) map[string]float64 {
	t.Helper()
	fig := map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			fig[f[0]] = v
		}
	}
	return fig
}

// TestEvalMNISTLiterature checks that eval scores digits in the literature's terms: the
// importance-weighted bound below the negative ELBO on both Bernoulli binarisations, the
// thresholded figure labelled apart (and easier), the same figures for the same seed.
func TestEvalMNISTLiterature(t *testing.T) {
	argv := []string{"eval", "--model", "mnist-conv", "--iw", "8", "--limit", "40"}
	var out, errb bytes.Buffer
	if code := run(context.Background(), argv, &out, &errb); code != 0 {
		if strings.Contains(errb.String(), "GoMNIST") {
			t.Skipf("no MNIST here: %s", errb.String())
		}
		t.Fatalf("eval exited %d: %s", code, errb.String())
	}
	fig := evalFigures(t, out.String())
	if fig["importance_samples"] != 8 || fig["examples"] != 40 || fig["fixed_binarization_seed"] != 20110411 {
		t.Errorf("header figures %v", fig)
	}
	for _, set := range []string{"dynamic", "fixed"} {
		nll, elbo := fig[set+"_nll_iw"], fig[set+"_neg_elbo"]
		if !(nll > 50 && nll < elbo && elbo < 150) {
			t.Errorf("%s set: −log p(x) %v, −ELBO %v; want 50 < −log p(x) < −ELBO < 150\n%s", set, nll, elbo, out.String())
		}
		if d := fig[set+"_reconstruction"] + fig[set+"_kl"] - elbo; d < -0.011 || d > 0.011 {
			t.Errorf("%s set: reconstruction + KL − −ELBO = %v", set, d)
		}
	}
	th := fig["threshold0.5_neg_elbo_1sample"]
	if !(th > 0 && th < fig["dynamic_neg_elbo"]) {
		t.Errorf("thresholded −ELBO %v, want positive and below the dynamic set's %v", th, fig["dynamic_neg_elbo"])
	}
	var again bytes.Buffer
	run(context.Background(), argv, &again, &errb)
	if again.String() != out.String() {
		t.Errorf("same seed, different output:\n%s\n%s", out.String(), again.String())
	}
	again.Reset()
	run(context.Background(), append(argv, "--seed", "2"), &again, &errb)
	if f2 := evalFigures(t, again.String()); f2["dynamic_neg_elbo"] == fig["dynamic_neg_elbo"] || f2["dynamic_binarization_seed"] != 2 {
		t.Errorf("--seed 2 gave the same dynamic set:\n%s", again.String())
	}
}

func TestEvalUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"eval", "--model", "mnist-conv", "--iw", "0"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "--iw 0") {
		t.Fatalf("exit %d, stderr %q; want %d and --iw 0", code, errb.String(), exitUsage)
	}
}
