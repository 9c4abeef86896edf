package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"musae/midi"
)

// renderOptions has no --seed: the synthesiser draws no random numbers, so the same file
// always gives the same WAV, which is what the seed exists to guarantee elsewhere.
type renderOptions struct {
	File, Out string
}

func newRenderCmd(runF func(*renderOptions) error) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render FILE.mid [-o FILE.wav]",
		Short: "Play a MIDI file through musae's synthesiser into a WAV file",
		Long: `Render a MIDI file as audio: every note of every track except the drums (channel 10),
timed by the file's tempo changes, played by musae's built-in synthesiser (a soft electric
piano) as a 16-bit mono WAV at 44.1 kHz. The WAV lasts exactly as long as the MIDI file,
to its last end of track. The synthesiser has no randomness: the same file always gives
the same WAV. The default output is FILE.wav in the current folder.`,
		Example: `  musae render samples/sample-01.mid
  musae render song.mid -o /tmp/song.wav`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("render takes one MIDI file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if o.Out == "" {
				o.Out = withExt(filepath.Base(o.File), ".wav")
			}
			if !strings.EqualFold(filepath.Ext(o.Out), ".wav") {
				return usagef("-o %s: the audio is a WAV file (.wav)", o.Out)
			}
			if runF != nil {
				return runF(o)
			}
			return runRender(o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&o.Out, "output", "o", "", "output WAV (default: FILE.wav)")
	return cmd
}

func runRender(o *renderOptions, stdout io.Writer) error {
	f, err := midi.ReadFile(o.File)
	if err != nil {
		return err
	}
	played, drums := 0, 0
	for _, n := range f.Notes() {
		if n.Channel == midi.DrumChannel {
			drums++
		} else {
			played++
		}
	}
	if played == 0 {
		if drums > 0 {
			return fmt.Errorf("%s: no notes to render: its %d notes are all drums (channel 10), which are not played", o.File, drums)
		}
		return fmt.Errorf("%s: no notes to render", o.File)
	}
	// A corrupt delta time or tempo can make a file claim days of music; rendering that
	// would take gigabytes of memory for silence.
	if secs := f.Seconds(f.Length()); secs > maxRenderSeconds {
		return fmt.Errorf("%s lasts %s, longer than the %s render writes; if it should not, its timing may be corrupt (musae inspect %s)", o.File, clockTime(secs), clockTime(maxRenderSeconds), o.File)
	}
	samples := f.Render(midi.RenderOptions{})
	if err := midi.WriteWAVFile(o.Out, samples, midi.SampleRate); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s (%d samples at %d Hz), %d notes of %s", o.Out, clockTime(float64(len(samples))/midi.SampleRate), len(samples), midi.SampleRate, played, o.File)
	if drums > 0 {
		fmt.Fprintf(stdout, "; %d drum notes left out", drums)
	}
	fmt.Fprintln(stdout)
	if len(f.Warnings) > 0 {
		fmt.Fprintf(stdout, "the file needed %d repairs; first: %s\n", len(f.Warnings), f.Warnings[0])
	}
	return nil
}

// maxRenderSeconds is the longest audio render writes: two hours, 635 MB of WAV.
const maxRenderSeconds = 2 * 60 * 60
