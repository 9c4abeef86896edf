// Package models is musae's shared VAE core: named parameters that live apart from any
// computation, the Encoder and Decoder interfaces every model implements, the
// reparameterisation trick, the KL term with free bits and MusicVAE's beta schedule, the
// ELBO, Adam with exponential learning-rate decay, global-norm gradient clipping, the
// trainer, and safetensors checkpoints; and the arithmetic every model shares: the matrix
// product (Gemm, a packed GEMM with AVX-512 and AVX2+FMA kernels written by asmgen.py) and
// element-wise kernels, each with a pure-Go fallback for other CPUs and -tags purego.
//
// Invariants:
//   - Everything is float32 and row-major, with PyTorch's layouts (Linear weight [out, in]),
//     so that weights move both ways between musae and the PyTorch reference.
//   - A layer owns its parameters (*Param) and its scratch buffers. Buffers grow to the
//     largest batch seen and are reused, so a training step allocates almost nothing. A
//     slice a layer returns is valid until its next call.
//   - Forward passes called with train set keep what the matching Backward needs; Backward
//     adds into Param.Grad (it never overwrites), so the trainer zeroes gradients once per step.
//   - The core never knows its domain: a Batch is N examples of T steps of D features, and
//     the decoder alone knows whether that is a Bernoulli image or a categorical melody.
//   - No package-level mutable state (beyond the CPU-feature switches of the kernels and
//     Gemm's pool of workspaces); randomness comes from a *rand.Rand passed in.
//   - Results do not depend on the number of cores: work is split so that every value is
//     computed by the same operations in the same order (GradNorm sums fixed pieces in a
//     fixed order).
package models
