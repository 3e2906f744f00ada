package graph

import (
	"sync/atomic"
	"unsafe"
)

// Direct convolution: the three products of a convolution — its output, its
// input gradient and its weight gradient — computed from zero-padded images
// by a kernel that accumulates a 6×16 tile in registers and reads its six
// rows through offset tables (an "indirect" GEMM), instead of writing a
// column matrix, multiplying it and reordering the result. A tile's sum over
// its reduction runs whole in the kernel and every output element belongs to
// one tile, so the results do not depend on how the work is cut: they are
// the same bits on any number of threads.
//
// In a convolution's terms (image x [C,H,W], weight [F,C,K,K], output
// [F,OH,OW], r = (c, ki, kj) the C·K·K taps):
//   - forward: out[f, pos] = Σ_r w[f, r]·x[window(pos) + r]; tile rows are
//     six output positions, columns sixteen filters.
//   - input gradient: each input pixel sums over the taps whose window
//     covers it. The pixels split into S×S phases by (row+P) mod S and
//     (column+P) mod S; within a phase every pixel meets the same taps, which
//     read the output gradient at offsets fixed per phase. Tile rows are six
//     pixels of a phase, columns sixteen channels.
//   - weight gradient: dW[f, r] = Σ_pos dy[f, pos]·x[window(pos) + r]; tile
//     rows are six taps, columns sixteen filters, the reduction runs over
//     every position of the batch.
// A transposed convolution is the adjoint with the same weight: its forward
// is the input gradient, its input gradient the forward (ConvTranspose2D).

// tileRows and tileCols are the kernel's tile.
const (
	tileRows = 6
	tileCols = 16
)

// directConv selects direct convolution where it applies (useDirect); tests
// turn it off to compare with the column-matrix path. Set it before making
// workspaces: the ops' memory needs depend on it.
var directConv = hasAVX2 && hasFMA

// useDirect reports whether a convolution of geometry g with f filters runs
// direct for a batch. Tiles of sixteen filters or channels and reductions of
// a few hundred terms keep the kernel busy; the thin layers of an image's
// first and last convolutions (one channel) stay on the column-matrix path,
// and so do batches whose padded images the int32 offsets cannot span.
func useDirect(g patches, f, batch int) bool {
	fits := int64(batch)*int64(max(g.imagePad().item(), g.gradPad(f).item())) < 1<<31
	return directConv && fits && (directAlways || g.C >= tileCols && f >= tileCols && g.rows() >= 64)
}

// directAlways runs every convolution direct, whatever its size (tests).
var directAlways = false

// tileKernel computes c[i·16+q] = Σ_p a[aoff[p]+aidx[i]]·b[p·bstride+q] for
// i < 6, q < 16, p < k (k ≥ 1). Offsets are not checked: callers build
// them from the geometry, and the tests run the same tables through
// tileKernelRef, which indexes slices.
func tileKernel(k int, a []float32, aoff []int32, aidx *[tileRows]int, b []float32, bstride int, c *[tileRows * tileCols]float32) {
	if useVec {
		tile6x16(k, &a[0], &aoff[0], aidx, &b[0], bstride, &c[0])
		return
	}
	tileKernelRef(k, a, aoff, aidx, b, bstride, c)
}

func tileKernelRef(k int, a []float32, aoff []int32, aidx *[tileRows]int, b []float32, bstride int, c *[tileRows * tileCols]float32) {
	for i := range tileRows {
		row := c[i*tileCols:][:tileCols]
		clear(row)
		for p := range k {
			av := a[int(aoff[p])+aidx[i]]
			for q, bv := range b[p*bstride:][:tileCols] {
				row[q] += av * bv
			}
		}
	}
}

// int32s views n floats of temporary memory as offsets.
func int32s(buf []float32, n int) []int32 {
	return unsafe.Slice((*int32)(unsafe.Pointer(&buf[0])), n)[:n:n]
}

// padded is the zero-padded copy of a batch of images that direct
// convolution reads: [B, C, top+H+bottom, left+W+right] for images [C, H, W].
type padded struct {
	c, h, w     int // the image
	top, bottom int // rows of zeros above and below
	left, right int // columns of zeros either side
}

