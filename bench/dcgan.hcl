# Benchmark: the DCGAN of DESIGN.md §2.2 as bench/torch/dcgan.py trains it;
# nothing is evaluated or sampled, as in the PyTorch script.
experiment "bench_dcgan" {
  description = "DCGAN guidelines (Radford et al. 2015) at 28x28"
  seed        = 1
}

variable "z_dim" { default = 100 }
variable "lr"    { default = 0.0002 }

data "mnist" "train" {
  split = "train"
  scale = "tanh"
}

model "generator" {
  input "z" { shape = [var.z_dim] }
  layer "dense"     "fc" {
    units = 128 * 7 * 7
    init  = "normal(0, 0.02)"
  }
  layer "batchnorm" "bn0" {}
  layer "relu"      "a0"  {}
  layer "reshape"   "r"   { shape = [128, 7, 7] }
  layer "deconv2d"  "up1" {
    filters = 64
    kernel  = 4
    stride  = 2
    padding = 1
    init    = "normal(0, 0.02)"
  }
  layer "batchnorm" "bn1" {}
  layer "relu"      "a1"  {}
  layer "deconv2d"  "up2" {
    filters = 1
    kernel  = 4
    stride  = 2
    padding = 1
    init    = "normal(0, 0.02)"
  }
  layer "tanh"      "out" {}
}

model "discriminator" {
  input "x" { shape = [1, 28, 28] }
  layer "conv2d"     "c1" {
    filters = 64
    kernel  = 4
    stride  = 2
    padding = 1
    init    = "normal(0, 0.02)"
  }
  layer "leaky_relu" "a1"    { slope = 0.2 }
  layer "conv2d"     "c2" {
    filters = 128
    kernel  = 4
    stride  = 2
    padding = 1
    init    = "normal(0, 0.02)"
  }
  layer "batchnorm"  "bn2"   {}
  layer "leaky_relu" "a2"    { slope = 0.2 }
  layer "flatten"    "f"     {}
  layer "dense"      "logit" { units = 1 }
}

objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.train
  loss          = "non_saturating"   # or "minimax"
  noise         = "normal"           # or "uniform" (DCGAN's original prior)
  d_steps       = 1                  # k discriminator steps per generator step
}

optimizer "adam" "g" {
  models = [model.generator]
  lr     = var.lr
  beta1  = 0.5
}

optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = var.lr
  beta1  = 0.5
}

train {
  epochs       = 5
  batch_size   = 64
}
