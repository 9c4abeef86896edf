package domain_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"

	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/latent/domain/melody"
	"musae/midi"
)

// tune is a 2-bar melody of quarter notes, for the examples.
func tune(pitches ...int) midi.Melody {
	m := make(midi.Melody, midi.WindowSteps)
	for i, p := range pitches {
		m[i*midi.StepsPerQuarter] = midi.NoteOnClass(p)
	}
	return m.Canonical()
}

// Interpolating two MIDI files: read each one's first 2-bar window, encode both, decode
// five points along the great circle between their posterior means, and write them to
// one MIDI file at the first one's tempo.
func Example() {
	dir, _ := os.MkdirTemp("", "musae-example")
	defer os.RemoveAll(dir)
	a, b := filepath.Join(dir, "a.mid"), filepath.Join(dir, "b.mid")
	midi.WriteFile(a, 100, tune(60, 62, 64, 65, 67, 65, 64, 62))
	midi.WriteFile(b, 120, tune(72, 67, 64, 60, 72, 67, 64, 60))

	m, err := domain.Open("mel2-tiny", melody.New()) // or a checkpoint's path
	if err != nil {
		log.Fatal(err)
	}
	xs, err := m.ReadFiles([]string{a, b}, domain.ReadOptions{})
	if err != nil {
		log.Fatal(err) // not MIDI, say, or no 2-bar window with notes
	}
	mu, _, _ := m.Encode(xs)                         // the posterior means
	zs, _ := m.Interpolate(mu[0], mu[1], 5, "slerp") // 5 points, both ends included
	steps, _ := m.Decode(zs, 0, nil)                 // greedy decoding
	if err := m.WriteFile(filepath.Join(dir, "morph.mid"), steps, domain.Layout{QPM: xs[0].QPM}); err != nil {
		log.Fatal(err)
	}

	fmt.Printf("%s: %s at %g qpm\n", filepath.Base(xs[0].Source), xs[0].Where, xs[0].QPM)
	fmt.Printf("%d steps of %d 16ths\n", len(steps), len(steps[0].Value.(midi.Melody)))
	// Output:
	// a.mid: the first 2-bar window with notes at 100 qpm
	// 5 steps of 32 16ths
}

// Opening a model by its built-in name (or a checkpoint's path) among several domains.
func ExampleRegistry_Open() {
	reg := domain.NewRegistry(digits.New(), melody.New())
	m, err := reg.Open("mnist-conv2", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Meta.Model, m.Meta.Domain, m.Z())
	fmt.Println(reg.Names(), reg.Builtin())
	fmt.Println(reg.ForFile("tune.MID").Info().Noun)
	// Output:
	// mnist-conv2 mnist 2
	// [mnist melody] [mel2-chords mel2-denoise mel2-elaborate mel2-meters mel2-tiny mnist-conv mnist-conv2 mnist-conv32]
	// melodies
}

// Encoding values a program made itself, not files: a melody's posterior mean and
// log-variance have the model's latent size.
func ExampleModel_Encode() {
	m, err := domain.Open("mel2-tiny", melody.New())
	if err != nil {
		log.Fatal(err)
	}
	x := melody.Example(tune(60, 64, 67, 72, 67, 64, 60, 0), 120)
	mu, logvar, err := m.Encode([]domain.Example{x})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(mu), len(mu[0]), len(logvar[0]))
	// Output:
	// 1 64 64
}

