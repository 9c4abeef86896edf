package rnn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"musae/models"
)

// HierConfig describes a hierarchical melody VAE, MusicVAE's hierdec-mel_16bar: the
// bidirectional LSTM encoder of Config over all Steps, a conductor LSTM that turns z into
// one embedding per bar, and a bar decoder (Config's decoder over Steps/Bars steps) that
// writes each bar from its embedding. A HierConfig with Bars 0 is the flat model of its
// Config, the baseline MusicVAE compares with.
type HierConfig struct {
	Config
	Bars            int   // bars per sequence; Steps/Bars steps each (0: a flat model)
	ConductorHidden []int // LSTM units of each conductor layer (all equal); the embedding is the last layer's
}

// Hier16Config returns hier16-tiny: 16 bars of 16 steps, biLSTM 128 per direction, a
// conductor of 1 × LSTM 128, a bar decoder of 1 × LSTM 256, z 64.
func Hier16Config() HierConfig {
	return HierConfig{
		Config: Config{Name: "hier16-tiny", Classes: 90, Steps: 256, EncoderHidden: 128, DecoderHidden: []int{256}, Z: 64},
		Bars:   16, ConductorHidden: []int{128},
	}
}

// Hier16C64Config returns hier16-c64: hier16-tiny with a conductor of 1 × LSTM 64, so
// that its bar decoder (z 64, 1 × LSTM 256) and its encoder have mel2-tiny's parameters'
// names and shapes, and `musae train --init mel2-tiny` starts them from its weights.
func Hier16C64Config() HierConfig {
	c := Hier16Config()
	c.Name, c.ConductorHidden = "hier16-c64", []int{64}
	return c
}

// Hier16MetersConfig returns hier16-meters: hier16-c64 for 16-bar phrases of every meter
// (midi.PhraseBars), each bar up to 24 steps (a bar of 12/8), 384 steps in all, reading the
// meter's 7 control features per step as mel2-meters does, so that its encoder and bar
// decoder have mel2-meters' tensors and `musae train --init mel2-meters` starts them.
func Hier16MetersConfig() HierConfig {
	c := Hier16C64Config()
	c.Name, c.Steps, c.Controls, c.Conditions = "hier16-meters", 16*24, MeterControls, []string{"meter"}
	return c
}

// Flat16Config returns flat16-tiny, hier16-tiny's flat baseline: the same encoder and z,
// and one LSTM 256 decoding all 256 steps.
func Flat16Config() HierConfig {
	return HierConfig{Config: Config{Name: "flat16-tiny", Classes: 90, Steps: 256, EncoderHidden: 128, DecoderHidden: []int{256}, Z: 64}}
}

// HierConfigByName returns the canonical 16-bar config called name: "hier16-tiny",
// "hier16-c64", "hier16-meters" or "flat16-tiny".
func HierConfigByName(name string) (HierConfig, error) {
	switch name {
	case "hier16-tiny":
		return Hier16Config(), nil
	case "hier16-c64":
		return Hier16C64Config(), nil
	case "hier16-meters":
		return Hier16MetersConfig(), nil
	case "flat16-tiny":
		return Flat16Config(), nil
	}
	return HierConfig{}, fmt.Errorf("%w %q (want hier16-tiny, hier16-c64, hier16-meters or flat16-tiny)", ErrUnknownConfig, name)
}

// ParseHierConfig reads a HierConfig from a checkpoint's JSON, validated.
func ParseHierConfig(raw json.RawMessage) (HierConfig, error) {
	var c HierConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("rnn: bad model config: %w", err)
	}
	return c, c.Validate()
}

// Validate reports the first problem with c.
func (c HierConfig) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	if c.Bars == 0 {
		if len(c.ConductorHidden) > 0 {
			return fmt.Errorf("rnn: config %q: a conductor without bars", c.Name)
		}
		return nil
	}
	switch {
	case c.Bars < 0 || c.Bars > c.Steps || c.Steps%c.Bars != 0:
		return fmt.Errorf("rnn: config %q: %d bars do not divide %d steps", c.Name, c.Bars, c.Steps)
	case len(c.ConductorHidden) == 0:
		return fmt.Errorf("rnn: config %q: no conductor layers", c.Name)
	case len(c.ConductorHidden) > MaxLayers:
		return fmt.Errorf("rnn: config %q: %d conductor layers, want at most %d", c.Name, len(c.ConductorHidden), MaxLayers)
	}
	for k, h := range c.ConductorHidden {
		if h < 1 || h > MaxHidden || h != c.ConductorHidden[0] {
			return fmt.Errorf("rnn: config %q: conductor layer %d has %d units, want all layers of the same size, 1 to %d (%v)", c.Name, k, h, MaxHidden, c.ConductorHidden)
		}
	}
	return nil
}

