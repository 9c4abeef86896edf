// Package groove is the domain of 2-bar drum performances as GrooVAE (Gillick et al., ICML
// 2019) models them: for each of 32 16th-note steps and each of the nine drums of MusicVAE's
// reduced kit, a hit, its velocity and its offset from the grid, 27 features a step in
// GrooVAE's layout [hits, velocities, offsets] (velocities in [0, 1], offsets scaled from
// [−0.5, 0.5) of a step to [−1, 1)).
//
// An example's Value is a midi.Groove of midi.WindowSteps steps and its QPM the tempo of
// the file it came from. Read takes the 2-bar window the drums domain takes (the drum
// channel, or ReadOptions.Track; ReadOptions.Bar or the first window without a silent bar);
// Write puts grooves one after another on channel 10 of one MIDI track, each hit at its
// velocity and offset.
//
// The canonical model is groove2: GrooVAE's design (a bidirectional LSTM encoder over the
// dense steps, an LSTM decoder fed its previous step's 27 values and z, Bernoulli hits with
// cross-entropy, velocities and offsets regressed with squared error; rnn.GrooveDecoder) at
// mel2-tiny's size. Where GrooVAE trains one model per task, groove2 is one model trained on
// three readings of each performance, drawn per example (Set): the performance itself (the
// VAE that sample, interpolate and reconstruct use), its hits only (Quantised: humanise) and
// one tapped voice with notes dropped out (Tapped: drumify); the decoder always targets the
// performance, which the batch carries in models.Batch.Target.
//
// Besides domain.Domain, the domain is domain.Timed (WAV rendering through midi's drum kit)
// and domain.Transformer: "groove" humanises a quantised beat and "drumify" makes a full
// beat of a rhythm tapped on any instrument, as Magenta Studio's Groove and Drumify do.
package groove
