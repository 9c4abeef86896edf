package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/midi"
	"musae/models"
)

func TestTrainOptions(t *testing.T) {
	for _, tc := range []struct {
		argv     string
		wantErr  string
		domain   string
		clip     float64
		maxBeta  float64
		freeNats float64
		betaRate float64
	}{
		{argv: "--domain mnist -o m.safetensors", domain: "mnist", maxBeta: 1},
		{argv: "--config mnist-conv2 -o m.safetensors", domain: "mnist", maxBeta: 1},
		{argv: "--config mel2-tiny -o m.safetensors", domain: "melody", clip: 1, maxBeta: 0.2, freeNats: 48, betaRate: 0.99999},
		{argv: "--domain melody --free-nats 0 --clip 5 -o m.safetensors", domain: "melody", clip: 5, maxBeta: 0.2, betaRate: 0.99999},
		{argv: "--domain mnist --max-beta 0.5 -o m.safetensors", domain: "mnist", maxBeta: 0.5},
		{argv: "--domain melody --config mnist-conv -o m.safetensors", wantErr: "is a mnist model, not a melody one"},
		{argv: "--domain mnist", wantErr: "-o model.safetensors"},
		{argv: "--domain sound -o m.safetensors", wantErr: `--domain "sound"`},
		{argv: "-o m.safetensors", wantErr: "say what to train"},
		{argv: "--config mnist-big -o m.safetensors", wantErr: `unknown model "mnist-big"`},
		{argv: "--domain mnist --epochs 0 -o m.safetensors", wantErr: "must be positive"},
		{argv: "--domain mnist --encoder rnn -o m.safetensors", domain: "mnist", maxBeta: 1},
		{argv: "--domain mnist --encoder transformer -o m.safetensors", wantErr: `--encoder "transformer"`},
		// --init takes the domain, and a constant KL weight, from the model it fine-tunes.
		{argv: "--init mel2-tiny -o m.safetensors", domain: "melody", clip: 1, maxBeta: 0.2, freeNats: 48},
		{argv: "--init mnist-conv --encoder conv --z 16 --config mnist-conv -o m.safetensors", domain: "mnist", maxBeta: 1},
		{argv: "--init mel2-tiny --z 8 -o m.safetensors", wantErr: "latent of 64 dimensions; --z 8"},
		// --init into another architecture: its domain, and the domain's KL schedule.
		{argv: "--init mel2-tiny --config hier16-c64 -o m.safetensors", domain: "melody16", clip: 1, maxBeta: 0.2, freeNats: 256, betaRate: 0.99999},
		{argv: "--init mel2-tiny --domain mnist -o m.safetensors", domain: "mnist", maxBeta: 1},
		{argv: "--init mel2-tiny --encoder conv -o m.safetensors", wantErr: "has the rnn encoder; --encoder conv"},
		{argv: "--init mel2-tiny --resume a.safetensors -o m.safetensors", wantErr: "give one of them"},
		{argv: "--domain mnist --time -1s -o m.safetensors", wantErr: "--time must not be negative"},
		// The importance-weighted bound: no KL weight, so no warm-up and no free nats.
		{argv: "--domain mnist --iw 5 -o m.safetensors", domain: "mnist", maxBeta: 1},
		{argv: "--domain mnist --iw 5 --beta-rate 0.999 -o m.safetensors", wantErr: "--iw 5: the importance-weighted bound (5 samples) has no KL weight"},
		{argv: "--domain melody --iw 5 -o m.safetensors", wantErr: "not max beta 0.2"},
		{argv: "--domain mnist --iw -1 -o m.safetensors", wantErr: "-1 importance samples"},
		// Widening: mel2-tiny into mel2-meters, which reads the meter beside each step.
		{argv: "--init mel2-tiny --config mel2-meters -o m.safetensors", domain: "melody", clip: 1, maxBeta: 0.2, freeNats: 48},
		{argv: "--domain melody --data a --data b --track X --track Y --track Z -o m.safetensors", wantErr: "3 --track for 2 --data"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			var o *trainOptions
			cmd := newTrainCmd(builtinDomains(), func(got *trainOptions) error { o = got; return nil })
			cmd.SetArgs(strings.Fields(tc.argv))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tc.wantErr != "" {
				var ue usageError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("error %v, want a usage error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tc.argv, "mel2-meters") && (o.init == nil || o.init.Meta.Model != "mel2-meters" || o.initModel != "mel2-tiny") {
				t.Fatalf("--init mel2-tiny --config mel2-meters widened nothing: %v from %s", o.init, o.initModel)
			}
			if o.Domain != tc.domain || o.Optim.ClipNorm != tc.clip || o.Loss.MaxBeta != tc.maxBeta || o.Loss.FreeNats != tc.freeNats || o.Loss.BetaRate != tc.betaRate {
				t.Fatalf("got domain %s clip %g beta %g free %g rate %g", o.Domain, o.Optim.ClipNorm, o.Loss.MaxBeta, o.Loss.FreeNats, o.Loss.BetaRate)
			}
		})
	}
}

