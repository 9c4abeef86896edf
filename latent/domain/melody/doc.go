// Package melody is the domain of 2-bar monophonic melodies, as MusicVAE's mel_2bar models
// see them, in every meter: MIDI files in and out, steps of 16ths in 90 classes.
//
// An example's Value is a midi.Melody (midi's 90-class encoding), its QPM the tempo of the
// file it came from, and its Conditions its meter ("meter": "6/8"; MeterText writes a
// change inside a window as "3/4+2/4@12"). Read takes one window of a MIDI file in the
// file's own meter (midi.File.OwnWindows: the bars that fill 32 sixteenths in 4/4, 2/2,
// 2/4 and 4/2, else 2 bars — 24 sixteenths of 3/4 or 6/8, 36 of 9/8, 48 of 12/8 — at
// most 48), the first with notes or the one at ReadOptions.Bar, from ReadOptions.Track,
// moved onto its notes' 16th grid as the training corpus was, and says which window in
// Example.Where. Compound meters and triplets live on the same 16th grid: a 6/8 bar is 12
// steps, its beats dotted quarters of 6; triplets are rounded to the nearest 16th, as
// MusicVAE rounds them.
//
// The canonical models are mel2-tiny (built in) and mel2-small, which read 32-step windows
// of 4/4 (and refuse another meter with an InputError that names it), and mel2-meters,
// mel2-tiny's size reading every meter: beside each step the encoder and the decoder read
// the meter's pulses and places (midi.MeterControls), so that one model serves every meter
// and a decoded waltz is a waltz, and mel2-chords, mel2-tiny reading the chord under each
// step (the one-hot of its triad class, 49 features), so that it decodes a melody over a
// progression. The domain is domain.Conditioned with two conditions, "meter" and
// "chords" (conditioned.go): a model's config names those it takes (rnn.Config.Conditions),
// its controls are each one's features in that order, so that a model of both needs no
// code of its own. DecodeUnder decodes each vector to its meter's window, and under a
// progression longer than a window window by window from the same z; Decode and Sample
// use the defaults (4/4; chords have none). Write puts melodies one after another in one MIDI track, each in its meter (time
// signatures at each change), a bar of rest between (or, for a .musicxml or .abc file, in
// a score barred and beamed in the meters). Eval reports greedy reconstruction accuracy,
// onset accuracy, exact windows, the all-hold baseline and MusicVAE's Table 1 pair on a
// split of a corpus, by meter; Train uses MusicVAE's windows, transposition and schedule,
// on several corpora together.
//
// Besides domain.Domain, the domain is domain.Timed (audio from musae's synthesiser, within
// its limits), domain.Conditioned, domain.Widener (fine-tuning mel2-tiny into mel2-meters
// or mel2-chords starts at mel2-tiny's function), domain.Keyed (sample --key: each melody carries the key it was
// moved to, KeyCondition, which Write writes as the key signature), domain.Shower (the step grid in the meter),
// domain.Attributer and domain.Measurer (note density, mean pitch and stepwise motion, and
// the attribute vectors learnt from them) and domain.Transformer (denoise and elaborate:
// tasks of whole files, each run by a model trained for it).
package melody
