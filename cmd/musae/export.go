package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent/domain/melody"
	"musae/midi"
)

// exportOptions has no --seed: writing notation draws no random numbers.
type exportOptions struct {
	File, Track, Format, Out string
	Chords                   bool // a lead sheet: the file's chords as chord symbols
}

// exportFormats maps each --format to the extension of its files.
var exportFormats = map[string]string{"musicxml": ".musicxml", "abc": ".abc"}

func newExportCmd(runF func(*exportOptions) error) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export FILE.mid --format musicxml|abc [--track T] [-o OUT]",
		Short: "Write the melody of a MIDI file as sheet music: MusicXML or ABC",
		Long: `Write the melody of a MIDI file (as musae extracts it: one note at a time, quantised to
16ths, moved onto the notes' own grid) as a score of one part: MusicXML 4.0, which
MuseScore, Finale, Sibelius and Dorico open, or ABC notation, which abc2midi, abcm2ps and
EasyABC read. The score is in the file's own meters (3/4, 6/8, 9/8 ..., with its changes
of meter; 4/4 when it sets none), 16ths the shortest value, with notes on the beats,
beamed by beat and tied across bar lines; in the key of the file's key signature, else
the key estimated from the notes (Krumhansl–Schmuckler key profiles) and, where the file
has chords (annotations beside it as POP909's, or other tracks to estimate them from),
from how the chords sit in each key; spelled in that key (flats in flat keys); at the file's first tempo, titled with the file's name. Bars count
from the start of the file: a pickup the file does not pad to a whole bar shifts the bar
lines.

--chords writes a lead sheet: the file's chords as chord symbols above the staff (MusicXML
<harmony>, ABC "Am"), from POP909-style annotations beside the file, else estimated a beat
at a time from the notes of its other tracks (as inspect --chords shows them).

Without --track, a file with notes in several tracks gives the melody of the track named
as a melody (MELODY, Lead, Vocal, Voice), else of the track with the most notes sounding
alone in C3–C6, and export says which. The format follows from the extension of -o when --format is not given. The default output
is FILE.musicxml or FILE.abc in the current folder; -o - writes to standard output.`,
		Example: `  musae export samples/sample-01.mid --format abc -o -
  musae export pop909/001.mid --track MELODY --format musicxml
  musae export pop909/001.mid --track MELODY --chords -o 001.abc   # a lead sheet`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("export takes one MIDI file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			o.Format = strings.ToLower(o.Format)
			if o.Format == "" {
				switch strings.ToLower(filepath.Ext(o.Out)) {
				case ".musicxml", ".xml":
					o.Format = "musicxml"
				case ".abc":
					o.Format = "abc"
				default:
					return usagef("say which notation: --format musicxml or --format abc")
				}
			}
			ext, ok := exportFormats[o.Format]
			if !ok {
				return usagef("--format %q: want musicxml or abc", o.Format)
			}
			if o.Out == "" {
				o.Out = withExt(filepath.Base(o.File), ext)
			}
			if runF != nil {
				return runF(o)
			}
			return runExport(o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "", "musicxml or abc (default: from the extension of -o)")
	f.StringVarP(&o.Track, "track", "t", "", "the track that holds the melody, by name or index")
	f.StringVarP(&o.Out, "output", "o", "", "output file, or - for standard output (default: FILE.musicxml or FILE.abc)")
	f.BoolVar(&o.Chords, "chords", false, "a lead sheet: write the file's chords (annotations beside it, else estimated from its other tracks) above the staff")
	return cmd
}

func runExport(o *exportOptions, stdout, stderr io.Writer) error {
	f, opt, chosen, shift, err := melody.OpenFile(o.File, o.Track)
	if err != nil {
		return err
	}
	m, err := f.Melody(opt)
	if err != nil {
		return fmt.Errorf("%s: %w", o.File, err)
	}
	title := withExt(filepath.Base(o.File), "")
	// The score is in the file's own meters and key: its key signature, else the key
	// estimated from the notes and the file's chords where it has them (melody.FileKey).
	meters, odd := f.Meters(), ""
	for _, mt := range meters {
		if mt.StepsPerBar() == 0 && mt.Step < len(m) {
			meters, odd = nil, mt.String()
			break
		}
	}
	chords, chordsFrom := melody.FileChords(f, o.File, opt, shift)
	key, from, how := melody.FileKey(f, m, chords, chordsFrom)
	nopt := midi.NotationOptions{Title: title, QPM: f.QPM, Meters: meters, Key: &key}
	if o.Chords {
		if !midi.HasChords(chords) {
			return usagef("%s: --chords: the file has no chords: no annotations beside it (as POP909's annotations/NNN/chord_midi.txt) and no other track with notes to estimate them from", o.File)
		}
		nopt.Chords = chords
	}
	var doc []byte
	if o.Format == "abc" {
		doc, err = m.ABC(nopt)
	} else {
		doc, err = m.MusicXML(nopt)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.File, err)
	}
	// What export says goes beside the score: to stderr when the score goes to stdout.
	info := stdout
	if o.Out == "-" {
		if _, err := stdout.Write(doc); err != nil {
			return err
		}
		info = stderr
	} else if err := writeFileAtomic(o.Out, func(w io.Writer) error { _, err := w.Write(doc); return err }); err != nil {
		return err
	}
	if chosen != "" {
		fmt.Fprintf(info, "note: %s has notes in several tracks; the melody is %s\n", o.File, chosen)
	}
	if odd != "" {
		fmt.Fprintf(info, "note: %s is in %s, whose bar is not a whole number of 16ths; the score is written in 4/4\n", o.File, odd)
	}
	if o.Chords {
		fmt.Fprintf(info, "note: the chord symbols are the %s\n", chordsFrom)
	}
	if from != midi.KeyFromFile {
		fmt.Fprintf(info, "note: %s has no key signature; the score is in %s, %s\n", o.File, key, how)
	}
	if o.Out == "-" {
		return nil
	}
	ns := m.Notes()
	lo, hi := 128, -1
	for _, n := range ns {
		lo, hi = min(lo, n.Pitch), max(hi, n.Pitch)
	}
	var names []string
	for _, mt := range meters {
		if s := mt.String(); mt.Step < max(len(m), 1) && !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	if len(names) == 0 {
		names = []string{"4/4"}
	}
	bars := midi.Bars(meters, max(len(m), 1))
	if meters == nil {
		bars = midi.Bars([]midi.Meter{{Num: 4, Den: 4}}, max(len(m), 1))
	}
	fmt.Fprintf(info, "wrote %s: %s, %d bars of %s in %s, %d notes %s–%s, at %.4g qpm, from %s\n",
		o.Out, o.Format, len(bars), strings.Join(names, ", "), key, len(ns), key.PitchName(lo), key.PitchName(hi), f.QPM, o.File)
	return nil
}
