package main

import (
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"musae/image"
)

func TestTrainTaskUsage(t *testing.T) {
	for _, tc := range []struct{ argv, say string }{
		{"train --task colour -o m.safetensors", `--task "colour": want ae, denoise or superres`},
		{"train --task ae --shrink 2 -o m.safetensors", "--shrink goes with --task superres only"},
		{"train --task superres --shrink 3 -o m.safetensors", "--shrink 3: want 2 (14×14 inputs) or 4 (7×7)"},
		{"train --task ae --z 3 -o m.safetensors", "--z is for VAEs"},
		{"train --task denoise --domain mnist -o m.safetensors", "--task denoise: mnist models have no tasks; the networks of ae, denoise or superres train with --task alone"},
		{"train --task colour --domain melody -o m.safetensors", `--task "colour": melody models train denoise or elaborate`},
		{"elaborate a.png", "a.png: elaborate reads .mid, .midi, .kar, .smf files"},
		{"elaborate", "elaborate takes one file"},
		{"train --task ae", "say where to write the checkpoint"},
		{"train --shrink 2 -o m.safetensors", "--shrink goes with --task superres"},
		{"denoise", "denoise takes one file (.png, .mid, .midi, .kar, .smf), or --test"},
		{"upscale a.png --test", "--test takes no files: it reads the test set of digits"},
		{"upscale --test --temperature 1", "unknown flag: --temperature"},
		{"upscale a.png --wav", "unknown flag: --wav"},
		{"denoise a.png --temperature 1", "--temperature applies to melodies, drum beats, grooves or 16-bar melodies; digits decode to their pixel probabilities"},
		{"denoise a.png --model mel2-denoise", "a.png: denoise reads .mid, .midi, .kar or .smf files"},
		{"denoise tune.mid --model digits-denoise", "tune.mid: denoise reads .png files"},
		{"upscale a.png --model mel2-tiny", "--model mel2-tiny is a model of melodies; upscale takes a model of digits (digits-superres14)"},
		{"upscale a.png --model digits-denoise", "--model digits-denoise is a model of denoise; upscale needs a model trained with --task superres (built in: digits-superres14)"},
		{"denoise a.png --model mnist-conv", "--model mnist-conv is a VAE of digits; denoise needs a model trained with --task denoise or ae (built in: digits-denoise)"},
		{"denoise --test --model mel2-denoise", "--test: the denoise of melodies is measured by musae eval --model mel2-denoise"},
		{"sample --model digits-denoise", "built-in model digits-denoise holds digits-denoise, a network of digits trained for denoise, not a VAE: musae denoise runs it"},
		{"upscale notes.txt", "notes.txt: upscale reads .png files"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			code, _, errb := musae(t, strings.Fields(tc.argv)...)
			if code != exitUsage || !strings.Contains(errb, tc.say) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb, exitUsage, tc.say)
			}
		})
	}
	// A model that is nowhere, and a picture that is not there, fail as with every verb.
	for _, tc := range []struct{ argv, say string }{
		{"denoise a.png --model digits-nothing", `no model "digits-nothing": not a file, and the built-in models are `},
		{"denoise a.png --model digits-nothing", "; the built-in networks digits-ae, digits-denoise, digits-superres14, digits-superres7"},
		{"upscale " + filepath.Join(t.TempDir(), "none.png"), "none.png: no such file"},
	} {
		if code, _, errb := musae(t, strings.Fields(tc.argv)...); code != exitFailure || !strings.Contains(errb, tc.say) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.argv, code, errb, exitFailure, tc.say)
		}
	}
}

