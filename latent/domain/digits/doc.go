// Package digits is the domain of MNIST's handwritten digits (and Fashion-MNIST's
// pictures): 28×28 grey pictures, PNG files in and out.
//
// An example's Value is a []float32 of 28·28 intensities in [0, 1], row-major, 0 for the
// background and 1 for ink (datasets.Images' convention). Read fits any picture to it as
// MNIST's digits were made (image.FitDigit); Decode gives the Bernoulli decoder's pixel
// probabilities, which take no temperature; Write lays pictures out in a PNG grid, doubled
// in size. The canonical models are mnist-conv32 (z 32, the default), mnist-conv (z 16)
// and mnist-conv2 (z 2, for the 2-D manifold), all built in; Eval reports the negative ELBO and the importance-weighted
// −log p(x) on the test (or training) set binarised by Bernoulli draws, dynamic and fixed
// (datasets.BinarizeSet), as the literature does, and the old thresholded figure labelled;
// Train trains the plain ELBO on the dynamically binarised training set.
//
// Besides domain.Domain, the domain is domain.Pictures (latent maps and scatter plots
// over its labelled test set) and domain.Attributer (one attribute vector per label). It is
// also domain.Transformer, domain.Networker and domain.TransformTester: the autoencoder
// lesson's convolutional autoencoders (conv.AE, trained by TrainNet; built in: Nets) remove
// the noise from a digit (Denoise) and enlarge a small one (Upscale), and measure
// themselves on the test digits (TestTransform, WriteAEFigures). They are networks, no
// VAEs: their checkpoints name conv.AEDomain, domain.Registry.OpenAny opens them as a
// domain.Model whose Net is the *conv.AE, and the VAE verbs refuse them.
package digits