// barConfig is the Config of the bar decoder: Steps/Bars steps (the longest bar), z the
// embedding, the controls of the whole.
func (c HierConfig) barConfig() Config {
	b := c.Config
	b.Steps, b.Z = c.Steps/c.Bars, c.ConductorHidden[0]
	return b
}

// DecoderParams returns the number of values in the decoder's parameters, as NewHier
// would allocate them, for a valid c.
func (c HierConfig) DecoderParams() int64 {
	if c.Bars == 0 {
		return c.Config.DecoderParams()
	}
	h, z := int64(c.ConductorHidden[0]), int64(c.Z)
	l := int64(len(c.ConductorHidden))
	n := z*2*l*h + 2*l*h                           // conductor_init
	n += lstmParams(1, h) + (l-1)*lstmParams(h, h) // conductor
	return n + c.barConfig().DecoderParams()
}

// HierModel is a 16-bar melody VAE of a HierConfig: the bidirectional LSTM encoder and
// either a HierDecoder (Bars > 0) or the flat Decoder over all steps (Bars 0).
type HierModel struct {
	HierConfig
	Enc *Encoder
	Dec Sequencer

	vae *models.VAE
}

// NewHier returns the model c describes, its parameters initialised from rng.
func NewHier(c HierConfig, rng *rand.Rand) (*HierModel, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.DecoderHidden = append([]int(nil), c.DecoderHidden...)
	c.ConductorHidden = append([]int(nil), c.ConductorHidden...)
	m := &HierModel{HierConfig: c, Enc: NewControlledEncoder(c.Classes, c.Controls, c.EncoderHidden, c.Z, rng)}
	if c.Bars == 0 {
		m.Dec = NewControlledDecoder(c.Classes, c.Controls, c.Steps, c.Z, c.DecoderHidden, rng)
	} else {
		m.Dec = NewHierDecoder(c, rng)
	}
	m.vae = &models.VAE{Enc: m.Enc, Dec: m.Dec, Z: c.Z}
	return m, nil
}

// VAE returns the model as the shared core's VAE (the same value every call).
func (m *HierModel) VAE() *models.VAE { return m.vae }

// Params returns every parameter: the encoder's, then the decoder's.
func (m *HierModel) Params() []*models.Param { return m.vae.Params() }

// Sequencer is what a melody decoder does besides scoring: decode latents to sequences,
// and score its teacher-forced guesses. Decoder and HierDecoder are Sequencers.
type Sequencer interface {
	models.Decoder
	// Generate decodes n sequences from z [n, Z] (see Decoder.Generate).
	Generate(z []float32, n int, temperature float64, rng *rand.Rand) [][]int32
	// GenerateFor decodes in a batch's layout: its controls and lengths (its classes are
	// not read).
	GenerateFor(z []float32, b *models.Batch, temperature float64, rng *rand.Rand) [][]int32
	// TeacherForcedAccuracy counts the steps whose most likely class, given the true
	// classes before, is the true one (see Decoder.TeacherForcedAccuracy).
	TeacherForcedAccuracy(z []float32, b *models.Batch) (hits, total int)
}

var (
	_ Sequencer = (*Decoder)(nil)
	_ Sequencer = (*HierDecoder)(nil)
)

// HierDecoder is MusicVAE's HierarchicalLstmDecoder with autoregression disabled between
// bars (hierdec-mel_16bar): the conductor, a stack of LSTM layers whose initial (h, c) is
// tanh(conductor_init(z)) and whose input is zero at every step, runs Bars steps; its last
// layer's output at step b is bar b's embedding. Bar is a Decoder over one bar that starts
// afresh from each embedding (its state tanh(init(embedding)), the embedding beside every
// step's input) and reads at its first step the last class of the bar before (none before
// bar 1): the true one in training, its own choice when generating, as MusicVAE's core
// decoder does. Parameter names: Linear "conductor_init", nn.LSTM "conductor" (input size
// 1, always zero), then Bar's "init", "dec", "out".
type HierDecoder struct {
	Bars, BarSteps, Classes, Z, Hidden int
	Init                               *models.Dense
	Conductor                          []*LSTM
	Bar                                *Decoder

	n              int
	s0             stackStart // the conductor's initial state, from z
	none           []int32    // [Bars, N] of −1: the conductor's zero inputs
	sub            models.Batch
	start          []int32   // [Bars·N] each bar's first input
	subLen         []int     // [Bars·N] each bar's steps, where bars differ
	subCtl         []float32 // [Bars·N, BarSteps, Controls]
	emb            []float32 // [Bars, N, H] = [Bars·N, H]
	barNLL, nll    []float64
	dbar, dz       []float32
	demb           []float32
	keepRow, genIn []int32
}

