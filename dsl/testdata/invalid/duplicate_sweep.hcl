experiment "g" { seed = 1 }

variable "lr" { default = 0.0002 }
variable "z_dim" { default = 64 }

data "mnist" "train" { scale = "tanh" }

model "gen" {
  input "z" { shape = [var.z_dim] }
  layer "dense" "h" { units = 784 }
  layer "tanh" "out" {}
}

model "disc" {
  input "x" { shape = [784] }
  layer "dense" "h" { units = 128 }
  layer "leaky_relu" "a" { slope = 0.2 }
  layer "dense" "logit" { units = 1 }
}

objective "gan" {
  generator     = model.gen
  discriminator = model.disc
  data          = data.train
}

optimizer "adam" "g" {
  models = [model.gen]
  lr     = var.lr
}

optimizer "adam" "d" {
  models = [model.disc]
  lr     = var.lr
}

sweep { values = { lr = [0.1] } }
sweep { values = { lr = [0.2] } } # ERROR: Duplicate sweep block
