package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

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
