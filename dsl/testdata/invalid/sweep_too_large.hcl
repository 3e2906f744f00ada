experiment "g" { seed = 1 }

variable "lr" { default = 0.0002 }
variable "z_dim" { default = 64 }
variable "a" { default = 1 }
variable "b" { default = 1 }
variable "c" { default = 1 }

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

sweep {
  # ERROR-NEXT: Sweep too large
  values = {
    a     = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    b     = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    c     = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    z_dim = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]
  }
}
