package img

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScatterSize is the side of the square scatter plot.
const ScatterSize = 5 * vg.Inch

// WriteScatter plots 2-D samples (small blue dots) over the mode centres of a
// mixture (red rings) into a square PNG at path, with equal scales on both
// axes. The view is the centres' box widened by a quarter of its span (at
// least 0.5), grown to take in the samples that lie within twice the span
// (at least 1) of the centres' middle; farther samples, which would shrink
// the rest to a dot, and samples that are not finite are left out and
// counted in the title. Without centres the view fits the finite samples.
func WriteScatter(path string, points [][2]float32, centers [][2]float64) error {
	xs, ys, out := view(points, centers)
	var pts plotter.XYs
	for _, p := range points {
		x, y := float64(p[0]), float64(p[1])
		if x >= xs[0] && x <= xs[1] && y >= ys[0] && y <= ys[1] {
			pts = append(pts, plotter.XY{X: x, Y: y})
		}
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%d samples, %d modes", len(points), len(centers))
	if out > 0 {
		p.Title.Text += fmt.Sprintf(" (%d outside the view)", out)
	}
	if len(pts) > 0 {
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("img: scatter: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.NRGBA{R: 31, G: 119, B: 180, A: 140}, Radius: vg.Points(1), Shape: draw.CircleGlyph{}}
		p.Add(s)
	}
	if len(centers) > 0 {
		cs := make(plotter.XYs, len(centers))
		for i, c := range centers {
			cs[i] = plotter.XY{X: c[0], Y: c[1]}
		}
		s, err := plotter.NewScatter(cs)
		if err != nil {
			return fmt.Errorf("img: scatter centres: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.NRGBA{R: 214, G: 39, B: 40, A: 255}, Radius: vg.Points(4), Shape: draw.RingGlyph{}}
		p.Add(s)
	}
	p.X.Min, p.X.Max = xs[0], xs[1]
	p.Y.Min, p.Y.Max = ys[0], ys[1]
	w, err := p.WriterTo(ScatterSize, ScatterSize, "png")
	if err != nil {
		return fmt.Errorf("img: scatter: %w", err)
	}
	return WriteAtomic(path, func(f io.Writer) error {
		_, err := w.WriteTo(f)
		return err
	})
}

// view chooses square axis ranges and counts the points left out.
func view(points [][2]float32, centers [][2]float64) (xs, ys [2]float64, out int) {
	box := func(add func(func(x, y float64))) (lo, hi [2]float64, ok bool) {
		lo = [2]float64{math.Inf(1), math.Inf(1)}
		hi = [2]float64{math.Inf(-1), math.Inf(-1)}
		add(func(x, y float64) {
			if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
				return
			}
			lo = [2]float64{min(lo[0], x), min(lo[1], y)}
			hi = [2]float64{max(hi[0], x), max(hi[1], y)}
			ok = true
		})
		return lo, hi, ok
	}
	plo, phi, pok := box(func(f func(x, y float64)) {
		for _, p := range points {
			f(float64(p[0]), float64(p[1]))
		}
	})
	clo, chi, cok := box(func(f func(x, y float64)) {
		for _, c := range centers {
			f(c[0], c[1])
		}
	})
	var mid [2]float64
	var half float64
	switch {
	case cok:
		span := max(chi[0]-clo[0], chi[1]-clo[1])
		margin := max(span/4, 0.5)
		mid = [2]float64{(clo[0] + chi[0]) / 2, (clo[1] + chi[1]) / 2}
		half = span/2 + margin
		limit := max(2*span, 1)
		for _, p := range points {
			dx, dy := math.Abs(float64(p[0])-mid[0]), math.Abs(float64(p[1])-mid[1])
			if dx <= limit && dy <= limit {
				half = max(half, dx, dy)
			}
		}
	case pok:
		mid = [2]float64{(plo[0] + phi[0]) / 2, (plo[1] + phi[1]) / 2}
		half = max(phi[0]-plo[0], phi[1]-plo[1])/2*1.05 + 1e-9
		if half > math.MaxFloat64/4 {
			half = math.MaxFloat64 / 4
		}
	default:
		half = 1
	}
	xs = [2]float64{mid[0] - half, mid[0] + half}
	ys = [2]float64{mid[1] - half, mid[1] + half}
	for _, p := range points {
		x, y := float64(p[0]), float64(p[1])
		if !(x >= xs[0] && x <= xs[1] && y >= ys[0] && y <= ys[1]) {
			out++
		}
	}
	return xs, ys, out
}
