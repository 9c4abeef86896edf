// Package phrase is the domain of 16-bar melodies ("melody16"): MusicVAE's 16-bar
// windows (hop one bar) of the melodies of MIDI files, read and written as the 2-bar
// melody domain reads and writes them (package melody), and its models hier16-tiny, a
// hierarchical VAE as MusicVAE's hierdec-mel_16bar (rnn.HierDecoder), and flat16-tiny, its
// flat baseline.
//
// An Example's Value is a midi.Melody of 256 steps. Eval reports MusicVAE's Table 1
// protocol (teacher-forced and sampled accuracy from a posterior sample); Infill writes
// some bars of a phrase anew, keeping the others (domain.Infiller).
package phrase
