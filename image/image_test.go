package image

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares img with testdata/name_golden.png, allowing each channel to
// differ by tol levels in at most a share frac of the pixels; with -update it rewrites
// the golden file instead.
func checkGolden(t *testing.T, name string, img image.Image, tol uint8, frac float64) {
	t.Helper()
	path := filepath.Join("testdata", name+"_golden.png")
	if *update {
		if err := WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if n, share := diffPixels(img, want, tol); n < 0 {
		t.Errorf("%s: size %v, golden %v", name, img.Bounds().Size(), want.Bounds().Size())
	} else if share > frac {
		t.Errorf("%s: %d pixels (%.2f%%) differ from %s by more than %d levels; allowed %.2f%% (look at it, then go test -update)",
			name, n, 100*share, path, tol, 100*frac)
	}
}

// diffPixels counts the pixels where some channel differs by more than tol levels; it
// returns -1 when the sizes differ.
func diffPixels(a, b image.Image, tol uint8) (n int, share float64) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return -1, 1
	}
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			c1 := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.NRGBA)
			c2 := color.NRGBAModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.NRGBA)
			if absDiff(c1.R, c2.R) > tol || absDiff(c1.G, c2.G) > tol || absDiff(c1.B, c2.B) > tol || absDiff(c1.A, c2.A) > tol {
				n++
			}
		}
	}
	return n, float64(n) / float64(ab.Dx()*ab.Dy())
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

// blob is a 28×28 picture of a soft disc of radius rad centred at (cy, cx).
func blob(cy, cx, rad float64) []float32 {
	p := make([]float32, 28*28)
	for r := range 28 {
		for c := range 28 {
			d := math.Hypot(float64(r)+0.5-cy, float64(c)+0.5-cx)
			p[r*28+c] = float32(min(1, max(0, rad+0.5-d)))
		}
	}
	return p
}

// ring is a 28×28 picture of a ring, thicker as k grows: something digit-like.
func ring(k int) []float32 {
	p := make([]float32, 28*28)
	for r := range 28 {
		for c := range 28 {
			d := math.Hypot(float64(r)-13.5, float64(c)-13.5)
			v := 1 - math.Abs(d-8)/(0.5+float64(k)/3)
			p[r*28+c] = float32(min(1, max(0, v)))
		}
	}
	return p
}

func TestToGrayFromGray(t *testing.T) {
	pix := make([]float32, 6)
	for i := range pix {
		pix[i] = float32(i*51) / 255 // 0, 0.2, …, 1
	}
	g := ToGray(pix, 2, 3)
	if g.Bounds() != image.Rect(0, 0, 3, 2) {
		t.Fatalf("bounds %v", g.Bounds())
	}
	back, rows, cols := FromGray(g)
	if rows != 2 || cols != 3 {
		t.Fatalf("FromGray: %d×%d", rows, cols)
	}
	for i := range pix {
		if back[i] != pix[i] {
			t.Errorf("round trip %d: %g → %d → %g", i, pix[i], g.Pix[i], back[i])
		}
	}
	// Out of range, NaN, and non-Gray images.
	g = ToGray([]float32{-1, 2, float32(math.NaN()), 0.5}, 1, 4)
	if want := []uint8{0, 255, 0, 128}; string(g.Pix) != string(want) {
		t.Errorf("clamping: got %v, want %v", g.Pix, want)
	}
	rgba := image.NewRGBA(image.Rect(5, 5, 7, 6))
	rgba.Set(5, 5, color.RGBA{255, 255, 255, 255})
	rgba.Set(6, 5, color.RGBA{0, 0, 0, 255})
	if p, r, c := FromGray(rgba); r != 1 || c != 2 || p[0] != 1 || p[1] != 0 {
		t.Errorf("FromGray(RGBA at offset): %v %d×%d", p, r, c)
	}
}

func TestGrid(t *testing.T) {
	var imgs [][]float32
	for k := range 11 {
		imgs = append(imgs, ring(k))
	}
	imgs = append(imgs, nil)
	g := Grid(imgs, 3, 5, 28, 28, 2)
	if want := image.Rect(0, 0, 5*28+6*2, 3*28+4*2); g.Bounds() != want {
		t.Fatalf("bounds %v, want %v", g.Bounds(), want)
	}
	if g.GrayAt(0, 0).Y != PadLevel || g.GrayAt(2+13, 2+13).Y != 0 || g.GrayAt(2+13, 2+6).Y == 0 {
		t.Error("padding or first cell wrong")
	}
	checkGolden(t, "grid", Upscale(g, 2), 0, 0)
	checkGolden(t, "strip", Strip(imgs[:6], 28, 28, 1), 0, 0)
}

func TestGridPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"too many":   func() { Grid(make([][]float32, 5), 2, 2, 1, 1, 0) },
		"wrong size": func() { Grid([][]float32{{1, 2}}, 1, 1, 2, 2, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func TestManifold(t *testing.T) {
	z := ManifoldZ(3)
	// Top-left is (low z0, high z1); the centre is the origin.
	if z[0][0] >= 0 || z[0][1] <= 0 || z[4][0] != 0 || z[4][1] != 0 || z[8][0] <= 0 || z[8][1] >= 0 {
		t.Errorf("ManifoldZ(3) = %v", z)
	}
	if q := NormalQuantile(0.95); math.Abs(q-1.6448536269514722) > 1e-12 {
		t.Errorf("NormalQuantile(0.95) = %v", q)
	}
	calls := 0
	// The blob moves right with z0 and up with z1, and its size shows |z|.
	decode := func(z [][]float32) [][]float32 {
		calls++
		out := make([][]float32, len(z))
		for i, p := range z {
			out[i] = blob(14-5*float64(p[1]), 14+5*float64(p[0]), 3+math.Hypot(float64(p[0]), float64(p[1])))
		}
		return out
	}
	m := Manifold(decode, 8, 28, 28)
	if calls != 1 || m.Bounds() != image.Rect(0, 0, 8*28, 8*28) {
		t.Fatalf("%d calls, bounds %v", calls, m.Bounds())
	}
	// In the top-left cell (z0 low, z1 high) the blob sits up and to the left.
	var sy, sx, sum float64
	for r := range 28 {
		for c := range 28 {
			v := float64(m.GrayAt(c, r).Y)
			sy, sx, sum = sy+v*float64(r), sx+v*float64(c), sum+v
		}
	}
	if sy/sum > 10 || sx/sum > 10 {
		t.Errorf("top-left blob centred at (%.1f, %.1f), want up and left", sy/sum, sx/sum)
	}
	checkGolden(t, "manifold", m, 0, 0)
}

func TestFitDigit(t *testing.T) {
	// A thick dark "7" on light-grey paper, large and off-centre.
	paper := image.NewGray(image.Rect(0, 0, 200, 160))
	for i := range paper.Pix {
		paper.Pix[i] = 220
	}
	ink := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				paper.SetGray(x, y, color.Gray{Y: 30})
			}
		}
	}
	ink(20, 20, 90, 32)         // bar of the 7
	for y := 32; y < 130; y++ { // its stem, slanting left
		x := 90 - (y-32)/3
		ink(x-12, y, x, y+1)
	}
	// The same 7 in black on a transparent canvas.
	clear := image.NewNRGBA(paper.Bounds())
	for y := range 160 {
		for x := range 200 {
			if paper.GrayAt(x, y).Y < 100 {
				clear.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 255})
			}
		}
	}
	for _, tc := range []struct {
		name string
		img  image.Image
	}{{"paper", paper}, {"transparent", clear}} {
		t.Run(tc.name, func(t *testing.T) {
			pix := FitDigit(tc.img, 28, 28)
			var m, my, mx float64
			r0, r1, c0, c1 := 28, -1, 28, -1
			for r := range 28 {
				for c := range 28 {
					v := float64(pix[r*28+c])
					if v < 0 || v > 1 {
						t.Fatalf("pixel %d,%d = %g", r, c, v)
					}
					m, my, mx = m+v, my+v*(float64(r)+0.5), mx+v*(float64(c)+0.5)
					if v > 0.1 {
						r0, r1, c0, c1 = min(r0, r), max(r1, r), min(c0, c), max(c1, c)
					}
				}
			}
			if pix[0] != 0 || pix[27] != 0 || pix[28*27] != 0 {
				t.Error("corners are not background: not inverted?")
			}
			if math.Abs(my/m-14) > 1 || math.Abs(mx/m-14) > 1 {
				t.Errorf("centre of mass (%.1f, %.1f), want (14, 14)", my/m, mx/m)
			}
			if h := r1 - r0 + 1; h < 19 || h > 21 {
				t.Errorf("ink spans rows %d–%d, want 20 rows", r0, r1)
			}
			if w := c1 - c0 + 1; w >= 20 {
				t.Errorf("ink spans columns %d–%d, want fewer than 20 (a 7 is taller than wide)", c0, c1)
			}
			checkGolden(t, "fitdigit_"+tc.name, Upscale(ToGray(pix, 28, 28), 4), 2, 0.002)
		})
	}
	blank := FitDigit(image.NewGray(image.Rect(0, 0, 10, 10)), 28, 28)
	for _, v := range blank {
		if v != 0 {
			t.Fatal("blank picture gave ink")
		}
	}
}

