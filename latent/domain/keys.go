package domain

// Keyed is implemented by domains whose examples are in a musical key (melodies): ToKey
// moves each example to key (as a person writes it: "D", "Bm", "F# minor"), as a tune is
// transposed, what it was decoded under (its chords) moving with it. A key the domain
// cannot read, or an example that would leave its range, is an InputError.
type Keyed interface {
	Domain
	ToKey(xs []Example, key string) ([]Example, error)
}
