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
// Each product has its file (conv_direct_forward.go, _inputgrad.go,
// _weightgrad.go); this one holds what they share: the kernel, the padded
// images, and the parts and units the pool runs.

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

// strips is the number of 16-wide column blocks of n columns.
func strips(n int) int { return (n + tileCols - 1) / tileCols }

// Parts ----------------------------------------------------------------------

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
