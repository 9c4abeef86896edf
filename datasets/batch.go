package datasets

import (
	"math/rand/v2"

	"musae/models"
)

// ImageSet serves images to the trainer as batches of Rows steps of Cols pixels.
type ImageSet struct {
	Images *Images
	// Dynamic binarises each pixel afresh at every draw (Bernoulli with the pixel's
	// intensity), as training on MNIST does; otherwise pixels pass through unchanged.
	Dynamic bool
}

// Len returns the number of images.
func (s ImageSet) Len() int { return s.Images.N }

// Fill writes the images at idx into b.
func (s ImageSet) Fill(b *models.Batch, idx []int, rng *rand.Rand) {
	for i, k := range idx {
		if s.Dynamic {
			BinarizeRandom(b.Example(i), s.Images.Image(k), rng)
		} else {
			copy(b.Example(i), s.Images.Image(k))
		}
	}
}

// ImageBatch returns images [from, to) of im as a batch, their pixels as they are
// (binarise a set first: BinarizeSet, ThresholdSet).
func ImageBatch(im *Images, from, to int) *models.Batch {
	b := models.NewBatch(to-from, im.Rows, im.Cols, false)
	copy(b.X, im.Pixels[from*im.Rows*im.Cols:to*im.Rows*im.Cols])
	return b
}