// NewHierDecoder returns the hierarchical decoder of c (c.Bars > 0).
func NewHierDecoder(c HierConfig, rng *rand.Rand) *HierDecoder {
	h := c.ConductorHidden[0]
	bc := c.barConfig()
	d := &HierDecoder{Bars: c.Bars, BarSteps: bc.Steps, Classes: c.Classes, Z: c.Z, Hidden: h}
	d.Init, d.Conductor = newStack("conductor_init", "conductor", c.Z, 1, c.ConductorHidden, rng)
	d.Bar = NewControlledDecoder(bc.Classes, bc.Controls, bc.Steps, bc.Z, bc.DecoderHidden, rng)
	return d
}

// Params returns the conductor's parameters, then the bar decoder's.
func (d *HierDecoder) Params() []*models.Param {
	return stackParams(d.Init, d.Conductor, d.Bar.Params())
}

// Steps is the length of the sequences, Bars·BarSteps.
func (d *HierDecoder) Steps() int { return d.Bars * d.BarSteps }

// conduct runs the conductor from z [n, Z] and leaves the bar embeddings in d.emb
// [Bars, n, H].
func (d *HierDecoder) conduct(z []float32, n int, train bool) {
	d.n = n
	d.none = growInt(d.none, d.Bars*n)
	for i := range d.none {
		d.none[i] = -1
	}
	out := d.s0.run(d.Init, d.Conductor, z, seqInput{n: n, t: d.Bars, classes: d.none, oneHot: 1}, train)
	d.emb = models.Buf(d.emb, len(out))
	copy(d.emb, out)
}

// barLen is the steps of bar bar of example i of a batch with bar lengths lens
// (models.Batch.BarLengths; nil: every bar BarSteps).
func (d *HierDecoder) barLen(lens []int, i, bar int) int {
	if lens == nil {
		return d.BarSteps
	}
	return lens[i*d.Bars+bar]
}

// barBatch lays b's classes (and controls) out as the bar decoder's batch, row bar·N + i
// for bar bar of example i, with each row's first input the class before it. Where b's
// bars differ in length, each row holds its bar's steps from the start, the rest padding.
func (d *HierDecoder) barBatch(b *models.Batch) *models.Batch {
	n, S, T, C := b.N, d.BarSteps, b.T, d.Bar.Controls
	R := d.Bars * n
	d.sub.N, d.sub.T, d.sub.D, d.sub.C = R, S, d.Classes, C
	d.sub.Classes = growInt(d.sub.Classes, R*S)
	d.sub.Lengths, d.sub.Controls = nil, nil
	if b.BarLengths != nil {
		d.subLen = slices.Grow(d.subLen[:0], R)[:R]
		d.sub.Lengths = d.subLen
	}
	if C > 0 {
		d.subCtl = models.Buf(d.subCtl, R*S*C)
		clear(d.subCtl)
		d.sub.Controls = d.subCtl
	}
	d.start = growInt(d.start, R)
	for i := 0; i < n; i++ {
		at := i * T // where bar bar of example i starts in b
		for bar := 0; bar < d.Bars; bar++ {
			r, l := bar*n+i, d.barLen(b.BarLengths, i, bar)
			row := d.sub.Classes[r*S : (r+1)*S]
			copy(row, b.Classes[at:at+l])
			for t := l; t < S; t++ {
				row[t] = -1
			}
			if d.sub.Lengths != nil {
				d.sub.Lengths[r] = l
			}
			if C > 0 {
				copy(d.subCtl[r*S*C:(r*S+l)*C], b.Controls[at*C:(at+l)*C])
			}
			d.start[r] = -1
			if bar > 0 {
				d.start[r] = b.Classes[at-1]
			}
			at += l
		}
	}
	return &d.sub
}

func (d *HierDecoder) check(b *models.Batch) {
	if b.Classes == nil || b.T != d.Steps() || b.D != d.Classes || b.C != d.Bar.Controls {
		panic(fmt.Sprintf("rnn: hierarchical decoder of %d steps of %d classes and %d controls given a batch of %d steps of %d features and %d controls (classes set: %v)",
			d.Steps(), d.Classes, d.Bar.Controls, b.T, b.D, b.C, b.Classes != nil))
	}
	d.checkLayout(b.N, b)
}

