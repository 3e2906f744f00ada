experiment "t" { seed = 1 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [700] }
  layer "dense" "out" { units = 10 }
}

objective "classifier" {
  model = model.m # COMPILE-ERROR: Classifier does not fit the data
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = 0.001
}
