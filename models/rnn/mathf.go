package rnn

import "musae/models"

// Float32 activations on models.Exp32: the gate math calls them for every gate of every
// unit, step and example, where math.Exp's float64 would cost ~10 ns each.

// sigmoid returns 1/(1+e^-x).
func sigmoid(x float32) float32 { return 1 / (1 + models.Exp32(-x)) }

// tanhf returns tanh(x) as 1 − 2/(e^{2x}+1), exact to ~1e-7 absolute (relative error grows
// only where |tanh x| < 1e-4, where the absolute error is what the layers feel).
func tanhf(x float32) float32 { return 1 - 2/(models.Exp32(2*x)+1) }
