package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"musae/datasets"
	"musae/midi"
	"musae/models/atomicfile"
)

type datasetsOptions struct {
	Dir             string
	Track           string
	AllPrograms     bool
	AnyMeter        bool
	AlignGrid       bool
	ValidationShare float64
	Seed            uint64
	CacheDir        string
	NoCache         bool
	Output          string // export: the safetensors file to write
	ListSkipped     bool   // stats: every skipped file, not the first few
	OwnMeter        bool   // windows of each file's own meter (midi.File.OwnWindows)
	Bars            int    // window length in bars (2, or 16 for the 16-bar models)
}

func (o *datasetsOptions) melodyOptions() datasets.MelodyOptions {
	return datasets.MelodyOptions{
		Track: o.Track, AllPrograms: o.AllPrograms, AnyMeter: o.AnyMeter, AlignGrid: o.AlignGrid,
		ValidationShare: o.ValidationShare, Seed: o.Seed, CacheDir: o.CacheDir, NoCache: o.NoCache, OwnMeter: o.OwnMeter, Bars: o.Bars,
	}
}

func newDatasetsCmd() *cobra.Command {
	return newDatasetsCmdWith(runDatasetsStats, runDatasetsExport)
}

// newDatasetsCmdWith lets tests see the parsed options instead of running.
func newDatasetsCmdWith(stats, export func(context.Context, *datasetsOptions, io.Writer, io.Writer) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "datasets",
		Short: "Look at and export melody corpora",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown datasets command %q (stats, export)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newDatasetsSubCmd("stats DIR", "Count a melody corpus: files, skipped files and why, windows, pitch range, note density", stats),
		newDatasetsSubCmd("export DIR -o windows.safetensors", "Write a corpus's train and validation windows as I64 tensors [N, 32] ([N, 256] with --bars 16) for the PyTorch peer", export))
	return cmd
}

