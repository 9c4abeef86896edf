package digits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"musae/datasets"
	"musae/image"
	"musae/latent/domain"
	"musae/models"
	"musae/models/conv"
)

// AEConfigFor returns the configuration of the lesson's autoencoder for a task
// (conv.TaskAE, TaskDenoise or TaskSuperRes) and, for TaskSuperRes, how many times smaller
// its inputs are: 2 (14×14, also for 0) or 4 (7×7). Other values are an InputError.
func AEConfigFor(task string, shrink int) (conv.AEConfig, error) {
	switch task {
	case conv.TaskAE, conv.TaskDenoise:
		if shrink != 0 && shrink != 1 {
			return conv.AEConfig{}, domain.Inputf("--shrink goes with --task superres only")
		}
		return conv.AEConfigByName("digits-" + task)
	case conv.TaskSuperRes:
		switch shrink {
		case 0, 2:
			return conv.AEConfigByName("digits-superres14")
		case 4:
			return conv.AEConfigByName("digits-superres7")
		}
		return conv.AEConfig{}, domain.Inputf("--shrink %d: want 2 (14×14 inputs) or 4 (7×7)", shrink)
	}
	return conv.AEConfig{}, domain.Inputf("--task %q: want %s, %s or %s", task, conv.TaskAE, conv.TaskDenoise, conv.TaskSuperRes)
}

var _ domain.NetTrainer = Domain{}

// NetTasks are the lesson's tasks: conv.TaskAE, TaskDenoise and TaskSuperRes.
func (Domain) NetTasks() []string { return []string{conv.TaskAE, conv.TaskDenoise, conv.TaskSuperRes} }

// CheckNet tells whether TrainNet takes o.Task and o.Shrink (AEConfigFor).
func (Domain) CheckNet(o domain.NetTrainOptions) error {
	_, err := AEConfigFor(o.Task, o.Shrink)
	return err
}

// TrainNet trains the lesson's autoencoder for o.Task (AEConfigFor: o.Shrink) on the grey
// levels of o.Dataset's training images, writes its checkpoint to o.Out (also when ctx is
// done: the error then says so), and writes to w the checkpoint, the steps and the last
// epoch's loss, then its test figures (WriteAEFigures, test noise from o.Seed); progress
// goes to o.Log.
func (Domain) TrainNet(ctx context.Context, o domain.NetTrainOptions, w io.Writer) error {
	cfg, err := AEConfigFor(o.Task, o.Shrink)
	if err != nil {
		return err
	}
	a, err := conv.NewAE(cfg, rand.New(rand.NewPCG(o.Seed, 0x696e6974)))
	if err != nil {
		return err
	}
	train, test, err := load(o.DataOptions)
	if err != nil {
		return err
	}
	if o.Limit > 0 && o.Limit < train.N {
		train = train.Head(o.Limit)
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	fmt.Fprintf(log, "training %s (%s, %d parameters) on %s train, %d images, %d epochs of batch %d\n",
		a.Name, a.Task, models.CountParams(a.Params()), o.Dataset, train.N, o.Epochs, o.Batch)
	steps, loss, err := conv.TrainAE(ctx, a, lessonPairs(a, train), conv.AETrainConfig{
		Epochs: o.Epochs, Batch: o.Batch, Optim: o.Optim, Seed: o.Seed, Log: o.Log,
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	meta := models.Meta{Dataset: fmt.Sprintf("%s train (%d images, grey)", o.Dataset, train.N), Seed: o.Seed,
		Steps: steps, Epochs: float64(steps) * float64(o.Batch) / float64(train.N), Command: o.Command, Limit: o.Limit}
	if serr := conv.SaveAE(o.Out, a, meta); serr != nil {
		return serr
	}
	fmt.Fprintf(w, "checkpoint %s\nsteps %d\ntrain_loss %.2f nats\n", o.Out, steps, loss)
	if err != nil {
		return fmt.Errorf("train: interrupted at step %d (checkpoint written to %s): %w", steps, o.Out, err)
	}
	return WriteAEFigures(a, test, 0, o.Seed, w)
}

// lessonPairs are a's (input, target) pairs of im: the digits with the lesson's noise
// (denoise), made smaller (superres), or as they are (ae).
func lessonPairs(a *conv.AE, im *datasets.Images) datasets.Pairs {
	switch a.Task {
	case conv.TaskDenoise:
		return datasets.Pairs{Images: im, Noise: datasets.LessonNoise, Shrink: 1}
	case conv.TaskSuperRes:
		return datasets.Pairs{Images: im, Shrink: Rows / a.In}
	}
	return datasets.Pairs{Images: im, Shrink: 1}
}

// WriteAEFigures writes a's figures on the first limit test images (0: all) against the
// clean digits, the noise drawn from seed: binary cross-entropy (nats per image) and PSNR
// (dB), beside its task's baseline: the noisy input itself (denoise), bilinear upscaling
// of the small input (superres).
func WriteAEFigures(a *conv.AE, test *datasets.Images, limit int, seed uint64, w io.Writer) error {
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
	p := lessonPairs(a, test)
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
