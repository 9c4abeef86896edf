package rnn

// GenerateBy decodes n sequences of Steps classes from the latents z [n, Z] as Generate
// does, each step's class of sequence i chosen by pick from that step's logits (Classes
// values) and fed back as the next input: a decoding that weighs the model's logits
// against something else (the damaged input a denoiser reads) goes here. The decoder must
// take no controls (Config.Controls 0).
func (d *Decoder) GenerateBy(z []float32, n int, pick func(t, i int, logits []float32) int32) [][]int32 {
	if d.Controls > 0 {
		panic("rnn: GenerateBy of a decoder that takes controls")
	}
	out := make([][]int32, n)
	flat := make([]int32, n*d.Steps)
	for i := range out {
		out[i] = flat[i*d.Steps : (i+1)*d.Steps]
	}
	d.decode(z, n, d.Steps, nil, func(t int, logits []float32) {
		for i := 0; i < n; i++ {
			out[i][t] = pick(t, i, logits[i*d.Classes:(i+1)*d.Classes])
		}
	}, func(t, i int) int32 { return out[i][t] })
	return out
}