// checkLayout panics, on a programmer's error, where layout (nil: bars of BarSteps, no
// controls) does not describe n sequences for d: its bar lengths must be 1 to BarSteps
// each and sum to each example's length, and its controls must be there if d reads any.
func (d *HierDecoder) checkLayout(n int, layout *models.Batch) {
	if layout == nil {
		if d.Bar.Controls > 0 {
			panic("rnn: a hierarchical decoder that reads controls needs them (GenerateFor)")
		}
		return
	}
	layout.CheckLengths()
	if layout.N != n || layout.T != d.Steps() || layout.C != d.Bar.Controls || len(layout.Controls) != n*layout.T*layout.C {
		panic(fmt.Sprintf("rnn: hierarchical decoder of %d steps and %d controls given a layout of %d sequences of %d steps with %d of %d control values for %d sequences",
			d.Steps(), d.Bar.Controls, layout.N, layout.T, len(layout.Controls), layout.C, n))
	}
	lens := layout.BarLengths
	if lens == nil {
		if layout.Ragged() {
			panic("rnn: a hierarchical decoder given shorter sequences without their bar lengths")
		}
		return
	}
	if len(lens) != n*d.Bars {
		panic(fmt.Sprintf("rnn: hierarchical decoder of %d bars given %d bar lengths for %d sequences", d.Bars, len(lens), n))
	}
	for i := 0; i < n; i++ {
		sum := 0
		for bar := 0; bar < d.Bars; bar++ {
			l := lens[i*d.Bars+bar]
			if l < 1 || l > d.BarSteps {
				panic(fmt.Sprintf("rnn: sequence %d bar %d of %d steps, want 1 to %d", i, bar, l, d.BarSteps))
			}
			sum += l
		}
		if sum != layout.Len(i) {
			panic(fmt.Sprintf("rnn: sequence %d of %d steps in bars of %d", i, layout.Len(i), sum))
		}
	}
}

// NLL returns −log p(x|z) per example in nats for z [N, Z], teacher-forced on b's classes.
func (d *HierDecoder) NLL(z []float32, b *models.Batch, train bool) []float64 {
	bars := d.BarNLL(z, b, train)
	n := b.N
	d.nll = perExample(d.nll, bars, d.Bars, n)
	return d.nll
}

// BarNLL returns −log p(bar|z, the bars before) of every bar of every example, in nats,
// [Bars, N] (bar-major), teacher-forced on b's classes. With train set, BackwardBars (or
// Backward) may follow.
func (d *HierDecoder) BarNLL(z []float32, b *models.Batch, train bool) []float64 {
	d.check(b)
	d.conduct(z, b.N, train)
	sub := d.barBatch(b)
	d.Bar.Start = d.start
	defer func() { d.Bar.Start = nil }()
	d.barNLL = append(d.barNLL[:0], d.Bar.NLL(d.emb, sub, train)...)
	return d.barNLL
}

// Backward adds the parameter gradients of the last training NLL given d loss/d nll per
// example, and returns d loss/d z [N, Z], valid until the next call.
func (d *HierDecoder) Backward(dnll []float32) []float32 {
	n := d.n
	d.dbar = models.Buf(d.dbar, d.Bars*n)
	for bar := 0; bar < d.Bars; bar++ {
		copy(d.dbar[bar*n:(bar+1)*n], dnll)
	}
	return d.BackwardBars(d.dbar)
}

// BackwardBars is Backward given d loss/d nll per bar, [Bars, N] as BarNLL returns them.
func (d *HierDecoder) BackwardBars(dbar []float32) []float32 {
	n := d.n
	demb := d.Bar.Backward(dbar) // [Bars·N, H] = [Bars, N, H]
	d.demb = models.Buf(d.demb, len(demb))
	copy(d.demb, demb)
	dz := d.s0.backward(d.Init, d.Conductor, d.demb, n, d.Hidden, false)
	d.dz = models.Buf(d.dz, n*d.Z)
	copy(d.dz, dz)
	return d.dz
}

// TeacherForcedAccuracy decodes z [N, Z] teacher-forced on b's classes and returns how
// many steps' most likely class is the true one, and how many steps there are.
func (d *HierDecoder) TeacherForcedAccuracy(z []float32, b *models.Batch) (hits, total int) {
	d.check(b)
	d.conduct(z, b.N, false)
	sub := d.barBatch(b)
	d.Bar.Start = d.start
	defer func() { d.Bar.Start = nil }()
	return d.Bar.TeacherForcedAccuracy(d.emb, sub)
}

