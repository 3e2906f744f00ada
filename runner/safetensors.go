package runner

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/img"
)

// The safetensors format (what safetensors.torch.load_file reads): an 8-byte
// little-endian header length, a JSON header mapping each tensor name to its
// dtype, shape and byte range, an optional "__metadata__" map of strings,
// then the raw little-endian data.

type stEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// writeSafetensors writes tensors (in name order) and metadata to path
// atomically (img.WriteAtomic): a crash leaves the old file or the new one.
func writeSafetensors(path string, tensors map[string]*graph.Tensor, meta map[string]string) error {
	names := sortedKeys(tensors)
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, n := range names {
		size := int64(len(tensors[n].Data)) * 4
		header[n] = stEntry{DType: "F32", Shape: tensors[n].Shape, Offsets: [2]int64{off, off + size}}
		off += size
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(hj)%8 != 0 { // the format pads the header with spaces
		hj = append(hj, ' ')
	}
	return img.WriteAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		binary.Write(bw, binary.LittleEndian, uint64(len(hj)))
		bw.Write(hj)
		var b [4]byte
		for _, n := range names {
			for _, v := range tensors[n].Data {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
				bw.Write(b[:])
			}
		}
		return bw.Flush()
	})
}

// readSafetensors reads every F32 tensor and the metadata of a file.
func readSafetensors(r io.Reader) (map[string]*graph.Tensor, map[string]string, error) {
	var n uint64
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	if n > 100<<20 {
		return nil, nil, fmt.Errorf("safetensors: header of %d bytes is implausible", n)
	}
	hj := make([]byte, n)
	if _, err := io.ReadFull(r, hj); err != nil {
		return nil, nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hj, &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header: %w", err)
	}
	meta := map[string]string{}
	entries := map[string]stEntry{}
	var names []string
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: metadata: %w", err)
			}
			continue
		}
		var e stEntry
		if err := json.Unmarshal(v, &e); err != nil || e.DType != "F32" {
			return nil, nil, fmt.Errorf("safetensors: tensor %q is not F32", k)
		}
		entries[k] = e
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return entries[names[i]].Offsets[0] < entries[names[j]].Offsets[0] })
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]*graph.Tensor{}
	for _, k := range names {
		e := entries[k]
		if e.Offsets[0] < 0 || e.Offsets[1] > int64(len(body)) || e.Offsets[1]-e.Offsets[0] != int64(graph.Numel(e.Shape))*4 {
			return nil, nil, fmt.Errorf("safetensors: tensor %q has a bad byte range", k)
		}
		t := graph.NewTensor(e.Shape...)
		b := body[e.Offsets[0]:e.Offsets[1]]
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		out[k] = t
	}
	return out, meta, nil
}
