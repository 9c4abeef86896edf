package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
)

// Meta is a checkpoint's provenance and everything needed to rebuild its model; it is
// stored as JSON under the metadata key "musae".
type Meta struct {
	Model        string             `json:"model"`  // canonical config name, such as "mnist-conv"
	Domain       string             `json:"domain"` // "mnist" or "melody"
	Config       json.RawMessage    `json:"config"` // the model's config struct
	Dataset      string             `json:"dataset,omitempty"`
	Data         string             `json:"data,omitempty"`          // the training folder, absolute (melodies)
	Encoder      string             `json:"encoder,omitempty"`       // "" for the configuration's own encoder
	Track        string             `json:"track,omitempty"`         // the track read from each file (melodies)
	SamplingRate float64            `json:"sampling_rate,omitempty"` // scheduled sampling's rate (melodies); 0 = teacher forcing
	Task         string             `json:"task,omitempty"`          // a model that restores damaged examples: "denoise", "elaborate"; "" for a VAE of the data
	Limit        int                `json:"limit,omitempty"`         // training used the first Limit examples only
	Seed         uint64             `json:"seed"`
	Steps        int                `json:"steps"`
	Epochs       float64            `json:"epochs"`
	Version      string             `json:"version"`
	Command      string             `json:"command,omitempty"` // the command line that trained it
	Train        json.RawMessage    `json:"train,omitempty"`   // trainer settings and position, for --resume
	Init         *Origin            `json:"init,omitempty"`    // where a fine-tuned model's weights started
	Metrics      map[string]float64 `json:"metrics,omitempty"`
}

// Origin is the model whose weights a fine-tuning run started from (with fresh optimiser
// state and step count).
type Origin struct {
	Ref     string  `json:"ref"` // a built-in model's name or a checkpoint's absolute path
	Model   string  `json:"model"`
	Steps   int     `json:"steps"`             // the updates it had had
	Dataset string  `json:"dataset,omitempty"` // what it was trained on
	Init    *Origin `json:"init,omitempty"`    // its own origin, when it was fine-tuned too
}

// Checkpoint is a loaded checkpoint: its provenance and its tensors.
type Checkpoint struct {
	Meta    Meta
	Tensors map[string]Tensor
	Source  string // file name, or "built-in NAME"
}

// SaveCheckpoint writes params (and the optimiser's state when opt is not nil) with meta
// to path, atomically.
func SaveCheckpoint(path string, params []*Param, opt *Adam, meta Meta) error {
	t := ParamTensors(params)
	if opt != nil {
		maps.Copy(t, opt.State())
	}
	meta.Version = Version
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("models: encode metadata: %w", err)
	}
	return WriteTensors(path, t, map[string]string{"format": Format, "musae": string(js)})
}

// LoadCheckpoint reads a musae checkpoint from path. Its metadata is checked before any
// tensor is read, so that a large file that is not a musae checkpoint is refused from its
// header.
func LoadCheckpoint(path string) (*Checkpoint, error) { return LoadCheckpointChecked(path, nil) }

// LoadCheckpointChecked is LoadCheckpoint, calling check (when not nil) on the checkpoint
// before its tensors are read: its Tensors then hold each tensor's dtype and shape but no
// values, which is enough for CheckParams. A file whose config and tensors disagree is so
// refused from its header, however large its data. An error from check is returned as it
// is: it should name the file (c.Source).
func LoadCheckpointChecked(path string, check func(*Checkpoint) error) (*Checkpoint, error) {
	var c *Checkpoint
	t, _, err := readTensorsFile(path, func(meta map[string]string, shapes map[string]Tensor) (err error) {
		if c, err = checkpointFrom(meta, path); err != nil || check == nil {
			return err
		}
		c.Tensors = shapes
		return check(c)
	})
	if err != nil {
		return nil, err
	}
	c.Tensors = t
	return c, nil
}

// ParseCheckpoint reads a musae checkpoint held in b (an embedded model); name is used in errors.
func ParseCheckpoint(b []byte, name string) (*Checkpoint, error) {
	t, meta, err := ParseTensors(b, name)
	if err != nil {
		return nil, err
	}
	c, err := checkpointFrom(meta, name)
	if err != nil {
		return nil, err
	}
	c.Tensors = t
	return c, nil
}

// checkpointFrom returns the checkpoint (without its tensors) that a safetensors file's
// metadata describes.
func checkpointFrom(meta map[string]string, name string) (*Checkpoint, error) {
	if meta["format"] != Format {
		return nil, fmt.Errorf("models: read %s: %w (a safetensors file without musae's metadata; format %q, want %q)", name, ErrNotCheckpoint, meta["format"], Format)
	}
	c := &Checkpoint{Source: name}
	if err := json.Unmarshal([]byte(meta["musae"]), &c.Meta); err != nil {
		return nil, fmt.Errorf("models: read %s: bad musae metadata: %w", name, err)
	}
	if c.Meta.Model == "" || c.Meta.Domain == "" {
		return nil, fmt.Errorf("models: read %s: %w (metadata names no model or domain)", name, ErrNotCheckpoint)
	}
	return c, nil
}

// ErrWrongModel is returned when a checkpoint holds a different model than the one asked for.
var ErrWrongModel = errors.New("checkpoint holds a different model")

// Restore copies the checkpoint's parameters into params, refusing a mismatch with an
// error naming the file.
func (c *Checkpoint) Restore(params []*Param) error {
	if err := LoadParams(params, c.Tensors); err != nil {
		return fmt.Errorf("models: %s (model %s): %w", c.Source, c.Meta.Model, errors.Join(ErrWrongModel, err))
	}
	return nil
}

// CheckParams reports whether the checkpoint's parameter tensors (all but those under
// "test." and "optimizer.") hold n values, the number its model's config implies. Callers
// check it before building the model, so that a config read from the file, which could ask
// for any size, is held to the tensors actually present before a model of that size is
// allocated; Restore then checks each parameter's name and shape.
func (c *Checkpoint) CheckParams(n int64) error {
	var have int64
	for k, t := range c.Tensors {
		if isParamTensor(k) {
			have += int64(t.Len()) // the shape's, so that it also works before the values are read
		}
	}
	if have != n {
		return fmt.Errorf("models: %s (model %s): %w: its config implies %d parameter values, its tensors hold %d", c.Source, c.Meta.Model, ErrWrongModel, n, have)
	}
	return nil
}