func (p padded) rows() int  { return p.h + p.top + p.bottom }
func (p padded) cols() int  { return p.w + p.left + p.right }
func (p padded) plane() int { return p.rows() * p.cols() }
func (p padded) item() int  { return p.c * p.plane() }

// fill writes examples [b0, b1) of x into dst, padding included: it clears
// the examples' planes in one pass and copies the image rows in.
func (p padded) fill(dst, x []float32, b0, b1 int) {
	wp, plane, img := p.cols(), p.plane(), p.h*p.w
	clear(dst[b0*p.item() : b1*p.item()])
	for bc := b0 * p.c; bc < b1*p.c; bc++ {
		d := dst[bc*plane+p.top*wp+p.left:]
		src := x[bc*img:][:img]
		if copyRowsVec(d, src, p.h, p.w, wp, p.w) {
			continue
		}
		for h := range p.h {
			row := d[h*wp:][:p.w]
			for j, v := range src[h*p.w:][:len(row)] { // short rows: no memmove call
				row[j] = v
			}
		}
	}
}

// Forward ---------------------------------------------------------------------

func (g patches) imagePad() padded {
	return padded{c: g.C, h: g.H, w: g.W, top: g.P, bottom: g.P, left: g.P, right: g.P}
}

// strips is the number of 16-wide column blocks of n columns.
func strips(n int) int { return (n + tileCols - 1) / tileCols }

// directForwardTemp is the temporary memory of directForward: the padded
// images, the weight packed in strips of 16 filters, the tap offsets and the
// unit counter.
func directForwardTemp(g patches, f, batch int) int {
	return batch*g.imagePad().item() + strips(f)*g.rows()*tileCols + g.rows() + 1
}

// directForward writes out[b, f, pos] = bias[f] + Σ_r w[f, r]·x[b, window(pos)+r]
// (bias may be nil), or adds the sum to out when acc is set.
func directForward(g patches, f, batch int, x, w, bias, out []float32, acc bool, temp []float32) {
	pd := g.imagePad()
	r := g.rows()
	xp := temp[:batch*pd.item()]
	pack := temp[len(xp):][:strips(f)*r*tileCols]
	off := int32s(temp[len(xp)+len(pack):], r)
	tapOffsets(g, pd, off)
	d := directArgs{kind: directFwd, g: g, f: f, batch: batch, pd: pd, x: x, w: w, bias: bias, out: out, acc: acc,
		xp: xp, pack: pack, off: off, next: counter(temp[len(xp)+len(pack)+r:])}
	d.runStages(2*batch*f*r*g.posPerItem, (batch+exampleBlock-1)/exampleBlock)
}

// tapOffsets writes each tap's (c, ki, kj) offset in a padded image.
func tapOffsets(g patches, pd padded, off []int32) {
	k := 0
	for c := range g.C {
		for ki := range g.K {
			for kj := range g.K {
				off[k] = int32(c*pd.plane() + ki*pd.cols() + kj)
				k++
			}
		}
	}
}

// packForward writes strips [s0, s1) of the weight: pack[s][r][q] = w[16s+q, r].
func (d *directArgs) packForward(s0, s1 int) {
	r := d.g.rows()
	for s := s0; s < s1; s++ {
		p := d.pack[s*r*tileCols:][:r*tileCols]
		for q := range tileCols {
			f := s*tileCols + q
			if f >= d.f {
				for k := range r {
					p[k*tileCols+q] = 0
				}
				continue
			}
			for k, v := range d.w[f*r:][:r] {
				p[k*tileCols+q] = v
			}
		}
	}
}

