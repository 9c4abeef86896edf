package models

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Dataset is what the trainer reads: a fixed number of examples it can put in a batch.
type Dataset interface {
	Len() int
	// Fill writes the examples at idx into b (b.N == len(idx)); augmentation, if any,
	// draws from rng.
	Fill(b *Batch, idx []int, rng *rand.Rand)
}

// TrainConfig holds the trainer's settings.
type TrainConfig struct {
	Epochs    int        `json:"epochs"`
	BatchSize int        `json:"batch_size"`
	Seed      uint64     `json:"seed"`
	Optim     AdamConfig `json:"optim"`
	Loss      Loss       `json:"loss"`
	// Out is the checkpoint path; the CSV log (OUT.log.csv) and the loss curves
	// (OUT.loss.png) are written beside it.
	Out       string        `json:"-"`
	SaveEvery time.Duration `json:"-"` // periodic checkpoints besides each epoch's end; 0: only then
	// Budget, when positive, stops this run (not the whole training: a resumed run gets
	// its own) after so much wall time, validating and writing a checkpoint as an epoch's
	// end does.
	Budget   time.Duration `json:"-"`
	LogEvery int           `json:"log_every"`
}

// position is where training stands, saved in checkpoints for --resume.
type position struct {
	Config TrainConfig `json:"config"`
	Step   int         `json:"step"`  // updates done
	Epoch  int         `json:"epoch"` // current epoch, from 0
	Batch  int         `json:"batch"` // batches done in the current epoch
	// Examples is the size of the training set, which a resumed run must find again
	// (the epoch's order depends on it).
	Examples int `json:"examples"`
}

// ErrNotResumable is returned for a checkpoint that holds weights without the trainer's
// settings and position (one written by `musae weights`, or a built-in model).
var ErrNotResumable = errors.New("no trainer state to resume from")

// TrainState returns the settings and the number of updates done of the run a training
// checkpoint saved; a checkpoint without them gives ErrNotResumable, naming the file.
func (c *Checkpoint) TrainState() (TrainConfig, int, error) {
	pos, err := c.position()
	return pos.Config, pos.Step, err
}

func (c *Checkpoint) position() (position, error) {
	var pos position
	if len(c.Meta.Train) == 0 {
		return pos, fmt.Errorf("models: resume from %s: %w: it holds the weights of %s (%d steps) but not the optimiser's state and position a training checkpoint has; start a new run from its weights instead (--init %s)", c.Source, ErrNotResumable, c.Meta.Model, c.Meta.Steps, c.Source)
	}
	if err := json.Unmarshal(c.Meta.Train, &pos); err != nil {
		return pos, fmt.Errorf("models: resume from %s: %w: bad trainer state: %w", c.Source, ErrNotResumable, err)
	}
	return pos, nil
}

// Trainer runs epochs of VAE steps with Adam over a dataset, logging, checkpointing and
// stopping cleanly on cancellation.
type Trainer struct {
	Config TrainConfig
	VAE    *VAE
	Meta   Meta // provenance written into every checkpoint
	Data   Dataset
	Shape  [3]int // T, D, and 1 for categorical data
	// Validate, when set, runs after each epoch; its figures go to the log, the progress
	// output and the checkpoint's metrics.
	Validate func() (map[string]float64, error)
	// BeforeStep, when set, runs before each step with the number of updates done and the
	// step's random source (a schedule such as scheduled sampling hooks in here).
	BeforeStep func(step int, rng *rand.Rand)
	// Plot, when set, draws the CSV log's loss curves into a PNG.
	Plot     func(csvPath, pngPath string) error
	Progress io.Writer // progress and log lines, normally stderr
	Bar      bool      // draw a progress bar (stderr is a terminal)
	// Resume, when set, continues the run saved in this checkpoint exactly. Config.Epochs
	// 0 keeps the run's own target; any other value replaces it.
	Resume *Checkpoint
}

// progressEvery is how often a progress line is written when there is no bar.
const progressEvery = 10 * time.Second

// LogPath and PlotPath return the files written beside a checkpoint.
func LogPath(out string) string  { return strings.TrimSuffix(out, ".safetensors") + ".log.csv" }
func PlotPath(out string) string { return strings.TrimSuffix(out, ".safetensors") + ".loss.png" }

