package runner

import (
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/data"
)

// objective is one kind of training: it owns its workspaces and performs a
// whole step (for a GAN, k discriminator updates and one generator update).
type objective interface {
	// metricNames are the training metrics, in the order step fills them;
	// the first is train/loss.
	metricNames() []string
	// step trains once and writes the step's metrics into vals.
	step(vals []float64)
	// batchesPerStep is how many training batches one step consumes.
	batchesPerStep() int
	// evaluate computes the evaluation metrics the evaluate block asks for.
	evaluate(ev *evalContext) ([]namedValue, error)
	// artifacts writes sample grids (and reconstructions) into dir.
	artifacts(ev *evalContext) ([]artifactFile, error)
}

type namedValue struct {
	Name  string
	Value float64
}

type artifactFile struct {
	Kind, Path string // Path relative to the run folder
}

// oneHot writes one-hot rows for labels.
func oneHot(dst []float32, labels []int32, classes int) {
	clear(dst)
	for i, y := range labels {
		dst[i*classes+int(y)] = 1
	}
}

// forwardInBatches runs f over the dataset in chunks of ws's batch size, the
// last chunk padded by repeating example 0 (its results are ignored: f gets
// the first example and the number of valid rows).
func forwardInBatches(d *data.Dataset, batch int, fill func(x []float32, y []int32), f func(start, rows int)) {
	size := d.Size()
	xb := make([]float32, batch*size)
	yb := make([]int32, batch)
	for start := 0; start < d.N; start += batch {
		rows := min(batch, d.N-start)
		d.CopyRows(xb[:rows*size], start, rows)
		for r := rows; r < batch; r++ {
			d.CopyRows(xb[r*size:(r+1)*size], 0, 1)
		}
		if d.Labels != nil {
			copy(yb, d.Labels[start:start+rows])
			for r := rows; r < batch; r++ {
				yb[r] = d.Labels[0]
			}
		}
		fill(xb, yb)
		f(start, rows)
	}
}

func setInput(ws *graph.Workspace, name string, src []float32) {
	copy(ws.Input(name).Data, src)
}
