package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"musae/latent/domain/melody"
	"musae/midi"
)

type inspectOptions struct {
	Path        string
	Track       string // "" shows every track's melody, and the merged one
	AllPrograms bool
	Bars        int    // bars of each melody shown; 0 shows all
	Events      bool   // list every event of every track
	Align       bool   // shift the file onto its notes' own 16th grid and beats first
	Chords      bool   // show the chords of each bar, estimated from the accompaniment
	ChordLab    string // chord annotations (start, end, chord) to show beside them
}

func newInspectCmd() *cobra.Command { return newInspectCmdWith(runInspect) }

// newInspectCmdWith lets tests see the parsed options instead of running.
func newInspectCmdWith(run func(context.Context, *inspectOptions, io.Writer) error) *cobra.Command {
	opts := &inspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect FILE.mid",
		Short: "Show a MIDI file's tracks, tempo, meter and melodies",
		Long: `Inspect reads a Standard MIDI File and shows its format, its tracks (names, channels,
programs, notes), tempo and meter, what the reader had to repair, and the melody musae
extracts from each track (and from all tracks merged) as a grid of 16th notes with
note names in scientific pitch (60 = C4).

--chords shows the chords of each bar, a chord a beat ("-": the same as the beat
before), estimated from the notes of every track but the melody's (from the melody's
when it is the only track with notes): each pitch class weighted by how long it sounds
in the beat, matched against the triads, suspensions and seventh chords on every root,
the lowest note telling the bass. Chord annotations timed in seconds of the file's clock
(a line per chord: start, end and a Harte symbol such as A:min7, as POP909's
chord_midi.txt) are shown beside them with --chord-lab FILE, or found in
annotations/NAME/chord_midi.txt beside NAME.mid, where POP909 keeps them.`,
		Example: "  musae inspect song.mid\n  musae inspect pop909/001.mid --track MELODY --bars 8\n  musae inspect pop909/001.mid --chords --align --bars 8",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("inspect takes one MIDI file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if opts.Bars < 0 {
				return usagef("--bars %d: want 0 (all) or more", opts.Bars)
			}
			return run(cmd.Context(), opts, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Track, "track", "t", "", "show only this track's melody: a name or an index from 0")
	f.BoolVar(&opts.AllPrograms, "all-programs", false, "keep programs outside 0–31 in the merged melody")
	f.IntVarP(&opts.Bars, "bars", "n", 0, "bars of each melody to show (0: all)")
	f.BoolVar(&opts.Events, "events", false, "list every event of every track")
	f.BoolVar(&opts.Align, "align", false, "shift the file onto its notes' own 16th grid and beats first")
	f.BoolVar(&opts.Chords, "chords", false, "show the chords of each bar, estimated from the accompaniment")
	f.StringVar(&opts.ChordLab, "chord-lab", "", "chord annotations to show beside them (implies --chords)")
	return cmd
}

