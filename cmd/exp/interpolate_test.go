package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exp-ml/exp/runner/img"
)

// A conditional GAN and a VAE with a 2-D latent, small enough to train a
// few steps in a test.
const tinyCGAN = `
experiment "tiny_cgan" { seed = 1 }
data "mnist" "train" {
  split = "train"
  scale = "tanh"
  limit = 256
}
model "generator" {
  input "z" { shape = [16] }
  input "y" { shape = [10] }
  layer "concat" "zy"  { inputs = [input.z, input.y] }
  layer "dense"  "h"   { units = 32 }
  layer "relu"   "a"   {}
  layer "dense"  "x"   { units = 784 }
  layer "tanh"   "out" {}
}
model "discriminator" {
  input "x" { shape = [784] }
  input "y" { shape = [10] }
  layer "concat" "xy"    { inputs = [input.x, input.y] }
  layer "dense"  "h"     { units = 32 }
  layer "leaky_relu" "a" { slope = 0.2 }
  layer "dense"  "logit" { units = 1 }
}
objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.train
  condition     = "label"
}
optimizer "adam" "g" {
  models = [model.generator]
  lr     = 0.001
}
optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = 0.001
}
train { batch_size = 32 }
`

const tinyVAE2D = `
experiment "tiny_vae2d" { seed = 1 }
data "mnist" "train" {
  split = "train"
  limit = 256
}
model "encoder" {
  input "x" { shape = [784] }
  layer "dense" "h"      { units = 32 }
  layer "relu"  "a"      {}
  layer "dense" "mu"     { units = 2 }
  layer "dense" "logvar" {
    units = 2
    input = layer.a
  }
  output = [layer.mu, layer.logvar]
}
model "decoder" {
  input "z" { shape = [2] }
  layer "dense" "h"      { units = 32 }
  layer "relu"  "a"      {}
  layer "dense" "logits" { units = 784 }
}
objective "elbo" {
  encoder = model.encoder
  decoder = model.decoder
  data    = data.train
}
optimizer "adam" "all" {
  models = [model.encoder, model.decoder]
  lr     = 0.001
}
train { batch_size = 32 }
`

// cli runs one exp command in-process with output in buffers.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	code = Main(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// trainTiny trains src for a few steps and returns the run id.
func trainTiny(t *testing.T, dir, db, name, src string) string {
	t.Helper()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, "run", file, "--db", db, "--runs-dir", filepath.Join(dir, "runs"), "--max-steps", "3", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exp run: status %d\n%s", code, errs)
	}
	var r struct{ ID, Status string }
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Status != "completed" {
		t.Fatalf("exp run --json: %v %+v\n%s", err, r, out)
	}
	return r.ID
}

// pngSize decodes a PNG and returns its size in grid cells of 28×28 digits.
func pngCells(t *testing.T, path string) (cols, rows int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := im.Bounds()
	if _, ok := im.(*image.Gray); !ok {
		t.Errorf("%s: %T, want a grey image", path, im)
	}
	return (b.Dx() - img.Pad) / (28 + img.Pad), (b.Dy() - img.Pad) / (28 + img.Pad)
}

func TestSampleLabelAndInterpolateCGAN(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "exp.db")
	id := trainTiny(t, dir, db, "cgan.hcl", tinyCGAN)

	out := filepath.Join(dir, "three.png")
	code, stdout, errs := cli(t, "sample", id, "--label", "3", "--n", "16", "--out", out, "--db", db)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("exp sample --label 3: status %d\n%s%s", code, stdout, errs)
	}
	if c, r := pngCells(t, out); c != 4 || r != 4 {
		t.Errorf("sample grid of %dx%d digits, want 4x4", c, r)
	}
	if code, _, errs := cli(t, "sample", id, "--label", "10", "--out", out, "--db", db); code == 0 || !strings.Contains(errs, "classes 0..9") {
		t.Errorf("--label 10 on 10 classes: status %d, %s", code, errs)
	}

	out = filepath.Join(dir, "interp.png")
	code, stdout, errs = cli(t, "interpolate", id, "--steps", "6", "--rows", "3", "--out", out, "--db", db)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("exp interpolate: status %d\n%s%s", code, stdout, errs)
	}
	if c, r := pngCells(t, out); c != 6 || r != 3 {
		t.Errorf("interpolation grid of %dx%d digits, want 6x3", c, r)
	}
	if code, _, errs := cli(t, "interpolate", id, "--manifold", "--out", out, "--db", db); code == 0 || !strings.Contains(errs, "GAN") {
		t.Errorf("--manifold on a GAN: status %d, %s", code, errs)
	}
	if code, _, _ := cli(t, "interpolate", id, "--steps", "1", "--db", db); code != exitBadInput {
		t.Errorf("--steps 1: status %d, want %d", code, exitBadInput)
	}
}

func TestInterpolateVAEManifold(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "exp.db")
	id := trainTiny(t, dir, db, "vae.hcl", tinyVAE2D)
	out := filepath.Join(dir, "manifold.png")
	if code, stdout, errs := cli(t, "interpolate", id, "--manifold", "--steps", "7", "--out", out, "--db", db); code != 0 {
		t.Fatalf("exp interpolate --manifold: status %d\n%s%s", code, stdout, errs)
	}
	if c, r := pngCells(t, out); c != 7 || r != 7 {
		t.Errorf("manifold grid of %dx%d digits, want 7x7", c, r)
	}
	out = filepath.Join(dir, "interp.png")
	if code, stdout, errs := cli(t, "interpolate", id, "--rows", "2", "--out", out, "--db", db); code != 0 {
		t.Fatalf("exp interpolate on a VAE: status %d\n%s%s", code, stdout, errs)
	}
	if c, r := pngCells(t, out); c != 10 || r != 2 {
		t.Errorf("interpolation grid of %dx%d digits, want 10x2", c, r)
	}
}