// TestTrainResumeEpochs: a resumed run keeps its own epoch target unless --epochs is given.
func TestTrainResumeEpochs(t *testing.T) {
	for argv, want := range map[string]int{
		"--resume m.safetensors -o m.safetensors":            0, // models.Trainer: the run's own
		"--resume m.safetensors --epochs 9 -o m.safetensors": 9,
		"--domain mnist -o m.safetensors":                    5,
		"--domain mnist --epochs 2 -o m.safetensors":         2,
	} {
		var o *trainOptions
		cmd := newTrainCmd(builtinDomains(), func(got *trainOptions) error { o = got; return nil })
		cmd.SetArgs(strings.Fields(argv))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%s: %v", argv, err)
		}
		if o.Epochs != want {
			t.Errorf("%s: epochs %d, want %d", argv, o.Epochs, want)
		}
	}
}

// TestTrainResumeWeights resumes from a weights file (no trainer state) and wants an error
// naming the file, what it lacks and what to do instead, before any data is read.
func TestTrainResumeWeights(t *testing.T) {
	dir := t.TempDir()
	w := filepath.Join(dir, "w.safetensors")
	m, err := builtinDomains().New("mnist-conv", 0, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.SaveCheckpoint(w, m.Params(), nil, m.Meta); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	argv := []string{"train", "--resume", w, "--data", filepath.Join(dir, "nowhere"), "-o", filepath.Join(dir, "m.safetensors")}
	code := run(context.Background(), argv, &out, &errb)
	if msg := errb.String(); code != exitFailure || !strings.Contains(msg, "optimiser's state") || !strings.Contains(msg, "--init "+w) || strings.Contains(msg, "JSON") || strings.Contains(msg, "nowhere") {
		t.Fatalf("exit %d, stderr %q", code, msg)
	}
	errb.Reset()
	argv = []string{"train", "--resume", "mel2-tiny", "-o", filepath.Join(dir, "m.safetensors")}
	if code := run(context.Background(), argv, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "fine-tune it with --init mel2-tiny") {
		t.Fatalf("resume a built-in: exit %d, stderr %q", code, errb.String())
	}
}

// TestTrainInit fine-tunes a built-in model briefly through the CLI: it must start from the
// model's weights (the first logged loss is a trained model's, not a fresh one's), count
// steps afresh, and record where it started.
func TestTrainInit(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	data := "../../../shared/data/melodies/nottingham"
	if _, err := os.Stat(data); err != nil {
		t.Skipf("no Nottingham here: %v", err)
	}
	dir := t.TempDir()
	ck := filepath.Join(dir, "ft.safetensors")
	var out, errb bytes.Buffer
	argv := []string{"train", "--init", "mel2-tiny", "--data", data, "--limit", "256", "--epochs", "1", "-o", ck}
	if code := run(context.Background(), argv, &out, &errb); code != 0 {
		t.Fatalf("train exited %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "before fine-tuning (mel2-tiny, 36000 steps): validation: accuracy 0.9") {
		t.Fatalf("no starting figures:\n%s", errb.String())
	}
	c, err := models.LoadCheckpoint(ck)
	if err != nil {
		t.Fatal(err)
	}
	if c.Meta.Steps != 4 || c.Meta.Init == nil || c.Meta.Init.Ref != "mel2-tiny" || c.Meta.Init.Steps != 36000 || c.Meta.Model != "mel2-tiny" {
		t.Fatalf("checkpoint after 4 steps from mel2-tiny: steps %d, init %+v", c.Meta.Steps, c.Meta.Init)
	}
	f, _ := os.Open(models.LogPath(ck))
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	rec, _ := strconv.ParseFloat(rows[1][4], 64)
	if rows[1][2] != "train" || rec > 72 { // a fresh model starts near 32·ln 90 = 144 nats; fresh Adam shakes a trained one to about 30
		t.Fatalf("first logged row %v: not a trained model's reconstruction", rows[1])
	}
}

// TestTrainInitPartial starts hier16-c64 from mel2-tiny: the encoder and the bar decoder
// (mel2-tiny's names and shapes) take mel2-tiny's weights, the conductor starts as a fresh
// model of the seed does, and the run says which is which and records where it started.
// A model that shares no tensor with the new one is refused before any data is read.
func TestTrainInitPartial(t *testing.T) {
	reg := builtinDomains()
	o, err := parseOptions(t, withDomains(newTrainCmd), strings.Fields("--init mel2-tiny --config hier16-c64 --seed 3 -o m.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	m, err := newPartial(reg, o, &errb)
	if err != nil {
		t.Fatal(err)
	}
	src, err := reg.Open("mel2-tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := reg.New("hier16-c64", 0, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	want := models.ParamTensors(src.Params())
	for i, p := range m.Params() {
		from, ok := want[p.Name]
		if !ok {
			from = models.ParamTensors(fresh.Params()[i : i+1])[p.Name]
		}
		if !slices.Equal(p.Data(), from.F32) {
			t.Errorf("%s: not %s's values (in mel2-tiny: %v)", p.Name, map[bool]string{true: "mel2-tiny", false: "a fresh seed-3 model"}[ok], ok)
		}
	}
	msg := errb.String()
	for _, s := range []string{"20 of 26 parameters from its weights", "dec.weight_ih_l0 [1024 154]", "fresh (seed 3): conductor_init.weight [128 64] (not there)"} {
		if !strings.Contains(msg, s) {
			t.Errorf("stderr does not say %q:\n%s", s, msg)
		}
	}
	if m.Meta.Model != "hier16-c64" || m.Meta.Init == nil || m.Meta.Init.Ref != "mel2-tiny" || m.Meta.Init.Steps != 36000 {
		t.Errorf("meta %+v, init %+v", m.Meta, m.Meta.Init)
	}
	code, _, stderr := musae(t, "train", "--init", "mnist-conv", "--config", "hier16-c64", "--data", filepath.Join(t.TempDir(), "nowhere"), "-o", filepath.Join(t.TempDir(), "m.safetensors"))
	if code != exitUsage || !strings.Contains(stderr, "--init mnist-conv (mnist-conv) shares no parameter of the same name and shape with hier16-c64") || strings.Contains(stderr, "nowhere") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		argv string
		code int
		say  string
	}{
		{"sample --domain sound", exitUsage, `--domain "sound"`},
		{"smaple --domain mnist", exitUsage, `unknown command "smaple"`},
		{"bench", exitUsage, "accepts 1 arg(s), received 0"},
		{"sample --nope", exitUsage, "unknown flag"},
		{"bench mnist-huge", exitUsage, "unknown model"},
		{"sample --domain mnist --model /nonexistent/m.safetensors", exitFailure, "/nonexistent/m.safetensors"},
		{"manifold --model mnist-conv -o never-written.png", exitFailure, "needs a 2-D one"},
		{"manifold -n 1000", exitUsage, "-n 1000: want 2 to 200 cells a side"},
		{"manifold -o m.mid", exitUsage, "-o m.mid: digits are written as a PNG picture (.png)"},
		{"manifold --model mel2-tiny -o m.png", exitFailure, "mel2-tiny is a melody model, not a mnist one"},
		{"interpolate a.mid b.mid --steps 1001", exitUsage, "--steps 1001: want 2 (the endpoints) to 1000"},
		{"interpolate a.png b.png c.png d.png --grid 200x200", exitUsage, "--grid 200x200: at most 10000 cells"},
		{"reconstruct -n 1001", exitUsage, "-n 1001: want 1 to 1000 test digits"},
		{"similar x.mid -n 1001", exitUsage, "-n 1001: want 1 to 1000 variations"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), strings.Fields(tc.argv), &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.say) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), tc.code, tc.say)
			}
		})
	}
}

