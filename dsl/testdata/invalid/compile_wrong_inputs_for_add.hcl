experiment "t" { seed = 1 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [1, 28, 28] }
  layer "flatten" "f" {}
  layer "dense" "a" { units = 10 }
  layer "add" "s" { inputs = [layer.a] } # COMPILE-ERROR: Wrong number of inputs
}

objective "classifier" {
  model = model.m
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = 0.001
}