// Sampling at a temperature: for melodies, each step's class is drawn at it; for digits
// it scales the prior. The same seed gives the same examples.
func ExampleModel_Sample() {
	m, err := domain.Open("mel2-tiny", melody.New())
	if err != nil {
		log.Fatal(err)
	}
	first, _ := m.Sample(3, 0.5, rand.New(rand.NewPCG(1, 2)))
	again, _ := m.Sample(3, 0.5, rand.New(rand.NewPCG(1, 2)))
	same := true
	for i := range first {
		same = same && first[i].Value.(midi.Melody).String() == again[i].Value.(midi.Melody).String()
	}
	fmt.Println(len(first), "melodies; the same again with the same seed:", same)

	d, err := domain.Open("mnist-conv", digits.New())
	if err != nil {
		log.Fatal(err)
	}
	pics, _ := d.Sample(4, 0.8, rand.New(rand.NewPCG(1, 2)))
	fmt.Println(len(pics), "digits of", len(pics[0].Value.([]float32)), "pixels")
	// Output:
	// 3 melodies; the same again with the same seed: true
	// 4 digits of 784 pixels
}

// Decoding a latent vector of one's own, here the prior's mean, to a digit, and writing
// it as a PNG.
func ExampleModel_Decode() {
	m, err := domain.Open("mnist-conv2", digits.New())
	if err != nil {
		log.Fatal(err)
	}
	xs, err := m.Decode([][]float32{{0, 0}}, 0, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Domain.Write(io.Discard, xs, domain.Layout{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(xs[0].Value.([]float32)))
	// Output:
	// 784
}

// Variations of a melody: points of latent space on the way from fresh prior samples to
// its posterior mean, decoded greedily.
func ExampleModel_Similar() {
	m, err := domain.Open("mel2-tiny", melody.New())
	if err != nil {
		log.Fatal(err)
	}
	mu, _, _ := m.Encode([]domain.Example{melody.Example(tune(67, 67, 69, 67, 72, 71, 0, 0), 120)})
	zs, err := m.Similar(mu[0], 0.8, 4, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		log.Fatal(err)
	}
	variations, _ := m.Decode(zs, 0, nil)
	fmt.Println(len(variations), "variations")
	// Output:
	// 4 variations
}

// Attribute vectors: learnt from a folder of MIDI files (the training split of its
// windows), one per measure of the domain, then added to a melody's mean.
func ExampleModel_Attributes() {
	dir, _ := os.MkdirTemp("", "musae-example")
	defer os.RemoveAll(dir)
	for i := range 24 {
		step := []int{2, 4, 8}[i%3]
		m := make(midi.Melody, 4*midi.StepsPerBar)
		for s, p := 0, 55+i; s < len(m); s, p = s+step, p+1+i%3 {
			m[s] = midi.NoteOnClass(p)
		}
		midi.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.mid", i)), 120, m)
	}

	m, err := domain.Open("mel2-tiny", melody.New())
	if err != nil {
		log.Fatal(err)
	}
	attrs, err := m.Attributes(context.Background(), domain.DataOptions{Dir: dir}, io.Discard, io.Discard)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := attrs.Vector("density")
	fmt.Println(attrs.Names(), len(v))
	// Output:
	// [density pitch stepwise] 64
}

// The latent vectors of encoded files as the JSON that musae encode writes and musae
// decode reads, edited in between: an entry's z, when set, is decoded instead of its mu.
func ExampleModel_Latents() {
	reg := domain.NewRegistry(digits.New(), melody.New())
	m, err := reg.Open("mel2-tiny", "")
	if err != nil {
		log.Fatal(err)
	}
	xs := []domain.Example{melody.Example(tune(60, 62, 64, 65, 67, 65, 64, 62), 120)}
	xs[0].Source = "scale.mid"
	mu, logvar, _ := m.Encode(xs)
	js, err := m.Latents("mel2-tiny", xs, mu, logvar).Marshal()
	if err != nil {
		log.Fatal(err)
	}
	back, err := reg.ReadLatents(bytes.NewReader(js), "z.json")
	if err != nil {
		log.Fatal(err)
	}
	back.Entries[0].Z = make([]float32, back.Z) // the prior's mean instead of mu
	fmt.Println(back.Model, back.Domain, back.Z, back.Entries[0].File, len(back.Entries[0].Vector()))
	// Output:
	// mel2-tiny melody 64 scale.mid 64
}
