package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/latent/domain/melody"
)

// TestInterpolateOptions: --track and --bar are repeatable, given once for every input or
// once per input in order; any other count is refused before a model is opened.
func TestInterpolateOptions(t *testing.T) {
	opts := func(o interpolateOptions) interpolateOptions {
		o.Domain, o.Mode, o.Steps, o.Seed = "melody", "slerp", 5, 1
		if o.Files == nil {
			o.Files = []string{"a.mid", "b.mid"}
		}
		return o
	}
	checkOptions(t, withDomains(newInterpolateCmd), []optionsCase[interpolateOptions]{
		{argv: "a.mid b.mid", want: opts(interpolateOptions{})},
		{argv: "a.mid b.mid --track MELODY --bar 3", want: opts(interpolateOptions{Track: []string{"MELODY"}, Bar: []int{3}})},
		{argv: "a.mid b.mid --track MELODY --track 0", want: opts(interpolateOptions{Track: []string{"MELODY", "0"}})},
		{argv: "a.mid b.mid --track= --track 0 --bar 0 --bar 9", want: opts(interpolateOptions{Track: []string{"", "0"}, Bar: []int{0, 9}})},
		{argv: "a.mid b.mid --track lead,vocal", want: opts(interpolateOptions{Track: []string{"lead,vocal"}})},
		{argv: "a.mid b.mid c.mid d.mid --grid 3x3 --track 1 --track 1 --track 2 --track 2", want: opts(interpolateOptions{Files: []string{"a.mid", "b.mid", "c.mid", "d.mid"}, GridRows: 3, GridCols: 3, Track: []string{"1", "1", "2", "2"}})},
		{argv: "a.mid b.mid --track MELODY --track 0 --track 1", wantErr: "--track given 3 times for 2 inputs: give it once for every input, or once per input in order"},
		{argv: "a.mid b.mid c.mid d.mid --grid 3x3 --bar 1 --bar 2", wantErr: "--bar given 2 times for 4 inputs"},
		{argv: "a.mid b.mid --bar 2 --bar -1", wantErr: "--bar -1: bars count from 1"},
	})
}

func TestInputOptionsCount(t *testing.T) {
	checkOptions(t, withDomains(newEncodeCmd), []optionsCase[encodeOptions]{
		{argv: "a.mid b.mid c.mid --track MELODY --track 0 --track=", want: encodeOptions{Domain: "melody", Out: "z.json", Files: []string{"a.mid", "b.mid", "c.mid"}, Track: []string{"MELODY", "0", ""}}},
		{argv: "a.mid b.mid c.mid --bar 2 --bar 3", wantErr: "--bar given 2 times for 3 inputs"},
	})
	checkOptions(t, withDomains(newSimilarCmd), []optionsCase[similarOptions]{
		{argv: "x.mid --track 1 --track 2", wantErr: "--track given 2 times for 1 input: give it once"},
	})
	checkOptions(t, withDomains(newArithCmd), []optionsCase[arithOptions]{
		{argv: "a-b a=x.mid b=y.mid --track MELODY --track 0", want: arithOptions{Expr: "a-b", Domain: "melody", Names: []string{"a", "b"}, Files: []string{"x.mid", "y.mid"}, Track: []string{"MELODY", "0"}, Seed: 1}},
		{argv: "a-b a=x.mid b=y.mid --track MELODY --track 0 --track 1", wantErr: "--track given 3 times for 2 inputs"},
	})
}

// TestReadOptions: a value given once is every input's, values given once each are the
// inputs' in order, and none leaves the choice to the domain.
func TestReadOptions(t *testing.T) {
	for _, tc := range []struct {
		track []string
		bar   []int
		want  []domain.ReadOptions
	}{
		{nil, nil, []domain.ReadOptions{{}, {}}},
		{[]string{"MELODY"}, []int{3}, []domain.ReadOptions{{Track: "MELODY", Bar: 3}, {Track: "MELODY", Bar: 3}}},
		{[]string{"MELODY", "0"}, nil, []domain.ReadOptions{{Track: "MELODY"}, {Track: "0"}}},
		{[]string{"", "2"}, []int{5, 0}, []domain.ReadOptions{{Bar: 5}, {Track: "2"}}},
		{[]string{"1"}, []int{4, 0}, []domain.ReadOptions{{Track: "1", Bar: 4}, {Track: "1"}}},
	} {
		if got := readOptions(tc.track, tc.bar, 2); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("readOptions(%q, %v, 2) = %+v, want %+v", tc.track, tc.bar, got, tc.want)
		}
	}
}

// TestInterpolatePerInputTrack morphs a POP909 song (its MELODY track; track 0 has no
// notes) with a Nottingham tune (its one track, 0) through the CLI: each input is read
// with its own --track, as each alone reads it. One --track for both fails on one of them.
func TestInterpolatePerInputTrack(t *testing.T) {
	data := "../../../shared/data/melodies"
	song, tune := filepath.Join(data, "pop909", "001.mid"), filepath.Join(data, "nottingham", "hpps1.mid")
	for _, p := range []string{song, tune} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("no %s here: %v", p, err)
		}
	}
	model := tinyModel(t, "mel2-tiny", 8)
	out := filepath.Join(t.TempDir(), "morph.mid")
	stdout := mustMusae(t, "interpolate", song, tune, "--track", "MELODY", "--track", "0", "--model", model, "--steps", "3", "-o", out)
	for i, w := range []struct{ path, track string }{{song, "MELODY"}, {tune, "0"}} {
		x, err := domain.ReadFile(melody.New(), w.path, domain.ReadOptions{Track: w.track})
		if err != nil {
			t.Fatal(err)
		}
		if want := "input " + string(rune('A'+i)) + ": " + w.path + ", " + x.Where + "\n" + show(melody.New(), x); !strings.Contains(stdout, want) {
			t.Errorf("interpolate did not read %s's track %s:\n%s\nwant\n%s", w.path, w.track, stdout, want)
		}
	}
	if !strings.Contains(stdout, "wrote "+out+": 3 steps") {
		t.Errorf("interpolate said:\n%s", stdout)
	}
	for _, track := range []string{"MELODY", "0"} {
		if code, _, errb := musae(t, "interpolate", song, tune, "--track", track, "--model", model, "-o", out); code == exitOK || !strings.Contains(errb, "track") {
			t.Errorf("--track %s for both: exit %d, %s", track, code, errb)
		}
	}
	code, _, errb := musae(t, "interpolate", song, tune, "--track", "MELODY", "--track", "0", "--track", "1", "--model", model, "-o", out)
	if code != exitUsage || !strings.Contains(errb, "--track given 3 times for 2 inputs") {
		t.Errorf("three --track values for two inputs: exit %d, %s", code, errb)
	}
}

// TestPictureRefusesTrack: a digit's domain has no tracks or bars, and says so of the file.
func TestPictureRefusesTrack(t *testing.T) {
	png := writeDigits(t, t.TempDir(), 1)[0]
	model := tinyModel(t, "mnist-conv", 4)
	for _, tc := range []struct{ flag, say string }{
		{"--track", png + `: a picture has no tracks, so track "1" cannot be read`},
		{"--bar", png + ": a picture has no bars, so bar 1 cannot be read"},
	} {
		code, _, errb := musae(t, "encode", png, tc.flag, "1", "--model", model, "-o", "-")
		if code != exitUsage || !strings.Contains(errb, tc.say) {
			t.Errorf("encode %s 1: exit %d, %q; want %d and %q", tc.flag, code, errb, exitUsage, tc.say)
		}
	}
}
