// Package phrase is the domain of 16-bar melodies ("melody16"): MusicVAE's 16-bar
// windows (hop one bar) of the melodies of MIDI files, read and written as the 2-bar
// melody domain reads and writes them (package melody), and its models hier16-tiny, a
// hierarchical VAE as MusicVAE's hierdec-mel_16bar (rnn.HierDecoder), hier16-c64, the same
// with a conductor of 64 units, whose encoder and bar decoder have mel2-tiny's shapes (so
// `musae train --init mel2-tiny --config hier16-c64` starts them from its weights), and
// flat16-tiny, their flat baseline.
//
// An Example's Value is a midi.Melody of 256 steps. Eval reports MusicVAE's Table 1
// protocol (teacher-forced and sampled accuracy from a posterior sample); Infill writes
// some bars of a phrase anew, keeping the others (domain.Infiller).
package phrase