// forward computes the output positions of examples [b0, b1).
func (d *directArgs) forward(b0, b1 int) {
	g, pd := d.g, d.pd
	r, np := g.rows(), g.posPerItem
	var aidx [tileRows]int
	var bs, ps [tileRows]int
	var t [tileRows * tileCols]float32
	n1 := b1 * np
	for n0 := b0 * np; n0 < n1; n0 += tileRows {
		rows := min(tileRows, n1-n0)
		for i := range tileRows {
			n := n0 + min(i, rows-1) // a short tile repeats its last row
			b, p := n/np, n%np
			aidx[i] = b*pd.item() + p/g.OW*g.S*pd.cols() + p%g.OW*g.S
			bs[i], ps[i] = b, p
		}
		for s := range strips(d.f) {
			tileKernel(r, d.xp, d.off, &aidx, d.pack[s*r*tileCols:], tileCols, &t)
			for q := range min(tileCols, d.f-s*tileCols) {
				f := s*tileCols + q
				var bias float32
				if d.bias != nil {
					bias = d.bias[f]
				}
				for i := range rows {
					o := &d.out[(bs[i]*d.f+f)*np+ps[i]]
					if d.acc {
						*o += t[i*tileCols+q]
					} else {
						*o = t[i*tileCols+q] + bias
					}
				}
			}
		}
	}
}

