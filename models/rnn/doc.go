// Package rnn is musae's recurrent VAE for melodies (and, row by row, images): a
// bidirectional LSTM encoder, an autoregressive LSTM decoder, and the canonical configs
// mel2-tiny and mel2-small, all with hand-written forward and backward passes.
//
// # Gates
//
// Every LSTM step follows PyTorch's nn.LSTM, with σ the logistic function, ∘ the element-wise
// product, and the four row blocks of weight_ih, weight_hh, bias_ih and bias_hh in the order
// i, f, g, o:
//
//	i  = σ(W_ii·x + b_ii + W_hi·h + b_hi)
//	f  = σ(W_if·x + b_if + W_hf·h + b_hf)
//	g  = tanh(W_ig·x + b_ig + W_hg·h + b_hg)
//	o  = σ(W_io·x + b_io + W_ho·h + b_ho)
//	c' = f∘c + i∘g
//	h' = o∘tanh(c')
//
// Backpropagation through time runs the steps in reverse: with dh = ∂L/∂h' (from above and
// from the next step) and dc = ∂L/∂c' (from the next step),
//
//	dc  += dh∘o∘(1 − tanh²c')
//	do   = dh∘tanh(c')∘o∘(1 − o)      (with respect to o's pre-activation, and so on)
//	di   = dc∘g∘i∘(1 − i)
//	df   = dc∘c∘f∘(1 − f)
//	dg   = dc∘i∘(1 − g²)
//	∂L/∂c = dc∘f,  ∂L/∂h = [di df dg do]·W_hh,  ∂L/∂x = [di df dg do]·W_ih
//
// and the weight gradients are sums over all steps, computed after the reverse sweep as one
// matrix product each.
//
// # Invariants
//
//   - Parameter names, shapes and order are PyTorch's state_dict for torch_reference.py's
//     MelodyVAE (enc.weight_ih_l0 [4H, 90], ..., init.weight, dec.weight_ih_l0 [4H, 90+z],
//     out.weight), so safetensors weights move both ways; the test against
//     testdata/torch/mel2-tiny.safetensors holds musae's forward pass to PyTorch's within 1e-4.
//   - The decoder's initial state is tanh(init(z)) laid out layer by layer as h then c; its
//     input at step t is [one-hot of class t−1 (zeros at t = 0), z, controls_t], and the
//     encoder's is [one-hot of class t, controls_t]: Config.Controls known features per
//     step (the metrical pulse, the chord), none in mel2-tiny, whose checkpoints load as
//     they are. Model.Widen gives a model with more controls a smaller one's function
//     exactly (zero columns), the start of fine-tuning it.
//   - One model serves sequences of several lengths (two bars of 3/4 and of 4/4): a batch's
//     Lengths mark each example's own steps, the padding after them is never read by the
//     encoder (the backward LSTM starts at the example's last step), never scored, and adds
//     nothing to any gradient; Generate decodes each sequence to its own length.
//   - Inside the package sequences are time-major ([T, N, ·]) so that a step's rows are
//     contiguous; the exported LSTM.Forward and Backward take batch-major [N, T, ·] as
//     models.Batch does.
//   - Structure is exploited, not approximated: a one-hot input's projection is a gather of
//     weight columns, z's projection is computed once per sequence, and the weights are packed
//     once per pass. A batch with Classes set must have X equal to their one-hot rows.
//   - Parallel work is split by examples (each goroutine runs the whole time loop for its
//     slice of the batch) or by rows of a product, never by single elements. Each value is
//     computed by the same operations in the same order however the work is split, so
//     results do not depend on GOMAXPROCS.
//   - Buffers grow to the largest batch seen and are reused: a training step allocates only
//     a few kilobytes (goroutine closures). Returned slices are valid until the layer's next
//     call. Layers are not safe for concurrent use.
//   - Generation is deterministic for a seeded rng; temperature 0 is greedy argmax.
//
// # Hierarchical decoding
//
// HierDecoder is MusicVAE's hierarchical decoder for 16-bar melodies (hier16-tiny): a
// conductor LSTM, started from tanh(dense(z)) and fed zeros, emits one embedding per bar,
// and a Decoder over one bar writes each bar from its embedding, started afresh, reading at
// its first step the last class of the bar before (Decoder.Start). In training the bars of
// a batch are one batch of N·Bars rows of Steps/Bars steps, bar-major, so the fused
// sequence kernels run unchanged; generation goes bar after bar. BarNLL and BackwardBars
// score and differentiate bar by bar, which infilling needs (a loss over some bars only).
// HierConfig with Bars 0 is the flat baseline (flat16-tiny).
//
// # Speed
//
// Matrix products are models' packed, register-blocked GEMM (AVX-512 or AVX2+FMA kernels,
// with a portable Go fallback); the recurrent weights are packed once per pass
// (models.PackedMatrix) and each goroutine of the time loop keeps its own workspace. The
// cell math uses a vectorised float32 exp (cell_amd64.s, from asmgen.py).
package rnn
