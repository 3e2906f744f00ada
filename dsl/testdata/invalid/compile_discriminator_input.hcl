experiment "t" { seed = 1 }

data "mnist" "train" {
  scale = "tanh"
}

model "generator" {
  input "z" { shape = [16] }
  layer "dense"   "fc"  { units = 784 }
  layer "tanh"    "out" {}
  layer "reshape" "img" { shape = [1, 28, 28] }
}

model "discriminator" {
  input "x" { shape = [1, 14, 14] }
  layer "flatten" "f"     {}
  layer "dense"   "logit" { units = 1 }
}

objective "gan" {
  generator     = model.generator
  discriminator = model.discriminator # COMPILE-ERROR: Discriminator does not fit the data
  data          = data.train
}

optimizer "adam" "g" {
  models = [model.generator]
  lr     = 0.0002
}

optimizer "adam" "d" {
  models = [model.discriminator]
  lr     = 0.0002
}
