package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"musae/models"
)

var craftedOut = flag.String("crafted-out", "", "also write TestCraftedCheckpointsCLI's files to this folder (to time the built binary on them)")

// craftedSafetensors returns a safetensors file of the given header and data bytes.
func craftedSafetensors(header string, data int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), make([]byte, data)...)
}

// builtinFile returns the bytes of a built-in model's safetensors file, from its domain.
func builtinFile(t *testing.T, name string) []byte {
	t.Helper()
	for _, d := range builtinDomains().Domains() {
		if fsys := d.Builtin(); fsys != nil {
			if b, err := fs.ReadFile(fsys, name+".safetensors"); err == nil {
				return b
			}
		}
	}
	t.Fatalf("no built-in model %s", name)
	return nil
}

// craftedFromBuiltin returns a built-in checkpoint with its config and tensors edited.
func craftedFromBuiltin(t *testing.T, name string, config func(map[string]any), tensors func(map[string]models.Tensor)) []byte {
	t.Helper()
	ts, meta, err := models.ParseTensors(builtinFile(t, name), name)
	if err != nil {
		t.Fatal(err)
	}
	var m models.Meta
	if err := json.Unmarshal([]byte(meta["musae"]), &m); err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(m.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	if config != nil {
		config(cfg)
	}
	if tensors != nil {
		tensors(ts)
	}
	m.Config, _ = json.Marshal(cfg)
	js, _ := json.Marshal(m)
	meta["musae"] = string(js)
	b, err := models.EncodeTensors(ts, meta)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fillAll sets every value of every tensor to v.
func fillAll(v float32) func(map[string]models.Tensor) {
	return func(ts map[string]models.Tensor) {
		for _, t := range ts {
			for i := range t.F32 {
				t.F32[i] = v
			}
		}
	}
}

// sparseMusaeHeader returns the header of a musae checkpoint of mnist-conv whose one
// tensor, correctly described, fills the rest of a 2 GiB file: the config must be held to
// the tensors from the header, before 2 GiB are read.
func sparseMusaeHeader(t *testing.T) []byte {
	_, meta, err := models.ParseTensors(builtinFile(t, "mnist-conv"), "mnist-conv")
	if err != nil {
		t.Fatal(err)
	}
	// The header, padded with spaces to a multiple of 8 bytes, and the data fill 2 GiB.
	header := func(data int64) []byte {
		js, _ := json.Marshal(map[string]any{"__metadata__": meta, "w": map[string]any{"dtype": "F32", "shape": []int64{data / 4}, "data_offsets": []int64{0, data}}})
		for len(js)%8 != 0 {
			js = append(js, ' ')
		}
		return js
	}
	js := header(1 << 30) // as many digits as the final size
	js = header(2<<30 - 8 - int64(len(js)))
	return craftedSafetensors(string(js), 0)
}

// TestCraftedCheckpointsCLI runs `musae eval --model FILE`, `weights` and `train --resume` on the crafted checkpoints of
// issue 17: each must fail with exit 1 and an error naming the file and the problem, and
// none may allocate what its header or config claims (a 1e9-class or 10,000-layer config
// used to run the machine out of memory). With -crafted-out DIR the files are also written
// to DIR, to measure the built binary's time and memory on each.
func TestCraftedCheckpointsCLI(t *testing.T) {
	layers := make([]any, 10000)
	for i := range layers {
		layers[i] = 256
	}
	for _, tc := range []struct {
		name, say string
		b         []byte
		sparse    bool // the file is made 2 GiB long, a hole after b
	}{
		{"shape-2e62", "shape [4611686018427387904] of F32 needs more bytes", craftedSafetensors(`{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}`, 16), false},
		{"shape-2e31x2e31", "shape [2147483648 2147483648] of F32 needs more bytes", craftedSafetensors(`{"w":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,0]}}`, 0), false},
		{"overlapping", `tensor "b" [0, 16] overlaps tensor "a" [0, 16]`, craftedSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 32), false},
		{"offsets-past-end", `tensor "w" needs data up to byte 1016, the file has 16`, craftedSafetensors(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[1000,1016]}}`, 16), false},
		{"truncated-header", "header of 55 bytes in a file of 40", craftedSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 16)[:40], false},
		{"header-longer-than-file", "header of 1099511627776 bytes in a file of 16", append(binary.LittleEndian.AppendUint64(nil, 1<<40), "{}      "...), false},
		{"sparse-2GiB", "2147483569 bytes after the last tensor", craftedSafetensors(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, 0), true},
		{"sparse-2GiB-valid-header", "its config implies 191265 parameter values, its tensors hold 536870768", sparseMusaeHeader(t), true},
		{"10000-layers", "10000 decoder layers, want at most 16", craftedFromBuiltin(t, "mel2-tiny", func(c map[string]any) { c["DecoderHidden"] = layers }, nil), false},
		{"1e9-classes", "classes = 1000000000, want 1 to 4096", craftedFromBuiltin(t, "mel2-tiny", func(c map[string]any) { c["Classes"] = 1e9 }, nil), false},
		{"z-1e9", "latent size 1000000000, want 1 to 4096", craftedFromBuiltin(t, "mnist-conv", func(c map[string]any) { c["Z"] = 1e9 }, nil), false},
		{"config-beyond-tensors", "its config implies 36064474 parameter values, its tensors hold 736474", craftedFromBuiltin(t, "mel2-tiny", func(c map[string]any) { c["EncoderHidden"] = 2048 }, nil), false},
		{"all-nan", `tensor "c1.bias" holds NaN at index 0`, craftedFromBuiltin(t, "mnist-conv", nil, fillAll(float32(math.NaN()))), false},
		{"all-inf", `tensor "c1.bias" holds +Inf at index 0`, craftedFromBuiltin(t, "mnist-conv", nil, fillAll(float32(math.Inf(1)))), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dirs := []string{t.TempDir()}
			if *craftedOut != "" {
				dirs = append(dirs, *craftedOut)
			}
			for _, dir := range dirs {
				path := filepath.Join(dir, tc.name+".safetensors")
				if err := os.WriteFile(path, tc.b, 0o644); err != nil {
					t.Fatal(err)
				}
				if tc.sparse {
					if err := os.Truncate(path, 2<<30); err != nil {
						t.Skipf("no sparse files here: %v", err)
					}
				}
				if dir != dirs[0] {
					continue
				}
				// Every verb that reads a checkpoint itself refuses it from its header too.
				written := filepath.Join(t.TempDir(), "out.safetensors")
				for _, args := range [][]string{
					{"eval", "--model", path},
					{"weights", path, "-o", written},
					{"train", "--resume", path, "-o", written},
				} {
					var out, errb bytes.Buffer
					start := time.Now()
					code := run(context.Background(), args, &out, &errb)
					if d := time.Since(start); d > 2*time.Second {
						t.Errorf("%s: refusal took %v: more was read or built than the header allows", args[0], d)
					}
					if code != exitFailure || !strings.Contains(errb.String(), path) || !strings.Contains(errb.String(), tc.say) {
						t.Fatalf("%s: exit %d, stderr %q; want %d, the file's name and %q", args[0], code, errb.String(), exitFailure, tc.say)
					}
					if _, err := os.Stat(written); err == nil {
						t.Fatalf("%s wrote %s from a refused checkpoint", args[0], written)
					}
				}
			}
		})
	}
}

// TestEvalRefusesNonFiniteScore evaluates a model with finite but huge weights, whose
// logits overflow: eval must fail rather than print NaN or Inf with exit status 0.
func TestEvalRefusesNonFiniteScore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.safetensors")
	b := craftedFromBuiltin(t, "mnist-conv", nil, func(ts map[string]models.Tensor) {
		for i := range ts["c4.weight"].F32 {
			ts["c4.weight"].F32[i] = float32(math.Pow(-1, float64(i))) * 3e38
		}
	})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"eval", "--model", path, "--limit", "50"}, &out, &errb)
	if strings.Contains(errb.String(), "GoMNIST") {
		t.Skipf("no MNIST here: %s", errb.String())
	}
	if code != exitFailure || !strings.Contains(errb.String(), "the model overflows on this data") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %d and a non-finite score refused", code, out.String(), errb.String(), exitFailure)
	}
}
