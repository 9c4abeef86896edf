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
// # Meters
//
// File.MeterWindows cuts windows of N bars of the meter in force instead: 2 bars are 24
// steps in 3/4 and 6/8, 36 in 9/8, 48 in 12/8, 12 in 3/8, 40 in 5/4, 64 in 4/2, and a
// window runs on across a change of meter, bar by bar (Bars lays the bars out: a bar cut
// short by a change is a bar of its own, and bars count from where each meter starts, so
// a pickup is bar 1 only where the file pads it to a whole bar, as today). In a piece
// wholly in 4/4 its windows are File.Windows's. Every window says its meters, and
// MeterWindow.Pulses gives, step by step, where the beats fall (Pulse: the bar's
// downbeat, a beat, the beat's first division, or none), the signal a model conditioned on
// the meter reads beside the melody. Beats are the denominator's note in simple meters (a
// quarter in 3/4, a half in 2/2 and 4/2) and three of them in compound meters (Compound:
// 3/8, 6/8, 9/8 and 12/8 beat in dotted quarters, divided in eighths).
//
// File.OwnWindows cuts the windows a model of every meter reads (musae's mel2-meters): at
// each bar, OwnWindowBars bars of the meter in force there — the bars that fill 32 steps
// where they divide it (4/4, 2/2, 2/4, 1/4 and 4/2, whose one bar is two of 4/4: the 4/4
// models' windows), else 2 bars (24 steps in 3/4 and 6/8, 36 in 9/8, 40 in 5/4, 48 in
// 12/8, 6/4 and 3/2), else 1 bar (7/4) — and leaves out any longer than
// MaxOwnWindowSteps (48), so that a batch of every meter is at most 1.5 times a 4/4 one.
// MeterControls is what such a model reads beside each step.
//
// The grid is the same 16th-note step in every meter, for three reasons: one step is one
// length of time for the model whatever the meter, so that one decoder and the 90-class
// encoding serve every meter and 4/4 stays MusicVAE's; a compound beat (three eighths)
// is six whole steps, so jigs and slip jigs lose nothing down to their 16ths; and
// triplets in simple meters, which no 16th grid holds, are rare enough to round (as
// MusicVAE and note_seq do). In the corpora musae ships, 0.85% of Nottingham's onsets, 13%
// of Ryan's Mammoth's (hornpipes: 498 of its 1,059 tunes) and 0.43% of Aird's Airs' lie on
// the triplet grid and off the 16ths; rounding moves them by a third of a 16th, and loses
// a note where two onsets round to one step: 0.42%, 1.1% and 0.1% of the melody's notes
// (leaving grace notes aside), against 0.38%, 0.59% and 0.13% (with them) at 12 steps to
// the quarter, which would triple every window's length. Grace notes (shorter than a
// 32nd), 3.5% of Ryan's notes and 5.5% of Aird's, share their main note's step, and the
// higher of the two wins it.
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
// where a NoteOff repeats a rest). WriteMelodiesWith writes the meters of WriteOptions (a
// time-signature event at the start and at each change, its metronome on the beat) and a
// key-signature event, which Read gives back as File.Meters and File.KeySigs.
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
// play through a drum kit (drumkit.go): each drum of the reduced kit (see Drums) a
// one-shot of sines, noise and metallic partials, its noise seeded by the hit's key and
// onset so that it too is deterministic; keys outside the kit are not played.
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
// # Drums
//
// File.Groove and File.Drums read a drum track as MusicVAE's and GrooVAE's drum models do:
// the nine drums of the reduced kit (kick, snare, closed and open hi-hat, low, mid and
// high tom, crash, ride) from the keys of the drum channel (10) of every track, or from
// every note of a track the caller names. DrumMapGroove (the default) maps the Roland
// TD-11's keys as the Groove MIDI Dataset's paper does and every other key as note_seq's
// General MIDI reduction; DrumMapGM is that reduction alone. Onsets are quantised to the
// nearest 16th as melodies are. A Drums pattern has one of 512 classes per step (the set
// of drums hit, bit d for drum d); a Groove keeps, per step and drum, the hit's velocity
// and its offset from the grid in steps. DrumWindows and File.GrooveWindows cut 2-bar
// windows a bar apart that have no silent bar; WriteDrums and WriteGrooves write channel 10
// with the keys DrumPitches, and read back the same.
//
// # Notation
//
// Melody.MusicXML and Melody.ABC write a melody as a score of one part with 16th notes as
// the smallest value, in the meters of NotationOptions (4/4 by default; a time signature
// at each change) and its key (C major by default). Bars are laid out as Bars lays them;
// a note or rest crossing a bar line is split there, and within a bar split into written
// values (16th, 8th, dotted 8th, quarter, dotted quarter, half, dotted half, whole,
// dotted whole, breve) that show where the beats fall: below the meter's beam group (a
// quarter in simple meters, the dotted quarter of 6/8, 9/8 and 12/8, the whole bar of
// 3/8, 3+2 eighths in 5/8 and 3+2+2 in 7/8) a value stays within its group, starting
// anywhere in it (16th–8th–16th, 16th–dotted 8th); longer values start on a beat, last
// whole beats in compound meters, and in meters of four beats or more cross the middle of
// the bar only from the bar's start. The pieces of a note are tied. Notes shorter than a
// quarter are beamed within their group (MusicXML beams; in ABC a space ends each group).
// Pitches are spelled in the key (Key.Spell: the scale's own letters and a minor key's
// raised leading tone, else naturals, else the black keys by their degree above the
// tonic: #1, b3, #4, #5 and b7 in major, b2, #3, #4, #6 in minor; a major key's relative
// minor when the notes fit it better), but a black key off the scale that moves a
// semitone to the next note is spelled as a step towards it (C#–D, not Db–D, in Bb
// major). Chord symbols' roots are spelled so too (but bVI, Ab in C major), their basses
// on the degree of their interval above the root (Bbm7/Db). A bar of rest is one rest of
// the whole bar. The last bar is filled with rests, and an empty melody is one bar of
// rest.
//
// # Chords
//
// A Chord is a root, a kind (Harte's shorthands: maj, min, dim, aug, maj7, min7, 7, dim7,
// hdim7, minmaj7, maj6, min6, 9, maj9, min9, sus2, sus4, with 5 and 1), degrees added to
// or left out of it, and a bass; the zero Chord is no chord. ParseChord reads Harte's
// syntax (A:min7, F#:maj/3, Bb:sus4(b7), C:(1,3,5), N), which POP909's annotations use,
// and chords as lead sheets write them (Am, F#m7, Bb/D, Gsus4, Bm7b5, N.C.); Harte and
// Plain write them back. Chord.Triad is note_seq's TriadChordOneHotEncoding, the 49
// classes MusicVAE's chord-conditioned melody model reads a step at a time: no chord,
// then the major, minor, augmented and diminished triad on each root, whatever the
// chord adds to it; chords with none of those triads (sus2, sus4, 5) have no class, and
// MusicVAE drops every window that holds one.
//
// Chords reach the 16th grid three ways, as ChordSpans (a chord over steps):
//
//   - File.StepChords places chords timed in seconds of the file's clock (ReadChordLab:
//     MIREX .lab lines, POP909's chord_midi.txt) through the tempo map, each change to
//     the nearest step, halves up, as note onsets go. POP909's changes lie on the notes'
//     own grid, which File.AlignToGrid moves the file onto: StepChords takes the shift,
//     after which all of the first 50 songs' 6,959 chord changes lie within a quarter of
//     a step of a 16th (mean 0.007 steps), against 47% in the file as read.
//   - ParseProgression lays out a progression written as text, "C Am F G" a bar each,
//     "C*2 G*2 Am" with durations in beats, | ending a bar.
//   - File.EstimateChords names the chords of a file's notes, a chord a beat, by
//     matching how long each pitch class sounds against templates of triads,
//     suspensions and seventh chords, the lowest note telling the bass and inversions.
//     From POP909's PIANO and BRIDGE tracks it names the annotated root at 89.9% of the
//     annotated steps of all 909 songs and note_seq's triad class at 80.9% of those that
//     have one; from Nottingham's chord tracks, chords of which 99.95% of the note time
//     is chord tones.
//
// ChordsPerStep gives the chord at each step of a window.
//
// # Keys
//
// File.KeySigs holds a file's key signatures. File.Key takes the first, else estimates
// the key, and says which it did (KeySource). From the melody alone, EstimateKey: the
// Krumhansl–Schmuckler algorithm, which correlates how long each pitch class sounds with
// Krumhansl and Kessler's profiles of the 24 major and minor keys and takes the best
// (POP909's annotated key for 69.1% of its songs). Where the chords are known (a lead
// sheet's, annotations, a chord track), EstimateKeyWithChords adds the chords' tones to
// the notes and scores how much of the progression lies on the key's triads and on its
// tonic (89.7% of POP909's songs): a melody over C Am F G is in C major even where its
// notes alone lean to G.
package midi