// Accuracy decodes mu [N, Z] greedily in b's layout and returns how many of b's steps it
// gets right and how many steps there are.
func (d *HierDecoder) Accuracy(mu []float32, b *models.Batch) (hits, total int) {
	for i, seq := range d.GenerateFor(mu, b, 0, nil) {
		for t, c := range seq {
			if c == b.Classes[i*b.T+t] {
				hits++
			}
		}
	}
	return hits, b.Steps()
}

// Generate decodes n sequences of Bars·BarSteps classes from z [n, Z]: the conductor
// gives every bar's embedding, then bar by bar the bar decoder writes each from its
// embedding, reading the last class of the bar before at its first step. Temperature 0
// is greedy; otherwise classes are drawn with rng.
func (d *HierDecoder) Generate(z []float32, n int, temperature float64, rng *rand.Rand) [][]int32 {
	return d.GenerateKeeping(z, n, nil, nil, nil, temperature, rng)
}

// GenerateFor is Generate in b's layout: its controls and bar lengths (its classes are
// not read), what reconstructing b decodes.
func (d *HierDecoder) GenerateFor(z []float32, b *models.Batch, temperature float64, rng *rand.Rand) [][]int32 {
	return d.GenerateKeeping(z, b.N, b, nil, nil, temperature, rng)
}

// GenerateKeeping is Generate in layout's controls and bar lengths (nil: bars of BarSteps
// and no controls, for a decoder that reads none) with some bars given: where keep[bar]
// is set, bar bar of every sequence is kept[i]'s (laid out as the output, in the same
// bars) instead of decoded, and the bar after it reads its last class, so that the
// decoded bars join the kept ones. nil keep keeps none. Sequence i is as long as its bars.
func (d *HierDecoder) GenerateKeeping(z []float32, n int, layout *models.Batch, keep []bool, kept [][]int32, temperature float64, rng *rand.Rand) [][]int32 {
	checkTemperature(temperature, rng, false) // the bar decoder checks its draws
	d.checkLayout(n, layout)
	if keep != nil && (len(keep) != d.Bars || len(kept) != n) {
		panic(fmt.Sprintf("rnn: GenerateKeeping with %d bars of keep for %d and %d sequences for %d", len(keep), d.Bars, len(kept), n))
	}
	T, S, H, C := d.Steps(), d.BarSteps, d.Hidden, d.Bar.Controls
	var lens []int
	if layout != nil {
		lens = layout.BarLengths
	}
	out := make([][]int32, n)
	flat := make([]int32, n*T)
	at := make([]int, n) // where each sequence's next bar starts
	for i := range out {
		l := T
		if layout != nil {
			l = layout.Len(i)
		}
		out[i] = flat[i*T : i*T+l]
	}
	var barLens []int
	var ctl []float32
	if lens != nil {
		barLens = make([]int, n)
	}
	if C > 0 {
		ctl = make([]float32, n*S*C)
	}
	d.conduct(z, n, false)
	emb := append([]float32(nil), d.emb...)
	d.genIn = growInt(d.genIn, n)
	defer func() { d.Bar.Start, d.Bar.prepared = nil, false }()
	for bar := 0; bar < d.Bars; bar++ {
		if keep != nil && keep[bar] {
			for i := range out {
				l := d.barLen(lens, i, bar)
				copy(out[i][at[i]:at[i]+l], kept[i][at[i]:at[i]+l])
				at[i] += l
			}
			continue
		}
		for i := range out {
			l := d.barLen(lens, i, bar)
			d.genIn[i] = -1
			if bar > 0 {
				d.genIn[i] = out[i][at[i]-1]
			}
			if barLens != nil {
				barLens[i] = l
			}
			if C > 0 {
				clear(ctl[i*S*C : (i+1)*S*C])
				copy(ctl[i*S*C:], layout.Controls[(i*T+at[i])*C:(i*T+at[i]+l)*C])
			}
		}
		d.Bar.Start = d.genIn
		for i, seq := range d.Bar.GenerateControlled(emb[bar*n*H:(bar+1)*n*H], n, ctl, barLens, temperature, rng) {
			at[i] += copy(out[i][at[i]:], seq)
		}
		d.Bar.prepared = true // the weights stay as they are for the other bars
	}
	return out
}