// TestLessonEndToEnd trains a denoiser briefly, then denoises a picture and measures it on
// test digits, and refuses it to upscale and to the VAE verbs.
func TestLessonEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	dir := t.TempDir()
	ck := filepath.Join(dir, "dn.safetensors")
	code, out, errb := musae(t, "train", "--task", "denoise", "--limit", "256", "--epochs", "2", "--batch", "32", "--lr", "3e-3", "-o", ck)
	if strings.Contains(errb, "GoMNIST") {
		t.Skipf("no MNIST here: %s", errb)
	}
	if code != 0 {
		t.Fatalf("train --task denoise: exit %d: %s", code, errb)
	}
	fig := evalFigures(t, out)
	if fig["steps"] != 16 || !(fig["test_bce"] > fig["test_bce_floor"]) || fig["baseline_psnr"] == 0 {
		t.Errorf("train --task printed\n%s", out)
	}
	out = mustMusae(t, "denoise", "--model", ck, "--test", "--limit", "30", "-n", "4", "-o", filepath.Join(dir, "grid.png"))
	if f := evalFigures(t, out); f["test_examples"] != 30 || !strings.Contains(out, "rows: inputs, outputs, clean digits") {
		t.Errorf("denoise --test printed\n%s", out)
	}
	noisy := filepath.Join(dir, "noisy.png")
	pix := make([]float32, 784)
	for i := range pix {
		pix[i] = float32(i%7) / 7
	}
	if err := image.WritePNG(noisy, image.ToGray(pix, 28, 28)); err != nil {
		t.Fatal(err)
	}
	mustMusae(t, "denoise", noisy, "--model", ck)
	b, err := os.ReadFile(filepath.Join(dir, "noisy-denoised.png"))
	if err != nil || len(b) == 0 {
		t.Fatalf("no denoised picture: %v", err)
	}
	if code, _, errb := musae(t, "upscale", noisy, "--model", ck); code != exitUsage || !strings.Contains(errb, "upscale needs a model trained with --task superres") {
		t.Errorf("upscale with a denoiser: exit %d, %s", code, errb)
	}
	if code, _, errb := musae(t, "sample", "--model", ck, "-o", filepath.Join(dir, "s.png")); code == 0 || !strings.Contains(errb, ck) {
		t.Errorf("sample with an autoencoder: exit %d, %s", code, errb)
	}

	// Super-resolution from 7×7: measured beside bilinear upscaling, and a 7×7 picture in
	// gives a 28×28 one out.
	sr := filepath.Join(dir, "sr.safetensors")
	out = mustMusae(t, "train", "--task", "superres", "--shrink", "4", "--limit", "64", "--epochs", "1", "--batch", "32", "-o", sr)
	if !strings.Contains(out, "(bilinear upscaling)") {
		t.Errorf("train --task superres printed\n%s", out)
	}
	out = mustMusae(t, "upscale", "--model", sr, "--test", "--limit", "10", "-n", "3", "-o", filepath.Join(dir, "up.png"))
	if !strings.Contains(out, "rows: inputs, outputs, bilinear upscaling, clean digits") || !strings.Contains(out, "7×7 in") {
		t.Errorf("upscale --test printed\n%s", out)
	}
	small := filepath.Join(dir, "small.png")
	if err := image.WritePNG(small, image.ToGray(pix[:49], 7, 7)); err != nil {
		t.Fatal(err)
	}
	mustMusae(t, "upscale", small, "--model", sr, "-o", filepath.Join(dir, "big.png"))
	f, err := os.Open(filepath.Join(dir, "big.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width != 28 || cfg.Height != 28 {
		t.Errorf("upscaled picture: %+v, %v; want 28×28", cfg, err)
	}
}

// TestMelodyTasksEndToEnd fine-tunes a small melody model to denoise and to elaborate for a
// few steps, measures each, runs a file through each verb, and checks the refusals.
func TestMelodyTasksEndToEnd(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "corpus")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	writeCorpus(t, data, 40)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	vae := tinyModel(t, "mel2-tiny", 8)
	tune := filepath.Join(data, "t03.mid")
	for _, task := range []string{"denoise", "elaborate"} {
		ck := filepath.Join(dir, task+".safetensors")
		out := mustMusae(t, "train", "--init", vae, "--task", task, "--data", data, "--epochs", "1", "--batch", "16", "-o", ck)
		if !strings.Contains(out, "validation_step_accuracy") {
			t.Errorf("train --task %s printed no task figures:\n%s", task, out)
		}
		if task == "denoise" { // a resumed run keeps the task
			ck2 := filepath.Join(dir, "resumed.safetensors")
			if out := mustMusae(t, "train", "--resume", ck, "--epochs", "2", "-o", ck2); !strings.Contains(out, "validation_restored") {
				t.Errorf("train --resume of a denoiser printed no denoising figures:\n%s", out)
			}
			if code, _, errb := musae(t, "train", "--resume", ck, "--epochs", "2", "--task", "elaborate", "-o", ck2); code != exitUsage || !strings.Contains(errb, "trains --task denoise; a resumed run keeps it") {
				t.Errorf("train --resume --task elaborate of a denoiser: exit %d, %s", code, errb)
			}
			// Fine-tuning a denoiser keeps it a denoiser; --task says otherwise.
			ck3 := filepath.Join(dir, "finetuned.safetensors")
			mustMusae(t, "train", "--init", ck, "--data", data, "--epochs", "1", "--batch", "16", "-o", ck3)
			if out := mustMusae(t, "eval", "--model", ck3); !strings.Contains(out, "task denoise") {
				t.Errorf("eval of a fine-tuned denoiser:\n%s", out)
			}
			mustMusae(t, "train", "--init", ck, "--task", "elaborate", "--data", data, "--epochs", "1", "--batch", "16", "-o", ck3)
			if out := mustMusae(t, "eval", "--model", ck3); !strings.Contains(out, "task elaborate") {
				t.Errorf("eval of a denoiser fine-tuned to elaborate:\n%s", out)
			}
		}
		out = mustMusae(t, "eval", "--model", ck)
		want := map[string][]string{
			"denoise":   {"task denoise (inputs damaged with seed 1", "restored ", "input_restored ", "kept ", "input_step_accuracy "},
			"elaborate": {"task elaborate", "skeleton_kept ", "onsets_per_window ", "clean_onsets_per_window "},
		}[task]
		for _, w := range append(want, "T0.5_step_accuracy ", "T0.5_onsets_per_window ") {
			if !strings.Contains(out, w) {
				t.Errorf("eval of the %s model lacks %q:\n%s", task, w, out)
			}
		}
		res := filepath.Join(dir, "tune-"+task+"d.mid")
		out = mustMusae(t, task, tune, "--model", ck, "-o", res)
		for _, w := range []string{"read " + tune + ": all 4 bars", "changed ", "\nin   ", "\nout  ", "wrote " + res} {
			if !strings.Contains(out, w) {
				t.Errorf("%s printed no %q:\n%s", task, w, out)
			}
		}
		if back := mustMusae(t, "inspect", res); !strings.Contains(back, "2-bar windows") {
			t.Errorf("inspect %s reads no melody back:\n%s", res, back)
		}
		sampled := mustMusae(t, task, tune, "--model", ck, "--temperature", "2", "--seed", "3", "-o", filepath.Join(dir, "hot.mid"))
		if outLines(sampled) == outLines(out) {
			t.Errorf("%s at temperature 2 decoded what greedy decoding did:\n%s", task, out)
		}
		if code, _, errb := musae(t, task, tune, "--model", ck, "--temperature", "-1"); code != exitUsage || !strings.Contains(errb, "--temperature -1: want 0 (greedy) or more") {
			t.Errorf("%s --temperature -1: exit %d, %s", task, code, errb)
		}
		other := map[string]string{"denoise": "elaborate", "elaborate": "denoise"}[task]
		if code, _, errb := musae(t, other, tune, "--model", ck); code != exitUsage || !strings.Contains(errb, "is a model of "+task+"; "+other+" needs a model trained with --task "+other) {
			t.Errorf("%s with the %s model: exit %d, %s", other, task, code, errb)
		}
	}
	if code, _, errb := musae(t, "denoise", tune, "--model", vae); code != exitUsage || !strings.Contains(errb, "is a VAE of melodies; denoise needs a model trained with --task denoise") {
		t.Errorf("denoise with a plain VAE: exit %d, %s", code, errb)
	}
}

