experiment "t" { seed = 1 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [1, 28, 28] }
  layer "conv2d" "c" {
    filters = 8
    kernal  = 3 # COMPILE-ERROR: Invalid layer attribute
  }
  layer "flatten" "f" {}
  layer "dense" "out" { units = 10 }
}

objective "classifier" {
  model = model.m
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = 0.001
}