// Input gradient --------------------------------------------------------------

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
	base := 0
	for ph := range g.S {
		for pw := range g.S {
			c := g.phase(ph, pw)
			n := d.f * c.th * c.tw // the phase's reduction
			for s := s0; s < s1; s++ {
				p := d.pack[(base+s*n)*tileCols:][:n*tileCols]
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
			base += cs * n
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
	base, koff := 0, 0
	for ph := range g.S {
		for pw := range g.S {
			c := g.phase(ph, pw)
			n := d.f * c.th * c.tw
			per := c.rows * c.cols
			if n == 0 || per == 0 {
				base += cs * n
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
					tileKernel(n, d.xp, off, &aidx, d.pack[(base+s*n)*tileCols:], tileCols, &t)
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
			base += cs * n
			koff += n
		}
	}
}

// Weight gradient -------------------------------------------------------------

// directWeightGradTemp: the padded images, the output gradient packed in
// strips of 16 filters, the offsets of taps and positions, the unit counter.
func directWeightGradTemp(g patches, f, batch int) int {
	n := batch * g.posPerItem
	return batch*g.imagePad().item() + strips(f)*n*tileCols + g.rows() + n + 1
}

// directWeightGrad adds to dw [F, C, K, K] the sum over the batch of
// dy[b, f, pos]·x[b, window(pos)+r].
func directWeightGrad(g patches, f, batch int, x, dy, dw []float32, temp []float32) {
	pd := g.imagePad()
	r, n := g.rows(), batch*g.posPerItem
	xp := temp[:batch*pd.item()]
	pack := temp[len(xp):][:strips(f)*n*tileCols]
	off := int32s(temp[len(xp)+len(pack):], r+n)
	tapOffsets(g, pd, off[:r])
	k := r
	for b := range batch {
		for p := range g.posPerItem {
			off[k] = int32(b*pd.item() + p/g.OW*g.S*pd.cols() + p%g.OW*g.S)
			k++
		}
	}
	d := directArgs{kind: directDw, g: g, f: f, batch: batch, pd: pd, x: x, w: dy, out: dw,
		xp: xp, pack: pack, off: off, next: counter(temp[len(xp)+len(pack)+r+n:])}
	d.runStages(2*batch*f*r*g.posPerItem, strips(f)*d.tapChunks())
}

// packWeightGrad writes examples [b0, b1) of the output gradient in strips
// of 16 filters: pack[s][b·OH·OW+pos][q] = dy[b, 16s+q, pos].
func (d *directArgs) packWeightGrad(b0, b1 int) {
	np := d.g.posPerItem
	n := d.batch * np
	for s := range strips(d.f) {
		p := d.pack[s*n*tileCols:][:n*tileCols]
		for q := range tileCols {
			f := s*tileCols + q
			for b := b0; b < b1; b++ {
				col := p[b*np*tileCols+q:]
				if f >= d.f {
					for j := range np {
						col[j*tileCols] = 0
					}
					continue
				}
				for j, v := range d.w[(b*d.f+f)*np:][:np] {
					col[j*tileCols] = v
				}
			}
		}
	}
}

// tapGroupsPerChunk is the weight gradient's unit of work: a chunk of taps
// of one strip of filters, whose packed gradient strip the chunk's tiles share.
const tapGroupsPerChunk = 16

func (d *directArgs) tapChunks() int {
	groups := (d.g.rows() + tileRows - 1) / tileRows
	return (groups + tapGroupsPerChunk - 1) / tapGroupsPerChunk
}

// weightGrad computes unit u: the strip u / tapChunks of filters, over the
// chunk u % tapChunks of taps. Consecutive units share a strip.
func (d *directArgs) weightGrad(u int) {
	r, n := d.g.rows(), d.batch*d.g.posPerItem
	taps, pos := d.off[:r], d.off[r:][:n]
	s, c := u/d.tapChunks(), u%d.tapChunks()
	groups := (r + tileRows - 1) / tileRows
	g0, g1 := c*tapGroupsPerChunk, min((c+1)*tapGroupsPerChunk, groups)
	var aidx [tileRows]int
	var t [tileRows * tileCols]float32
	for gi := g0; gi < g1; gi++ {
		r0 := gi * tileRows
		rows := min(tileRows, r-r0)
		for i := range tileRows {
			aidx[i] = int(taps[r0+min(i, rows-1)])
		}
		tileKernel(n, d.xp, pos, &aidx, d.pack[s*n*tileCols:], tileCols, &t)
		for q := range min(tileCols, d.f-s*tileCols) {
			row := d.out[(s*tileCols+q)*r+r0:][:rows]
			for i := range row {
				row[i] += t[i*tileCols+q]
			}
		}
	}
}

// Parts -----------------------------------------------------------------------

type directKind uint8

const (
	directFwd directKind = iota
	directDx
	directDw
)

// directArgs is one direct product, or a part of one. Its first stage pads
// the images and packs the weight (or, for the weight gradient, the output
// gradient); its second computes tiles. Names follow the forward product: x
// the images read through the tap offsets, w the packed operand's source.
type directArgs struct {
	kind     directKind
	g        patches
	f, batch int
	pd       padded
	x, w     []float32
	bias     []float32
	out      []float32
	acc      bool
	xp, pack []float32
	off      []int32
	stage    int
	lo, hi   int // stage 0: the part's examples
	units    int // stage 1's units of work (blocks of examples, or chunks of taps)
	// next hands out stage 1's units: parts take them one at a time, so a
	// core slowed by other work takes fewer (a static split made the other
	// wait). It lives in the product's temporary memory.
	next *atomic.Int32
}

// exampleBlock is a unit of the forward and input-gradient products: six
// examples' positions make whole tiles.
const exampleBlock = tileRows

// counter places a unit counter in temporary memory (one float).
func counter(buf []float32) *atomic.Int32 {
	return (*atomic.Int32)(unsafe.Pointer(&buf[0]))
}

// runStages runs both stages over the pool: flop sizes the parts, units is
// what the second stage splits.
func (d directArgs) runStages(flop, units int) {
	np := min(parts(flop, gemmMinFlops), d.batch, units)
	gemmFlop.Add(uint64(flop))
	d.units = units
	d.next.Store(0)
	var ts [maxParts]task
	for stage := range 2 {
		d.stage = stage
		for j := range np {
			part := d
			part.lo, part.hi = j*d.batch/np, (j+1)*d.batch/np
			ts[j] = task{kind: taskDirect, direct: part}
		}
		runParts(ts[:np])
	}
}

// packSplit is the share of the packing that part [lo, hi) of the examples
// takes in stage 0, by strips.
func (d *directArgs) packSplit(strips int) (int, int) {
	return d.lo * strips / d.batch, d.hi * strips / d.batch
}

func (d *directArgs) run() {
	if d.stage == 0 {
		d.pd.fill(d.xp, d.x, d.lo, d.hi)
		switch d.kind {
		case directFwd:
			d.packForward(d.packSplit(strips(d.f)))
		case directDx:
			d.packInputGrad(d.packSplit(strips(d.g.C)))
		case directDw:
			d.packWeightGrad(d.lo, d.hi)
		}
		return
	}
	for {
		u := int(d.next.Add(1)) - 1
		if u >= d.units {
			return
		}
		b0, b1 := u*exampleBlock, min((u+1)*exampleBlock, d.batch)
		switch d.kind {
		case directFwd:
			d.forward(b0, b1)
		case directDx:
			d.inputGrad(b0, b1)
		case directDw:
			d.weightGrad(u)
		}
	}
}
