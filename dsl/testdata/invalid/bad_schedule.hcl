experiment "g" { seed = 1 }

data "gaussian_mixture" "ring" {}

model "gen" {
  input "z" { shape = [2] }
  layer "dense" "out" { units = 2 }
}

model "disc" {
  input "x" { shape = [2] }
  layer "dense" "logit" { units = 1 }
}

objective "gan" {
  generator     = model.gen
  discriminator = model.disc
  data          = data.ring
}

optimizer "adam" "g" {
  models   = [model.gen]
  schedule = "linaer" # ERROR: Unsupported schedule
}

optimizer "adam" "d" {
  models = [model.disc]
}
