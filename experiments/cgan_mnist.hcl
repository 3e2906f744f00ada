# Conditional GAN on MNIST (Mirza & Osindero 2014): the one-hot label y is
# concatenated to the noise in the generator and to the image in the
# discriminator. Shows: condition = "label", one sample row per digit,
# eval/cond_acc on exp's reference classifier, exp sample --label.
# Measured: this small MLP pair does NOT learn to condition within 5 epochs:
# eval/cond_acc 0.108 (chance 0.1); the same model in PyTorch 1.13: 0.11.
# The digits are real enough, the rows all alike. For a conditional generator
# that follows its label within minutes, see cdcgan_mnist.hcl.
# Here (2 cores): about a minute for the 5 epochs.
experiment "cgan_mnist" {
  description = "conditional GAN, MLPs, label concatenated to z and x"
  seed        = 1
}

variable "lr" { default = 0.0002 }

data "mnist" "train" {
  split = "train"
  scale = "tanh"
}

model "generator" {
  input "z" { shape = [100] }
  input "y" { shape = [10] }
  layer "concat" "zy"  { inputs = [input.z, input.y] }
  layer "dense"  "h1"  { units = 256 }
  layer "leaky_relu" "a1" { slope = 0.2 }
  layer "dense"  "h2"  { units = 784 }
  layer "tanh"   "out" {}
}

model "discriminator" {
  input "x" { shape = [784] }
  input "y" { shape = [10] }
  layer "concat" "xy"  { inputs = [input.x, input.y] }
  layer "dense"  "h1"  { units = 256 }
  layer "leaky_relu" "a1" { slope = 0.2 }
  layer "dense"  "logit" { units = 1 }
}

objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator
  data          = data.train
  loss          = "non_saturating"
  condition     = "label"   # feeds the one-hot label into each model's input "y"
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
  sample_every = "1 epoch"
}

evaluate {
  every   = "1 epoch"
  metrics = ["samples", "cond_acc"]
}
