package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"musae/image"
	"musae/midi"
)

type pianorollOptions struct {
	File, Track, Out string
	Bar, Bars        int
}

func newPianorollCmd(runF func(*pianorollOptions) error) *cobra.Command {
	o := &pianorollOptions{}
	cmd := &cobra.Command{
		Use:   "pianoroll FILE.mid [--track T] [--bar N] [--bars N] -o roll.png",
		Short: "Draw the melody of a MIDI file as a piano roll",
		Long: `Draw the melody of a MIDI file (as musae extracts it: one note at a time, quantised to
16ths) as a piano roll: time left to right in bars, pitch bottom to top with the C rows
named. Any MIDI file works, such as the output of sample, interpolate or similar. Without
--track, the notes of every melodic track are merged, the highest note winning where they
overlap. The roll starts at the bar of the first note, or at --bar; --bars draws part of
a long piece. The default output is FILE.roll.png
in the current folder.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("pianoroll takes one MIDI file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if o.Bar < 0 {
				return usagef("--bar %d: bars count from 1", o.Bar)
			}
			if o.Bars < 0 {
				return usagef("--bars %d: want a count, or 0 for all", o.Bars)
			}
			if o.Out == "" {
				base := filepath.Base(o.File)
				o.Out = withExt(base, ".roll.png")
			}
			if !strings.EqualFold(filepath.Ext(o.Out), ".png") {
				return usagef("-o %s: the piano roll is a PNG picture (.png)", o.Out)
			}
			if runF != nil {
				return runF(o)
			}
			return runPianoroll(o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Track, "track", "t", "", "the track to draw, by name or index (default: all melodic tracks merged)")
	f.IntVar(&o.Bar, "bar", 0, "the first bar to draw, from 1 (default: the bar of the first note)")
	f.IntVar(&o.Bars, "bars", 0, "how many bars to draw (0: to the end)")
	f.StringVarP(&o.Out, "output", "o", "", "output PNG (default: FILE.roll.png)")
	return cmd
}

func runPianoroll(o *pianorollOptions, stdout io.Writer) error {
	f, err := midi.ReadFile(o.File)
	if err != nil {
		return err
	}
	f.AlignToGrid()
	mel, err := f.Melody(midi.ExtractOptions{Track: o.Track})
	if err != nil {
		return fmt.Errorf("%s: %w", o.File, err)
	}
	spb := midi.StepsPerBar
	if ms := f.Meters(); len(ms) == 1 && ms[0].StepsPerBar() > 0 {
		spb = ms[0].StepsPerBar()
	}
	bars := (len(mel) + spb - 1) / spb
	ns := mel.Notes()
	if o.Bar == 0 {
		o.Bar = 1
		if len(ns) > 0 {
			o.Bar = ns[0].Start/spb + 1
		}
	}
	if o.Bar > bars {
		return usagef("--bar %d is past the end of %s, which has %d bars", o.Bar, o.File, bars)
	}
	from := (o.Bar - 1) * spb
	to := len(mel)
	if o.Bars > 0 {
		to = min(to, from+o.Bars*spb)
	}
	var notes []image.RollNote
	lo, hi := 128, -1
	for _, n := range ns {
		s, e := max(n.Start, from), min(n.End, to)
		if s >= e {
			continue
		}
		notes = append(notes, image.RollNote{Pitch: n.Pitch, Start: s - from, End: e - from})
		lo, hi = min(lo, n.Pitch), max(hi, n.Pitch)
	}
	steps := (to - from + spb - 1) / spb * spb
	if err := image.WritePNG(o.Out, image.PianoRollFrom(notes, steps, spb, o.Bar)); err != nil {
		return err
	}
	what := "no notes"
	if hi >= 0 {
		what = fmt.Sprintf("%d notes, %s–%s", len(notes), midi.PitchName(lo), midi.PitchName(hi))
	}
	span := fmt.Sprintf("bars %d–%d", o.Bar, o.Bar+steps/spb-1)
	if steps == spb {
		span = fmt.Sprintf("bar %d", o.Bar)
	}
	fmt.Fprintf(stdout, "wrote %s: %s of %s, %s\n", o.Out, span, o.File, what)
	return nil
}
