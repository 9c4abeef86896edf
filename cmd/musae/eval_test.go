package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"musae/datasets"
	"musae/midi"
	"musae/models"
)

// examples returns the count of eval's "examples N windows" line.
func examples(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^examples (\d+) windows$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no examples line in:\n%s", out)
	}
	return mustValue(strconv.Atoi(m[1]))
}

// TestEvalSplit: eval scores the validation split unless told otherwise and says which it
// scored, also when the training folder is named through a link.
func TestEvalSplit(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	if err := os.Mkdir(corpus, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCorpus(t, corpus, 40)
	m, err := builtinDomains().New("mel2-tiny", 8, "", 7)
	if err != nil {
		t.Fatal(err)
	}
	m.Meta.Data = corpus
	model := filepath.Join(dir, "m.safetensors")
	if err := models.SaveCheckpoint(model, m.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(corpus, link); err != nil {
		t.Fatal(err)
	}
	other := tinyModel(t, "mel2-tiny", 8) // trained on no folder of its own

	count := map[string]int{}
	for _, tc := range []struct {
		name string
		argv []string
		say  string
	}{
		{"default", []string{"--model", model}, "(validation split: the 10% of files that training holds out, "},
		{"link", []string{"--model", model, "--data", link}, "(validation split: the 10% of files that training holds out, "},
		{"other model", []string{"--model", other, "--data", corpus}, "(validation split: the 10% of files that training holds out (mel2-tiny trained on another folder)"},
		{"train", []string{"--model", model, "--data", link, "--split", "train"}, "(train split: the files that training learns from"},
		{"all", []string{"--model", model, "--data", link, "--split", "all"}, "(all files"},
	} {
		out := mustMusae(t, append([]string{"eval"}, tc.argv...)...)
		if !strings.Contains(out, tc.say) {
			t.Errorf("%s: eval said\n%s\nwant %q", tc.name, out, tc.say)
		}
		count[tc.name] = examples(t, out)
	}
	if v, tr, all := count["default"], count["train"], count["all"]; v == 0 || v != count["link"] || v+tr != all {
		t.Errorf("validation %d (through the link %d) + train %d windows, want the %d of all", v, count["link"], tr, all)
	}
	if code, _, errb := musae(t, "eval", "--model", model, "--split", "test"); code != exitUsage || !strings.Contains(errb, `--split "test": for melodies, want validation, train or all`) {
		t.Errorf("--split test on melodies: exit %d, %s", code, errb)
	}
	if code, _, errb := musae(t, "eval", "--domain", "mnist", "--split", "validation"); code != exitUsage || !strings.Contains(errb, `--split "validation": for digits, want test or train`) {
		t.Errorf("--split validation on digits: exit %d, %s", code, errb)
	}
}

// TestEvalMelodyMetrics: beside per-step accuracy, eval says the onset accuracy, the share
// of exact windows and the all-hold baseline of the same windows.
func TestEvalMelodyMetrics(t *testing.T) {
	corpus := t.TempDir()
	writeCorpus(t, corpus, 12)
	out := mustMusae(t, "eval", "--model", "mel2-tiny", "--data", corpus, "--split", "all")
	value := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + name + ` ([0-9.]+) fraction$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s line in:\n%s", name, out)
		}
		return mustValue(strconv.ParseFloat(m[1], 64))
	}
	c, err := datasets.LoadMelodies(corpus, datasets.MelodyOptions{AlignGrid: true, ValidationShare: -1, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	holds, steps := 0, 0
	for _, w := range c.Train {
		for _, x := range w {
			steps++
			if x == midi.NoEvent {
				holds++
			}
		}
	}
	if got, want := value("hold_baseline"), float64(holds)/float64(steps); math.Abs(got-want) > 1e-4 {
		t.Errorf("hold_baseline %v, want %v: the share of hold steps of the %d windows", got, want, len(c.Train))
	}
	acc, onset, exact := value("accuracy"), value("onset_accuracy"), value("exact_windows")
	if onset < 0 || onset > 1 || exact < 0 || exact > acc || acc <= 0 {
		t.Errorf("accuracy %v, onset accuracy %v, exact windows %v", acc, onset, exact)
	}
	// MusicVAE's Table 1 pair: teacher forcing beats greedy free-running decoding here, and
	// sampling at temperature 1 falls below it.
	tf := regexp.MustCompile(`(?m)^teacher_forced ([0-9.]+) fraction$`).FindStringSubmatch(out)
	sm := regexp.MustCompile(`(?m)^sampled ([0-9.]+) fraction \(temperature 1, --seed 1\)$`).FindStringSubmatch(out)
	if tf == nil || sm == nil {
		t.Fatalf("no teacher_forced or sampled line in:\n%s", out)
	}
	teacher, sampled := mustValue(strconv.ParseFloat(tf[1], 64)), mustValue(strconv.ParseFloat(sm[1], 64))
	if teacher <= 0 || teacher > 1 || sampled <= 0 || sampled >= teacher {
		t.Errorf("teacher-forced %v, sampled %v", teacher, sampled)
	}
	if want := fmt.Sprintf("meter 4/4 windows %d accuracy %.4f onset_accuracy %.4f exact_windows %.4f hold_baseline %.4f teacher_forced %.4f sampled %.4f\n", len(c.Train), acc, onset, exact, value("hold_baseline"), teacher, sampled); !strings.Contains(out, want) {
		t.Errorf("eval said\n%s\nwant the line %q", out, want)
	}

	// A waltz: scored by its meter only with --any-meter, in windows of 32 steps.
	var waltz midi.Melody
	for j := range 24 { // eight bars of 3/4 in quarter notes
		waltz = append(waltz, midi.NoteOnClass(60+j%7), 0, 0, 0)
	}
	if err := midi.WriteFileWith(filepath.Join(corpus, "waltz.mid"), midi.WriteOptions{Meters: []midi.Meter{{Num: 3, Den: 4}}}, waltz); err != nil {
		t.Fatal(err)
	}
	if out := mustMusae(t, "eval", "--model", "mel2-tiny", "--data", corpus, "--split", "all"); strings.Contains(out, "meter 3/4") {
		t.Errorf("without --any-meter a 3/4 line:\n%s", out)
	}
	out = mustMusae(t, "eval", "--model", "mel2-tiny", "--data", corpus, "--split", "all", "--any-meter")
	// 96 steps: windows of 32 at 0, 16, ..., 64, all distinct.
	if !strings.Contains(out, "meter 3/4 windows 5 accuracy ") || examples(t, out) != len(c.Train)+5 {
		t.Errorf("--any-meter:\n%s", out)
	}
}

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
	// One set on its own gives the figures it gives beside the other.
	again.Reset()
	run(context.Background(), append(argv, "--binarization", "fixed"), &again, &errb)
	f3 := evalFigures(t, again.String())
	if _, ok := f3["dynamic_neg_elbo"]; ok || f3["fixed_nll_iw"] != fig["fixed_nll_iw"] || f3["fixed_neg_elbo"] != fig["fixed_neg_elbo"] {
		t.Errorf("--binarization fixed:\n%s\nboth:\n%s", again.String(), out.String())
	}
}

func TestEvalUsage(t *testing.T) {
	for _, tc := range []struct{ argv, say string }{
		{"eval --model mnist-conv --iw 0", "--iw 0: want at least 1"},
		{"eval --model mnist-conv --binarization static", `--binarization "static": want dynamic or fixed`},
	} {
		code, _, errb := musae(t, strings.Fields(tc.argv)...)
		if code != exitUsage || !strings.Contains(errb, tc.say) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.argv, code, errb, exitUsage, tc.say)
		}
	}
}
