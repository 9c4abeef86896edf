package rnn

import "musae/models"

// TeacherForcedAccuracy decodes z [N, Z] teacher-forced on b's classes (each step reads
// the true previous class, as in training) and returns how many steps' most likely class
// is the true one, and how many steps there are: the first of MusicVAE's Table 1 pair,
// beside Accuracy's free-running greedy decoding and Generate's sampling. Padding is left
// out of both counts.
func (d *Decoder) TeacherForcedAccuracy(z []float32, b *models.Batch) (hits, total int) {
	for _, h := range d.TeacherForcedHits(z, b) {
		hits += h
	}
	return hits, b.Steps()
}

// TeacherForcedHits is TeacherForcedAccuracy's hits example by example.
func (d *Decoder) TeacherForcedHits(z []float32, b *models.Batch) []int {
	d.NLL(z, b, false)
	hits := make([]int, b.N)
	// Without train, NLL leaves each row of d.dlogits as exp(logit − max): the same argmax.
	for t := 0; t < b.T; t++ {
		for i := 0; i < b.N; i++ {
			if t >= b.Len(i) {
				continue
			}
			if int32(argmax(d.dlogits[(t*b.N+i)*d.Classes:(t*b.N+i+1)*d.Classes])) == b.Classes[i*b.T+t] {
				hits[i]++
			}
		}
	}
	return hits
}
