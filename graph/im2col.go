package graph

import "fmt"

// patches describes sliding a K×K window with stride S and zero padding P over
// a batch of C×H×W images, giving OH×OW window positions. A column matrix of
// the batch has C·K·K rows (channel, kernel row, kernel column) and B·OH·OW
// columns (example, position): one GEMM then serves the whole batch.
type patches struct {
	C, H, W    int // image
	K, S, P    int // window
	OH, OW     int // positions
	posPerItem int // OH·OW
}

func newPatches(c, h, w, k, s, p int) patches {
	if c < 1 || h < 1 || w < 1 || k < 1 || s < 1 || p < 0 {
		panic(fmt.Sprintf("graph: window %d stride %d padding %d over %dx%dx%d", k, s, p, c, h, w))
	}
	if k > h+2*p || k > w+2*p {
		panic(fmt.Sprintf("graph: kernel %d larger than padded %dx%d (padding %d)", k, h, w, p))
	}
	oh, ow := (h+2*p-k)/s+1, (w+2*p-k)/s+1
	return patches{C: c, H: h, W: w, K: k, S: s, P: p, OH: oh, OW: ow, posPerItem: oh * ow}
}

// rows is C·K·K, the height of the column matrix.
func (g patches) rows() int { return g.C * g.K * g.K }

// span returns the output columns [lo, hi) whose input column ow·S−P+kj lies
// inside the image, so the inner loops need no bounds tests.
func (g patches) span(kj int) (lo, hi int) {
	// ow·S ≥ P−kj and ow·S ≤ W−1+P−kj.
	lo = 0
	if d := g.P - kj; d > 0 {
		lo = (d + g.S - 1) / g.S
	}
	hi = 0
	if d := g.W - 1 + g.P - kj; d >= 0 {
		hi = min(d/g.S+1, g.OW)
	}
	return lo, max(hi, lo)
}

// im2col writes the column matrix of batch images x into col
// ([C·K·K, B·OH·OW], row-major). Positions in the padding read as zero.
// Examples are split over threads (each writes its own columns).
func im2col(g patches, batch int, x, col []float32) {
	runPatchParts(taskIm2col, g, batch, x, col)
}

// patchArgs is im2col or col2im over examples [b0, b1) of a batch.
type patchArgs struct {
	g             patches
	batch, b0, b1 int
	x, col        []float32
}

// runPatchParts splits im2col or col2im over examples.
func runPatchParts(kind taskKind, g patches, batch int, x, col []float32) {
	const minPerPart = 1 << 16 // column entries, about 30 µs
	np := parts(batch*g.rows()*g.posPerItem, minPerPart)
	np = min(np, batch)
	var ts [maxParts]task
	for j := range np {
		ts[j] = task{kind: kind, patch: patchArgs{g, batch, j * batch / np, (j + 1) * batch / np, x, col}}
	}
	runParts(ts[:np])
}

// patchSlack is the room a column matrix keeps past its end, which the
// fastest col2im may read (and ignore); without it col2im takes a slower path.
const patchSlack = 8

// patchTable bounds the geometries that take the indexed paths: their
// K·K·OH·OW source indices fit a stack table of this many entries.
const patchTable = 4096

// indexed reports whether the window's index table fits patchTable.
func (g patches) indexed() bool { return g.K*g.K*g.posPerItem <= patchTable }

// fillIndex writes, for every kernel offset (ki, kj) and window position,
// the pixel it reads within one C-plane (ih·W + iw), or −1 in the padding:
// one table serves every channel and example, so the copies run over whole
// OH·OW rows instead of OW-long pieces.
func (g patches) fillIndex(tab []int32) {
	k := 0
	for ki := 0; ki < g.K; ki++ {
		for kj := 0; kj < g.K; kj++ {
			for oh := 0; oh < g.OH; oh++ {
				ih := oh*g.S - g.P + ki
				for ow := 0; ow < g.OW; ow++ {
					iw := ow*g.S - g.P + kj
					tab[k] = -1
					if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
						tab[k] = int32(ih*g.W + iw)
					}
					k++
				}
			}
		}
	}
}

