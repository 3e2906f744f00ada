experiment "t" { seed = 1 }

variable "latent" { default = 20 }
variable "lr" { default = 0.001 }

data "mnist" "train" {}

model "other" {
  input "x" { shape = [2] }
  layer "dense" "out" { units = 1 }
}

model "m" {
  input "x" { shape = [784] }
  layer "dense" "h" { units = var.latent }
  layer "relu" "a" {}
  layer "dense" "out" { units = 10 }
}

objective "classifier" {
  model = model.m
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m, model.other] # ERROR: Model not trained by the objective
  lr     = var.lr
}