// TestTrainMNISTEndToEnd trains on a few hundred real digits through the CLI and checks
// that the loss falls, that the checkpoint, log and plot exist, and that the model then
// samples and evaluates.
func TestTrainMNISTEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	dir := t.TempDir()
	ck := filepath.Join(dir, "m.safetensors")
	var out, errb bytes.Buffer
	argv := []string{"train", "--domain", "mnist", "--limit", "640", "--epochs", "4", "--lr", "3e-3", "--seed", "3", "-o", ck}
	if code := run(context.Background(), argv, &out, &errb); code != 0 {
		if strings.Contains(errb.String(), "GoMNIST") {
			t.Skipf("no MNIST here: %s", errb.String())
		}
		t.Fatalf("train exited %d: %s", code, errb.String())
	}
	for _, p := range []string{ck, filepath.Join(dir, "m.log.csv"), filepath.Join(dir, "m.loss.png")} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Fatalf("%s missing or empty: %v", p, err)
		}
	}
	f, _ := os.Open(filepath.Join(dir, "m.log.csv"))
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	var train []float64
	for _, r := range rows[1:] {
		if r[2] == "train" {
			v, _ := strconv.ParseFloat(r[3], 64)
			train = append(train, v)
		}
	}
	if len(train) < 2 || train[len(train)-1] > 0.8*train[0] {
		t.Fatalf("training loss did not fall by 20%%: %v", train)
	}
	out.Reset()
	if code := run(context.Background(), []string{"sample", "--model", ck, "-n", "4", "-o", filepath.Join(dir, "s.png")}, &out, &errb); code != 0 {
		t.Fatalf("sample exited %d: %s", code, errb.String())
	}
}