// fillInverse writes, for every pixel of a plane and every window entry
// that reads it (kernel offsets ascending), the entry's place in the column
// matrix relative to the plane's first column of its channel's first row:
// slot t of pixel i at inv[t·npix8 + i], npix8 being H·W rounded up to 8,
// −1 where a pixel has fewer entries. It returns the number of slots, or 0
// when the table does not fit inv (or its offsets int32).
func (g patches) fillInverse(tab []int32, n int, inv []int32) int {
	img, kk, w := g.H*g.W, g.K*g.K, g.posPerItem
	npix8 := (img + 7) &^ 7
	if npix8 > len(inv) || int64(kk)*int64(n) >= 1<<31 {
		return 0
	}
	var cnt [patchTable]uint16
	slots := 0
	for _, ix := range tab[:kk*w] {
		if ix >= 0 {
			cnt[ix]++
			slots = max(slots, int(cnt[ix]))
		}
	}
	if slots == 0 || slots*npix8 > len(inv) {
		return 0
	}
	clear(cnt[:img])
	for i := range inv[:slots*npix8] {
		inv[i] = -1
	}
	for r := 0; r < kk; r++ {
		for j, ix := range tab[r*w : (r+1)*w] {
			if ix >= 0 {
				inv[int(cnt[ix])*npix8+int(ix)] = int32(r*n + j)
				cnt[ix]++
			}
		}
	}
	return slots
}

func im2colRange(g patches, batch, b0, b1 int, x, col []float32) {
	// With stride 1 the row copies of im2colRows are memmoves and win.
	if g.S > 1 && g.indexed() {
		im2colIndexed(g, batch, b0, b1, x, col)
	} else {
		im2colRows(g, batch, b0, b1, x, col)
	}
}

// im2colIndexed fills each row of col through the index table. With AVX2
// it gathers 8 entries at a time, a whole row of the part per call.
func im2colIndexed(g patches, batch, b0, b1 int, x, col []float32) {
	var tab [patchTable]int32
	g.fillIndex(tab[:])
	n, img, kk := batch*g.posPerItem, g.H*g.W, g.K*g.K
	if b1 > b0 && k4s2Vec(g) {
		// Each plane's kernel spills into the next plane's place: the
		// part's last plane of each channel is gathered instead.
		k := newK4S2Consts(g.OW)
		for c := 0; c < g.C; c++ {
			for b := b0; b < b1-1; b++ {
				im2colK4S2(col[c*kk*n+b*g.posPerItem:], x[(b*g.C+c)*img:][:img], n, g, &k)
			}
			im2colGather(g, tab[:], batch, b1-1, b1, c, x, col)
		}
		return
	}
	if useVec && b1 > b0 {
		for c := 0; c < g.C; c++ {
			im2colGather(g, tab[:], batch, b0, b1, c, x, col)
		}
		return
	}
	for c := 0; c < g.C; c++ {
		for r := 0; r < kk; r++ {
			row := col[(c*kk+r)*n:][:n]
			t := tab[r*g.posPerItem:][:g.posPerItem]
			for b := b0; b < b1; b++ {
				src := x[(b*g.C+c)*img:][:img]
				d := row[b*g.posPerItem:][:len(t)]
				for j, ix := range t {
					if ix >= 0 {
						d[j] = src[ix]
					} else {
						d[j] = 0
					}
				}
			}
		}
	}
}

// im2colRows copies each window row as one piece.
func im2colRows(g patches, batch, b0, b1 int, x, col []float32) {
	n := batch * g.posPerItem
	img := g.H * g.W
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*n:][:n]
				lo, hi := g.span(kj)
				for b := b0; b < b1; b++ {
					src := x[(b*g.C+c)*img:][:img]
					for oh := 0; oh < g.OH; oh++ {
						dst := row[b*g.posPerItem+oh*g.OW:][:g.OW]
						ih := oh*g.S - g.P + ki
						if ih < 0 || ih >= g.H {
							clear(dst)
							continue
						}
						// Borders are a column or two: a loop beats clear's call.
						for ow := 0; ow < lo; ow++ {
							dst[ow] = 0
						}
						for ow := hi; ow < len(dst); ow++ {
							dst[ow] = 0
						}
						line := src[ih*g.W:][:g.W]
						iw := lo*g.S - g.P + kj
						if g.S == 1 {
							copy(dst[lo:hi], line[iw:])
							continue
						}
						d, l, st := dst[lo:hi], line[iw:], g.S
						for j := range d {
							d[j] = l[j*st]
						}
					}
				}
			}
		}
	}
}

