// Package midi reads and writes Standard MIDI Files and turns them into monophonic melodies
// in MusicVAE's 90-class encoding.
//
// # Reading
//
// Read parses the chunk structure itself (MThd, MTrk, delta times, running status, meta and
// system-exclusive lengths) so that it controls truncation and garbage and can name byte
// offsets. It reads formats 0, 1 and 2, any division in ticks per quarter note or SMPTE
// frames, and RIFF RMID wrappers. It reads what is sound and records each repair in
// File.Warnings: a track cut short keeps its whole events, data bytes above 127 are clamped
// to 127 (the length of a channel message is fixed by its status), a missing end-of-track
// ends the track at its last event, an unknown chunk is skipped, a second MThd (two
// files joined) ends the file, and a first tempo outside MinQPM..MaxQPM (4..1000 qpm, what
// melodies can be written at) sets File.QPM to the nearest of them, File.Tempos keeping
// the tempo as it is. It returns an error, naming the byte offset, only when
// there is nothing to read: no MThd, a header cut short, a division of 0, no MTrk. It
// never panics; the fuzz target FuzzRead holds it to that.
//
// Notes are paired per track as pretty_midi (MusicVAE's MIDI reader) pairs them: a
// note-off, or a note-on of velocity 0, ends every earlier note of its key and channel. The
// program of a note is the channel's last program change in any track at or before it.
//
// # Melodies
//
// A Melody has one class per 16th-note step (StepsPerQuarter = 4):
//
//	0        NoEvent: hold the sounding note, or continue a rest
//	1        NoteOff: the sounding note ends, a rest begins
//	2..89    note-on of MIDI pitch 21..108 (A0..C8), class = pitch - 19
//
// File.Melody follows note_seq's Melody.from_quantized_sequence with
// ignore_polyphonic_notes, which MusicVAE's melody models use:
//
//   - Tracks are merged in time order, or one is picked by name or index
//     (ExtractOptions.Track; POP909's melody is the track "MELODY").
//   - Notes on the drum channel (10) are ignored; so are, unless a track is picked or
//     ExtractOptions.AllPrograms is set, notes whose program is outside 0–31 (MusicVAE's
//     MEL_PROGRAMS), and notes outside the piano range 21..108, which the encoding cannot
//     hold.
//   - Onsets and ends are quantised to the nearest 16th in ticks, halves rounding up
//     (note_seq's cutoff of 0.5); a note that quantises to no length lasts one step.
//     Quantising in ticks makes the grid independent of tempo changes.
//   - Of notes that start on the same step the highest wins; a note that starts later ends
//     the note before it, whatever their pitches. A note's end writes NoteOff unless
//     another note starts there.
//   - The melody starts at step 0 of the piece and lasts to the end of its last note or of
//     the longest chosen track.
//
// MusicVAE takes a melody from every instrument of a file. A command that works on one
// melody of a file with several tracks takes one: File.ChooseMelodyTrack picks the track
// named as a melody (MELODY, Lead, Vocal, Voice), else the most melodic of the tracks with
// usable notes (the most notes sounding alone in C3–C6), and says why. Errors that refuse
// notes for their programs name the programs (73 Flute) and say how to keep them.
//
// # Windows
//
// Windows and File.Windows cut training windows as MusicVAE's OneHotMelodyConverter does
// with slice_bars=2 and gap_bars=1: windows of 2 bars (32 steps) that start on a bar line,
// one bar apart, keeping a window only when no stretch of a whole bar in it is silent
// (MusicVAE ends a melody at such a gap, so no window spans one) and it has at least one
// onset. Note-offs before a window's first onset become NoEvent (note_seq's Melody does
// this), so a window that starts inside a held note starts with a rest, as in MusicVAE.
// The end of the melody is padded to a whole bar, with a NoteOff where a note sounds to
// the end.
//
// Bars are counted from where each meter of the piece starts. Windows are cut where the bar
// is 16 steps or divides 16 steps (4/4, 2/2, 2/4, 1/4): MusicVAE takes 16-step bars only,
// but POP909 marks nearly all of its songs 1/4 or 2/4. Other meters (3/4, 6/8) give no
// windows unless ExtractOptions.AnyMeter is set.
//
// # Grid alignment
//
// Files recorded from performance need not start their first beat at tick 0: in POP909 the
// notes' 16th grid sits anywhere from 0 to half a 16th off the file's, and the beats a few
// 16ths off, which quantising from tick 0 turns into a melody syncopated throughout.
// File.GridOffset estimates the offset from the onsets (the circular mean of their place
// within a 16th, then the 16th of the beat that most onsets fall on, in meters beating in
// quarter notes) and File.AlignToGrid shifts the file by it, less than half a quarter note
// either way. It leaves alone a file whose onsets all sit on its own 16ths (a sequenced
// file, however syncopated), cannot tell the downbeat, and is not done unless asked
// (MusicVAE does not do it).
//
// Where this package differs from MusicVAE, on purpose: a phrase's last NoteOff is kept
// (note_seq drops it and pads with NoEvent, lengthening the phrase's last note to the bar
// line); a window in which no note starts (inside one long note) is dropped; melodies are
// not truncated at 100 bars; and the piece is not split at tempo changes, since
// quantising in ticks does not need it.
//
// # Writing
//
// WriteMelodies writes one track: the tempo given (120 qpm by default), 4/4, program 0,
// velocity 100, 480 ticks per quarter, and an end-of-track at the melody's end, so that
// reading back what it wrote gives the same melody (its Canonical form, which differs only
// where a NoteOff repeats a rest).
//
// Note names shown to people are in scientific pitch: 60 is C4 (PitchName).
//
// # Audio
//
// File.Audio and MelodyAudio schedule notes for a small built-in synthesiser, with no
// randomness, so that the same input gives the same samples: 16-bit mono at 44.1 kHz
// (RenderOptions.SampleRate), tuned in equal temperament with A4 (69) at 440 Hz. Its voice
// is additive, a fundamental and four weaker harmonics whose upper part fades within a few
// tenths of a second after the attack (a soft electric piano), shaped by an envelope of
// 6 ms attack, a decay towards a sustain of 0.55 and a 120 ms release; a note sounds at
// least through its attack, and partials above the Nyquist frequency are left out. Its
// level is proportional to velocity, and notes add up: at the default gain (DefaultGain)
// one note at velocity 127 peaks at a quarter of full scale. Above three quarters of full
// scale the sum is compressed smoothly (a tanh knee) instead of clipping, which dense
// pieces of a dozen voices reach; melodies and a few voices never do. Drum-channel notes
// are not played.
//
// The audio lasts exactly as long as the MIDI: round(seconds × rate) samples, where
// seconds is f.Seconds(f.Length()) for a file (to its latest end-of-track, through its
// tempo map) and the melodies' steps × 60/qpm/4 for melodies. Releases that would ring
// past the end are cut there, and whatever still sounds at the end fades out over the
// last 5 ms instead of clicking. Audio.WriteWAV and Audio.WriteWAVFile synthesise into a
// RIFF/WAVE file a chunk at a time, in memory that does not grow with the length, and stop
// when their context is done; WriteWAVFile then leaves no file behind.
//
// # Render limits
//
// Any input, however made, renders or is refused in a few seconds, under these limits
// (RenderOptions):
//
//   - Length: at most DefaultMaxSeconds (30 minutes) of audio unless MaxSeconds says
//     otherwise. A corrupt delta time or tempo can make a file of 37 bytes claim days.
//   - Voices: at most DefaultVoices (64) notes sound at once, releases included, unless
//     Voices says otherwise. A note that starts when all are taken takes the voice of the
//     note released first, or if all are held, of the one that started first, as hardware
//     synthesisers steal voices; that note fades out over 5 ms. Audio.Stolen counts them.
//   - Work: the notes may sound for at most WorkVoices (16) × MaxSeconds in all, each
//     counted from its onset to the end of its release or to where its voice was taken:
//     8 hours of synthesis at the defaults, about 3 seconds of one core. Raising MaxSeconds
//     raises it in proportion.
//
// File.Audio and MelodyAudio refuse what passes the length or work limit with an error
// wrapping ErrRenderLimit, before synthesising anything. File.Render and RenderMelody
// synthesise in memory with the voice limit but without the others, for input whose size
// the caller controls.
//
// # Notation
//
// Melody.MusicXML and Melody.ABC write a melody as a score of one part in 4/4 with 16th
// notes as the smallest value. Bars are counted from step 0; a note or rest crossing a
// bar line is split there, and within a bar split into written values (16th, 8th, dotted
// 8th, quarter, dotted quarter, half, dotted half, whole): below a quarter a value stays
// within its beat, starting anywhere in it (16th–8th–16th, 16th–dotted 8th); from a
// quarter up it starts at a multiple of its undotted length and crosses the middle of the
// bar only from the bar's start. The pieces of a note are tied. The last bar is filled
// with rests, and an empty melody is one bar of rest.
package midi
