experiment "t" { seed = 1 }

data "mnist" "train" {
  scale = "tanh"
}

model "generator" {
  input "z" { shape = [16] }
  layer "dense"   "fc"  { units = 783 }
  layer "tanh"    "out" {}
  layer "reshape" "img" { shape = [1, 27, 29] }
}

model "discriminator" {
  input "x" { shape = [1, 28, 28] }
  layer "flatten" "f"     {}
  layer "dense"   "logit" { units = 1 }
}

objective "gan" {
  generator     = model.generator # COMPILE-ERROR: Generator does not fit the data
  discriminator = model.discriminator
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
