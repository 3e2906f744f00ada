# ERROR: Missing model block
experiment "t" { seed = 1 }

variable "latent" { default = 20 }
variable "lr" { default = 0.001 }

data "mnist" "train" {}

modle "m" { # ERROR: Unsupported block type | Did you mean "model"?
  input "x" { shape = [784] }
  layer "dense" "h" { units = var.latent }
  layer "relu" "a" {}
  layer "dense" "out" { units = 10 }
}

objective "classifier" {
  model = model.m # ERROR: Reference to undeclared model
  data  = data.train
}

optimizer "adam" "o" {
  models = [model.m] # ERROR: Reference to undeclared model
  lr     = var.lr
}