func runInspect(_ context.Context, opts *inspectOptions, w io.Writer) error {
	f, err := midi.ReadFile(opts.Path)
	if err != nil {
		return err
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }

	p("file      %s\n", opts.Path)
	timing := fmt.Sprintf("%d ticks per quarter note", f.Division)
	if f.Division == 0 {
		timing = fmt.Sprintf("SMPTE %d fps × %d ticks per frame", f.SMPTE.FramesPerSecond, f.SMPTE.TicksPerFrame)
	}
	p("format    %d, %d track(s), %s\n", f.Format, len(f.Tracks), timing)
	p("tempo     %s\n", tempoSummary(f))
	meters := f.Meters()
	p("meter     %s\n", meterSummary(f, meters))
	secs := f.Seconds(f.Length())
	p("length    %s\n", clockTime(secs))
	var shifted int64
	if off, ok := f.GridOffset(); ok && off != 0 {
		steps := float64(off) * midi.StepsPerQuarter / float64(f.Division)
		if opts.Align {
			f.Shift(off)
			shifted = off
			p("grid      shifted %+d ticks (%+.2f steps) onto the notes' own 16ths and beats\n", off, steps)
		} else {
			p("grid      the notes' 16ths and beats sit %+.2f steps off the file's (--align shifts them)\n", steps)
		}
	}
	if len(f.Warnings) == 0 {
		p("repairs   none\n")
	}
	for i, s := range f.Warnings {
		p("%-10s%s\n", map[bool]string{true: "repairs"}[i == 0], s)
	}

	// The notes of each track, counted in one pass: a file can have thousands of tracks.
	type noteRange struct{ n, low, high int }
	byTrack := make([]noteRange, len(f.Tracks))
	for _, nt := range f.Notes() {
		r := &byTrack[nt.Track]
		if r.n == 0 {
			r.low, r.high = nt.Pitch, nt.Pitch
		}
		r.n, r.low, r.high = r.n+1, min(r.low, nt.Pitch), max(r.high, nt.Pitch)
	}
	p("\ntrack  name                  channels  programs                             notes  range\n")
	for _, t := range f.Tracks {
		var ps []string
		for _, pr := range t.Programs() {
			ps = append(ps, fmt.Sprintf("%d %s", pr, midi.ProgramName(pr)))
		}
		var chs []string
		for _, c := range t.Channels() {
			s := strconv.Itoa(c + 1)
			if c == midi.DrumChannel {
				s += " (drums)"
			}
			chs = append(chs, s)
		}
		r, rng := byTrack[t.Index], ""
		if r.n > 0 {
			rng = midi.PitchName(r.low) + "–" + midi.PitchName(r.high)
		}
		p("%5d  %-20s  %-8s  %-35s  %5d  %s\n", t.Index, clip(strconv.Quote(t.Name), 20), clip(strings.Join(chs, ","), 8), clip(strings.Join(ps, ", "), 35), r.n, rng)
	}

	if opts.Events {
		for _, t := range f.Tracks {
			p("\nevents of track %d %q\n", t.Index, t.Name)
			for _, e := range t.Events {
				p("  tick %8d  %s\n", e.Tick, e)
			}
			p("  tick %8d  end of track\n", t.End)
		}
	}

	// Which melodies: the chosen track; or each track that has notes, and all merged.
	type choice struct {
		title string
		opt   midi.ExtractOptions
	}
	var choices []choice
	if opts.Track != "" {
		i, err := f.TrackIndex(opts.Track)
		if err != nil {
			return fmt.Errorf("inspect %s: %w", opts.Path, err)
		}
		choices = append(choices, choice{trackTitle(f, i), midi.ExtractOptions{Track: strconv.Itoa(i), ByIndex: true}})
	} else {
		var withNotes []int
		for _, t := range f.Tracks {
			if byTrack[t.Index].n > 0 {
				withNotes = append(withNotes, t.Index)
			}
		}
		for _, i := range withNotes {
			choices = append(choices, choice{trackTitle(f, i), midi.ExtractOptions{Track: strconv.Itoa(i), ByIndex: true}})
		}
		if len(withNotes) != 1 {
			title := "all tracks merged (drums and programs outside 0–31 left out)"
			if opts.AllPrograms {
				title = "all tracks merged (drums left out)"
			}
			choices = append(choices, choice{title, midi.ExtractOptions{AllPrograms: opts.AllPrograms}})
		}
	}
	gridMeters := slices.Clone(meters)
	for i := range gridMeters {
		if gridMeters[i].StepsPerBar() < 8 {
			// 1/4 is what POP909's exporter writes for 4/4 songs; a line a beat is no help.
			gridMeters[i].Num, gridMeters[i].Den = 4, 4
		}
	}
	// The piece's chords, for the key of each melody: annotated beside it, else estimated
	// from the tracks but the melody's (once: per melody, a file of many tracks would take
	// their square).
	var keyOpt midi.ExtractOptions
	if mt, err := f.ChooseMelodyTrack(midi.ExtractOptions{Track: opts.Track, AllPrograms: opts.AllPrograms}); err == nil {
		keyOpt = midi.ExtractOptions{Track: strconv.Itoa(mt.Index), ByIndex: true}
	}
	chords, chordsFrom := melody.FileChords(f, opts.Path, keyOpt, shifted)
	for _, c := range choices {
		p("\nmelody of %s\n", c.title)
		m, err := f.Melody(c.opt)
		if errors.Is(err, midi.ErrNoMelody) {
			p("  %s\n", strings.TrimPrefix(err.Error(), "midi: "))
			continue
		}
		if err != nil {
			return fmt.Errorf("inspect %s: %w", opts.Path, err)
		}
		ns := m.Notes()
		low, high := 128, 0
		for _, n := range ns {
			low, high = min(low, n.Pitch), max(high, n.Pitch)
		}
		windows := "no 2-bar windows"
		if ws, err := f.Windows(c.opt, midi.WindowBars, 1); err == nil {
			windows = fmt.Sprintf("%d 2-bar windows", len(ws))
		} else if errors.Is(err, midi.ErrNoMelody) {
			windows = strings.TrimPrefix(err.Error(), "midi: no melody: ")
		}
		// In the piece's own meter (what a model of every meter would read), when not 4/4.
		if mws, err := f.MeterWindows(c.opt, midi.WindowBars, 1); err == nil && slices.ContainsFunc(mws, func(w midi.MeterWindow) bool { return w.Meter() != "4/4" }) {
			windows += fmt.Sprintf("; %d windows of 2 bars of its own meter", len(mws))
		}
		key, _, how := melody.FileKey(f, m, chords, chordsFrom)
		p("  %d notes, %s–%s, %d steps; %s\n  key %s (%s)\n", len(ns), key.PitchName(low), key.PitchName(high), len(m), windows, key, how)
		grid := m.GridKey(gridMeters, key)
		if opts.Bars > 0 {
			grid = firstBars(grid, opts.Bars)
		}
		p("%s", grid)
	}
	if opts.Chords || opts.ChordLab != "" {
		s, err := chordBars(f, opts, gridMeters, shifted)
		if err != nil {
			return fmt.Errorf("inspect %s: %w", opts.Path, err)
		}
		p("%s", s)
	}
	return nil
}

