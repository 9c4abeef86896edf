// Package latent moves in a VAE's latent space: prior samples, linear and spherical
// interpolation, bilinear grids, similar points, attribute vectors and latent arithmetic.
// It works on plain []float32 vectors and knows nothing of models or domains.
//
// Invariants:
//
//   - Functions never modify their arguments, and every vector they return is freshly
//     allocated (never an alias of an argument). Arithmetic runs in float64 and is rounded
//     to float32 once per element.
//   - Interpolations contain their endpoints exactly, bit for bit: Lerp and Slerp at t = 0
//     and 1, the first and last points of Interpolate, the four corners of Grid, and
//     Similar at similarity 1 (z itself) and 0 (the prior samples themselves).
//   - Randomness comes only from the *rand.Rand passed in, so the same seed gives the same
//     vectors. Similar draws its prior samples exactly as SamplePrior does.
//   - Vectors a program builds itself are trusted: a size mismatch in the two-vector
//     operations without an error result (Lerp, Slerp, Add, Sub, Apply, Distance) is a
//     programmer error and panics. Everything that takes outside input (Interpolate, Grid,
//     Similar, Mean, Attribute, Attributes, ReadAttributes, Eval) returns an error instead
//     and never panics on it.
//   - Interpolation modes are named "slerp" (the default, also for "") and "lerp".
//   - Attribute names are Eval identifiers (a letter or _, then letters, digits or _), so
//     that an attribute file's vectors can serve as Eval variables as they are.
//   - No package-level mutable state.
package latent