func TestInterpolateUsage(t *testing.T) {
	for _, tc := range []struct{ argv, say string }{
		{"interpolate a.mid", "accepts between 2 and 4 arg(s)"},
		{"interpolate a.mid b.mid c.mid", "takes two inputs (four with --grid)"},
		{"interpolate a.mid b.mid --grid 5x5", "--grid needs four inputs"},
		{"interpolate a.mid b.mid c.mid d.mid --grid 5by5", `--grid "5by5"`},
		{"interpolate a.mid b.mid --mode cubic", `--mode "cubic"`},
		{"interpolate a.mid b.mid --steps 1", "--steps 1: want 2 (the endpoints) to 1000"},
		{"interpolate a.txt b.txt", "cannot tell the domain"},
		{"interpolate a.mid b.mid --temperature -1", "--temperature must not be negative"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), strings.Fields(tc.argv), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.say) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), exitUsage, tc.say)
			}
		})
	}
}

// TestTrainMelodyEndToEnd trains the melody model briefly on real POP909 windows through the
// CLI: the reconstruction loss must fall, and the checkpoint must then interpolate between
// two files.
func TestTrainMelodyEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	pop := "../../../shared/data/melodies/pop909"
	if _, err := os.Stat(pop); err != nil {
		t.Skipf("no POP909 here: %v", err)
	}
	dir := t.TempDir()
	ck := filepath.Join(dir, "mel.safetensors")
	var out, errb bytes.Buffer
	argv := []string{"train", "--config", "mel2-tiny", "--data", pop, "--track", "MELODY", "--limit", "1024", "--epochs", "3", "--lr", "3e-3", "-o", ck}
	if code := run(context.Background(), argv, &out, &errb); code != 0 {
		t.Fatalf("train exited %d: %s", code, errb.String())
	}
	f, _ := os.Open(filepath.Join(dir, "mel.log.csv"))
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	var train []float64
	for _, r := range rows[1:] {
		if r[2] == "train" {
			v, _ := strconv.ParseFloat(r[4], 64) // reconstruction
			train = append(train, v)
		}
	}
	if len(train) < 2 || train[len(train)-1] > 0.8*train[0] {
		t.Fatalf("reconstruction loss did not fall by 20%%: %v", train)
	}
	mid := filepath.Join(dir, "morph.mid")
	argv = []string{"interpolate", pop + "/001.mid", pop + "/002.mid", "--track", "MELODY", "--model", ck, "--steps", "3", "-o", mid}
	out.Reset()
	if code := run(context.Background(), argv, &out, &errb); code != 0 {
		t.Fatalf("interpolate exited %d: %s", code, errb.String())
	}
	if st, err := os.Stat(mid); err != nil || st.Size() == 0 || !strings.Contains(out.String(), "step 3 of 3") {
		t.Fatalf("no interpolation written: %v\n%s", err, out.String())
	}
}

