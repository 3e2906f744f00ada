# Benchmark: the PyTorch reference ring GAN of bench/torch/ring.py: MLPs
# 2-128-128-2 and 2-128-128-1 with ReLU, batch 512, Adam 1e-4 (beta1 0.5),
# non-saturating loss, 5,000 steps; modes and HQ over 2,500 samples at the end.
experiment "bench_ring" {
  seed = 1
}

data "gaussian_mixture" "ring" {
  layout  = "ring"
  modes   = 8
  radius  = 2
  std     = 0.02
  samples = 100000
}

model "generator" {
  input "z" { shape = [2] }
  layer "dense" "h1"  { units = 128 }
  layer "relu"  "a1"  {}
  layer "dense" "h2"  { units = 128 }
  layer "relu"  "a2"  {}
  layer "dense" "out" { units = 2 }
}

model "discriminator" {
  input "x" { shape = [2] }
  layer "dense" "h1"    { units = 128 }
  layer "relu"  "a1"    {}
  layer "dense" "h2"    { units = 128 }
  layer "relu"  "a2"    {}
  layer "dense" "logit" { units = 1 }
}

objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.ring
  loss          = "non_saturating"
}

optimizer "adam" "g" {
  models = [model.generator]
  lr     = 0.0001
  beta1  = 0.5
}

optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = 0.0001
  beta1  = 0.5
}

train {
  max_steps  = 5000
  epochs     = 100
  batch_size = 512
}

evaluate {
  every   = "5000 steps"
  metrics = ["modes", "hq", "reverse_kl"]
}
