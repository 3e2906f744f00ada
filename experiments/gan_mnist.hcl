# The original GAN on MNIST (Goodfellow et al. 2014) with MLPs: G 100-256-512-784
# with a tanh output, D 784-512-256-1, LeakyReLU in place of maxout. Shows:
# the minimax game's two losses, d_steps = k, uniform noise as in the paper,
# the Parzen-window log-likelihood of Table 1.
# Here (2 cores): about 30 s an epoch.
experiment "gan_mnist" {
  description = "MLP GAN (Goodfellow et al. 2014)"
  seed        = 1
}

variable "lr"   { default = 0.0002 }
variable "loss" { default = "non_saturating" }

data "mnist" "train" {
  split = "train"
  scale = "tanh"
}

model "generator" {
  input "z" { shape = [100] }
  layer "dense"      "h1"  { units = 256 }
  layer "leaky_relu" "a1"  { slope = 0.2 }
  layer "dense"      "h2"  { units = 512 }
  layer "leaky_relu" "a2"  { slope = 0.2 }
  layer "dense"      "h3"  { units = 784 }
  layer "tanh"       "out" {}
}

model "discriminator" {
  input "x" { shape = [784] }
  layer "dense"      "h1"    { units = 512 }
  layer "leaky_relu" "a1"    { slope = 0.2 }
  layer "dense"      "h2"    { units = 256 }
  layer "leaky_relu" "a2"    { slope = 0.2 }
  layer "dense"      "logit" { units = 1 }
}

objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.train
  loss          = var.loss   # "minimax" is the original game
  noise         = "uniform"
  d_steps       = 1
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
  epochs       = 10
  batch_size   = 100
  sample_every = "1 epoch"
}

evaluate {
  every   = "1 epoch"
  metrics = ["samples", "parzen_ll"]
}
