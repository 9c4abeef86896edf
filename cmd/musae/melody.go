package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"musae/cmd/musae/internal/zoo"
	"musae/datasets"
	"musae/latent"
	"musae/midi"
	"musae/models"
)

// evalWindows is how many validation windows the per-epoch check scores, as the PyTorch
// peer's --eval-n does.
const evalWindows = 2000

func setupMelodyTraining(t *models.Trainer, m *zoo.Model, o *trainOptions) error {
	if o.Data == "" {
		return usagef("say where the MIDI files are: --data DIR (for example ../shared/data/melodies/pop909 with --track MELODY)")
	}
	corpus, err := datasets.LoadMelodies(o.Data, datasets.MelodyOptions{Track: o.Track, AlignGrid: true})
	if err != nil {
		return err
	}
	train := corpus.Train
	if o.Limit > 0 && o.Limit < len(train) {
		train = train[:o.Limit]
	}
	if len(corpus.Validation) == 0 {
		return fmt.Errorf("%s: no validation windows (%d files gave windows); the corpus is too small to train on", o.Data, len(corpus.Files))
	}
	fmt.Fprintf(t.Progress, "corpus %s: %d files, %d skipped, %d training and %d validation windows\n",
		o.Data, len(corpus.Files), len(corpus.Skipped), len(train), len(corpus.Validation))
	abs, _ := filepath.Abs(o.Data)
	t.Data = datasets.MelodySet{Windows: train, MaxTranspose: datasets.MusicVAETranspose}
	t.Shape = [3]int{midi.WindowSteps, midi.NumClasses, 1}
	t.Meta.Dataset = fmt.Sprintf("%s (%d training windows of 2 bars from %d files, track %q, transposed ±%d)", filepath.Base(abs), len(train), len(corpus.Files), o.Track, datasets.MusicVAETranspose)
	t.Meta.Data, t.Meta.Track = abs, o.Track
	t.Meta.SamplingRate = o.SamplingRate
	if k := o.SamplingRate; k > 0 {
		// MusicVAE's inverse-sigmoid schedule: the decoder is teacher-forced with
		// probability k/(k+exp(step/k)), and otherwise reads its own sample.
		t.BeforeStep = func(step int, rng *rand.Rand) {
			m.Melodies.SampleProb = 1 - k/(k+math.Exp(math.Min(float64(step)/k, 700)))
			m.Melodies.Rng = rng
		}
	}
	valid := corpus.Validation[:min(evalWindows, len(corpus.Validation))]
	t.Validate = func() (map[string]float64, error) { return scoreMelodies(context.Background(), m, valid, o.Seed) }
	return nil
}

// scoreMelodies returns the greedy reconstruction accuracy from z = mu and the mean
// single-sample reconstruction and KL terms in nats of windows.
func scoreMelodies(ctx context.Context, m *zoo.Model, windows []midi.Melody, seed uint64) (map[string]float64, error) {
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	var hits, total int
	var rec, kl float64
	for from := 0; from < len(windows); from += batchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := datasets.MelodyBatch(windows[from:min(from+batchSize, len(windows))])
		mu, _ := m.VAE.Enc.Encode(b, false)
		h, n := m.Melodies.Accuracy(mu, b)
		hits, total = hits+h, total+n
		r, k := m.VAE.Score(b, rng)
		for i := range r {
			rec += r[i]
			kl += k[i]
		}
	}
	n := float64(len(windows))
	return map[string]float64{"accuracy": float64(hits) / float64(total), "reconstruction": rec / n, "kl": kl / n, "loss": (rec + kl) / n}, nil
}

