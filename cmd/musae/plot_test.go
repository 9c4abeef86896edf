package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlotOptions(t *testing.T) {
	checkOptions(t, newPlotCmd, []optionsCase[plotOptions]{
		{argv: "runs/m.log.csv", want: plotOptions{Log: "runs/m.log.csv", Out: "m.loss.png"}},
		{argv: "train.csv", want: plotOptions{Log: "train.csv", Out: "train.png"}},
		{argv: "m.log.csv -o curves.png", want: plotOptions{Log: "m.log.csv", Out: "curves.png"}},
		{argv: "m.log.csv -o curves.svg", wantErr: "PNG"},
		{argv: "", wantErr: "plot takes one training log"},
	})
}

func TestPlotRun(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "m.log.csv")
	csv := "step,epoch,split,loss,reconstruction,kl,beta,lr,grad_norm,accuracy\n" +
		"10,0.5,train,200,190,10,1,0.001,3,\n" +
		"20,1,train,150,138,12,1,0.001,2,\n" +
		"20,1,validation,160,147,13,,,,\n" +
		"30,1.5,train,120,106,14,1,0.001,2,\n"
	if err := os.WriteFile(log, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "curves.png")
	if s := mustMusae(t, "plot", log, "-o", out); !strings.Contains(s, "wrote "+out+": loss curves of "+log+" (4 logged steps)") {
		t.Errorf("plot said %q", s)
	}
	if w, h := pngSize(t, out); w != 900 || h != 600 {
		t.Errorf("plot is %d×%d, want 900×600", w, h)
	}

	notLog := filepath.Join(dir, "z.csv")
	os.WriteFile(notLog, []byte("a,b\n1,2\n"), 0o644)
	empty := filepath.Join(dir, "empty.log.csv")
	os.WriteFile(empty, []byte("step,epoch,split,loss,reconstruction,kl\n"), 0o644)
	for _, tc := range []struct{ path, say string }{
		{notLog, `lacks the column "step"`},
		{empty, "has no rows yet"},
		{filepath.Join(dir, "none.log.csv"), "no such file"},
	} {
		if code, _, errb := musae(t, "plot", tc.path, "-o", out); code != exitFailure || !strings.Contains(errb, tc.say) {
			t.Errorf("%s: exit %d, %q; want %q", tc.path, code, errb, tc.say)
		}
	}
}
