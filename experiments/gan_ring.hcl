# GAN on a ring of 8 Gaussians (radius 2, std 0.02): the mode-collapse
# benchmark of VEEGAN and PacGAN. Shows: the non-saturating GAN on 2-D data,
# eval/modes, eval/hq and eval/reverse_kl over 2,500 samples, scatter plots.
#
# Why this architecture: the PyTorch reference (2-128-128-2 / 2-128-128-1,
# Adam 1e-4, batch 512) covers all 8 modes on some seeds and collapses to 0 on
# others. Wider layers with LeakyReLU keep gradients alive where D saturates,
# and Adam with beta1 = 0.5 (the DCGAN setting) damps the oscillation between
# modes, so a first GAN works on every seed.
experiment "gan_ring" {
  description = "non-saturating GAN on a ring of 8 Gaussians"
  seed        = 1
}

variable "lr"    { default = 0.0005 }
variable "width" { default = 128 }

data "gaussian_mixture" "ring" {
  layout  = "ring"
  modes   = 8
  radius  = 2
  std     = 0.02
  samples = 100000
}

model "generator" {
  input "z" { shape = [2] }
  layer "dense"      "h1"  { units = var.width }
  layer "leaky_relu" "a1"  { slope = 0.2 }
  layer "dense"      "h2"  { units = var.width }
  layer "leaky_relu" "a2"  { slope = 0.2 }
  layer "dense"      "out" { units = 2 }
}

model "discriminator" {
  input "x" { shape = [2] }
  layer "dense"      "h1"    { units = var.width }
  layer "leaky_relu" "a1"    { slope = 0.2 }
  layer "dense"      "h2"    { units = var.width }
  layer "leaky_relu" "a2"    { slope = 0.2 }
  layer "dense"      "logit" { units = 1 }
}

objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.ring
  loss          = "non_saturating"
  noise         = "normal"
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
  max_steps    = 5000
  epochs       = 100
  batch_size   = 512
  sample_every = "1000 steps"
}

evaluate {
  every   = "1000 steps"
  metrics = ["samples", "modes", "hq", "reverse_kl"]
}
