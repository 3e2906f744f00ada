package dsl

import (
	"os"
	"testing"
)

var sinkExperiment *Experiment

func BenchmarkParseDCGAN(b *testing.B) {
	src, err := os.ReadFile("testdata/valid/dcgan.hcl")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sinkExperiment, _ = Parse("dcgan.hcl", src, nil)
	}
}
