package conv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"musae/models"
)

// AEDomain is the domain an autoencoder's checkpoint names: its models map pictures to
// pictures and are no VAEs, so the VAE verbs refuse them by it.
const AEDomain = "mnist-autoencoder"

// AEPairs serves an autoencoder's (input, target) picture pairs.
type AEPairs interface {
	Len() int
	// Fill writes the inputs of examples idx one after another into in, and their 28×28
	// targets into target, drawing any noise from rng.
	Fill(in, target []float32, idx []int, rng *rand.Rand)
}

// AETrainConfig are the settings of TrainAE.
type AETrainConfig struct {
	Epochs, Batch int
	Optim         models.AdamConfig
	Seed          uint64
	Log           io.Writer // a line per tenth of an epoch; nil for none
}

// TrainAE trains a on data with Adam for cfg.Epochs passes of shuffled minibatches, and
// returns the number of steps and the mean loss of the last epoch (nats per picture). It
// stops with ctx's error between steps, the model then holding its last weights.
func TrainAE(ctx context.Context, a *AE, data AEPairs, cfg AETrainConfig) (steps int, last float64, err error) {
	if cfg.Epochs < 1 || cfg.Batch < 1 || data.Len() < cfg.Batch {
		return 0, 0, fmt.Errorf("conv: train %s: %d epochs of batch %d on %d examples", a.Name, cfg.Epochs, cfg.Batch, data.Len())
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6165)) // "ae"
	params := a.Params()
	opt := models.NewAdam(params, cfg.Optim)
	in := make([]float32, cfg.Batch*a.In*a.In)
	target := make([]float32, cfg.Batch*pixels)
	perEpoch := data.Len() / cfg.Batch
	start := time.Now()
	for epoch := range cfg.Epochs {
		order := rng.Perm(data.Len())
		var sum float64
		for s := range perEpoch {
			if err := ctx.Err(); err != nil {
				return steps, sum / float64(max(s, 1)), err
			}
			data.Fill(in, target, order[s*cfg.Batch:(s+1)*cfg.Batch], rng)
			models.ZeroGrads(params)
			sum += a.Loss(in, target, cfg.Batch, true)
			opt.Update()
			steps++
			if cfg.Log != nil && (s+1)%max(perEpoch/10, 1) == 0 {
				fmt.Fprintf(cfg.Log, "train %s: epoch %d, step %d of %d: loss %.2f nats, %s\n",
					a.Name, epoch+1, s+1, perEpoch, sum/float64(s+1), time.Since(start).Round(time.Second))
			}
		}
		last = sum / float64(perEpoch)
	}
	return steps, last, nil
}

// Map returns the AE's output pixel probabilities [n, 784] for the inputs x [n, In·In], in
// batches of at most 256.
func (a *AE) Map(x []float32, n int) []float32 {
	out := make([]float32, 0, n*pixels)
	for from := 0; from < n; from += 256 {
		m := min(256, n-from)
		for _, l := range a.Logits(x[from*a.In*a.In:], m) {
			out = append(out, models.Sigmoid(l))
		}
	}
	return out
}

// SaveAE writes a and meta (its Model, Domain and Config filled in here) to path.
func SaveAE(path string, a *AE, meta models.Meta) error {
	cfg, err := json.Marshal(a.AEConfig)
	if err != nil {
		return fmt.Errorf("conv: save %s: %w", path, err)
	}
	meta.Model, meta.Domain, meta.Config = a.Name, AEDomain, cfg
	return models.SaveCheckpoint(path, a.Params(), nil, meta)
}

// ErrNotAE is wrapped by OpenAE's and LoadAE's errors for a checkpoint that holds some
// other model.
var ErrNotAE = errors.New("not an autoencoder")

// aeConfigOf returns the autoencoder configuration c holds, validated.
func aeConfigOf(c *models.Checkpoint) (AEConfig, error) {
	if c.Meta.Domain != AEDomain {
		return AEConfig{}, fmt.Errorf("conv: %s holds %s, a %s model: %w (train one with musae train --task)", c.Source, c.Meta.Model, c.Meta.Domain, ErrNotAE)
	}
	cfg, err := AEConfigOf(c.Meta)
	if err != nil {
		return cfg, fmt.Errorf("conv: %s: %w", c.Source, err)
	}
	return cfg, nil
}

// AEConfigOf returns the autoencoder configuration of a checkpoint's metadata (its
// Config), validated.
func AEConfigOf(meta models.Meta) (AEConfig, error) {
	var cfg AEConfig
	if err := json.Unmarshal(meta.Config, &cfg); err != nil {
		return cfg, fmt.Errorf("bad autoencoder config: %w", err)
	}
	return cfg, cfg.Validate()
}

// LoadAE reads the autoencoder a checkpoint file holds, refusing any other file from its
// header.
func LoadAE(path string) (*AE, *models.Checkpoint, error) {
	c, err := models.LoadCheckpointChecked(path, func(c *models.Checkpoint) error {
		cfg, err := aeConfigOf(c)
		if err != nil {
			return err
		}
		a, _ := NewAE(cfg, rand.New(rand.NewPCG(0, 0))) // a few thousand values
		return c.CheckParams(int64(models.CountParams(a.Params())))
	})
	if err != nil {
		return nil, nil, err
	}
	a, err := OpenAE(c)
	return a, c, err
}

// OpenAE builds the autoencoder a loaded checkpoint holds.
func OpenAE(c *models.Checkpoint) (*AE, error) {
	cfg, err := aeConfigOf(c)
	if err != nil {
		return nil, err
	}
	a, err := NewAE(cfg, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, err
	}
	if err := c.Restore(a.Params()); err != nil {
		return nil, err
	}
	return a, nil
}