func evalMelodies(ctx context.Context, m *zoo.Model, o *evalOptions, stdout, stderr io.Writer) error {
	dir := o.Data
	if dir == "" {
		if m.Meta.Data == "" {
			return usagef("say which melodies to score: --data DIR")
		}
		if _, err := os.Stat(m.Meta.Data); err != nil {
			return usagef("%s was trained on %s, which is not here; say which melodies to score: --data DIR", m.Meta.Model, m.Meta.Data)
		}
		dir = m.Meta.Data
	}
	split := defaultString(o.Split, "validation")
	// The training folder by any path (relative, through a link) is the training folder.
	trainedOn := false
	if m.Meta.Data != "" {
		a, errA := os.Stat(dir)
		b, errB := os.Stat(m.Meta.Data)
		trainedOn = errA == nil && errB == nil && os.SameFile(a, b)
	}
	opt := datasets.MelodyOptions{Track: o.Track, AlignGrid: true}
	if trainedOn && o.Track == "" {
		opt.Track = m.Meta.Track
	}
	var what string
	switch split {
	case "validation":
		what = fmt.Sprintf("validation split: the %g%% of files that training holds out", 100*datasets.DefaultValidationShare)
		if !trainedOn {
			what += fmt.Sprintf(" (%s trained on %s)", m.Meta.Model, defaultString(m.Meta.Data, "another folder"))
		}
	case "train":
		what = "train split: the files that training learns from"
	case "all":
		what = "all files"
		opt.ValidationShare = -1
	default:
		return usagef("--split %q: for melodies, want validation, train or all", split)
	}
	corpus, err := datasets.LoadMelodiesContext(ctx, dir, opt)
	if err != nil {
		return err
	}
	windows := corpus.Train
	if split == "validation" {
		windows = corpus.Validation
	}
	if o.Limit > 0 && o.Limit < len(windows) {
		windows = windows[:o.Limit]
	}
	if len(windows) == 0 {
		if split != "all" {
			return fmt.Errorf("%s: no 2-bar windows in the %s split (%d files, %d skipped); --split all scores every file", dir, split, len(corpus.Files), len(corpus.Skipped))
		}
		return fmt.Errorf("%s: no 2-bar windows to score (%d files skipped)", dir, len(corpus.Skipped))
	}
	s, err := scoreMelodies(ctx, m, windows, o.Seed)
	if err != nil {
		return err
	}
	if err := checkScore(m, "neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data %s (%s, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, what, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
	fmt.Fprintf(stdout, "accuracy %.4f fraction\nreconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n", s["accuracy"], s["reconstruction"], s["kl"], s["loss"])
	return nil
}

func sampleMelodies(ctx context.Context, m *zoo.Model, o *sampleOptions, rng *rand.Rand, stdout io.Writer) error {
	n := defaultInt(o.N, 8)
	temp := o.Temperature.or(0.5)
	out := defaultString(o.Out, "samples")
	single := false
	switch strings.ToLower(filepath.Ext(out)) {
	case ".mid", ".midi":
		single = true
		if n > maxSequence {
			return usagef("-o %s holds the melodies in one file, at most %d; for more, -o a folder (one file each)", out, maxSequence)
		}
	case ".png", ".wav", ".json":
		return usagef("-o %s: melodies are written as MIDI files: -o a folder, or one .mid file (--wav adds the WAV files)", out)
	}
	if n > maxSampleMelodies {
		return usagef("-n %d: at most %d melodies a run (a file each); draw more with several runs, folders and --seeds", n, maxSampleMelodies)
	}
	if !single {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := removeOutputFiles(out, "sample"); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d melodies from %s at temperature %g\n", n, m.Meta.Model, temp)
	name := fmt.Sprintf("sample-%%0%dd.mid", max(2, len(strconv.Itoa(n))))
	var seq []midi.Melody // the first maxSequence, for all.mid
	for from := 0; from < n; from += batchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		mels := decodeMelodies(m, latent.SamplePrior(min(batchSize, n-from), m.VAE.Z, 1, rng), temp, rng)
		for k, mel := range mels {
			if len(seq) < maxSequence {
				seq = append(seq, mel)
			}
			if single {
				fmt.Fprintf(stdout, "\n%d of %d\n%s", from+k+1, n, mel)
				continue
			}
			path := filepath.Join(out, fmt.Sprintf(name, from+k+1))
			wav, err := writeMelodyFiles(path, midi.DefaultQPM, o.WAV, mel)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "\n%s%s\n%s", path, wav, mel)
		}
	}
	all := out
	if !single {
		all = filepath.Join(out, "all.mid")
	}
	wav, err := writeMelodyFiles(all, midi.DefaultQPM, o.WAV, withRests(seq)...)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("all %d", n)
	if len(seq) < n {
		what = fmt.Sprintf("the first %d of %d", len(seq), n)
	}
	fmt.Fprintf(stdout, "\n%s%s: %s in sequence, a bar of rest between\n", all, wav, what)
	return nil
}

// isOutputFile reports whether name is one that a verb writing numbered melodies into a
// folder writes there: PREFIX-N.mid or .wav, all.mid, all.wav.
func isOutputFile(name, prefix string) bool {
	stem, ext := strings.TrimSuffix(name, filepath.Ext(name)), filepath.Ext(name)
	if ext != ".mid" && ext != ".wav" {
		return false
	}
	if stem == "all" {
		return true
	}
	digits, ok := strings.CutPrefix(stem, prefix+"-")
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}

