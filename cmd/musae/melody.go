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
	if err := checkScore(m, "neg_elbo", s["loss"]); err != nil {
		return err
	}
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
// what to add to the name of the MIDI file where it is shown: " and x.wav", or "".
func writeMelodyFiles(path string, qpm float64, wav bool, ms ...midi.Melody) (string, error) {
	if err := midi.WriteFile(path, qpm, ms...); err != nil {
		return "", err
	}
	if !wav {
		return "", nil
	}
	w := withExt(path, ".wav")
	if err := midi.WriteWAVFile(w, midi.RenderMelody(qpm, midi.RenderOptions{}, ms...), midi.SampleRate); err != nil {
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
	// Bars count in the file's own meter, as a score of it numbers them.
	w, err := f.WindowAt(opt, bar)
	if errors.Is(err, midi.ErrNoBar) {
		return in, usagef("%s: --%v", path, strings.TrimPrefix(err.Error(), midi.ErrNoBar.Error()+": "))
	}
	if err != nil {
		return in, fmt.Errorf("%s: %w", path, err)
	}
	in.Window, in.Where = w.Melody, w.Span()
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
