// Package phrase is the domain of 16-bar melodies ("melody16"): MusicVAE's 16-bar
// windows (hop one bar) of the melodies of MIDI files, in each file's own meter
// (midi.PhraseBars: 16 bars of 3/4, of 6/8, of 4/4, bars of 2/4 taken in pairs), read and
// written as the 2-bar melody domain reads and writes them (package melody). Its models:
// hier16-tiny, a hierarchical VAE as MusicVAE's hierdec-mel_16bar (rnn.HierDecoder);
// hier16-c64, the same with a conductor of 64 units, whose encoder and bar decoder have
// mel2-tiny's shapes (so `musae train --init mel2-tiny --config hier16-c64` starts them
// from its weights); flat16-tiny, their flat baseline; all three of 4/4 phrases. And
// hier16-meters (the default), hier16-c64 for phrases of every meter: bars of up to 24
// steps each decoded at its own length, the meter's controls beside every step,
// mel2-meters' shapes.
//
// An Example's Value is a midi.Melody of its 16 bars' steps (256 in 4/4, 192 in 3/4), its
// meter the melody domain's meter condition. Eval reports MusicVAE's Table 1 protocol
// (teacher-forced and sampled accuracy from a posterior sample), by meter for a model of
// every meter; Infill writes some bars of a phrase anew, keeping the others
// (domain.Infiller).
package phrase
