// Package conv is musae's convolutional encoder and decoder: the canonical mnist-conv
// (z = 16), mnist-conv32 (z = 32) and mnist-conv2 (z = 2) models of torch_reference.py's
// ConvVAE (mnist-conv32 is its --z 32), built from hand-written layers (Conv2D, MaxPool2,
// Upsample2, with models.Dense for the linear layers) with hand-written backward passes;
// and SeqEncoder, a one-dimensional convolutional encoder over time for melodies (or any
// sequence of one-hot steps), which pairs with models/rnn's decoder as the recurrent
// encoder does. Each encoder and decoder stands alone: the image Decoder takes z from any
// encoder.
//
// Invariants:
//   - Tensors between layers are float32 NCHW ([examples, channels, height, width],
//     row-major), PyTorch's layout, so that flattening an encoder's last feature map gives
//     PyTorch's (C, H, W) order and weights move both ways unchanged. A batch of images
//     ([N, T = 28, D = 28]) is read as [N, 1, 28, 28].
//   - Parameters have PyTorch's names, shapes and initialisation: Conv2d weight
//     [out, in, kh, kw] and bias [out], Conv1d weight [out, in, k]; Model.Params lists
//     them in state_dict order.
//   - Convolutions have stride 1 and zero padding smaller than the kernel; with kh = 1
//     they are one-dimensional convolutions over time (NewConv1D).
//   - Inside a convolution, each channel is a plane in a padded flat layout: the examples'
//     rows one after another, each row followed by zeros that double as the next row's
//     left padding, each example followed by zero rows that double as the next example's
//     top padding. A kernel tap is then a constant offset into the plane, so the forward
//     pass, the input gradient (the transposed convolution) and the weight gradient are
//     all products over offset rows, computed by two kernels (kernel.go) with no im2col
//     matrix and no transposes; positions that are padding are computed and dropped.
//   - The Encoder and Decoder chain their layers in that layout: pooling and upsampling read
//     a convolution's raw output planes (applying its bias and rectifier on the way) and
//     write the next convolution's padded input planes, and their gradients go the same
//     way back; only the dense layers see NCHW. The full-size (28×28) layers run a few
//     examples at a time so that their planes stay in cache (see chunk).
//   - Layers own their buffers and reuse them; a slice a layer returns is valid until its
//     next call, and Backward reads the input and output of the last Forward, so neither
//     may change in between. After the first step at a given batch size, a training step
//     allocates only goroutine bookkeeping (about 40 KB in a thousand small objects).
//   - Work is split across runtime.GOMAXPROCS(0) goroutines that take ranges of tiles or
//     channels from a shared counter, so a core slowed by other work takes fewer. Each
//     output value is the same sum in the same order however the work is split.
//   - The dense layers are models.Dense, on the project's one GEMM (models.Gemm).
//   - The kernels are chosen once, at start-up, from the CPU's features: AVX-512 assembly
//     (kernel_amd64.s), else AVX2+FMA assembly (kernel_avx2_amd64.s), else portable Go,
//     which is also what the purego build tag selects. All three compute the same tiles
//     and rows; tests check each assembly set against Go, and the test flag -kernels
//     (go test -bench . -kernels=avx2) runs any test or benchmark with the set named.
package conv