// removeOutputFiles removes the files an earlier run wrote into dir (isOutputFile), and
// only those, so that a new run's folder holds none of the old run's.
func removeOutputFiles(dir, prefix string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Type().IsRegular() && isOutputFile(e.Name(), prefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeMelodyFiles writes the melodies in sequence to the MIDI file path and, when wav is
// set, renders them to a WAV file beside it with the same name (x.mid, x.wav). It returns
// what to add to the name of the MIDI file where it is shown: " and x.wav", or "". Audio
// past the render limits (midi.DefaultMaxSeconds) is refused before either file is written.
func writeMelodyFiles(path string, qpm float64, wav bool, ms ...midi.Melody) (string, error) {
	w := withExt(path, ".wav")
	var a *midi.Audio
	if wav {
		var err error
		if a, err = midi.MelodyAudio(qpm, midi.RenderOptions{}, ms...); err != nil {
			return "", fmt.Errorf("%s: %w", w, err)
		}
	}
	if err := midi.WriteFile(path, qpm, ms...); err != nil {
		return "", err
	}
	if !wav {
		return "", nil
	}
	// Melodies sound one note at a time: even at the length limit this is a second of
	// work, so the verbs look at their context between files, not here.
	if err := a.WriteWAVFile(context.Background(), w); err != nil {
		return "", err
	}
	return " and " + w, nil
}

// withRests returns the melodies with a bar of rest after each but the last, so that
// played in sequence they stay apart.
func withRests(ms []midi.Melody) []midi.Melody {
	var out []midi.Melody
	for i, m := range ms {
		out = append(out, m)
		if i < len(ms)-1 {
			out = append(out, make(midi.Melody, midi.StepsPerBar))
		}
	}
	return out
}

func toMelodies(seqs [][]int32) []midi.Melody {
	out := make([]midi.Melody, len(seqs))
	for i, s := range seqs {
		out[i] = make(midi.Melody, len(s))
		for t, c := range s {
			out[i][t] = int(c)
		}
	}
	return out
}

// melodyInput is the 2-bar window of a user's MIDI file that a command works on.
type melodyInput struct {
	Path   string
	Window midi.Melody
	QPM    float64
	Where  string // which window, for people
}

// readMelodyInput reads the 2-bar window of a MIDI file: the one starting at bar (from 1),
// or the first with notes when bar is 0. Without a track, a file with notes in several
// tracks gives the melody of the track prepareMelodyFile chooses, and Where says which.
func readMelodyInput(path, track string, bar int) (melodyInput, error) {
	f, err := midi.ReadFile(path)
	if err != nil {
		return melodyInput{}, err
	}
	return melodyWindow(f, path, track, bar)
}

// readMelodyUpload is readMelodyInput for a file held in memory, named name in errors.
func readMelodyUpload(name string, data []byte, track string, bar int) (melodyInput, error) {
	f, err := midi.Read(bytes.NewReader(data))
	if err != nil {
		// midi.Read cannot know the name: say it where midi.ReadFile says the path.
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return melodyInput{}, fmt.Errorf("midi: read %s: %w", name, err)
	}
	return melodyWindow(f, name, track, bar)
}

// melodyWindow is the window of f, read from path, that readMelodyInput describes.
func melodyWindow(f *midi.File, path, track string, bar int) (in melodyInput, err error) {
	opt, chosen, err := prepareMelodyFile(f, path, track)
	if err != nil {
		return melodyInput{}, err
	}
	in = melodyInput{Path: path, QPM: f.QPM}
	defer func() {
		if chosen != "" {
			in.Where += ", of " + chosen
		}
		// A repaired file is read as far as it is sound; say so wherever the window is shown.
		if len(f.Warnings) > 0 {
			in.Where += fmt.Sprintf(" (the file needed %d repairs; first: %s)", len(f.Warnings), f.Warnings[0])
		}
	}()
	if bar <= 0 {
		ws, err := f.Windows(opt, midi.WindowBars, 1)
		if err != nil {
			return in, fmt.Errorf("%s: %w", path, err)
		}
		in.Window, in.Where = ws[0], "the first 2-bar window with notes"
		return in, nil
	}
	m, err := f.Melody(opt)
	if err != nil {
		return in, fmt.Errorf("%s: %w", path, err)
	}
	start := (bar - 1) * midi.StepsPerBar
	if start >= len(m) {
		return in, usagef("%s: --bar %d is past the end of the melody, which has %d bars", path, bar, (len(m)+midi.StepsPerBar-1)/midi.StepsPerBar)
	}
	w := make(midi.Melody, midi.WindowSteps)
	copy(w, m[start:])
	w = w.Canonical()
	if len(w.Notes()) == 0 {
		return in, fmt.Errorf("%s: %w: bars %d–%d have no notes", path, midi.ErrNoMelody, bar, bar+1)
	}
	in.Window, in.Where = w, fmt.Sprintf("bars %d–%d", bar, bar+1)
	return in, nil
}

// openMelodyFile reads a MIDI file whose melody a command works on and prepares it with
// prepareMelodyFile.
func openMelodyFile(path, track string) (*midi.File, midi.ExtractOptions, string, error) {
	f, err := midi.ReadFile(path)
	if err != nil {
		return nil, midi.ExtractOptions{}, "", err
	}
	opt, chosen, err := prepareMelodyFile(f, path, track)
	if err != nil {
		return nil, opt, "", err
	}
	return f, opt, chosen, nil
}

// prepareMelodyFile moves f, read from path, onto its notes' 16th grid and returns the
// options that extract its melody. Without a track, a file with notes in several tracks
// gets the track midi.File.ChooseMelodyTrack picks, and chosen says which and why (it is
// "" otherwise). A file none of whose tracks plays programs 0–31 is refused (a usage
// error) with the --track that takes its most melodic track anyway.
func prepareMelodyFile(f *midi.File, path, track string) (opt midi.ExtractOptions, chosen string, err error) {
	// Files from sequencers are on the grid and stay as they are; recordings whose beats
	// start off tick 0 move onto it, as the training corpus did (midi.File.AlignToGrid).
	f.AlignToGrid()
	if track != "" {
		return midi.ExtractOptions{Track: track}, "", nil
	}
	c, err := f.ChooseMelodyTrack(midi.ExtractOptions{})
	if err != nil {
		// When keeping every program would give a melody, the programs were all that
		// stood in the way; otherwise say what else does.
		all, err2 := f.ChooseMelodyTrack(midi.ExtractOptions{AllPrograms: true})
		if err2 != nil {
			return opt, "", fmt.Errorf("%s: %w", path, err2)
		}
		return opt, "", usagef("%s: %v\n  --track %d takes %s", path, err, all.Index, all.Reason)
	}
	several := 0
	for _, t := range f.Tracks {
		if t.NoteOns() > 0 && !onlyDrums(t.Channels()) {
			several++
		}
	}
	if several > 1 {
		chosen = c.Reason
	}
	return c.Options, chosen, nil
}

func onlyDrums(chs []int) bool {
	return len(chs) > 0 && allEqual(chs, midi.DrumChannel)
}

func allEqual(xs []int, v int) bool {
	for _, x := range xs {
		if x != v {
			return false
		}
	}
	return true
}

func oneBased(chs []int) []int {
	out := make([]int, len(chs))
	for i, c := range chs {
		out[i] = c + 1
	}
	return out
}

// encodeMelodies returns the posterior means and log-variances of windows, each [Z].
func encodeMelodies(m *zoo.Model, windows []midi.Melody) (mu, logvar [][]float32) {
	return encodeBatch(m, datasets.MelodyBatch(windows))
}

// decodeMelodiesContext is decodeMelodies in batches of batchSize, checking ctx between
// them, for as many vectors as a verb's limits allow.
func decodeMelodiesContext(ctx context.Context, m *zoo.Model, zs [][]float32, temperature float64, rng *rand.Rand) ([]midi.Melody, error) {
	out := make([]midi.Melody, 0, len(zs))
	for from := 0; from < len(zs); from += batchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, decodeMelodies(m, zs[from:min(from+batchSize, len(zs))], temperature, rng)...)
	}
	return out, nil
}

