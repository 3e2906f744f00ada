experiment "cgan_mnist" {
  description = "Conditional GAN, MLP generator and discriminator (Mirza & Osindero 2014)"
  seed        = 1
  tags        = ["gan", "conditional", "mnist"]
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
  epochs       = 20
  batch_size   = 64
  sample_every = "1 epoch"
}

evaluate {
  every   = "5 epochs"
  metrics = ["samples", "fid", "class_kl", "cond_acc"]
}
