package runner

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/img"
	"github.com/exp-ml/exp/tracking"
)

// A checkpoint holds everything that decides the rest of a run: weights,
// batchnorm statistics, optimiser moments and step counts, the state of
// every random stream, and the data order and position. Each is written
// under a new name, recorded with its SHA-256, and only then is the previous
// one removed, so a crash at any point leaves a complete, verified checkpoint.

const checkpointFormat = "exp-checkpoint-1"

func (t *trainer) checkpointTensors() map[string]*graph.Tensor {
	out := map[string]*graph.Tensor{}
	for _, m := range t.p.Models {
		for _, prm := range m.Graph.Params() {
			out[m.Name+"."+prm.Name] = prm.Value
		}
		for _, st := range m.Graph.State() {
			out[m.Name+"."+st.Name] = st.Value
		}
	}
	for _, o := range t.optims {
		for k, v := range o.state() {
			out[k] = v
		}
	}
	return out
}

func marshalPCG(p *rand.PCG) string {
	b, _ := p.MarshalBinary() // PCG's MarshalBinary cannot fail
	return base64.StdEncoding.EncodeToString(b)
}

func unmarshalPCG(p *rand.PCG, s string) error {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return p.UnmarshalBinary(b)
}

func (t *trainer) saveCheckpoint() error {
	epoch, pos := t.batcher.State()
	meta := map[string]string{
		"format":        checkpointFormat,
		"run":           t.runID,
		"step":          strconv.Itoa(t.step),
		"wall":          strconv.FormatFloat(t.wall(), 'g', -1, 64),
		"data_epoch":    strconv.Itoa(epoch),
		"data_position": strconv.Itoa(pos),
		"rng_noise":     marshalPCG(t.noiseSrc),
		"rng_dropout":   marshalPCG(t.dropoutSrc),
	}
	for _, o := range t.optims {
		meta["optim_steps."+o.Name] = strconv.Itoa(o.t)
	}
	// The running sums of the metric window, so that a resumed run logs the
	// same means as an uninterrupted one.
	meta["window_n"] = strconv.Itoa(t.windowN)
	for i, v := range t.window {
		meta["window."+strconv.Itoa(i)] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	rel := filepath.Join("checkpoints", fmt.Sprintf("step-%07d.safetensors", t.step))
	abs := filepath.Join(t.runDir, rel)
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return err
	}
	if err := writeSafetensors(abs, t.checkpointTensors(), meta); err != nil {
		return fmt.Errorf("writing checkpoint: %w", err)
	}
	if err := t.recordArtifact("checkpoint", rel); err != nil {
		return err
	}
	return t.pruneCheckpoints(rel)
}

// pruneCheckpoints removes the checkpoints older than keep.
func (t *trainer) pruneCheckpoints(keep string) error {
	run, err := t.opts.Store.Run(context.Background(), t.runID)
	if err != nil {
		return err
	}
	for _, a := range run.Artifacts {
		if a.Kind == "checkpoint" && a.Path != keep {
			if err := t.opts.Store.DeleteArtifact(context.Background(), t.runID, a.Path); err != nil {
				return err
			}
			os.Remove(filepath.Join(t.runDir, a.Path))
		}
	}
	return nil
}

func (t *trainer) recordArtifact(kind, rel string) error {
	sum, err := img.SHA256File(filepath.Join(t.runDir, rel))
	if err != nil {
		return err
	}
	return t.opts.Store.AddArtifact(context.Background(), t.runID, tracking.Artifact{Kind: kind, Path: rel, SHA256: sum, Step: t.step})
}

// latestCheckpoint finds the run's newest recorded checkpoint whose file
// matches its recorded SHA-256.
func latestCheckpoint(run *tracking.Run) (string, error) {
	best, bestStep := "", -1
	for _, a := range run.Artifacts {
		if a.Kind != "checkpoint" || a.Step <= bestStep {
			continue
		}
		sum, err := img.SHA256File(filepath.Join(run.RunDir, a.Path))
		if err != nil || sum != a.SHA256 {
			continue
		}
		best, bestStep = a.Path, a.Step
	}
	if best == "" {
		return "", fmt.Errorf("run %s has no intact checkpoint", run.ID)
	}
	return filepath.Join(run.RunDir, best), nil
}

// loadCheckpoint restores a trainer from a checkpoint file.
func (t *trainer) loadCheckpoint(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tensors, meta, err := readSafetensors(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if meta["format"] != checkpointFormat {
		return fmt.Errorf("%s: not an exp checkpoint (format %q)", path, meta["format"])
	}
	for name, dst := range t.checkpointTensors() {
		src, ok := tensors[name]
		if !ok || len(src.Data) != len(dst.Data) {
			return fmt.Errorf("%s: tensor %q is missing or has another shape", path, name)
		}
		copy(dst.Data, src.Data)
	}
	ints := map[string]*int{"step": &t.step, "window_n": &t.windowN}
	var epoch, pos int
	ints["data_epoch"], ints["data_position"] = &epoch, &pos
	for k, dst := range ints {
		v, err := strconv.Atoi(meta[k])
		if err != nil {
			return fmt.Errorf("%s: metadata %q: %w", path, k, err)
		}
		*dst = v
	}
	t.batcher.Restore(epoch, pos)
	for i := range t.window {
		if t.window[i], err = strconv.ParseFloat(meta["window."+strconv.Itoa(i)], 64); err != nil {
			return fmt.Errorf("%s: metric window: %w", path, err)
		}
	}
	t.wallOffset, _ = strconv.ParseFloat(meta["wall"], 64)
	if err := unmarshalPCG(t.noiseSrc, meta["rng_noise"]); err != nil {
		return err
	}
	if err := unmarshalPCG(t.dropoutSrc, meta["rng_dropout"]); err != nil {
		return err
	}
	for _, o := range t.optims {
		n, err := strconv.Atoi(meta["optim_steps."+o.Name])
		if err != nil {
			return fmt.Errorf("%s: optimizer %q step count: %w", path, o.Name, err)
		}
		o.t = n
	}
	return nil
}

// loadWeights reads only the model tensors of a checkpoint into p (for
// sampling from a finished run).
func loadWeights(p *Program, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tensors, _, err := readSafetensors(f)
	if err != nil {
		return err
	}
	for _, m := range p.Models {
		for _, prm := range append(append([]*graph.Param(nil), m.Graph.Params()...), m.Graph.State()...) {
			src, ok := tensors[m.Name+"."+prm.Name]
			if !ok || len(src.Data) != len(prm.Value.Data) {
				return fmt.Errorf("%s: tensor %q is missing or has another shape", path, m.Name+"."+prm.Name)
			}
			copy(prm.Value.Data, src.Data)
		}
	}
	return nil
}
