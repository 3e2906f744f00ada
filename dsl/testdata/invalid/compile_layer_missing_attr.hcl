experiment "t" { seed = 1 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [1, 28, 28] }
  layer "flatten" "f" {}
  layer "dense" "out" {} # COMPILE-ERROR: Invalid layer attribute
}

objective "classifier" {
  model = model.m
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = 0.001
}
