experiment "t" { seed = 1 }

data "mnist" "train" {}

model "m" {
  input "x" { shape = [784] }
  layer "dense" "h" { units = 32 }
  layer "batchnorm" "bn" {}
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

train {
  batch_size = 1 # COMPILE-ERROR: Batch too small for batchnorm
}
