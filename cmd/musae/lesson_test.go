package main

import (
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
		{"train --task denoise --domain melody -o m.safetensors", "--task trains the lesson's autoencoders on MNIST digits: it takes no --domain"},
		{"train --task ae", "say where to write the checkpoint"},
		{"train --shrink 2 -o m.safetensors", "--shrink goes with --task superres"},
		{"denoise", "denoise takes one picture (or --test)"},
		{"upscale a.png --test", "--test takes no pictures"},
		{"denoise a.png --model digits-nothing", `no such built-in autoencoder`},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			code, _, errb := musae(t, strings.Fields(tc.argv)...)
			if code != exitUsage || !strings.Contains(errb, tc.say) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb, exitUsage, tc.say)
			}
		})
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
	if code, _, errb := musae(t, "upscale", noisy, "--model", ck); code != exitUsage || !strings.Contains(errb, "upscale needs a superres one") {
		t.Errorf("upscale with a denoiser: exit %d, %s", code, errb)
	}
	if code, _, errb := musae(t, "sample", "--model", ck, "-o", filepath.Join(dir, "s.png")); code == 0 || !strings.Contains(errb, ck) {
		t.Errorf("sample with an autoencoder: exit %d, %s", code, errb)
	}
}