func newDatasetsSubCmd(use, short string, run func(context.Context, *datasetsOptions, io.Writer, io.Writer) error) *cobra.Command {
	opts := &datasetsOptions{}
	verb := strings.Fields(use)[0]
	export := verb == "export"
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

The corpus is every MIDI file under DIR (recursively). Each file gives 2-bar windows
(32 sixteenths, hop 1 bar) of its melody, as MusicVAE cuts them; a file goes wholly to
train or to validation by a hash of its path and the seed. Extracted windows are cached,
so a second run reads only files that changed. POP909 needs --track MELODY, and --align
(its beats do not start at tick 0).`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("%s takes one folder, got %d arguments", verb, len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if opts.ValidationShare < 0 || opts.ValidationShare > 1 {
				return usagef("--validation-share %v: want a share from 0 to 1", opts.ValidationShare)
			}
			if opts.Bars < 1 || opts.Bars > 64 {
				return usagef("--bars %d: want a window of 1 to 64 bars", opts.Bars)
			}
			if export && opts.Output == "" {
				return usagef("export needs -o FILE.safetensors")
			}
			return run(cmd.Context(), opts, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Track, "track", "t", "", "the melody track of every file, by name or index (POP909: MELODY); default all tracks merged")
	f.BoolVar(&opts.AllPrograms, "all-programs", false, "keep programs outside 0–31")
	f.BoolVar(&opts.AnyMeter, "any-meter", false, "cut windows in every meter (3/4, 6/8 too), though they then straddle bar lines")
	f.BoolVar(&opts.AlignGrid, "align", false, "shift each file onto its notes' own 16th grid and beats first (POP909 needs it)")
	f.Float64Var(&opts.ValidationShare, "validation-share", datasets.DefaultValidationShare, "share of files held out for validation")
	f.Uint64Var(&opts.Seed, "seed", 0, "seed of the train/validation split")
	f.StringVar(&opts.CacheDir, "cache-dir", "", "folder of the window cache (default: the user cache folder/musae)")
	f.BoolVar(&opts.NoCache, "no-cache", false, "read every file, and neither read nor write the cache")
	f.IntVar(&opts.Bars, "bars", midi.WindowBars, "window length in bars (16 for the 16-bar models: MusicVAE's 16-bar windows, hop 1 bar)")
	f.BoolVar(&opts.OwnMeter, "own-meter", false, "cut the windows of a model of every meter from each file, in its own meter (2 bars of 3/4, 6/8, 9/8 ...; 32 sixteenths of 4/4, 2/4, 4/2; with --bars 16, 16 bars of its meter, bars of 2/4 in pairs; not cached yet): stats counts them by meter, export pads them and adds their lengths, pulses and meters")
	if export {
		f.StringVarP(&opts.Output, "output", "o", "", "the safetensors file to write")
	} else {
		f.BoolVar(&opts.ListSkipped, "skipped", false, "list every skipped file with its reason")
	}
	return cmd
}

// loadCorpus loads the corpus, and tells stderr how long it took and what the cache did.
func loadCorpus(ctx context.Context, opts *datasetsOptions, stderr io.Writer) (*datasets.MelodyCorpus, error) {
	mo := opts.melodyOptions()
	if mo.ValidationShare == 0 {
		mo.ValidationShare = -1 // the flag's 0 means none; the library's 0 means the default
	}
	start := time.Now()
	c, err := datasets.LoadMelodiesContext(ctx, opts.Dir, mo)
	if err != nil {
		return nil, err
	}
	n := len(c.Files) + len(c.Skipped)
	fmt.Fprintf(stderr, "musae: loaded %s in %.2f s (%d of %d files from the cache)\n", opts.Dir, time.Since(start).Seconds(), c.Cached, n)
	if c.CacheErr != nil {
		fmt.Fprintf(stderr, "musae: warning: %v\n", c.CacheErr)
	}
	return c, nil
}

func runDatasetsStats(ctx context.Context, opts *datasetsOptions, stdout, stderr io.Writer) error {
	c, err := loadCorpus(ctx, opts, stderr)
	if err != nil {
		return err
	}
	s := c.Stats()
	p := func(format string, a ...any) { fmt.Fprintf(stdout, format, a...) }
	p("folder        %s\n", opts.Dir)
	p("files         %d MIDI files: %d gave windows (%d train, %d validation), %d skipped\n",
		s.Files+s.Skipped, s.Files, s.TrainFiles, s.ValidationFiles, s.Skipped)
	if opts.OwnMeter {
		what := "2 bars, or the bars that fill 32 sixteenths"
		if opts.Bars != midi.WindowBars {
			what = fmt.Sprintf("%d bars, those of 2/4 and 1/4 taken as bars of 4/4", opts.Bars)
		}
		p("windows       %d train, %d validation (each file's own meter: %s; on 16ths, hop 1 bar; %d repeats within a file dropped)\n",
			s.Train, s.Validation, what, s.Duplicates)
		meters := make([]string, 0, len(s.Meters))
		for m := range s.Meters {
			meters = append(meters, m)
		}
		slices.SortFunc(meters, func(a, b string) int {
			return cmp.Or(cmp.Compare(s.Meters[b].Windows, s.Meters[a].Windows), strings.Compare(a, b))
		})
		for i, m := range meters {
			label := ""
			if i == 0 {
				label = "meters"
			}
			p("%-13s %-9s %6d windows from %d files\n", label, m, s.Meters[m].Windows, s.Meters[m].Files)
		}
	} else {
		p("windows       %d train, %d validation (%d bars of 16ths, hop 1 bar; %d repeats within a file dropped)\n",
			s.Train, s.Validation, opts.Bars, s.Duplicates)
	}
	if s.Notes > 0 {
		p("pitch range   %s–%s, mean %s\n", midi.PitchName(s.LowPitch), midi.PitchName(s.HighPitch), midi.PitchName(int(s.MeanPitch+0.5)))
		per := "bar"
		if opts.OwnMeter {
			per = "16 steps" // bars differ by meter
		}
		p("note density  %.2f onsets per %s; a note sounds on %.0f%% of steps\n", s.NotesPerBar, per, 100*s.SoundingShare)
	}
	if s.Skipped > 0 {
		kinds := make([]string, 0, len(s.SkipReasons))
		for k := range s.SkipReasons {
			kinds = append(kinds, k)
		}
		slices.SortFunc(kinds, func(a, b string) int {
			return cmp.Or(cmp.Compare(s.SkipReasons[b], s.SkipReasons[a]), strings.Compare(a, b))
		})
		for i, k := range kinds {
			label := ""
			if i == 0 {
				label = "skipped"
			}
			p("%-13s %5d  %s\n", label, s.SkipReasons[k], k)
		}
		shown := c.Skipped
		if !opts.ListSkipped && len(shown) > 10 {
			shown = shown[:10]
		}
		for _, f := range shown {
			p("              %s: %s\n", f.Path, f.Reason)
		}
		if len(shown) < len(c.Skipped) {
			p("              ... %d more (--skipped lists them all)\n", len(c.Skipped)-len(shown))
		}
	}
	return nil
}

func runDatasetsExport(ctx context.Context, opts *datasetsOptions, stdout, stderr io.Writer) error {
	c, err := loadCorpus(ctx, opts, stderr)
	if err != nil {
		return err
	}
	if len(c.Train) == 0 {
		return fmt.Errorf("export %s: no training windows (%d files skipped; musae datasets stats says why)", opts.Dir, len(c.Skipped))
	}
	// The absolute folder, which trainers elsewhere record so that musae eval finds it.
	source, err := filepath.Abs(opts.Dir)
	if err != nil {
		return fmt.Errorf("export %s: %w", opts.Dir, err)
	}
	meta := map[string]string{
		"source":           source,
		"files":            strconv.Itoa(len(c.Files)),
		"skipped":          strconv.Itoa(len(c.Skipped)),
		"track":            opts.Track,
		"all_programs":     strconv.FormatBool(opts.AllPrograms),
		"any_meter":        strconv.FormatBool(opts.AnyMeter),
		"own_meter":        strconv.FormatBool(opts.OwnMeter),
		"align_grid":       strconv.FormatBool(opts.AlignGrid),
		"validation_share": strconv.FormatFloat(opts.ValidationShare, 'g', -1, 64),
		"seed":             strconv.FormatUint(opts.Seed, 10),
		"steps_per_bar":    strconv.Itoa(midi.StepsPerBar),
		"classes":          "0 no event, 1 note-off, 2..89 note-on of MIDI pitch 21..108",
		"extract_version":  strconv.Itoa(midi.ExtractVersion),
	}
	err = writeFileAtomic(opts.Output, func(w io.Writer) error { return datasets.WriteMelodySafetensors(w, c, meta) })
	if err != nil {
		return err
	}
	what := fmt.Sprintf("of %d steps", midi.WindowSteps)
	if opts.OwnMeter {
		what = "of 2 bars of their own meter, padded to the longest"
	}
	fmt.Fprintf(stdout, "wrote %s: %d train and %d validation windows %s from %d files (%d skipped)\n",
		opts.Output, len(c.Train), len(c.Validation), what, len(c.Files), len(c.Skipped))
	return nil
}

// writeFileAtomic writes path so that an interrupted or killed write leaves neither a
// half-written file nor a temporary one (see musae/models/atomicfile).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
