package domain

import (
	"os"
	"path/filepath"
	"testing"

	"musae/models"
)

// TestEvalData: the training folder by a relative path or a link is the training folder
// (its track the default), another folder is not, and the options' own folder, split and
// track win.
func TestEvalData(t *testing.T) {
	dir := t.TempDir()
	data, other := filepath.Join(dir, "data"), filepath.Join(dir, "other")
	for _, d := range []string{data, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(data, link); err != nil {
		t.Skip(err)
	}
	t.Chdir(dir)
	m := &Model{Meta: models.Meta{Model: "m1", Data: data, Track: "MELODY"}}
	for _, c := range []struct {
		o    DataOptions
		want EvalData
	}{
		{DataOptions{}, EvalData{data, "validation", "MELODY", true}},
		{DataOptions{Dir: "data", Split: "all"}, EvalData{"data", "all", "MELODY", true}},
		{DataOptions{Dir: link, Split: "train"}, EvalData{link, "train", "MELODY", true}},
		{DataOptions{Dir: link, Track: "2"}, EvalData{link, "validation", "2", true}},
		{DataOptions{Dir: other}, EvalData{other, "validation", "", false}},
	} {
		got, err := m.EvalData(c.o, "tunes", "tunes")
		if err != nil || got != c.want {
			t.Errorf("%+v: %+v, %v; want %+v", c.o, got, err, c.want)
		}
	}
	for _, c := range []struct {
		m    *Model
		o    DataOptions
		want string
	}{
		{&Model{Meta: models.Meta{Model: "m0"}}, DataOptions{}, "say which tunes to score: --data DIR"},
		{&Model{Meta: models.Meta{Model: "m2", Data: filepath.Join(dir, "gone")}}, DataOptions{}, "m2 was trained on " + filepath.Join(dir, "gone") + ", which is not here; say which tunes to score: --data DIR"},
		{m, DataOptions{Split: "test"}, `--split "test": for 2-bar tunes, want validation, train or all`},
	} {
		_, err := c.m.EvalData(c.o, "tunes", "2-bar tunes")
		if err == nil || err.Error() != c.want || !IsInputError(err) {
			t.Errorf("%+v: %v; want the input error %q", c.o, err, c.want)
		}
	}
}