// col2im is im2col's adjoint: it adds every entry of col into the image
// element it was read from (padding entries are dropped). It accumulates.
// Examples are split over threads (each adds into its own images, in the
// same order as a single pass).
func col2im(g patches, batch int, col, x []float32) {
	runPatchParts(taskCol2im, g, batch, x, col)
}

// im2colGather fills channel c's rows of col for examples [b0, b1), 8
// entries at a time; the caller checks useVec.
func im2colGather(g patches, tab []int32, batch, b0, b1, c int, x, col []float32) {
	n, img, kk, w := batch*g.posPerItem, g.H*g.W, g.K*g.K, g.posPerItem
	var pad [patchTable + 8]int32 // a row's table, padded to whole 8-blocks
	t := pad[:(w+7)&^7]
	for r := 0; r < kk; r++ {
		for j := copy(t, tab[r*w:][:w]); j < len(t); j++ {
			t[j] = -1
		}
		row := col[(c*kk+r)*n+b0*w:][:(b1-b0)*w]
		gatherRowsVec(row, x[(b0*g.C+c)*img:], t, b1-b0, w, g.C*img, img)
	}
}

func col2imRange(g patches, batch, b0, b1 int, col, x []float32) {
	if g.indexed() {
		col2imIndexed(g, batch, b0, b1, col, x)
	} else {
		col2imRows(g, batch, b0, b1, col, x)
	}
}

// col2imIndexed adds into each pixel in the order col2imRows does: kernel
// offsets ascending. With AVX2 it gathers instead of scattering, 8 pixels at
// a time, each collecting the entries fillInverse lists for it in that order.
func col2imIndexed(g patches, batch, b0, b1 int, col, x []float32) {
	n, img, kk := batch*g.posPerItem, g.H*g.W, g.K*g.K
	if b1 > b0 && k4s2Vec(g) && len(col) >= kk*g.C*n+patchSlack {
		k := newK4S2Consts(g.OW)
		for b := b0; b < b1; b++ {
			for c := 0; c < g.C; c++ {
				col2imK4S2(x[(b*g.C+c)*img:][:img], col[c*kk*n+b*g.posPerItem:], n, g, &k)
			}
		}
		return
	}
	var tab [patchTable]int32
	g.fillIndex(tab[:])
	if useVec && b1 > b0 {
		var inv [patchTable]int32
		if slots := g.fillInverse(tab[:], n, inv[:]); slots > 0 {
			for b := b0; b < b1; b++ {
				for c := 0; c < g.C; c++ {
					col2imGatherVec(x[(b*g.C+c)*img:][:img], col[c*kk*n+b*g.posPerItem:], inv[:], slots, kk*n-b*g.posPerItem)
				}
			}
			return
		}
	}
	for c := 0; c < g.C; c++ {
		for r := 0; r < kk; r++ {
			row := col[(c*kk+r)*n:][:n]
			t := tab[r*g.posPerItem:][:g.posPerItem]
			for b := b0; b < b1; b++ {
				dst := x[(b*g.C+c)*img:][:img]
				s := row[b*g.posPerItem:][:len(t)]
				for j, ix := range t {
					if ix >= 0 {
						dst[ix] += s[j]
					}
				}
			}
		}
	}
}