// Result summarises a finished or interrupted run.
type Result struct {
	Steps       int
	Epochs      float64
	Seconds     float64
	Last        Terms
	Metrics     map[string]float64
	ExamplesSec float64
	OutOfTime   bool // stopped by Config.Budget
}

// ErrInterrupted is returned (wrapped with the context's error) when training stops
// early; a checkpoint has been written.
var ErrInterrupted = errors.New("training interrupted")

// Run trains until the configured epochs are done or ctx is cancelled. Either way it writes
// a checkpoint (with the optimiser's state, so that --resume continues exactly).
func (t *Trainer) Run(ctx context.Context) (Result, error) {
	c := t.Config
	if c.BatchSize <= 0 || c.Epochs < 0 || (c.Epochs == 0 && t.Resume == nil) {
		return Result{}, fmt.Errorf("models: train: batch size and epochs must be positive (got %d and %d)", c.BatchSize, c.Epochs)
	}
	n := t.Data.Len()
	params := t.VAE.Params()
	opt := NewAdam(params, c.Optim)
	pos := position{Config: c, Examples: n}
	if t.Resume != nil {
		var err error
		if pos, err = t.Resume.position(); err != nil {
			return Result{}, err
		}
		if pos.Examples != 0 && pos.Examples != n {
			return Result{}, fmt.Errorf("models: resume from %s: it was trained on %d examples, the data now has %d; resume needs the same data (and --limit)", t.Resume.Source, pos.Examples, n)
		}
		pos.Examples = n
		if err := t.Resume.Restore(params); err != nil {
			return Result{}, err
		}
		if err := opt.Restore(t.Resume.Tensors, pos.Step); err != nil {
			return Result{}, fmt.Errorf("models: resume from %s: %w", t.Resume.Source, err)
		}
		// The schedule and batch come from the checkpoint; only the length may change.
		if c.Epochs > 0 {
			pos.Config.Epochs = c.Epochs
		}
		if pos.Config.Epochs <= 0 { // a checkpoint from before the target was kept
			return Result{}, fmt.Errorf("models: resume from %s: the checkpoint records no epoch target; say how many epochs the run should reach", t.Resume.Source)
		}
		if pos.Epoch >= pos.Config.Epochs {
			return Result{}, fmt.Errorf("models: resume from %s: the run has done its %d epochs (%d steps); ask for more epochs to continue it", t.Resume.Source, pos.Config.Epochs, pos.Step)
		}
		pos.Config.Out, pos.Config.SaveEvery, pos.Config.Budget = c.Out, c.SaveEvery, c.Budget
		c = pos.Config
		opt.Config = c.Optim
	}
	// After the resume, whose checkpoint's batch size is the one the epochs were cut with.
	if c.BatchSize <= 0 {
		return Result{}, fmt.Errorf("models: resume from %s: its trainer state has batch size %d", t.Resume.Source, c.BatchSize)
	}
	if err := c.Loss.Check(); err != nil { // a resumed run's too: its checkpoint may be crafted
		return Result{}, err
	}
	perEpoch := n / c.BatchSize
	if perEpoch == 0 {
		return Result{}, fmt.Errorf("models: train: %d examples are fewer than one batch of %d", n, c.BatchSize)
	}
	if c.LogEvery <= 0 {
		c.LogEvery = 50
	}
	c.LogEvery = min(c.LogEvery, perEpoch) // at least one row per epoch

	logw, err := openLog(LogPath(c.Out), t.Resume != nil, pos.Step)
	if err != nil {
		return Result{}, err
	}
	defer logw.close()

	total := c.Epochs * perEpoch
	bar := t.newBar(total, pos.Step)
	b := NewBatch(c.BatchSize, t.Shape[0], t.Shape[1], t.Shape[2] == 1)
	var (
		res        Result
		acc        Terms
		accN       int
		start      = time.Now()
		lastSave   = start
		lastLine   time.Time
		stepsStart = pos.Step
		metrics    map[string]float64
	)
	save := func() error {
		meta := t.Meta
		meta.Seed = c.Seed
		meta.Steps = pos.Step
		meta.Epochs = float64(pos.Epoch) + float64(pos.Batch)/float64(perEpoch)
		meta.Metrics = metrics
		js, _ := json.Marshal(pos)
		meta.Train = js
		if err := SaveCheckpoint(c.Out, params, opt, meta); err != nil {
			return err
		}
		// The log's rows reach the file only with the checkpoint that covers them, so that a
		// failed save followed by --resume does not log the same steps twice.
		if err := logw.commit(); err != nil {
			return err
		}
		if t.Plot != nil {
			if err := t.Plot(LogPath(c.Out), PlotPath(c.Out)); err != nil {
				fmt.Fprintf(t.Progress, "warning: loss plot: %v\n", err)
			}
		}
		return nil
	}
	finish := func() {
		res.Steps = pos.Step
		res.Epochs = float64(pos.Epoch) + float64(pos.Batch)/float64(perEpoch)
		res.Seconds = time.Since(start).Seconds()
		if res.Seconds > 0 {
			res.ExamplesSec = float64((pos.Step-stepsStart)*c.BatchSize) / res.Seconds
		}
		res.Metrics = metrics
		if bar != nil {
			bar.Finish()
			fmt.Fprintln(t.Progress)
		}
	}
	validate := func() error {
		if t.Validate == nil {
			return nil
		}
		m, err := t.Validate()
		if err != nil {
			return err
		}
		metrics = m
		epoch := float64(pos.Epoch) + float64(pos.Batch)/float64(perEpoch)
		logw.row(pos.Step, epoch, "validation", m["loss"], m["reconstruction"], m["kl"], c.Loss.Beta(pos.Step), opt.LR(), math.NaN(), m)
		fmt.Fprintf(t.Progress, "\repoch %.4g/%d  validation: %s\n", epoch, c.Epochs, FormatMetrics(m))
		return nil
	}

	for pos.Epoch < c.Epochs {
		perm := rand.New(rand.NewPCG(c.Seed, 1<<40+uint64(pos.Epoch))).Perm(n)
		for pos.Batch < perEpoch {
			if ctx.Err() != nil {
				finish()
				if err := save(); err != nil {
					return res, err
				}
				return res, fmt.Errorf("models: %w at step %d (checkpoint written to %s; continue with --resume): %w", ErrInterrupted, pos.Step, c.Out, ctx.Err())
			}
			if c.Budget > 0 && time.Since(start) >= c.Budget {
				if err := validate(); err != nil {
					return res, err
				}
				finish()
				res.OutOfTime = true
				if err := save(); err != nil {
					return res, err
				}
				fmt.Fprintf(t.Progress, "stopped at step %d: the time budget of %v is spent (checkpoint written to %s; continue with --resume)\n", pos.Step, c.Budget, c.Out)
				return res, nil
			}
			rng := rand.New(rand.NewPCG(c.Seed, uint64(pos.Step)))
			t.Data.Fill(b, perm[pos.Batch*c.BatchSize:(pos.Batch+1)*c.BatchSize], rng)
			if t.BeforeStep != nil {
				t.BeforeStep(pos.Step, rng)
			}
			ZeroGrads(params)
			beta := c.Loss.Beta(pos.Step)
			lr := opt.LR()
			var terms Terms
			if c.Loss.IW > 1 {
				terms = t.VAE.IWStep(b, c.Loss.IW, rng)
			} else {
				terms = t.VAE.Step(b, beta, c.Loss.FreeNats, rng)
			}
			if math.IsNaN(terms.Loss) || math.IsInf(terms.Loss, 0) {
				finish()
				return res, fmt.Errorf("models: train: the loss became %v at step %d; lower the learning rate (the last good checkpoint is %s, if one was written)", terms.Loss, pos.Step, c.Out)
			}
			norm := opt.Update()
			pos.Step++
			pos.Batch++
			res.Last = terms
			acc.Loss += terms.Loss
			acc.Reconstruction += terms.Reconstruction
			acc.KL += terms.KL
			accN++
			if accN == c.LogEvery {
				k := float64(accN)
				logw.row(pos.Step, float64(pos.Epoch)+float64(pos.Batch)/float64(perEpoch), "train", acc.Loss/k, acc.Reconstruction/k, acc.KL/k, beta, lr, norm, nil)
				acc, accN = Terms{}, 0
			}
			rate := float64((pos.Step-stepsStart)*c.BatchSize) / time.Since(start).Seconds()
			desc := fmt.Sprintf("epoch %d/%d  loss %.2f  rec %.2f  kl %.2f  %.0f ex/s", pos.Epoch+1, c.Epochs, terms.Loss, terms.Reconstruction, terms.KL, rate)
			if bar != nil {
				bar.Describe(desc)
				bar.Add(1)
			} else if time.Since(lastLine) >= progressEvery {
				// Without a terminal, a line at the first step and then every progressEvery,
				// so that a log shows the run alive long before an epoch ends.
				eta := time.Duration(float64(total-pos.Step) * float64(c.BatchSize) / rate * float64(time.Second))
				if c.Budget > 0 {
					eta = min(eta, c.Budget-time.Since(start))
				}
				eta = eta.Round(time.Second)
				fmt.Fprintf(t.Progress, "step %d/%d  %s  ETA %s\n", pos.Step, total, desc, eta)
				lastLine = time.Now()
			}
			if c.SaveEvery > 0 && time.Since(lastSave) > c.SaveEvery {
				if err := save(); err != nil {
					return res, err
				}
				lastSave = time.Now()
			}
		}
		pos.Epoch++
		pos.Batch = 0
		if err := validate(); err != nil {
			return res, err
		}
		if err := save(); err != nil {
			return res, err
		}
		lastSave = time.Now()
	}
	finish()
	return res, nil
}

