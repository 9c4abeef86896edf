package main

import (
	"path/filepath"
	"strings"
	"testing"

	"musae/latent/domain"
)

// TestTransformVerbs: every transformation of the built-in domains is a verb of the
// command line, with the help of each domain that has it.
func TestTransformVerbs(t *testing.T) {
	reg := builtinDomains()
	root := newRootCmd(reg)
	names := transformNames(reg)
	for _, want := range []string{"denoise", "elaborate", "groove", "drumify"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("transformations %v lack %s", names, want)
		}
	}
	for _, name := range names {
		cmd, _, err := root.Find([]string{name})
		if err != nil || cmd.Name() != name {
			t.Errorf("no verb %s: %v", name, err)
			continue
		}
		ds, trs := transformsNamed(reg, name)
		for i, d := range ds {
			// The built-in model of each does it.
			m, err := reg.OpenAny(trs[i].Builtin, d.Info().Name)
			if err != nil {
				t.Errorf("%s's built-in model: %v", name, err)
			} else if err := checkTransform(m, trs[i].Builtin, trs[i]); err != nil {
				t.Errorf("%s's built-in model: %v", name, err)
			}
			if !strings.Contains(cmd.Long, trs[i].Builtin) || !strings.Contains(strings.ToLower(cmd.Long), d.Info().Noun) {
				t.Errorf("%s's help names neither %s nor %s:\n%s", name, trs[i].Builtin, d.Info().Noun, cmd.Long)
			}
		}
	}
}

// TestCheckTransform: a task takes a model trained for it and nothing else; a
// transformation of the VAE refuses a model of a task.
func TestCheckTransform(t *testing.T) {
	reg := builtinDomains()
	m, err := reg.New("mel2-tiny", 4, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	task := domain.Transform{Name: "denoise", Task: true, Builtin: "mel2-denoise"}
	vae := domain.Transform{Name: "groove", Builtin: "groove2"}
	for _, tc := range []struct {
		meta string
		tr   domain.Transform
		say  string // "" for none
	}{
		{"denoise", task, ""},
		{"", task, "--model m.st is a VAE of melodies; denoise needs a model trained with --task denoise (built in: mel2-denoise)"},
		{"elaborate", task, "--model m.st is a model of elaborate; denoise needs"},
		{"", vae, ""},
		{"elaborate", vae, "--model m.st is a model of elaborate, not a VAE of melodies; groove takes a VAE (built in: groove2)"},
	} {
		m.Meta.Task = tc.meta
		err := checkTransform(m, "m.st", tc.tr)
		switch {
		case tc.say == "" && err != nil:
			t.Errorf("%s with a model of %q: %v", tc.tr.Name, tc.meta, err)
		case tc.say != "" && (err == nil || !strings.Contains(err.Error(), tc.say)):
			t.Errorf("%s with a model of %q: %v, want %q", tc.tr.Name, tc.meta, err, tc.say)
		}
	}
}

// TestVAEVerbsRefuseTaskModels: a model trained for a task (mel2-elaborate: its encoder
// reads skeletons, and it trained with no KL weight) is no VAE to sample, interpolate,
// encode or decode; each VAE verb refuses it as a usage error naming the verb that runs it.
func TestVAEVerbsRefuseTaskModels(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, dir, 2)
	a, b := filepath.Join(dir, "t00.mid"), filepath.Join(dir, "t01.mid")
	z := filepath.Join(dir, "z.json")
	mustMusae(t, "encode", a, "--model", "mel2-tiny", "-o", z)
	out := func(name string) string { return filepath.Join(dir, name) }
	for _, argv := range [][]string{
		{"sample", "--model", "mel2-elaborate", "-o", out("s")},
		{"interpolate", a, b, "--model", "mel2-elaborate", "-o", out("i.mid")},
		{"similar", a, "--model", "mel2-elaborate", "-o", out("sim")},
		{"arith", "a + b", "a=" + a, "b=" + b, "--model", "mel2-elaborate", "-o", out("ar.mid")},
		{"attribute", "apply", a, "--name", "density", "--model", "mel2-elaborate", "-o", out("ap.mid")},
		{"encode", a, "--model", "mel2-elaborate", "-o", out("z2.json")},
		{"decode", z, "--model", "mel2-elaborate", "-o", out("d.mid")},
		{"reconstruct", a, "--model", "mel2-elaborate", "-o", out("r.mid")},
	} {
		t.Run(argv[0], func(t *testing.T) {
			code, _, errb := musae(t, argv...)
			if code != exitUsage || !strings.Contains(errb, "mel2-elaborate is a model of the task elaborate, not a VAE of melodies: musae elaborate FILE --model mel2-elaborate runs it") {
				t.Errorf("%v: exit %d, %s", argv, code, errb)
			}
		})
	}
}
