package graph

// The input gradient of a direct convolution (conv_direct.go), phase by
// phase: tile rows are six pixels of a phase, columns sixteen channels.

// phase is one of the S×S classes of input pixels that meet the same taps.
type phase struct {
	ph, pw     int // (row+P) mod S, (column+P) mod S
	th, tw     int // taps per dimension: ceil((K−ph)/S), ceil((K−pw)/S)
	h0, w0     int // first row and column of the class
	rows, cols int // its rows and columns
}

func (g patches) phase(ph, pw int) phase {
	first := func(p, n int) (int, int) {
		x := ((p-g.P)%g.S + g.S) % g.S
		if x >= n {
			return x, 0
		}
		return x, (n-1-x)/g.S + 1
	}
	h0, rows := first(ph, g.H)
	w0, cols := first(pw, g.W)
	return phase{ph: ph, pw: pw, th: (g.K - ph + g.S - 1) / g.S, tw: (g.K - pw + g.S - 1) / g.S,
		h0: h0, w0: w0, rows: rows, cols: cols}
}

// directCovers reports whether every input pixel meets a tap (K ≥ S), so
// that the phases' tiles write every pixel of the input gradient.
func (g patches) directCovers() bool { return g.K >= g.S }

// gradPad is the padding of the output gradient that the input gradient's
// taps read: a tap that would fall outside it reads a zero.
func (g patches) gradPad(f int) padded {
	t := (g.K+g.S-1)/g.S - 1
	return padded{c: f, h: g.OH, w: g.OW, top: t, left: t,
		bottom: max(0, (g.H-1+g.P)/g.S-(g.OH-1)), right: max(0, (g.W-1+g.P)/g.S-(g.OW-1))}
}

// directInputGradTemp: the padded output gradient, the weight packed per
// phase in strips of 16 channels, the phases' tap offsets, the unit counter.
func directInputGradTemp(g patches, f, batch int) int {
	return batch*g.gradPad(f).item() + strips(g.C)*f*g.K*g.K*tileCols + f*g.K*g.K + 1
}

// directInputGrad adds to dx [B, C, H, W] the gradient that dy [B, F, OH, OW]
// sends back through the weight w [F, C, K, K]; with acc unset it writes
// the gradient plus bias[c] (bias may be nil) instead, which needs every
// pixel to meet a tap (directCovers).
func directInputGrad(g patches, f, batch int, dy, w, bias, dx []float32, acc bool, temp []float32) {
	if !acc && !g.directCovers() {
		panic("graph: a direct input gradient that leaves pixels out cannot overwrite")
	}
	pd := g.gradPad(f)
	xp := temp[:batch*pd.item()]
	pack := temp[len(xp):][:strips(g.C)*f*g.K*g.K*tileCols]
	off := int32s(temp[len(xp)+len(pack):], f*g.K*g.K)
	// Phase by phase, its taps (f, th, tw) in the order of the packed
	// weight, relative to the pixel's own last tap (th = tw = 0).
	k := 0
	for ph := range g.S {
		for pw := range g.S {
			c := g.phase(ph, pw)
			for fi := range f {
				for th := range c.th {
					for tw := range c.tw {
						off[k] = int32(fi*pd.plane() - th*pd.cols() - tw)
						k++
					}
				}
			}
		}
	}
	d := directArgs{kind: directDx, g: g, f: f, batch: batch, pd: pd, x: dy, w: w, bias: bias, out: dx, acc: acc,
		xp: xp, pack: pack, off: off, next: counter(temp[len(xp)+len(pack)+f*g.K*g.K:])}
	d.runStages(2*batch*f*g.rows()*g.posPerItem, (batch+exampleBlock-1)/exampleBlock)
}

// packInputGrad writes the weight for strips [s0, s1) of 16 channels, phase
// after phase: pack[phase][s][(f, th, tw)][q] = w[f, 16s+q, ph+S·th, pw+S·tw].
func (d *directArgs) packInputGrad(s0, s1 int) {
	g := d.g
	cs, kk := strips(g.C), g.K*g.K
	koff := 0 // the phase's first tap among all phases'; its pack starts at cs·koff rows
	for ph := range g.S {
		for pw := range g.S {
			c := g.phase(ph, pw)
			n := d.f * c.th * c.tw // the phase's reduction
			for s := s0; s < s1; s++ {
				p := d.pack[(cs*koff+s*n)*tileCols:][:n*tileCols]
				k := 0
				for fi := range d.f {
					for th := range c.th {
						for tw := range c.tw {
							row := p[k*tileCols:][:tileCols]
							for q := range row {
								ch := s*tileCols + q
								row[q] = 0
								if ch < g.C {
									row[q] = d.w[(fi*g.C+ch)*kk+(ph+g.S*th)*g.K+pw+g.S*tw]
								}
							}
							k++
						}
					}
				}
			}
			koff += n
		}
	}
}

// inputGrad computes the input gradient of examples [b0, b1), a block: each
// phase adds to every S-th pixel of dx, and a block's share of dx stays in
// cache while the S×S phases pass over it (with a whole part's share per
// phase, the scattered additions took a sixth of the product's time).
func (d *directArgs) inputGrad(b0, b1 int) {
	g, pd := d.g, d.pd
	cs := strips(g.C)
	var aidx [tileRows]int
	var dst [tileRows]int // each row's pixel in dx, channel 0
	var t [tileRows * tileCols]float32
	img, item, cols := g.H*g.W, pd.item(), pd.cols()
	koff := 0 // as in packInputGrad
	for ph := range g.S {
		for pw := range g.S {
			c := g.phase(ph, pw)
			n := d.f * c.th * c.tw
			per := c.rows * c.cols
			if n == 0 || per == 0 {
				koff += n
				continue
			}
			off := d.off[koff:][:n]
			// Walk the phase's pixels in order, example by example, row by
			// row: (b, u, v) is the next pixel, u its row and v its column
			// within the phase.
			b, u, v := b0, 0, 0
			for left := (b1 - b0) * per; left > 0; left -= tileRows {
				rows := min(tileRows, left)
				for i := range tileRows {
					if i < rows {
						ih, iw := c.h0+u*g.S, c.w0+v*g.S
						// The pixel's last tap reads output row (ih+P−ph)/S.
						oh, ow := (ih+g.P-ph)/g.S, (iw+g.P-pw)/g.S
						aidx[i] = b*item + (oh+pd.top)*cols + ow + pd.left
						dst[i] = b*g.C*img + ih*g.W + iw
						if v++; v == c.cols {
							if v, u = 0, u+1; u == c.rows {
								u, b = 0, b+1
							}
						}
					} else {
						aidx[i] = aidx[rows-1] // a short tile repeats its last row
					}
				}
				for s := range cs {
					tileKernel(n, d.xp, off, &aidx, d.pack[(cs*koff+s*n)*tileCols:], tileCols, &t)
					nq := min(tileCols, g.C-s*tileCols)
					var bias [tileCols]float32
					if d.bias != nil {
						copy(bias[:], d.bias[s*tileCols:][:nq])
					}
					for i := range rows {
						o := d.out[dst[i]+s*tileCols*img:]
						_ = o[(nq-1)*img]
						if d.acc {
							for q, v := range t[i*tileCols:][:nq] {
								o[q*img] += v
							}
							continue
						}
						for q, v := range t[i*tileCols:][:nq] {
							o[q*img] = v + bias[q]
						}
					}
				}
			}
			koff += n
		}
	}
}
