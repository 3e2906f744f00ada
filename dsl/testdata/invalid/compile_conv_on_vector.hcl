experiment "t" { seed = 1 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [784] }
  layer "conv2d" "c" { # COMPILE-ERROR: Shape mismatch
    filters = 8
    kernel  = 3
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
