package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"musae/midi"
)

// renderOptions has no --seed: the synthesiser draws no random numbers, so the same file
// always gives the same WAV, which is what the seed exists to guarantee elsewhere.
type renderOptions struct {
	File, Out   string
	MaxDuration time.Duration
}

func newRenderCmd(runF func(*renderOptions) error) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render FILE.mid [-o FILE.wav]",
		Short: "Play a MIDI file through musae's synthesiser into a WAV file",
		Long: fmt.Sprintf(`Render a MIDI file as audio: every note of every track except the drums (channel 10),
timed by the file's tempo changes, played by musae's built-in synthesiser (a soft electric
piano) as a 16-bit mono WAV at 44.1 kHz. The WAV lasts exactly as long as the MIDI file,
to its last end of track. The synthesiser has no randomness: the same file always gives
the same WAV. The default output is FILE.wav in the current folder. Ctrl-C stops the
render and leaves no WAV behind.

Limits, so that at their defaults no file, however it was made, costs more than a few
seconds:
  length  The WAV lasts at most --max-duration (%s, a %d MB WAV). A longer file is
          refused: a corrupt delta time or tempo can make a few bytes claim days.
  voices  At most %d notes sound at once, as on a hardware synthesiser. A note that
          starts when every voice is taken takes the voice of the note let go first
          or, if all are held, of the oldest; that note fades out over 5 ms. The
          output says how many notes lost their voice.
  work    The notes may sound for at most %d times --max-duration in all, releases
          included (%s at the default): %d voices throughout. A file that needs
          more is refused; raising --max-duration raises this limit with it.`,
			time.Duration(midi.DefaultMaxSeconds)*time.Second, (midi.DefaultMaxSeconds*midi.SampleRate*2+500_000)/1_000_000,
			midi.DefaultVoices, midi.WorkVoices, time.Duration(midi.WorkVoices*midi.DefaultMaxSeconds)*time.Second, midi.WorkVoices),
		Example: `  musae render samples/sample-01.mid
  musae render song.mid -o /tmp/song.wav
  musae render long-concert.mid --max-duration 2h`,
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
			if o.MaxDuration <= 0 {
				return usagef("--max-duration %s: want a positive duration, such as 45m or 2h", o.MaxDuration)
			}
			if runF != nil {
				return runF(o)
			}
			return runRender(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&o.Out, "output", "o", "", "output WAV (default: FILE.wav)")
	cmd.Flags().DurationVar(&o.MaxDuration, "max-duration", midi.DefaultMaxSeconds*time.Second, "longest audio to write; also bounds the synthesis work")
	return cmd
}

func runRender(ctx context.Context, o *renderOptions, stdout io.Writer) error {
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
	a, err := f.Audio(midi.RenderOptions{MaxSeconds: o.MaxDuration.Seconds()})
	if err != nil {
		return fmt.Errorf("%s: %w; if that is right, --max-duration raises the limits, and if not, its timing may be corrupt (musae inspect %s)", o.File, err, o.File)
	}
	if err := a.WriteWAVFile(ctx, o.Out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s (%d samples at %d Hz), %d notes of %s", o.Out, clockTime(float64(a.Len())/float64(a.SampleRate())), a.Len(), a.SampleRate(), played, o.File)
	if drums > 0 {
		fmt.Fprintf(stdout, "; %d drum notes left out", drums)
	}
	fmt.Fprintln(stdout)
	if n := a.Stolen(); n > 0 {
		fmt.Fprintf(stdout, "more than %d notes sounded at once: %d were cut short to free a voice\n", midi.DefaultVoices, n)
	}
	if len(f.Warnings) > 0 {
		fmt.Fprintf(stdout, "the file needed %d repairs; first: %s\n", len(f.Warnings), f.Warnings[0])
	}
	return nil
}
