package melody

import (
	"math/rand/v2"

	"musae/latent/domain"
	"musae/models"
)

// The melody domain's conditions. Each condition keeps its own code (chords.go: the
// chords); the methods here list them and pass each model's to its code.

var _ domain.BatchUnder = Domain{}

// Conditions lists the conditions melody models may take: the chords (mel2-chords).
func (Domain) Conditions() []domain.Condition {
	return []domain.Condition{chordsCondition}
}

// Takes lists the conditions m reads: "chords" for a model with the chord controls.
func (Domain) Takes(m *domain.Model) []string {
	var out []string
	if takesChords(m) {
		out = append(out, ChordsCondition)
	}
	return out
}

// DecodeUnder decodes zs as Decode does, vector i under conds[i]: for a model that reads
// chords, a melody as long as the progression (decodeChords).
func (d Domain) DecodeUnder(m *domain.Model, zs [][]float32, conds []domain.Conditions, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	if takesChords(m) {
		return decodeChords(m, zs, conds, temperature, rng)
	}
	return d.Decode(m, zs, temperature, rng)
}

// BatchUnder is Batch for a model that takes conditions: the windows with the controls
// of their conditions (chordsBatch).
func (d Domain) BatchUnder(m *domain.Model, xs []domain.Example, conds []domain.Conditions) (*models.Batch, error) {
	if takesChords(m) {
		return chordsBatch(xs, conds)
	}
	return d.Batch(xs)
}
