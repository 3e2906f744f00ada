package graph

// The output of a direct convolution (conv_direct.go): tile rows are six
// output positions, columns sixteen filters.

// imagePad is the padding of the images that the output and the weight
// gradient read: P zeros on every side, as the window sees them.
func (g patches) imagePad() padded {
	return padded{c: g.C, h: g.H, w: g.W, top: g.P, bottom: g.P, left: g.P, right: g.P}
}

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

// windowAt is the offset in the padded images of the first pixel that
// output position p of example b reads (its tap 0).
func (g patches) windowAt(pd padded, b, p int) int {
	return b*pd.item() + p/g.OW*g.S*pd.cols() + p%g.OW*g.S
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
			aidx[i] = g.windowAt(pd, b, p)
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
