// Package melody is the domain of 2-bar monophonic melodies, as MusicVAE's mel_2bar models
// see them: MIDI files in and out, 32 steps of 16ths in 90 classes.
//
// An example's Value is a midi.Melody of midi.WindowSteps steps (midi's 90-class encoding)
// and its QPM the tempo of the file it came from. Read takes one 2-bar window of a MIDI
// file (the first with notes, or the one at ReadOptions.Bar, from ReadOptions.Track), moved
// onto its notes' 16th grid as the training corpus was, and says which window in
// Example.Where; Decode decodes greedily at temperature 0 and samples each step above it;
// Write puts melodies one after another in one MIDI track, a bar of rest between (or, for
// a .musicxml or .abc file, in a score). The canonical models are mel2-tiny (built in) and
// mel2-small; Eval reports greedy reconstruction accuracy on a split of a corpus, and Train
// uses MusicVAE's windows, transposition and schedule.
//
// Besides domain.Domain, the domain is domain.Timed (audio from musae's synthesiser, within
// its limits), domain.Attributer and domain.Measurer (note density, mean pitch and
// stepwise motion, and the attribute vectors learnt from them) and domain.Transformer
// (denoise and elaborate: tasks of whole files, each run by a model trained for it).
package melody