// TestTrainCorpora: --data and --track given several times make one corpus each, a single
// --track holding for all.
func TestTrainCorpora(t *testing.T) {
	for _, tc := range []struct {
		data, tracks []string
		track        string
		more         []domain.Corpus
	}{
		{[]string{"a"}, nil, "", nil},
		{[]string{"a", "b", "c"}, []string{"MELODY"}, "MELODY", []domain.Corpus{{Dir: "b", Track: "MELODY"}, {Dir: "c", Track: "MELODY"}}},
		{[]string{"a", "b"}, []string{"MELODY", ""}, "MELODY", []domain.Corpus{{Dir: "b"}}},
	} {
		o := &trainOptions{dataDirs: tc.data, tracks: tc.tracks}
		if err := o.corpora(); err != nil {
			t.Fatal(err)
		}
		if o.Data != tc.data[0] || o.Track != tc.track || !slices.Equal(o.More, tc.more) {
			t.Errorf("--data %v --track %v: %q %q %v, want %q %v", tc.data, tc.tracks, o.Data, o.Track, o.More, tc.track, tc.more)
		}
	}
}

// TestTrainInitWidens: --init mel2-tiny --config mel2-chords starts a model that reads
// chords from mel2-tiny's weights, zero weights for the chords, so that it decodes what
// mel2-tiny decodes whatever the chords; the provenance names mel2-tiny.
func TestTrainInitWidens(t *testing.T) {
	var o *trainOptions
	cmd := newTrainCmd(builtinDomains(), func(got *trainOptions) error { o = got; return nil })
	cmd.SetArgs(strings.Fields("--init mel2-tiny --config mel2-chords -o m.safetensors"))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if o.init.Meta.Model != "mel2-chords" || o.initModel != "mel2-tiny" || o.Domain != "melody" {
		t.Fatalf("init %s from %s in %s, want mel2-chords from mel2-tiny in melody", o.init.Meta.Model, o.initModel, o.Domain)
	}
	if meta := initMeta(builtinDomains(), o.init, o.Init, o.initModel); meta.Init.Model != "mel2-tiny" || meta.Model != "mel2-chords" {
		t.Fatalf("provenance %+v", meta.Init)
	}
	tiny, err := builtinDomains().Open("mel2-tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	z := [][]float32{make([]float32, 64)}
	z[0][3] = 1
	want, err := tiny.Decode(z, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := o.init.DecodeUnder(z, domain.Conditions{"chords": "F#m B7 E"}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Three bars: a window of two, then one more from z afresh, each mel2-tiny's.
	g, w := got[0].Value.(midi.Melody), want[0].Value.(midi.Melody)
	if len(g) != 48 || fmt.Sprint(g[:32]) != fmt.Sprint(w) || fmt.Sprint(g[32:]) != fmt.Sprint(w[:16]) {
		t.Errorf("widened model decodes\n%v\nmel2-tiny\n%v", g, w)
	}
}
