package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
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
	t.Validate = func() (map[string]float64, error) { return scoreMelodies(m, valid, o.Seed), nil }
	return nil
}

// scoreMelodies returns the greedy reconstruction accuracy from z = mu and the mean
// single-sample reconstruction and KL terms in nats of windows.
func scoreMelodies(m *zoo.Model, windows []midi.Melody, seed uint64) map[string]float64 {
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	const chunk = 500
	var hits, total int
	var rec, kl float64
	for from := 0; from < len(windows); from += chunk {
		b := datasets.MelodyBatch(windows[from:min(from+chunk, len(windows))])
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
	return map[string]float64{"accuracy": float64(hits) / float64(total), "reconstruction": rec / n, "kl": kl / n, "loss": (rec + kl) / n}
}

func evalMelodies(ctx context.Context, m *zoo.Model, o *evalOptions, stdout, stderr io.Writer) error {
	dir, split := o.Data, "all"
	if dir == "" {
		if m.Meta.Data == "" {
			return usagef("say which melodies to score: --data DIR")
		}
		if _, err := os.Stat(m.Meta.Data); err != nil {
			return usagef("%s was trained on %s, which is not here; say which melodies to score: --data DIR", m.Meta.Model, m.Meta.Data)
		}
		dir = m.Meta.Data
	}
	abs, _ := filepath.Abs(dir)
	track := o.Track
	opt := datasets.MelodyOptions{Track: track, ValidationShare: -1, AlignGrid: true}
	if abs == m.Meta.Data {
		split = "validation"
		if track == "" {
			opt.Track = m.Meta.Track
		}
		opt.ValidationShare = 0
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
		return fmt.Errorf("%s: no 2-bar windows to score (%d files skipped)", dir, len(corpus.Skipped))
	}
	s := scoreMelodies(m, windows, o.Seed)
	fmt.Fprintf(stdout, "data %s (%s split, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, split, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
	fmt.Fprintf(stdout, "accuracy %.4f fraction\nreconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n", s["accuracy"], s["reconstruction"], s["kl"], s["loss"])
	return nil
}

func sampleMelodies(ctx context.Context, m *zoo.Model, o *sampleOptions, rng *rand.Rand, stdout io.Writer) error {
	n := defaultInt(o.N, 8)
	temp := defaultFloat(o.Temperature, 0.5)
	dir := defaultString(o.Out, "samples")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	seqs := decodeMelodies(m, latent.SamplePrior(n, m.VAE.Z, 1, rng), temp, rng)
	fmt.Fprintf(stdout, "%d melodies from %s at temperature %g\n", n, m.Meta.Model, temp)
	for i, mel := range seqs {
		path := filepath.Join(dir, fmt.Sprintf("sample-%02d.mid", i+1))
		wav, err := writeMelodyFiles(path, midi.DefaultQPM, o.WAV, mel)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s%s\n%s", path, wav, mel)
	}
	all := filepath.Join(dir, "all.mid")
	wav, err := writeMelodyFiles(all, midi.DefaultQPM, o.WAV, withRests(seqs)...)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s%s: all %d in sequence, a bar of rest between\n", all, wav, n)
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
// tracks is refused with a list of them, since merging them would not give a melody.
func readMelodyInput(path, track string, bar int) (in melodyInput, err error) {
	f, err := openMelodyFile(path, track)
	if err != nil {
		return melodyInput{}, err
	}
	in = melodyInput{Path: path, QPM: f.QPM}
	defer func() {
		// A repaired file is read as far as it is sound; say so wherever the window is shown.
		if len(f.Warnings) > 0 {
			in.Where += fmt.Sprintf(" (the file needed %d repairs; first: %s)", len(f.Warnings), f.Warnings[0])
		}
	}()
	opt := midi.ExtractOptions{Track: track}
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

// openMelodyFile reads a MIDI file whose melody a command works on, moved onto its notes'
// 16th grid. Without a track, a file with notes in several tracks is refused (a usage
// error) with a list of them, since merging them would not give a melody.
func openMelodyFile(path, track string) (*midi.File, error) {
	f, err := midi.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// Files from sequencers are on the grid and stay as they are; recordings whose beats
	// start off tick 0 move onto it, as the training corpus did (midi.File.AlignToGrid).
	f.AlignToGrid()
	if track == "" {
		var found []string
		for _, t := range f.Tracks {
			if n := t.NoteOns(); n > 0 && !onlyDrums(t.Channels()) {
				found = append(found, fmt.Sprintf("  --track %d  %q: %d notes, channels %v, programs %v", t.Index, t.Name, n, oneBased(t.Channels()), t.Programs()))
			}
		}
		if len(found) > 1 {
			return nil, usagef("%s has notes in %d tracks; say which one holds the melody:\n%s", path, len(found), strings.Join(found, "\n"))
		}
	}
	return f, nil
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

// decodeMelodies decodes latent vectors, greedily at temperature 0.
func decodeMelodies(m *zoo.Model, zs [][]float32, temperature float64, rng *rand.Rand) []midi.Melody {
	return toMelodies(m.Melodies.Generate(flatten(zs), len(zs), temperature, rng))
}

func reconstructMelodies(ctx context.Context, m *zoo.Model, o *reconstructOptions, stdout io.Writer) error {
	if len(o.Files) == 0 {
		return usagef("name the MIDI files to reconstruct: musae reconstruct x.mid")
	}
	out := defaultString(o.Out, "reconstruction.mid")
	in, err := encodeInputs(m, o.Files, o.Track, o.Bar)
	if err != nil {
		return err
	}
	recons := decodeMelodies(m, in.Mu, 0, nil)
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
