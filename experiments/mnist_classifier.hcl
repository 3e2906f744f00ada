# The reference MNIST classifier behind eval/fid, eval/class_kl and
# eval/cond_acc (DESIGN.md §5): a small CNN trained by exp itself. Its 128
# penultimate features (after the relu) are the FID features, so the model
# declares them as a second output; the first output is the logits.
# The weights committed in runner/reference/ came from this file, unchanged
# (see docs/paper-anchors.md for the command and the accuracy reached).
experiment "mnist_classifier" {
  description = "reference CNN for FID and label metrics"
  seed        = 1
}

data "mnist" "train" {
  split = "train"
  scale = "unit"
}
data "mnist" "test" {
  split = "test"
  scale = "unit"
}

model "classifier" {
  input "x" { shape = [1, 28, 28] }
  layer "conv2d" "c1" {
    filters = 32
    kernel  = 3
    padding = 1
  }
  layer "batchnorm" "b1" {}
  layer "relu"   "a1" {}
  layer "conv2d" "c2" {
    filters = 64
    kernel  = 4
    stride  = 2
    padding = 1
  }
  layer "batchnorm" "b2" {}
  layer "relu"   "a2" {}
  layer "conv2d" "c3" {
    filters = 64
    kernel  = 4
    stride  = 2
    padding = 1
  }
  layer "batchnorm" "b3" {}
  layer "relu"    "a3"       {}
  layer "flatten" "f"        {}
  layer "dense"   "fc"       { units = 128 }
  layer "relu"    "features" {}
  layer "dropout" "drop"     { rate = 0.5 }
  layer "dense"   "logits"   { units = 10 }
  output = [layer.logits, layer.features]
}

objective "classifier" {
  model = model.classifier
  data  = data.train
}

optimizer "adam" "all" {
  models = [model.classifier]
  lr     = 0.0003
}

train {
  epochs     = 5
  batch_size = 128
}

evaluate {
  data    = data.test
  every   = "1 epoch"
  metrics = ["accuracy"]
}
