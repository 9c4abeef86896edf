package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	goimage "image"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"musae/datasets"
	"musae/image"
	"musae/latent/domain"
	"musae/models"
	"musae/models/conv"
)

// The autoencoder lesson's built-in models: NAME.safetensors for each.
//
//go:embed autoencoders
var builtinAEs embed.FS

// Which built-in a verb uses when --model is not given.
const (
	defaultDenoiser = "digits-denoise"
	defaultUpscaler = "digits-superres14"
)

// openAE opens an autoencoder by built-in name or checkpoint path.
func openAE(ref string) (*conv.AE, *models.Checkpoint, error) {
	if b, err := fs.ReadFile(builtinAEs, "autoencoders/"+ref+".safetensors"); err == nil {
		c, err := models.ParseCheckpoint(b, "built-in "+ref)
		if err != nil {
			return nil, nil, err
		}
		a, err := conv.OpenAE(c)
		return a, c, err
	}
	if _, err := os.Stat(ref); err != nil && !strings.ContainsAny(ref, `/\.`) {
		return nil, nil, usagef("--model %q: no such built-in autoencoder (have %s) or file", ref, strings.Join(builtinAENames(), ", "))
	}
	return conv.LoadAE(ref)
}

func builtinAENames() []string {
	var names []string
	es, _ := builtinAEs.ReadDir("autoencoders")
	for _, e := range es {
		if name, ok := strings.CutSuffix(e.Name(), ".safetensors"); ok {
			names = append(names, name)
		}
	}
	return names
}

// aeTask describes what a task's inputs are, for the data and the baseline.
type aeTask struct {
	noise  float64 // the noise added to the inputs (denoise)
	shrink int     // how much smaller the inputs are (superres)
}

func taskOf(a *conv.AE) aeTask {
	switch a.Task {
	case conv.TaskDenoise:
		return aeTask{noise: datasets.LessonNoise, shrink: 1}
	case conv.TaskSuperRes:
		return aeTask{shrink: 28 / a.In}
	}
	return aeTask{shrink: 1}
}

// aeConfigFor returns the built-in configuration for a --task and --shrink.
func aeConfigFor(task string, shrink int) (conv.AEConfig, error) {
	switch task {
	case conv.TaskAE, conv.TaskDenoise:
		if shrink != 0 && shrink != 1 {
			return conv.AEConfig{}, usagef("--shrink goes with --task superres only")
		}
		return conv.AEConfigByName("digits-" + task)
	case conv.TaskSuperRes:
		switch shrink {
		case 0, 2:
			return conv.AEConfigByName("digits-superres14")
		case 4:
			return conv.AEConfigByName("digits-superres7")
		}
		return conv.AEConfig{}, usagef("--shrink %d: want 2 (14×14 inputs) or 4 (7×7)", shrink)
	}
	return conv.AEConfig{}, usagef("--task %q: want ae, denoise or superres", task)
}

// completeTask checks the flags of train --task, which trains no VAE, and fills in Adam's
// constants and the command line.
func (o *trainOptions) completeTask(f *pflag.FlagSet) error {
	for _, name := range []string{"config", "z", "encoder", "resume", "init", "track", "max-beta", "beta-rate", "free-nats", "sampling-rate", "time", "save-every"} {
		if f.Changed(name) {
			return usagef("--%s is for VAEs, not the autoencoders of --task", name)
		}
	}
	if f.Changed("domain") {
		return usagef("--task trains the lesson's autoencoders on MNIST digits: it takes no --domain")
	}
	if _, err := aeConfigFor(o.Task, o.Shrink); err != nil {
		return err
	}
	if o.Out == "" {
		return usagef("say where to write the checkpoint: -o model.safetensors")
	}
	o.Optim.Beta1, o.Optim.Beta2, o.Optim.Eps = 0.9, 0.999, 1e-8
	parts := []string{"musae train"}
	f.Visit(func(fl *pflag.Flag) { parts = append(parts, "--"+fl.Name+"="+fl.Value.String()) })
	o.Command = strings.Join(parts, " ")
	return nil
}

