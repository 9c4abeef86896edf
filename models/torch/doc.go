// Package torch holds musae's PyTorch twins (the Python package musae_torch beside this
// file: models, safetensors checkpoints, a torchrun trainer) and the Go tests that hold
// them to musae: per-example nats and greedy decodings within 1e-5 of musae's, checkpoints
// that move between the two byte for byte, and a two-process torchrun run that equals a
// one-process run and that musae evaluates and samples from unchanged.
//
// The tests run Debian's PyTorch (python3-torch) with /usr/bin/python3, or the interpreter
// $MUSAE_PYTHON names. Without one that imports torch they skip, unless
// MUSAE_REQUIRE_TOOLS=1 (CI sets it), when they fail. See README.md for training at scale.
package torch
