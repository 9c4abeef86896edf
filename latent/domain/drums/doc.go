// Package drums is the domain of 2-bar drum beats, as MusicVAE's cat-drums_2bar models see
// them: MIDI files in and out, 32 steps of 16ths, each one of 512 classes (the set of the
// nine drums of MusicVAE's reduced kit hit on the step).
//
// An example's Value is a midi.Drums of midi.WindowSteps steps and its QPM the tempo of
// the file it came from. Read takes one 2-bar window of a MIDI file's drums: the notes on
// the drum channel (10) of every track, or every note of ReadOptions.Track, mapped to the
// kit as the Groove MIDI Dataset's paper maps the Roland TD-11 (midi.DrumMapGroove); the
// first window with no silent bar, or the one at ReadOptions.Bar. Decode decodes greedily
// at temperature 0 and samples each step above it; Write puts beats one after another on
// channel 10 of one MIDI track, a bar of rest between.
//
// The canonical model is drums2: MusicVAE's categorical drum VAE sized for a small CPU
// (biLSTM 128 per direction, LSTM 256, z 64, as mel2-tiny with 512 classes). Train reads
// the 2-bar windows of a folder of MIDI files, split by the Groove MIDI Dataset's
// info.csv, each file's repeated patterns kept once (as MusicVAE does). Eval reports
// MusicVAE's Table 1 pair (per-step accuracy teacher-forced and sampled at temperature 1)
// and greedy reconstruction from z = mu, beside the all-silence baseline.
//
// Besides domain.Domain, the domain is domain.Timed (WAV rendering through midi's drum
// kit), domain.Attributer and domain.Measurer (density, syncopation and hi-hat openness,
// and the attribute vectors learnt from them).
package drums