// outLines returns the "out" lines of a task verb's output: the bars it decoded.
func outLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "out ") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// TestPrintBeside: the bars shown start where the two renderings first differ, else at
// the first bar with notes.
func TestPrintBeside(t *testing.T) {
	a := "   1 | .   . |\n   2 | C4  - |\n   3 | D4  - |\n   4 | E4  - |\n"
	b := "   1 | .   . |\n   2 | C4  - |\n   3 | D#4 - |\n   4 | E4  - |\n"
	var w strings.Builder
	printBeside(&w, a, b, 1)
	if want := "in     3 | D4  - |\nout    3 | D#4 - |\n(bars 3–3 of 4; musae inspect reads the whole file)\n"; w.String() != want {
		t.Errorf("printBeside differing:\n%s\nwant\n%s", w.String(), want)
	}
	w.Reset()
	printBeside(&w, a, a, 8)
	if want := "in     2 | C4  - |\nout    2 | C4  - |\nin     3 | D4  - |\nout    3 | D4  - |\nin     4 | E4  - |\nout    4 | E4  - |\n(bars 2–4 of 4; musae inspect reads the whole file)\n"; w.String() != want {
		t.Errorf("printBeside same:\n%s\nwant\n%s", w.String(), want)
	}
}

// TestTrainNetOptions: train --task alone checks the network's settings with its domain
// (domain.NetTrainer) before the work starts, and fills in Adam's constants and the
// command line for the checkpoint's provenance.
func TestTrainNetOptions(t *testing.T) {
	for _, tc := range []struct{ argv, say string }{
		{"--task superres --shrink 3 -o m.safetensors", "--shrink 3: want 2 (14×14 inputs) or 4 (7×7)"},
		{"--task denoise --shrink 4 -o m.safetensors", "--shrink goes with --task superres only"},
		{"--task superres --shrink 4 -o m.safetensors", ""},
	} {
		var o *trainOptions
		cmd := newTrainCmd(builtinDomains(), func(got *trainOptions) error { o = got; return nil })
		cmd.SetArgs(strings.Fields(tc.argv))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		switch {
		case tc.say != "" && (err == nil || o != nil || !strings.Contains(err.Error(), tc.say)):
			t.Errorf("%s: %v (ran: %v); want %q before the work", tc.argv, err, o != nil, tc.say)
		case tc.say == "" && (err != nil || o.Optim.Beta1 != 0.9 || !strings.Contains(o.Command, "--shrink=4")):
			t.Errorf("%s: %v, %+v", tc.argv, err, o)
		}
	}
}
