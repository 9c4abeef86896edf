// Package domain makes each kind of data musae models — handwritten digits, 2-bar
// melodies — a plug-in, and is musae's Go API: open a model, read files into examples,
// encode them, move in latent space, decode, and write the result, as the musae command
// does.
//
// A Domain is one package (musae/latent/domain/digits, musae/latent/domain/melody) that
// knows its files (Read and Write, from an io.Reader and to an io.Writer), its batch shape,
// its canonical models and the weights built in for them, its decoding and sampling, its
// metrics (Eval) and its training setup (Train). What only some domains do, they say by
// implementing an optional interface, as an io.Writer says it is an io.WriterTo: Timed
// (examples that play in time: music, WAV), Pictures (grey pictures: latent maps and
// scatter plots), Attributer (attribute vectors learnt from data), Measurer (measures
// of examples, such as note density), Viewer (how a page shows an example: a piano roll,
// a drum grid, a picture, with the MIDI notes it sends), Starter (examples to start from
// with no files), Transformer (a model that turns an input into an example of the
// domain, each transformation a verb of the command line: GrooVAE's groove and drumify,
// done by the VAE itself; a melody model's denoise and elaborate, tasks that a model is
// trained for with TrainOptions.Task and whose Meta.Task then names it; a digits
// autoencoder's denoise and upscale, done by a network that is no VAE, a Networker's:
// Model.Net, opened by Registry.OpenAny, while Open opens only VAEs; TransformTester, where
// a transformation's verb measures its model itself) and Conditioned
// (models that encode and decode under known conditions, such as a melody's meter: see
// Conditions; a program passes them to Model.SampleUnder, DecodeUnder and DecodeEach, and
// examples carry their own in Example.Conditions, so that decoding like an input is
// Model.ConditionsOf). Built-in models may ship attribute vectors beside their weights
// (Registry.BuiltinAttributes). A Registry holds the domains a program knows;
// musae's command line builds its own in one place, and adding a domain is its package
// plus one line there.
//
// Interpolating two MIDI files:
//
//	m, err := domain.Open("mel2-tiny", melody.New()) // or a checkpoint's path
//	if err != nil {
//		log.Fatal(err)
//	}
//	xs, err := m.ReadFiles([]string{"a.mid", "b.mid"}, domain.ReadOptions{})
//	if err != nil {
//		log.Fatal(err) // not MIDI, say, or no 2-bar window with notes
//	}
//	mu, _, _ := m.Encode(xs)                         // the posterior means
//	zs, _ := m.Interpolate(mu[0], mu[1], 5, "slerp") // 5 points, both ends included
//	steps, _ := m.Decode(zs, 0, nil)                 // greedy decoding
//	if err := m.WriteFile("morph.mid", steps, domain.Layout{QPM: xs[0].QPM}); err != nil {
//		log.Fatal(err)
//	}
//
// (Encode, Interpolate and Decode fail only for a program's own mistakes: examples of
// another domain, an unknown mode, vectors of another size.) The Example functions show
// the rest: encoding values, sampling at a temperature, similar points, attribute vectors.
//
// Invariants:
//
//   - A Domain holds no mutable state: one value serves any number of models and
//     goroutines. A Registry is not changed once made, and keeps its domains in the order
//     given; domain names and model names are unique in it.
//   - Each domain fixes the type of Example.Value (midi.Melody for melodies, []float32
//     intensities for digits) and documents it; examples from Read, Decode and Sample all
//     hold that type.
//   - Encode returns one mu and one logvar of the model's latent size per example, in
//     order; it batches at most BatchSize examples at a time, and the results do not
//     depend on how many are encoded together. Decode decodes all it is given at once:
//     above temperature 0, how the vectors are batched decides which random numbers
//     each gets.
//   - Randomness comes only from the *rand.Rand passed in: Decode at temperature 0 uses
//     none (rng may be nil), and the same seed gives the same examples and the same bytes
//     out. The musae command goes through this package, so a program that does what a
//     verb does with the same seed writes the same files.
//   - A Model is not safe for concurrent use (its layers keep scratch space); open one per
//     goroutine, or hold a lock.
//   - Errors in what a caller asked for — a flag's value, a file with no usable part, a
//     file of the wrong kind — are *InputError (the command line exits 2); everything
//     else is a failure of the work. Messages name the file and the problem.
//   - WriteFile never leaves a half-written file: it writes beside the target and renames.
package domain