// col2imRows adds each window row as one piece.
func col2imRows(g patches, batch, b0, b1 int, col, x []float32) {
	n := batch * g.posPerItem
	img := g.H * g.W
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				row := col[((c*g.K+ki)*g.K+kj)*n:][:n]
				lo, hi := g.span(kj)
				if lo >= hi {
					continue
				}
				for b := b0; b < b1; b++ {
					dstImg := x[(b*g.C+c)*img:][:img]
					for oh := 0; oh < g.OH; oh++ {
						ih := oh*g.S - g.P + ki
						if ih < 0 || ih >= g.H {
							continue
						}
						src := row[b*g.posPerItem+oh*g.OW:][:g.OW]
						line := dstImg[ih*g.W:][:g.W]
						iw := lo*g.S - g.P + kj
						if g.S == 1 {
							addTo(line[iw:iw+hi-lo], src[lo:hi])
							continue
						}
						for ow := lo; ow < hi; ow++ {
							line[iw] += src[ow]
							iw += g.S
						}
					}
				}
			}
		}
	}
}

// toChannelMajor copies x ([B, R, P]) into t ([R, B·P]): the layout a
// batched GEMM reads and writes.
func toChannelMajor(t, x []float32, batch, r, p int) {
	runPermute(permuteArgs{t: t, x: x, batch: batch, r: r, p: p, toT: true})
}

// fromChannelMajor writes t ([R, B·P]) into x ([B, R, P]), adding bias[i]
// to row i when bias is not nil; accumulate adds into x instead of
// overwriting it.
func fromChannelMajor(x, t, bias []float32, batch, r, p int, accumulate bool) {
	runPermute(permuteArgs{t: t, x: x, bias: bias, batch: batch, r: r, p: p, accumulate: accumulate})
}

// permuteArgs is toChannelMajor (toT) or fromChannelMajor over examples
// [b0, b1).
type permuteArgs struct {
	t, x, bias      []float32
	batch, r, p     int
	b0, b1          int
	toT, accumulate bool
}

// runPermute splits a reordering over examples: each part writes its own
// examples' pieces of x or t.
func runPermute(a permuteArgs) {
	const minPerPart = 1 << 16 // values, some 20 µs of copying
	np := min(parts(a.batch*a.r*a.p, minPerPart), a.batch)
	var ts [maxParts]task
	for j := range np {
		part := a
		part.b0, part.b1 = j*a.batch/np, (j+1)*a.batch/np
		ts[j] = task{kind: taskPermute, perm: part}
	}
	runParts(ts[:np])
}

func (a *permuteArgs) run() {
	r, p, batch := a.r, a.p, a.batch
	for b := a.b0; b < a.b1; b++ {
		for i := 0; i < r; i++ {
			xs, ts := a.x[(b*r+i)*p:][:p], a.t[(i*batch+b)*p:][:p]
			switch {
			case a.toT:
				copy(ts, xs)
			case a.accumulate:
				addTo(xs, ts)
			case a.bias != nil:
				addConst(xs, ts, a.bias[i])
			default:
				copy(xs, ts)
			}
		}
	}
}

// sumPerChannel adds to db[i] the sum of dy ([B, R, P]) over examples and
// positions, in float64 because it reduces over the batch. Parts take whole
// channels, each summed in one order: the bits do not depend on the cut.
func sumPerChannel(db, dy []float32, batch, r, p int) {
	const minPerPart = 1 << 16 // values, some 20 µs of summing
	np := min(parts(batch*r*p, minPerPart), r)
	var ts [maxParts]task
	for j := range np {
		ts[j] = task{kind: taskChannelSums, sums: channelSumArgs{db, dy, batch, r, p, j * r / np, (j + 1) * r / np}}
	}
	runParts(ts[:np])
}

// channelSumArgs is sumPerChannel over channels [c0, c1).
type channelSumArgs struct {
	db, dy      []float32
	batch, r, p int
	c0, c1      int
}

func (a *channelSumArgs) run() {
	for i := a.c0; i < a.c1; i++ {
		var s runSum
		for b := 0; b < a.batch; b++ {
			sumRun(a.dy[(b*a.r+i)*a.p:][:a.p], &s)
		}
		a.db[i] += float32(s.total())
	}
}
