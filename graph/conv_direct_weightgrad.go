package graph

// The weight gradient of a direct convolution (conv_direct.go): tile rows
// are six taps, columns sixteen filters; the reduction runs over every
// position of the batch.

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
			off[k] = int32(g.windowAt(pd, b, p))
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

// tapGroups is the number of tiles of six taps.
func (d *directArgs) tapGroups() int { return (d.g.rows() + tileRows - 1) / tileRows }

func (d *directArgs) tapChunks() int {
	return (d.tapGroups() + tapGroupsPerChunk - 1) / tapGroupsPerChunk
}

// weightGrad computes unit u: the strip u / tapChunks of filters, over the
// chunk u % tapChunks of taps. Consecutive units share a strip.
func (d *directArgs) weightGrad(u int) {
	r, n := d.g.rows(), d.batch*d.g.posPerItem
	taps, pos := d.off[:r], d.off[r:][:n]
	s, c := u/d.tapChunks(), u%d.tapChunks()
	g0, g1 := c*tapGroupsPerChunk, min((c+1)*tapGroupsPerChunk, d.tapGroups())
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