// runTrainAE trains one of the lesson's autoencoders on MNIST's grey levels and reports its
// test figures beside the task's baseline.
func runTrainAE(ctx context.Context, o *trainOptions, stdout, stderr io.Writer) error {
	cfg, err := aeConfigFor(o.Task, o.Shrink)
	if err != nil {
		return err
	}
	a, err := conv.NewAE(cfg, rand.New(rand.NewPCG(o.Seed, 0x696e6974)))
	if err != nil {
		return err
	}
	train, test, err := datasets.LoadMNIST(datasets.MNISTOptions{Dataset: o.Dataset, Dir: o.Data})
	if err != nil {
		return err
	}
	if o.Limit > 0 && o.Limit < train.N {
		train = train.Head(o.Limit)
	}
	t := taskOf(a)
	fmt.Fprintf(stderr, "training %s (%s, %d parameters) on %s train, %d images, %d epochs of batch %d\n",
		a.Name, a.Task, models.CountParams(a.Params()), o.Dataset, train.N, o.Epochs, o.Batch)
	steps, loss, err := conv.TrainAE(ctx, a, datasets.Pairs{Images: train, Noise: t.noise, Shrink: t.shrink}, conv.AETrainConfig{
		Epochs: o.Epochs, Batch: o.Batch, Optim: o.Optim, Seed: o.Seed, Log: stderr,
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	meta := models.Meta{Dataset: fmt.Sprintf("%s train (%d images, grey)", o.Dataset, train.N), Seed: o.Seed,
		Steps: steps, Epochs: float64(steps) * float64(o.Batch) / float64(train.N), Command: o.Command, Limit: o.Limit}
	if serr := conv.SaveAE(o.Out, a, meta); serr != nil {
		return serr
	}
	fmt.Fprintf(stdout, "checkpoint %s\nsteps %d\ntrain_loss %.2f nats\n", o.Out, steps, loss)
	if err != nil {
		return fmt.Errorf("train: interrupted at step %d (checkpoint written to %s): %w", steps, o.Out, err)
	}
	return aeTestFigures(a, test, 0, o.Seed, stdout)
}

// aeTestFigures writes the AE's test figures against the clean digits: binary cross-entropy
// (nats per image) and PSNR (dB), beside its task's baseline: the noisy input itself
// (denoise), bilinear upscaling of the small input (superres).
func aeTestFigures(a *conv.AE, test *datasets.Images, limit int, seed uint64, w io.Writer) error {
	if limit > 0 && limit < test.N {
		test = test.Head(limit)
	}
	in, target, base := aeTestSet(a, test, seed)
	out := a.Map(in, test.N)
	var bce, psnr, bbce, bpsnr float64
	for i := range test.N {
		o, t := out[i*784:(i+1)*784], target[i*784:(i+1)*784]
		bce += datasets.CrossEntropy(o, t)
		psnr += datasets.PSNR(o, t)
		if base != nil {
			b := base[i*784 : (i+1)*784]
			bbce += datasets.CrossEntropy(b, t)
			bpsnr += datasets.PSNR(b, t)
		}
	}
	n := float64(test.N)
	fmt.Fprintf(w, "test_examples %d images\ntest_bce %.2f nats\ntest_psnr %.2f dB (mean over the images)\n", test.N, bce/n, psnr/n)
	var floor float64
	for i := range test.N {
		t := target[i*784 : (i+1)*784]
		floor += datasets.CrossEntropy(t, t)
	}
	fmt.Fprintf(w, "test_bce_floor %.2f nats (the grey targets' own entropy: a perfect output's BCE)\n", floor/n)
	if base != nil {
		what := "the noisy input"
		if a.Task == conv.TaskSuperRes {
			what = "bilinear upscaling"
		}
		fmt.Fprintf(w, "baseline_bce %.2f nats (%s)\nbaseline_psnr %.2f dB (%s)\n", bbce/n, what, bpsnr/n, what)
	}
	return nil
}

// aeTestSet returns the AE's inputs for the test images (noise drawn from seed), the clean
// targets, and the baseline's pictures (nil for the plain autoencoder).
func aeTestSet(a *conv.AE, test *datasets.Images, seed uint64) (in, target, base []float32) {
	t := taskOf(a)
	p := datasets.Pairs{Images: test, Noise: t.noise, Shrink: t.shrink}
	idx := make([]int, test.N)
	for i := range idx {
		idx[i] = i
	}
	in, target = make([]float32, test.N*p.InSize()), make([]float32, test.N*784)
	p.Fill(in, target, idx, rand.New(rand.NewPCG(seed, 0x74657374))) // "test"
	switch a.Task {
	case conv.TaskDenoise:
		base = in
	case conv.TaskSuperRes:
		for i := range test.N {
			base = append(base, image.Bilinear(in[i*a.In*a.In:(i+1)*a.In*a.In], a.In, a.In, 28, 28)...)
		}
	}
	return in, target, base
}

type restoreOptions struct {
	Model, Out, Data, Dataset string
	Test, N, Limit            int
	Seed                      uint64
	Files                     []string
	// The transformation of the verb's name that a file of a domain goes through (a
	// melody to denoise), with its own flags.
	transform *transformOptions
}

// newRestoreCmd returns the denoise or the upscale verb: the two run a picture through an
// autoencoder of the lesson; a file of a domain with a transformation of the verb's name
// (a melody to denoise) goes through that (runTransform) instead.
func newRestoreCmd(reg *domain.Registry, verb string) *cobra.Command {
	o := &restoreOptions{}
	model, what, input := defaultDenoiser, "Remove the noise from a digit", "noisy.png"
	if verb == "upscale" {
		model, what, input = defaultUpscaler, "Enlarge a small digit to 28×28", "small.png"
	}
	hasTransform := slices.Contains(transformNames(reg), verb)
	if hasTransform {
		o.transform = &transformOptions{Name: verb}
		input += "|FILE" + strings.Split(transformInputs(reg, verb), ",")[0]
	}
	cmd := &cobra.Command{
		Use:   verb + " " + input + " [-o OUT] | " + verb + " --test [-o grid.png]",
		Short: what + " with an autoencoder of the lesson",
		Long: what + ` with a convolutional autoencoder of the autoencoder lesson (built in:
` + strings.Join(builtinAENames(), ", ") + `; or one trained with musae train --task).

A picture of exactly the model's input size (28×28 to denoise; 14×14 or 7×7 to upscale)
is read as it is, white ink on black as in MNIST; any other picture of a digit you drew is
first prepared as MNIST's digits were (see musae encode) at that size.

--test instead measures the model on the MNIST test set (--limit images): binary
cross-entropy and PSNR of its outputs against the clean digits, beside the noisy inputs
(denoise) or bilinear upscaling (upscale); with -o it also draws --n test digits: the
inputs, the model's outputs, the clean digits, and for upscale bilinear upscaling, in rows.` + transformNote(reg, verb),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if t := o.transform; t != nil && o.Test == 0 && len(args) == 1 && slices.Contains(strings.Split(transformInputs(reg, verb), ", "), strings.ToLower(filepath.Ext(args[0]))) {
				t.Files, t.Out, t.Seed = args, o.Out, o.Seed
				if cmd.Flags().Changed("model") {
					t.Model = o.Model
				}
				if err := t.check(reg); err != nil {
					return err
				}
				return runTransform(cmd.Context(), reg, t, cmd.OutOrStdout())
			}
			switch {
			case o.Test == 0 && len(args) != 1:
				return usagef("%s takes one picture (or --test)", verb)
			case o.Test != 0 && len(args) != 0:
				return usagef("--test takes no pictures")
			}
			return runRestore(cmd.Context(), verb, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", model, "built-in autoencoder or checkpoint (a domain's file: its model of the task)")
	f.StringVarP(&o.Out, "output", "o", "", "output PNG (default: INPUT-"+verb+"d.png; with --test, no picture unless given)")
	f.StringVar(&o.Data, "data", "", "MNIST folder (--test)")
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion-mnist (--test)")
	f.IntVar(&o.Test, "test", 0, "measure on the MNIST test set instead (1: do)")
	f.Lookup("test").NoOptDefVal = "1"
	f.IntVar(&o.Limit, "limit", 0, "--test: the first N test images only (0: all)")
	f.IntVarP(&o.N, "n", "n", 8, "--test: how many test digits to draw")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed of the test inputs' noise (a domain's file: of its draws)")
	if t := o.transform; t != nil {
		f.StringArrayVar(&t.Track, "track", nil, "a "+transformInputs(reg, verb)+" file: the track to read, by name or index (default: the most melodic)")
		f.BoolVar(&t.WAV, "wav", false, "a "+transformInputs(reg, verb)+" file: also render the output to a WAV file beside it")
		addTransformSampling(f, t)
	}
	return cmd
}

// transformNote adds the domains' transformations of the verb's name to its help.
func transformNote(reg *domain.Registry, verb string) string {
	if slices.Contains(transformNames(reg), verb) {
		return "\n\n" + transformLong(reg, verb)
	}
	return ""
}

func runRestore(_ context.Context, verb string, o *restoreOptions, stdout io.Writer) error {
	a, c, err := openAE(o.Model)
	if err != nil {
		return err
	}
	wantSuper := verb == "upscale"
	if (a.Task == conv.TaskSuperRes) != wantSuper {
		return usagef("%s is a %s model; %s needs a %s one", c.Source, a.Task, verb, map[bool]string{true: "superres", false: "denoise (or ae)"}[wantSuper])
	}
	fmt.Fprintf(stdout, "model %s (%s, %d×%d in, %d parameters, trained %d steps)\n", a.Name, a.Task, a.In, a.In, models.CountParams(a.Params()), c.Meta.Steps)
	if o.Test != 0 {
		_, test, err := datasets.LoadMNIST(datasets.MNISTOptions{Dataset: o.Dataset, Dir: o.Data})
		if err != nil {
			return err
		}
		if err := aeTestFigures(a, test, o.Limit, o.Seed, stdout); err != nil {
			return err
		}
		if o.Out == "" {
			return nil
		}
		return writeRestoreGrid(a, test.Head(min(max(o.N, 1), test.N)), o.Seed, o.Out, stdout)
	}
	in, err := readPicture(o.Files[0], a.In)
	if err != nil {
		return err
	}
	out := a.Map(in, 1)
	path := o.Out
	if path == "" {
		path = strings.TrimSuffix(o.Files[0], filepath.Ext(o.Files[0])) + "-" + verb + "d.png"
	}
	if err := image.WritePNG(path, image.ToGray(out, 28, 28)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// readPicture reads a PNG as side×side intensities: as it is at that size, else prepared
// as MNIST's digits.
func readPicture(path string, side int) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, _, err := goimage.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("read %s: not a PNG picture: %w", path, err)
	}
	if r := img.Bounds(); r.Dx() == side && r.Dy() == side {
		pix, _, _ := image.FromGray(img)
		return pix, nil
	}
	return image.FitDigit(img, side, side), nil
}

// writeRestoreGrid draws the first test digits in rows: the inputs (enlarged to 28×28,
// nearest), the model's outputs, bilinear upscaling (superres), and the clean digits
// (but for the plain autoencoder, whose inputs they are).
func writeRestoreGrid(a *conv.AE, test *datasets.Images, seed uint64, path string, stdout io.Writer) error {
	in, target, base := aeTestSet(a, test, seed)
	out := a.Map(in, test.N)
	n := test.N
	var cells [][]float32
	for i := range n {
		cells = append(cells, nearest(in[i*a.In*a.In:(i+1)*a.In*a.In], a.In, 28/a.In))
	}
	rows := []string{"inputs", "outputs", "clean digits"}
	for i := range n {
		cells = append(cells, out[i*784:(i+1)*784])
	}
	if a.Task == conv.TaskSuperRes {
		rows = append(rows, "bilinear upscaling")
		for i := range n {
			cells = append(cells, base[i*784:(i+1)*784])
		}
	}
	switch a.Task {
	case conv.TaskAE: // the inputs are the clean digits
		rows = rows[:2]
	case conv.TaskSuperRes:
		rows = []string{"inputs", "outputs", "bilinear upscaling", "clean digits"}
		fallthrough
	default:
		for i := range n {
			cells = append(cells, target[i*784:(i+1)*784])
		}
	}
	if err := image.WritePNG(path, image.Upscale(image.Grid(cells, len(rows), n, 28, 28, 2), 2)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (rows: %s)\n", path, strings.Join(rows, ", "))
	return nil
}

// nearest enlarges a side×side picture k times by repeating pixels.
func nearest(pix []float32, side, k int) []float32 {
	out := make([]float32, side*k*side*k)
	for y := range side * k {
		for x := range side * k {
			out[y*side*k+x] = pix[(y/k)*side+x/k]
		}
	}
	return out
}
