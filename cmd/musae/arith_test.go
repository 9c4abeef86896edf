package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"musae/midi"
)

func TestArithOptions(t *testing.T) {
	for _, tc := range []struct {
		argv    []string
		want    arithOptions
		wantErr string
	}{
		{argv: []string{"a - b + c", "a=x.mid", "b=y.mid", "c=z.mid"}, want: arithOptions{Expr: "a - b + c", Domain: "melody", Names: []string{"a", "b", "c"}, Files: []string{"x.mid", "y.mid", "z.mid"}, Seed: 1}},
		{argv: []string{"(one+two)/2", "one=x.png", "two=y.png", "-o", "mean.png", "--model", "m"}, want: arithOptions{Expr: "(one+two)/2", Domain: "mnist", Model: "m", Out: "mean.png", Names: []string{"one", "two"}, Files: []string{"x.png", "y.png"}, Seed: 1}},
		{argv: []string{"a + density", "a=x.mid", "--attrs", "attrs.json", "--track", "MELODY", "--bar", "3", "--temperature", "0.5", "--seed", "2"}, want: arithOptions{Expr: "a + density", Domain: "melody", Attrs: "attrs.json", Track: "MELODY", Bar: 3, Temperature: 0.5, Seed: 2, Names: []string{"a"}, Files: []string{"x.mid"}}},
		{argv: []string{"2*density", "--attrs", "attrs.json", "--domain", "melody"}, want: arithOptions{Expr: "2*density", Domain: "melody", Attrs: "attrs.json", Seed: 1}},
		{argv: nil, wantErr: "give an expression and its inputs"},
		{argv: []string{"a - b"}, wantErr: `name the inputs of "a - b"`},
		{argv: []string{"a", "x.mid"}, wantErr: `input "x.mid": want NAME=FILE`},
		{argv: []string{"a", "1a=x.mid"}, wantErr: `input "1a=x.mid": want NAME=FILE`},
		{argv: []string{"a", "a="}, wantErr: `input "a=": want NAME=FILE`},
		{argv: []string{"a+a", "a=x.mid", "a=y.mid"}, wantErr: "input name a given twice"},
		{argv: []string{"a+b", "a=x.mid", "b=y.png"}, wantErr: "cannot tell the domain"},
		{argv: []string{"2*density", "--attrs", "attrs.json"}, wantErr: "say which domain"},
	} {
		t.Run(strings.Join(tc.argv, " "), func(t *testing.T) {
			got, err := parseOptions(t, withDomains(newArithCmd), tc.argv)
			if tc.wantErr != "" {
				wantUsageError(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestArithRun(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mel2-tiny", 8)
	tunes := writeTunes(t, dir)
	out := filepath.Join(dir, "out.mid")
	args := []string{"arith", "a - b + c", "a=" + tunes[0], "b=" + tunes[1], "c=" + tunes[2], "--model", model}
	stdout := mustMusae(t, append(args, "-o", out)...)
	if !strings.Contains(stdout, "a = "+tunes[0]) || !strings.Contains(stdout, "a - b + c:\n") || !strings.Contains(stdout, "wrote "+out) {
		t.Errorf("arith said:\n%s", stdout)
	}
	f, err := midi.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if f.QPM < 99.9 || f.QPM > 100.1 {
		t.Errorf("result at %g qpm, want the first input's 100", f.QPM)
	}
	// "a" alone decodes as its reconstruction does, and sampling repeats with the seed.
	var got [2][]byte
	for i := range got {
		p := filepath.Join(dir, "s.mid")
		mustMusae(t, "arith", "1*a", "a="+tunes[0], "--model", model, "--temperature", "1", "--seed", "7", "-o", p)
		got[i] = mustValue(os.ReadFile(p))
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Error("the same seed gave different files")
	}

	// Attribute vectors join the names.
	attrs := filepath.Join(dir, "attrs.json")
	if err := os.WriteFile(attrs, []byte(`{"dim": 8, "vectors": {"up": [1,0,0,0,0,0,0,0]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	mustMusae(t, "arith", "a + 2*up", "a="+tunes[0], "--attrs", attrs, "--model", model, "-o", out)

	for _, tc := range []struct {
		name string
		argv []string
		code int
		say  string
	}{
		{"unknown name", []string{"arith", "a + d", "a=" + tunes[0], "--model", model}, exitUsage, `unknown variable "d" (have a)`},
		{"vector times vector", []string{"arith", "a * a", "a=" + tunes[0], "--model", model}, exitUsage, "latent: eval"},
		{"clash with attribute", []string{"arith", "up", "up=" + tunes[0], "--attrs", attrs, "--model", model}, exitUsage, "input name up is also an attribute"},
		{"digit out for melodies", []string{"arith", "a", "a=" + tunes[0], "--model", model, "-o", filepath.Join(dir, "x.png")}, exitUsage, "MIDI file"},
		{"attrs of another size", []string{"arith", "a", "a=" + tunes[0], "--model", tinyModel(t, "mel2-tiny", 4), "--attrs", attrs}, exitFailure, "latent size is 4"},
		{"missing input", []string{"arith", "a", "a=" + filepath.Join(dir, "none.mid"), "--model", model}, exitFailure, "none.mid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errb := musae(t, tc.argv...)
			if code != tc.code || !strings.Contains(errb, tc.say) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb, tc.code, tc.say)
			}
		})
	}
}

func TestArithDigits(t *testing.T) {
	dir := t.TempDir()
	model := tinyModel(t, "mnist-conv", 4)
	d := writeDigits(t, dir, 2)
	out := filepath.Join(dir, "mean.png")
	mustMusae(t, "arith", "(a+b)/2", "a="+d[0], "b="+d[1], "--model", model, "-o", out)
	// The two inputs, then the result.
	if w, _ := pngSize(t, out); w != 2*(3*28+4*2) {
		t.Errorf("strip is %d wide", w)
	}
}