// chordBars lays out the chords of each bar of f, estimated and (where there are
// annotations) annotated, a chord a beat, for inspect --chords. shifted is the ticks
// the file was shifted by since it was read.
func chordBars(f *midi.File, opts *inspectOptions, meters []midi.Meter, shifted int64) (string, error) {
	var b strings.Builder
	// Every track with notes but the melody's, unless the melody's is the only one.
	var tracks []int
	mel, err := f.ChooseMelodyTrack(midi.ExtractOptions{Track: opts.Track, AllPrograms: opts.AllPrograms})
	source := "all tracks"
	if err == nil {
		counts := map[int]bool{}
		for _, n := range f.Notes() {
			if n.Channel != midi.DrumChannel {
				counts[n.Track] = true
			}
		}
		var names []string
		for _, t := range f.Tracks {
			if counts[t.Index] && t.Index != mel.Index {
				tracks = append(tracks, t.Index)
				names = append(names, trackTitle(f, t.Index))
			}
		}
		if len(tracks) > 0 {
			source = strings.Join(names, ", ") + ", leaving out the melody's"
		}
	}
	est := f.EstimateChords(midi.EstimateChordsOptions{Tracks: tracks})
	lab := opts.ChordLab
	if lab == "" {
		dir, name := filepath.Split(opts.Path)
		beside := filepath.Join(dir, "annotations", strings.TrimSuffix(name, filepath.Ext(name)), "chord_midi.txt")
		if _, err := os.Stat(beside); err == nil {
			lab = beside
		}
	}
	var ann []midi.ChordSpan
	if lab != "" {
		timed, err := midi.ReadChordLabFile(lab)
		if err != nil {
			return "", err
		}
		ann = f.StepChords(timed, shifted)
	}
	fmt.Fprintf(&b, "\nchords a beat, estimated from %s", source)
	if lab != "" {
		fmt.Fprintf(&b, "; annotated in %s", lab)
	}
	b.WriteString("\n")
	steps := 0
	for _, sp := range append(slices.Clone(est), ann...) {
		steps = max(steps, sp.End)
	}
	estSteps, annSteps := midi.ChordsPerStep(est, 0, steps), midi.ChordsPerStep(ann, 0, steps)
	line := func(per []midi.Chord, bar midi.Bar) string {
		var cells []string
		beat := max(bar.Meter.BeatSteps(), 1)
		for s := bar.Start; s < bar.Start+bar.Steps && s < len(per); s += beat {
			c := per[s].Plain()
			if s > 0 && per[s] == per[s-beat] && s != bar.Start {
				c = "-"
			}
			cells = append(cells, fmt.Sprintf("%-8s", c))
		}
		return strings.TrimRight(strings.Join(cells, " "), " ")
	}
	bars := midi.Bars(meters, steps)
	for i, bar := range bars {
		if opts.Bars > 0 && i >= opts.Bars {
			fmt.Fprintf(&b, "  ... %d more bars (--bars 0 shows all)\n", len(bars)-i)
			break
		}
		if ann == nil {
			fmt.Fprintf(&b, "%4d | %s\n", bar.Number, line(estSteps, bar))
			continue
		}
		fmt.Fprintf(&b, "%4d | %-44s | %s\n", bar.Number, line(estSteps, bar), line(annSteps, bar))
	}
	return b.String(), nil
}

