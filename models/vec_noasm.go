//go:build !amd64 || purego

package models

func adamStep(w, g, m, v []float32, c *adamConsts) { adamStepGo(w, g, m, v, c) }

func sumSquaresLanes(x []float32, lanes *[32]float64) { sumSquaresGo(x, lanes) }

func addVec(dst, a, b []float32) int { return 0 }

func bernoulliVec(ls, ts, dl []float32, lanes *[16]float64) int { return 0 }
