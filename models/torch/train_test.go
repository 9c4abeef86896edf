package torch

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"musae/datasets"
	"musae/midi"
	"musae/models"
)

// trainTol bounds how far a two-process run's weights may be from a one-process run's
// after a few steps: gradients averaged over two halves of the batch differ from the
// whole batch's in the last float32 bits, and Adam, which divides by √v, magnifies that
// for weights whose gradients are nearly zero. A step moves a weight by up to lr = 1e-3,
// so 1e-5 is 1% of one step.
const trainTol = 1e-5

// momentTol bounds the optimiser's moments' difference relative to each tensor's largest:
// the first moment is 0.1·gradient after one step, and float32 gradients of the digits'
// convolutions, summed over 16 × 784 positions in one order or in two halves, differ by a
// few 1e-6 of their largest.
const momentTol = 1e-4

// buildMusae builds the musae binary into dir.
func buildMusae(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "musae")
	if out, err := exec.Command("go", "build", "-o", bin, "musae/cmd/musae").CombinedOutput(); err != nil {
		t.Fatalf("go build musae: %v\n%s", err, out)
	}
	return bin
}

func runMusae(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("musae %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeCorpus writes n MIDI files of 8-bar tunes (random steps and pitches around C5) into
// dir: a corpus musae datasets export cuts into windows.
func writeCorpus(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for f := 0; f < n; f++ {
		m := make(midi.Melody, 8*midi.StepsPerBar)
		for s := 0; s < len(m); s += 1 + rng.IntN(4) {
			m[s] = midi.NoteOnClass(60 + rng.IntN(13))
		}
		if err := midi.WriteFile(filepath.Join(dir, fmt.Sprintf("tune%02d.mid", f)), 120, m); err != nil {
			t.Fatal(err)
		}
	}
}

// weightsDiff returns the largest absolute difference between the parameters of two
// checkpoints of the same model, and the largest difference between their optimiser's
// moments relative to the largest moment of the tensor (v is a squared gradient, 1e4 for
// the digits' decoder).
func weightsDiff(t *testing.T, a, b string) (params, moments float64) {
	t.Helper()
	ta, _, err := models.ReadTensors(a)
	if err != nil {
		t.Fatal(err)
	}
	tb, _, err := models.ReadTensors(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(ta) != len(tb) {
		t.Fatalf("%s has %d tensors, %s %d", a, len(ta), b, len(tb))
	}
	for k, x := range ta {
		y, ok := tb[k]
		if !ok || len(y.F32) != len(x.F32) {
			t.Fatalf("%s: tensor %s missing or of another size in %s", a, k, b)
		}
		d, scale := 0.0, 0.0
		for i := range x.F32 {
			d = max(d, math.Abs(float64(x.F32[i])-float64(y.F32[i])))
			scale = max(scale, math.Abs(float64(x.F32[i])))
		}
		if strings.HasPrefix(k, "optimizer.") {
			if scale > 0 {
				moments = max(moments, d/scale)
			}
		} else {
			params = max(params, d)
		}
	}
	return params, moments
}

// checkGoEncoding checks that a checkpoint written by musae_torch is byte for byte the file
// musae writes for the same tensors and metadata.
func checkGoEncoding(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta, err := models.ParseTensors(b, path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := models.EncodeTensors(ts, meta)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) {
		t.Errorf("%s: musae would write these tensors and metadata differently (%d bytes, musae's %d)", path, len(b), len(again))
	}
	ck, err := models.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Meta.Version != models.Version {
		t.Errorf("%s: version %q, musae is %q (musae_torch/models.py VERSION)", path, ck.Meta.Version, models.Version)
	}
}

var figure = regexp.MustCompile(`(?m)^(\w+) ([-+0-9.e]+)`)

// figures returns the "name value" lines of a program's output.
func figures(out string) map[string]float64 {
	m := map[string]float64{}
	for _, f := range figure.FindAllStringSubmatch(out, -1) {
		if v, err := strconv.ParseFloat(f[2], 64); err == nil {
			m[f[1]] = v
		}
	}
	return m
}

type trainRun struct {
	procs int
	args  []string
}

// train runs musae_torch.train in procs processes (through torchrun for more than one)
// and returns its standard output.
func train(t *testing.T, procs int, args ...string) string {
	t.Helper()
	if procs == 1 {
		return runPython(t, nil, "musae_torch.train", args...)
	}
	launch := []string{"--standalone", "--nproc_per_node", strconv.Itoa(procs), "-m", "musae_torch.train"}
	return runPython(t, []string{"OMP_NUM_THREADS=1"}, "musae_torch.torchrun", append(launch, args...)...)
}

// TestTorchTrainDistributed trains mel2-tiny for a few steps with torchrun in two processes
// over gloo and in one process with the same global batch: the weights agree within
// trainTol; a run stopped and resumed equals one that was not; the checkpoints are musae's
// own encoding, musae eval and musae sample use them unchanged, musae train --resume
// continues the run, and musae_torch.train --resume continues one of musae's.
func TestTorchTrainDistributed(t *testing.T) {
	python(t)
	if testing.Short() {
		t.Skip("trains in several processes")
	}
	dir := t.TempDir()
	bin := buildMusae(t, dir)
	corpus := filepath.Join(dir, "corpus")
	writeCorpus(t, corpus, 40)
	windows := filepath.Join(dir, "windows.safetensors")
	out := runMusae(t, bin, "datasets", "export", corpus, "--align", "--no-cache", "-o", windows)
	t.Log(strings.TrimSpace(out))
	wt, _, err := models.ReadTensors(windows)
	if err != nil {
		t.Fatal(err)
	}
	nValid := wt["validation"].Shape[0]
	if nValid == 0 {
		t.Fatalf("the corpus gave no validation windows: %s", out)
	}
	common := []string{"--config", "mel2-tiny", "--windows", windows, "--batch", "8", "--sampling-rate", "10", "--threads", "1"}
	path := func(name string) string { return filepath.Join(dir, name+".safetensors") }
	one := train(t, 1, append(common, "--max-steps", "4", "-o", path("one"))...)
	two := train(t, 2, append(common, "--max-steps", "4", "-o", path("two"))...)
	t.Logf("one process:\n%s\ntwo processes:\n%s", one, two)
	fo, ft := figures(one), figures(two)
	if fo["steps"] != 4 || ft["steps"] != 4 || ft["processes"] != 2 {
		t.Fatalf("want 4 steps in 1 and 2 processes, got %v and %v", fo, ft)
	}
	if d := math.Abs(fo["loss"]-ft["loss"]) / math.Abs(fo["loss"]); d > 1e-5 {
		t.Errorf("last loss %v in one process, %v in two (relative difference %.2g)", fo["loss"], ft["loss"], d)
	}
	p, m := weightsDiff(t, path("one"), path("two"))
	t.Logf("two processes vs one, same global batch 8, 4 steps: weights differ by at most %.2g, Adam's moments by %.2g of their largest", p, m)
	if p > trainTol || m > momentTol {
		t.Errorf("two processes and one disagree: weights by %.3g, moments by %.3g, want ≤ %g and %g", p, m, trainTol, momentTol)
	}

	// Stopped after 2 steps and resumed to 4, in two processes: the same run.
	train(t, 2, append(common, "--max-steps", "2", "-o", path("resumed"))...)
	train(t, 1, "--resume", path("resumed"), "--windows", windows, "--max-steps", "4", "--threads", "1", "-o", path("resumed"))
	if p, m := weightsDiff(t, path("one"), path("resumed")); p > trainTol || m > momentTol {
		t.Errorf("a run resumed at step 2 ends %.3g (moments %.3g) away from one that ran through", p, m)
	}

	// An unrelated run is far away: the comparisons above can fail.
	train(t, 1, append(common, "--max-steps", "4", "--seed", "2", "-o", path("other"))...)
	if p, _ := weightsDiff(t, path("one"), path("other")); p < 100*trainTol {
		t.Errorf("runs with seeds 1 and 2 differ by only %.3g", p)
	}

	for _, name := range []string{"one", "two", "resumed"} {
		checkGoEncoding(t, path(name))
	}
	ev := runMusae(t, bin, "eval", "--model", path("two"))
	t.Logf("musae eval --model two.safetensors:\n%s", ev)
	fe := figures(ev)
	if int(fe["examples"]) != nValid || !(fe["accuracy"] > 0 && fe["accuracy"] <= 1) || !strings.Contains(ev, "validation split") {
		t.Errorf("musae eval did not score the export's %d validation windows:\n%s", nValid, ev)
	}
	// musae continues the torchrun run where it stopped, to the end of the first epoch.
	cont := runMusae(t, bin, "train", "--resume", path("two"), "--epochs", "1", "-o", path("musae"))
	if want := float64(wt["train"].Shape[0] / 8); figures(cont)["steps"] != want {
		t.Errorf("musae train --resume two.safetensors: want %v steps (one epoch of batch 8):\n%s", want, cont)
	}
	// And the other way: musae_torch.train continues a run musae train began.
	runMusae(t, bin, "train", "--config", "mel2-tiny", "--data", corpus, "--epochs", "1", "--batch", "8", "-o", path("musae-first"))
	perEpoch := wt["train"].Shape[0] / 8
	resumed := train(t, 1, "--resume", path("musae-first"), "--windows", windows, "--epochs", "2", "--max-steps", strconv.Itoa(perEpoch+2), "--threads", "1", "-o", path("torch-second"))
	if got := figures(resumed)["steps"]; got != float64(perEpoch+2) {
		t.Errorf("musae_torch.train --resume of musae's checkpoint: %v steps, want %d:\n%s", got, perEpoch+2, resumed)
	}
	samples := filepath.Join(dir, "samples")
	runMusae(t, bin, "sample", "--model", path("two"), "-n", "2", "-o", samples)
	for _, f := range []string{"sample-01.mid", "sample-02.mid"} {
		if _, err := midi.ReadFile(filepath.Join(samples, f)); err != nil {
			t.Errorf("musae sample --model two.safetensors: %v", err)
		}
	}
}

// TestTorchTrainDigits does the same for mnist-conv on MNIST's IDX files (where the Go
// module cache has them): two processes equal one, and musae eval and sample use the result.
func TestTorchTrainDigits(t *testing.T) {
	python(t)
	if testing.Short() {
		t.Skip("trains in several processes")
	}
	mnist, err := datasets.MNISTDir("mnist")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	bin := buildMusae(t, dir)
	path := func(name string) string { return filepath.Join(dir, name+".safetensors") }
	common := []string{"--config", "mnist-conv", "--mnist", mnist, "--batch", "16", "--limit", "512", "--max-steps", "3", "--threads", "1"}
	one := train(t, 1, append(common, "-o", path("one"))...)
	train(t, 2, append(common, "-o", path("two"))...)
	p, m := weightsDiff(t, path("one"), path("two"))
	t.Logf("mnist-conv, two processes vs one, global batch 16, 3 steps: weights differ by at most %.2g, moments by %.2g of their largest\n%s", p, m, one)
	if p > trainTol || m > momentTol {
		t.Errorf("two processes and one disagree: weights by %.3g, moments by %.3g, want ≤ %g and %g", p, m, trainTol, momentTol)
	}
	checkGoEncoding(t, path("two"))
	ev := runMusae(t, bin, "eval", "--model", path("two"), "--data", mnist, "--limit", "200", "--iw", "5")
	if fe := figures(ev); fe["examples"] != 200 || !(fe["dynamic_neg_elbo"] > 0) || !(fe["dynamic_nll_iw"] > 0) {
		t.Errorf("musae eval --model two.safetensors:\n%s", ev)
	}
	png := filepath.Join(dir, "samples.png")
	runMusae(t, bin, "sample", "--model", path("two"), "-n", "4", "-o", png)
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Errorf("musae sample --model two.safetensors wrote no %s: %v", png, err)
	}
}