func TestPianoRoll(t *testing.T) {
	// "Twinkle, twinkle" in C, two bars of 16 steps, with a repeated note and a rest.
	var notes []RollNote
	for i, p := range []int{60, 60, 67, 67, 69, 69, 67} {
		notes = append(notes, RollNote{Pitch: p, Start: 4 * i, End: 4*i + 4})
	}
	notes[len(notes)-1].End += 2                                   // held, then a rest
	notes = append(notes, RollNote{Pitch: 72, Start: 30, End: 40}) // clipped at 32
	roll := PianoRoll(notes, 32, 16)
	// Pitches 58–74, 32 steps.
	if want := image.Rect(0, 0, rollMarginL+32*rollStepW+1, rollMarginT+17*rollRowH+1); roll.Bounds() != want {
		t.Fatalf("bounds %v, want %v", roll.Bounds(), want)
	}
	// The middle of the first note (C4, steps 0–4) is note-coloured.
	if c := roll.RGBAAt(rollMarginL+2*rollStepW, rollMarginT+(74-60)*rollRowH+rollRowH/2); c != rollNoteFill {
		t.Errorf("first note's middle is %v", c)
	}
	checkGolden(t, "pianoroll", roll, 0, 0)
	if empty := PianoRoll(nil, 0, 16); empty.Bounds().Dx() != rollMarginL+16*rollStepW+1 {
		t.Errorf("empty roll: bounds %v", empty.Bounds())
	}
}

func TestPianoRollRange(t *testing.T) {
	notes := []RollNote{{Pitch: 64, Start: 0, End: 4}, {Pitch: 67, Start: 4, End: 8}, {Pitch: 30, Start: 8, End: 8}}
	if lo, hi := RollRange(notes); lo != 62 || hi != 69 {
		t.Errorf("RollRange = %d..%d, want 62..69 (the empty note at 30 does not count)", lo, hi)
	}
	if lo, hi := RollRange(nil); lo != 60 || hi != 72 {
		t.Errorf("RollRange(nil) = %d..%d, want 60..72", lo, hi)
	}
	// A wider shared range: the same notes sit lower in a taller picture.
	roll := PianoRollRange(notes, 16, 16, 1, 48, 84)
	if want := rollMarginT + 37*rollRowH + 1; roll.Bounds().Dy() != want {
		t.Fatalf("height %d, want %d", roll.Bounds().Dy(), want)
	}
	if c := roll.RGBAAt(rollMarginL+2*rollStepW, rollMarginT+(84-64)*rollRowH+rollRowH/2); c != rollNoteFill {
		t.Errorf("E4 at steps 0–4 is %v, not note-coloured", c)
	}
	// A note outside the range is not drawn, and the range is clamped to MIDI's.
	roll = PianoRollRange(notes, 16, 16, 1, 66, 200)
	if roll.Bounds().Dy() != rollMarginT+62*rollRowH+1 {
		t.Errorf("range 66..200 gives height %d", roll.Bounds().Dy())
	}
	if c := roll.RGBAAt(rollMarginL+2*rollStepW, roll.Bounds().Dy()-rollRowH/2); c == rollNoteFill {
		t.Error("E4 drawn below a range starting at 66")
	}
}

func TestWritePNGAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.png")
	if err := WritePNG(path, ToGray([]float32{0, 1}, 1, 2)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("stat: %v, mode %v", err, fi.Mode())
	}
	before, _ := os.ReadFile(path)
	// PNG cannot encode an empty image: the error must leave the old file and no
	// temporary file behind.
	err = WritePNG(path, image.NewGray(image.Rect(0, 0, 0, 0)))
	if err == nil || !strings.HasPrefix(err.Error(), "image: write "+path+": ") {
		t.Fatalf("error %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("failed write changed the file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after a failed write, want 1", len(entries))
	}
	if err := WritePNG(filepath.Join(dir, "no", "such", "dir.png"), ToGray([]float32{0}, 1, 1)); err == nil {
		t.Error("no error for a missing folder")
	}
}

// decodePNG reads a PNG written by a test.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// countColor counts pixels within 40 levels of c.
func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if absDiff(p.R, c.R) < 40 && absDiff(p.G, c.G) < 40 && absDiff(p.B, c.B) < 40 {
				n++
			}
		}
	}
	return n
}

