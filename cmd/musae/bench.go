package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"musae/latent/domain"
	"musae/models"
)

type benchOptions struct {
	Model   string
	Batch   int
	Z       int
	Seconds float64
	Encoder string
	Seed    uint64
	Cond    domain.Conditions
}

func newBenchCmd(reg *domain.Registry) *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench MODEL [--batch 64] [--seconds 10]",
		Short: "Time a training step (forward, backward, Adam) on random data, as torch_reference.py bench does",
		Long: `Time one training step of a canonical model (` + configHelp(reg) + `)
on random data, printing the same lines as ../shared/bench/torch_reference.py bench, so that
the two compare line by line. Run both in one session on the same machine, interleaved.
A model that takes conditions (mel2-meters, hier16-meters, mel2-chords) steps instead on
its own samples under the conditions given (--meter 6/8, --chords "C G"; default:
each condition's default, 4/4), which the peer has no twin of.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Model = args[0]
			if _, err := reg.ForModel(o.Model); err != nil {
				return usageError{err}
			}
			if o.Batch <= 0 || o.Seconds <= 0 {
				return usagef("--batch and --seconds must be positive")
			}
			return runBench(cmd.Context(), reg, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Batch, "batch", 64, "examples per step")
	f.IntVar(&o.Z, "z", 0, "latent size (0: the config's)")
	f.Float64Var(&o.Seconds, "seconds", 10, "how long to time steps")
	f.StringVar(&o.Encoder, "encoder", "", "conv or rnn (default: the model's own)")
	f.Uint64Var(&o.Seed, "seed", 0, "random seed of the initial weights and the random data")
	addConditionFlags(f, reg, &o.Cond, "")
	return cmd
}

func runBench(ctx context.Context, reg *domain.Registry, o *benchOptions, stdout io.Writer) error {
	m, err := reg.New(o.Model, o.Z, o.Encoder, o.Seed)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0))
	params := m.Params()
	opt := models.NewAdam(params, models.AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	data := make([]*models.Batch, 8)
	for i := range data {
		if data[i], err = benchBatch(m, o.Batch, o.Cond, rng); err != nil {
			return fmt.Errorf("bench %s: %w", o.Model, err)
		}
	}
	step := func(i int) {
		models.ZeroGrads(params)
		m.VAE.Step(data[i%len(data)], 1, 0, rng)
		opt.Update()
	}
	for i := 0; i < 3; i++ {
		step(i)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	alloc0 := ms.TotalAlloc
	var times []time.Duration
	start := time.Now()
	for time.Since(start).Seconds() < o.Seconds || len(times) < 5 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s := time.Now()
		step(len(times))
		times = append(times, time.Since(s))
	}
	runtime.ReadMemStats(&ms)
	slices.Sort(times)
	med := times[len(times)/2]
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Fprintf(stdout, "model %s\n", o.Model)
	fmt.Fprintf(stdout, "params %d count\n", models.CountParams(params))
	fmt.Fprintf(stdout, "batch %d examples\n", o.Batch)
	fmt.Fprintf(stdout, "threads %d threads\n", runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "step_median %.2f ms\n", float64(med.Microseconds())/1000)
	fmt.Fprintf(stdout, "examples_per_second %.1f examples/s\n", float64(o.Batch)/med.Seconds())
	fmt.Fprintf(stdout, "peak_rss %.0f MiB\n", float64(ru.Maxrss)/1024)
	fmt.Fprintf(stdout, "alloc_per_step %.3f MiB\n", float64(ms.TotalAlloc-alloc0)/float64(len(times))/(1<<20))
	return nil
}

// benchBatch returns a batch of n examples for m: random data of the domain's shape
// (randomBatch), or, for a model that takes conditions (a meter, chords), whose encoder
// reads them beside the notes, n of its own samples at temperature 1 under cond (nil:
// the defaults), in the batch its encoder reads.
func benchBatch(m *domain.Model, n int, cond domain.Conditions, rng *rand.Rand) (*models.Batch, error) {
	if len(m.Takes()) == 0 && len(cond) == 0 {
		return randomBatch(m.Domain.Info().Shape, n, rng), nil
	}
	xs, err := m.SampleUnder(n, cond, 1, rng)
	if err != nil {
		return nil, err
	}
	return m.Batch(xs)
}

// randomBatch returns a batch of random data of a domain's shape, like the PyTorch peer's:
// uniformly random classes for categorical steps, Bernoulli(0.5) intensities otherwise.
func randomBatch(shape [3]int, n int, rng *rand.Rand) *models.Batch {
	steps, width := shape[0], shape[1]
	if shape[2] == 0 {
		b := models.NewBatch(n, steps, width, false)
		for i := range b.X {
			if rng.Float64() < 0.5 {
				b.X[i] = 1
			}
		}
		return b
	}
	b := models.NewBatch(n, steps, width, true)
	cls := make([]int32, steps)
	for i := 0; i < n; i++ {
		for t := range cls {
			cls[t] = int32(rng.IntN(width))
		}
		b.SetClasses(i, cls)
	}
	return b
}
