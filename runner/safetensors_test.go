package runner

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/exp-ml/exp/graph"
)

// The file follows the safetensors rules that safetensors.torch.load_file
// enforces: a little-endian u64 header size, a JSON header whose tensors'
// data_offsets tile the byte buffer exactly (no gap, no overlap), string-only
// metadata, and raw little-endian F32 data.
func TestSafetensorsLayoutAndRoundTrip(t *testing.T) {
	a := &graph.Tensor{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, -6.5}}
	b := &graph.Tensor{Shape: []int{1}, Data: []float32{0.25}}
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := writeSafetensors(path, map[string]*graph.Tensor{"enc.h.weight": a, "enc.h.bias": b}, map[string]string{"step": "7"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	if (8+n)%8 != 0 {
		t.Errorf("header of %d bytes leaves the data unaligned", n)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	if err := json.Unmarshal(header["__metadata__"], &meta); err != nil || meta["step"] != "7" {
		t.Fatalf("metadata %s: %v", header["__metadata__"], err)
	}
	type entry struct {
		DType   string   `json:"dtype"`
		Shape   []int    `json:"shape"`
		Offsets [2]int64 `json:"data_offsets"`
	}
	var entries []entry
	for k, v := range header {
		if k == "__metadata__" {
			continue
		}
		var e entry
		if err := json.Unmarshal(v, &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Offsets[0] < entries[j].Offsets[0] })
	var end int64
	for _, e := range entries {
		if e.DType != "F32" || e.Offsets[0] != end || e.Offsets[1]-e.Offsets[0] != int64(graph.Numel(e.Shape))*4 {
			t.Fatalf("entry %+v does not tile the buffer from %d", e, end)
		}
		end = e.Offsets[1]
	}
	if end != int64(len(raw))-8-int64(n) {
		t.Fatalf("tensors cover %d bytes of a %d-byte buffer", end, int64(len(raw))-8-int64(n))
	}
	got, gotMeta, err := readSafetensors(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if gotMeta["step"] != "7" || got["enc.h.weight"].Data[5] != -6.5 || got["enc.h.bias"].Data[0] != 0.25 {
		t.Fatalf("round trip: %v %v", got, gotMeta)
	}
}