func (t *Trainer) newBar(total, done int) *progressbar.ProgressBar {
	if !t.Bar {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(t.Progress),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)
	bar.Set(done)
	return bar
}

// FormatMetrics writes figures as "name value" pairs in name order.
func FormatMetrics(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var sb strings.Builder
	for i, k := range keys {
		if i > 0 {
			sb.WriteString("  ")
		}
		fmt.Fprintf(&sb, "%s %.4g", k, m[k])
	}
	return sb.String()
}

// LogColumns are the CSV log's columns.
var LogColumns = []string{"step", "epoch", "split", "loss", "reconstruction", "kl", "beta", "lr", "grad_norm", "accuracy"}

// logWriter writes the CSV log. Rows wait in pending until commit, which the trainer calls
// after each successful checkpoint, so that the file never runs ahead of the checkpoint.
type logWriter struct {
	path    string
	f       *os.File
	pending [][]string
}

// openLog opens the log at path: a new one, or on resume the existing one cut back to the
// rows of steps up to step (the checkpoint's), dropping what a run logged past its last
// successful save and a row torn by a kill.
func openLog(path string, resume bool, step int) (*logWriter, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(LogColumns)
	if resume {
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("models: training log: %w", err)
		}
		r := csv.NewReader(bytes.NewReader(old))
		r.FieldsPerRecord = -1
		for {
			rec, err := r.Read()
			if err != nil {
				break // the end, or a torn last row
			}
			if n, err := strconv.Atoi(rec[0]); err == nil && n <= step && len(rec) == len(LogColumns) {
				w.Write(rec)
			}
		}
	}
	w.Flush()
	if err := WriteFileAtomic(path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("models: training log: %w", err)
	}
	os.Chmod(path, 0o644) // as os.Create would have made it; the temporary file was private
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("models: training log: %w", err)
	}
	return &logWriter{path: path, f: f}, nil
}

func (l *logWriter) row(step int, epoch float64, split string, loss, rec, kl, beta, lr, norm float64, m map[string]float64) {
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	accuracy := math.NaN()
	if v, ok := m["accuracy"]; ok {
		accuracy = v
	}
	l.pending = append(l.pending, []string{strconv.Itoa(step), f(epoch), split, f(loss), f(rec), f(kl), f(beta), f(lr), f(norm), f(accuracy)})
}

// commit appends the pending rows to the file.
func (l *logWriter) commit() error {
	w := csv.NewWriter(l.f)
	w.WriteAll(l.pending) // flushes
	l.pending = l.pending[:0]
	if err := w.Error(); err != nil {
		return fmt.Errorf("models: training log %s: %w", l.path, err)
	}
	return nil
}

// close drops rows no checkpoint covers.
func (l *logWriter) close() { l.f.Close() }
