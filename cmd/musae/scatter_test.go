package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestScatterOptions(t *testing.T) {
	checkOptions(t, withDomains(newScatterCmd), []optionsCase[scatterOptions]{
		{argv: "", want: scatterOptions{Model: "mnist-conv2", Dataset: "mnist", N: 2000, Seed: 1, Out: "scatter.png"}},
		{argv: "--model mnist-conv -n 500 --seed 4 -o s.png --dataset fashion-mnist", want: scatterOptions{Model: "mnist-conv", Dataset: "fashion-mnist", N: 500, Seed: 4, Out: "s.png"}},
		{argv: "-n 0", wantErr: "-n must be positive"},
		{argv: "-o s.jpg", wantErr: "PNG"},
		{argv: "extra", wantErr: `scatter takes no arguments, got "extra"`},
	})
}

func TestTopVarianceDims(t *testing.T) {
	zs := [][]float32{{0, 5, 1, -3}, {0, -5, 1, 3}, {0, 4, 2, 0}}
	if a, b := topVarianceDims(zs); a != 1 || b != 3 {
		t.Errorf("got %d, %d; want 1, 3", a, b)
	}
	if a, b := topVarianceDims([][]float32{{1, 0}, {1, 0}}); a != 0 || b != 1 {
		t.Errorf("2-D: got %d, %d", a, b)
	}
}

func TestScatterRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.png")
	code, stdout, errb := musae(t, "scatter", "--model", tinyModel(t, "mnist-conv", 6), "-n", "200", "-o", out)
	if code != exitOK {
		if strings.Contains(errb, "MNIST") {
			t.Skipf("no MNIST here: %s", errb)
		}
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(stdout, "of 6 (largest variance), 200 test digits") {
		t.Errorf("scatter said %q", stdout)
	}
	if w, h := pngSize(t, out); w != 900 || h != 600 {
		t.Errorf("scatter is %d×%d", w, h)
	}
	if code, _, errb := musae(t, "scatter", "--model", tinyModel(t, "mel2-tiny", 2), "-o", out); code != exitFailure || !strings.Contains(errb, "not a mnist one") {
		t.Errorf("melody model: exit %d, %s", code, errb)
	}
}
