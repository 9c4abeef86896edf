package image

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Plot size and resolution: 6×4 inches at 150 dpi is 900×600 pixels.
const (
	plotWidth  = 6 * vg.Inch
	plotHeight = 4 * vg.Inch
	plotDPI    = 150
)

// palette is Tableau's 10 categorical colours (matplotlib's default cycle): distinct
// from each other, and readable on white.
var palette = [10]color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// Series is one line of a line plot: Y[i] at X[i].
type Series struct {
	Name string
	X, Y []float64
}

// LossCurves plots loss curves, one line per series in the order given, against
// xLabel ("step" or "epoch"), with the losses in nats, and writes a PNG to path.
// Points where X or Y is NaN or infinite (a diverged run) are left out.
func LossCurves(path string, series []Series, title, xLabel string) error {
	p := newPlot(title, xLabel, "nats")
	var legend []legendEntry
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("image: loss curves: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		xy := make(plotter.XYs, 0, len(s.X))
		for j := range s.X {
			if finite(s.X[j]) && finite(s.Y[j]) {
				xy = append(xy, plotter.XY{X: s.X[j], Y: s.Y[j]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("image: loss curves: series %q: %w", s.Name, err)
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		p.Add(l)
		legend = append(legend, legendEntry{s.Name, l})
	}
	return savePlot(path, p, legend)
}

// Scatter plots 2-D points (such as latent means, or two chosen latent dimensions)
// and writes a PNG to path. With labels (one per point, as MNIST's digits 0–9) each
// point takes its label's colour and a legend lists the labels present; labels may be
// nil. Points are drawn in the order given, so pass them shuffled if one class should
// not cover another.
func Scatter(path string, points [][2]float64, labels []int, title string) error {
	return ScatterAxes(path, points, labels, title, "z[0]", "z[1]")
}

// ScatterAxes is Scatter with the axes named, for points that are two chosen dimensions
// of a larger latent, such as z[3] and z[11].
func ScatterAxes(path string, points [][2]float64, labels []int, title, xLabel, yLabel string) error {
	if labels != nil && len(labels) != len(points) {
		return fmt.Errorf("image: scatter: %d points but %d labels", len(points), len(labels))
	}
	p := newPlot(title, xLabel, yLabel)
	xy := make(plotter.XYs, 0, len(points))
	var kept []int // indices into points of the finite ones
	for i, pt := range points {
		if finite(pt[0]) && finite(pt[1]) {
			xy = append(xy, plotter.XY{X: pt[0], Y: pt[1]})
			kept = append(kept, i)
		}
	}
	// Small translucent dots: thousands of points stay readable as densities.
	radius := vg.Points(1.6)
	if len(xy) < 500 {
		radius = vg.Points(2.5)
	}
	colorOf := func(label int) color.Color {
		c := palette[((label%10)+10)%10]
		c.A = 180
		return premultiply(c)
	}
	var legend []legendEntry
	if len(xy) > 0 {
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return fmt.Errorf("image: scatter: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: colorOf(0), Radius: radius, Shape: draw.CircleGlyph{}}
		if labels != nil {
			s.GlyphStyleFunc = func(i int) draw.GlyphStyle {
				return draw.GlyphStyle{Color: colorOf(labels[kept[i]]), Radius: radius, Shape: draw.CircleGlyph{}}
			}
		}
		p.Add(s)
	}
	if labels != nil {
		present := map[int]bool{}
		lo, hi := math.MaxInt, math.MinInt
		for _, l := range labels {
			present[l] = true
			lo, hi = min(lo, l), max(hi, l)
		}
		for l := lo; l <= hi && len(present) > 0; l++ {
			if present[l] {
				g := draw.GlyphStyle{Color: palette[((l%10)+10)%10], Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
				legend = append(legend, legendEntry{strconv.Itoa(l), glyphThumb(g)})
			}
		}
	}
	return savePlot(path, p, legend)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// premultiply turns a non-premultiplied colour into Go's premultiplied color.RGBA.
func premultiply(c color.RGBA) color.RGBA {
	return color.RGBA{
		R: uint8(uint16(c.R) * uint16(c.A) / 255),
		G: uint8(uint16(c.G) * uint16(c.A) / 255),
		B: uint8(uint16(c.B) * uint16(c.A) / 255),
		A: c.A,
	}
}

func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	// Sans-serif reads better than gonum's default serif at this size.
	for _, f := range []*font.Font{
		&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font,
	} {
		f.Variant = "Sans"
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Padding, p.Y.Padding = vg.Points(4), vg.Points(4)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	p.Add(grid)
	return p
}

type legendEntry struct {
	name  string
	thumb plot.Thumbnailer
}

type glyphThumb draw.GlyphStyle

func (g glyphThumb) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle(g), c.Center())
}

// savePlot draws p with its legend in a column of its own at the right, where it
// cannot hide data, and writes the PNG atomically.
func savePlot(path string, p *plot.Plot, entries []legendEntry) error {
	img := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
	dc := draw.New(img)
	pad := vg.Points(10)
	if len(entries) > 0 {
		l := plot.NewLegend()
		l.Top, l.Left = true, true
		l.ThumbnailWidth = vg.Points(16)
		l.TextStyle.Font.Size = vg.Points(10)
		l.TextStyle.Font.Variant = "Sans"
		l.Padding = vg.Points(2)
		var w vg.Length
		for _, e := range entries {
			l.Add(e.name, e.thumb)
			w = max(w, l.TextStyle.Width(" "+e.name))
		}
		w += l.ThumbnailWidth + 2*pad
		top := pad
		if p.Title.Text != "" {
			top += p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding
		}
		l.Draw(draw.Crop(dc, dc.Max.X-w+pad/2, -pad, pad, -top))
		dc = draw.Crop(dc, pad, -w, pad, -pad)
	} else {
		dc = draw.Crop(dc, pad, -pad, pad, -pad)
	}
	p.Draw(dc)
	return writeAtomic(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}
