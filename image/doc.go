// Package image turns musae's tensors into pictures and back: grey images of digits,
// PNG grids and strips of samples, the 2-D latent manifold, loss-curve and latent-scatter
// plots, and piano rolls of melodies. It knows nothing of models, MIDI or training; the
// caller hands it plain slices.
//
// Invariants:
//
//   - A picture tensor is a []float32 of rows·cols intensities in [0, 1], row-major,
//     with MNIST's convention: 0 = background, 1 = ink. Values outside [0, 1] (and NaN,
//     as 0) are clamped when drawn; nothing here rescales them.
//   - Pictures are drawn as MNIST shows them: white ink on a black background. ToGray
//     maps v to the grey level round(255·v), so ToGray and FromGray invert each other
//     exactly on 8-bit data.
//   - FromGray converts any image to grey intensities as they are (luminance, no
//     inversion, no resizing). FitDigit prepares a user's picture of a digit the way
//     MNIST's were: it inverts it when its border is mostly light (a dark digit on
//     paper), then crops, scales into a 20×20 box and centres by centre of mass in 28×28.
//   - Grids are row-major; padding lines are mid-grey so tiles stay distinguishable on
//     black.
//   - Manifold puts z[0] along x (left to right, increasing) and z[1] along y (top =
//     highest), at the standard normal's quantiles of linspace(0.05, 0.95, n).
//   - Every file is written atomically (temporary file in the same folder, then
//     rename): an error never leaves a half-written PNG behind. Output is a function of
//     the input alone, so the same input gives the same bytes (plots: for one build of
//     the fonts and rasteriser).
//   - Plots are 6×4 inch PNGs at 150 dpi (900×600 pixels).
package image