// decodeMelodies decodes latent vectors, greedily at temperature 0.
func decodeMelodies(m *zoo.Model, zs [][]float32, temperature float64, rng *rand.Rand) []midi.Melody {
	return toMelodies(m.Melodies.Generate(flatten(zs), len(zs), temperature, rng))
}

func reconstructMelodies(ctx context.Context, m *zoo.Model, o *reconstructOptions, stdout io.Writer) error {
	if len(o.Files) == 0 {
		return usagef("name the MIDI files to reconstruct: musae reconstruct x.mid")
	}
	out := defaultString(o.Out, "reconstruction.mid")
	if err := checkOutputExt(out, zoo.Melody); err != nil {
		return err
	}
	in, err := encodeInputs(ctx, m, o.Files, o.Track, o.Bar)
	if err != nil {
		return err
	}
	recons, err := decodeMelodiesContext(ctx, m, in.Mu, 0, nil)
	if err != nil {
		return err
	}
	var seq []midi.Melody
	for i, w := range in.Melodies {
		hits := 0
		for t, c := range recons[i] {
			if c == w[t] {
				hits++
			}
		}
		fmt.Fprintf(stdout, "%s, %s:\n%sreconstruction (%d of %d steps equal):\n%s\n", in.Files[i], in.Where[i], w, hits, len(w), recons[i])
		seq = append(seq, w, recons[i])
	}
	if err := midi.WriteFile(out, in.QPM[0], withRests(seq)...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: each input window, then its reconstruction, a bar of rest between\n", out)
	return nil
}
