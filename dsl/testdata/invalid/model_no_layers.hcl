experiment "t" { seed = 1 }

variable "lr" { default = 0.001 }

data "mnist" "train" {}

model "m" { # ERROR: Model has no layers
  input "x" { shape = [784] }
}

objective "classifier" {
  model = model.m
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m]
  lr     = var.lr
}
