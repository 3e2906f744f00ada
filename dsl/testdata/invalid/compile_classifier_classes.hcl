experiment "t" { seed = 1 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [1, 28, 28] }
  layer "flatten" "f" {}
  layer "dense" "out" { units = 9 }
}

objective "classifier" {
  model = model.m # COMPILE-ERROR: Classifier output does not match the classes
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = 0.001
}