func TestLossCurves(t *testing.T) {
	var recon, kl, elbo Series
	recon.Name, kl.Name, elbo.Name = "reconstruction", "KL", "-ELBO"
	for s := 0; s <= 2000; s += 20 {
		x := float64(s)
		r := 80 + 120*math.Exp(-x/300)
		k := 25 * (1 - math.Exp(-x/200))
		recon.X, recon.Y = append(recon.X, x), append(recon.Y, r)
		kl.X, kl.Y = append(kl.X, x), append(kl.Y, k)
		elbo.X, elbo.Y = append(elbo.X, x), append(elbo.Y, r+k)
	}
	elbo.Y[50] = math.NaN() // a diverged step is skipped, not fatal
	path := filepath.Join(t.TempDir(), "loss.png")
	if err := LossCurves(path, []Series{elbo, recon, kl}, "mnist-conv training", "step"); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	if img.Bounds() != image.Rect(0, 0, 900, 600) {
		t.Fatalf("bounds %v, want 900×600", img.Bounds())
	}
	for i := range 3 {
		if n := countColor(img, palette[i]); n < 300 {
			t.Errorf("series %d: %d pixels of its colour", i, n)
		}
	}
	checkGolden(t, "losscurves", img, 48, 0.03)
	if err := LossCurves(path, []Series{{Name: "bad", X: []float64{1}}}, "", "step"); err == nil {
		t.Error("no error for mismatched X and Y")
	}
}

func TestScatter(t *testing.T) {
	// Ten clusters on a circle, like a 2-D latent space of digits.
	var pts [][2]float64
	var labels []int
	state := uint64(1)
	rnd := func() float64 { // a fixed sequence, so the golden file is stable
		state = state*6364136223846793005 + 1442695040888963407
		return float64(state>>11) / (1 << 53)
	}
	gauss := func() float64 { return math.Sqrt(-2*math.Log(1-rnd())) * math.Cos(2*math.Pi*rnd()) }
	for i := range 3000 {
		l := i % 10
		a := 2 * math.Pi * float64(l) / 10
		pts = append(pts, [2]float64{2*math.Cos(a) + 0.4*gauss(), 2*math.Sin(a) + 0.4*gauss()})
		labels = append(labels, l)
	}
	path := filepath.Join(t.TempDir(), "scatter.png")
	if err := Scatter(path, pts, labels, "latent means, test set"); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	if img.Bounds() != image.Rect(0, 0, 900, 600) {
		t.Fatalf("bounds %v, want 900×600", img.Bounds())
	}
	for l, c := range palette {
		if n := countColor(img, c); n < 100 {
			t.Errorf("label %d: %d pixels of its colour", l, n)
		}
	}
	checkGolden(t, "scatter", img, 48, 0.03)
	if err := Scatter(path, pts, labels[:5], ""); err == nil {
		t.Error("no error for too few labels")
	}
	if err := Scatter(path, pts[:10], nil, "unlabelled"); err != nil {
		t.Error(err)
	}
}

// TestFitDigitFramed: a digit cut from one of musae's own grids (grey padding, upscaled)
// must prepare like the bare digit, not as a box.
func TestFitDigitFramed(t *testing.T) {
	digit := make([]float32, 28*28)
	for r := 5; r < 23; r++ { // a slanted stroke and a bar, like a 7
		digit[r*28+20-(r-5)/2] = 1
		digit[r*28+21-(r-5)/2] = 1
	}
	for c := 8; c < 22; c++ {
		digit[5*28+c] = 1
	}
	bare := FitDigit(ToGray(digit, 28, 28), 28, 28)
	framed := FitDigit(Upscale(Grid([][]float32{digit}, 1, 1, 28, 28, 2), 2), 28, 28)
	var diff float64
	for i := range bare {
		diff += math.Abs(float64(bare[i] - framed[i]))
	}
	if mean := diff / float64(len(bare)); mean > 0.03 {
		t.Fatalf("framed digit differs from the bare one by %.3f per pixel on average", mean)
	}
	// The frame must not survive as ink along the edges.
	var edge float32
	for c := range 28 {
		edge = max(edge, framed[c], framed[27*28+c])
	}
	if edge > 0.1 {
		t.Fatalf("ink %.2f on the top or bottom row: the frame was read as ink", edge)
	}
}

// TestBilinear checks Bilinear against PyTorch's interpolate(mode="bilinear",
// align_corners=False) on a 2×2 picture doubled.
func TestBilinear(t *testing.T) {
	got := Bilinear([]float32{0, 1, 2, 3}, 2, 2, 4, 4)
	want := []float32{
		0, 0.25, 0.75, 1,
		0.5, 0.75, 1.25, 1.5,
		1.5, 1.75, 2.25, 2.5,
		2, 2.25, 2.75, 3,
	}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("Bilinear = %v, want %v", got, want)
		}
	}
	flat := Bilinear([]float32{0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3}, 3, 3, 28, 28)
	for _, v := range flat {
		if math.Abs(float64(v)-0.3) > 1e-6 {
			t.Fatalf("a flat picture became %v", v)
		}
	}
}