func trackTitle(f *midi.File, i int) string {
	if name := f.Tracks[i].Name; name != "" {
		return fmt.Sprintf("track %d %q", i, name)
	}
	return fmt.Sprintf("track %d", i)
}

func tempoSummary(f *midi.File) string {
	if len(f.Tempos) == 0 {
		return "120 qpm (none set)"
	}
	s := fmt.Sprintf("%.4g qpm", f.Tempos[0].QPM)
	if f.Tempos[0].Tick > 0 {
		s = fmt.Sprintf("120 qpm, then %.4g qpm at tick %d", f.Tempos[0].QPM, f.Tempos[0].Tick)
	}
	if n := len(f.Tempos); n > 1 {
		lo, hi := f.Tempos[0].QPM, f.Tempos[0].QPM
		for _, t := range f.Tempos {
			lo, hi = min(lo, t.QPM), max(hi, t.QPM)
		}
		s += fmt.Sprintf(", %d changes in all, %.4g–%.4g qpm", n, lo, hi)
	}
	return s
}

func meterSummary(f *midi.File, meters []midi.Meter) string {
	var parts []string
	for i, m := range meters {
		if i == 6 {
			parts = append(parts, fmt.Sprintf("... %d changes in all", len(meters)))
			break
		}
		parts = append(parts, fmt.Sprintf("%s from step %d", m, m.Step))
	}
	s := strings.Join(parts, ", ")
	if len(f.TimeSigs) == 0 {
		s += " (none set)"
	}
	return s
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// firstBars keeps the lines of a grid up to bar n, and says how many bars were left out.
func firstBars(grid string, n int) string {
	lines := strings.SplitAfter(grid, "\n")
	var b strings.Builder
	bars, total := 0, 0
	for _, l := range lines {
		if strings.Contains(l, "|") {
			total++
			if bars >= n {
				continue
			}
			bars++
		} else if bars >= n {
			continue
		}
		b.WriteString(l)
	}
	if total > n {
		fmt.Fprintf(&b, "  ... %d more bars (--bars 0 shows all)\n", total-n)
	}
	return b.String()
}
