# Regenerates torch_ops.json, the PyTorch reference for conv2d,
# conv_transpose2d and batchnorm in op_torch_test.go:
#   /usr/bin/python3 graph/testdata/torch_ops.py > graph/testdata/torch_ops.json
# (Debian's python3-torch, 1.13). Each case records inputs, parameters, the
# output and the gradients of sum(out * g) for a random g.
import json
import torch

torch.manual_seed(0)


def flat(t):
    # 9 significant digits round-trip a float32.
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def grads(out, leaves):
    g = torch.rand_like(out) * 2 - 1
    (out * g).sum().backward()
    return flat(g), {name: flat(t.grad) for name, t in leaves.items()}


def conv_case(name, fn, x_shape, w_shape, nbias, stride, padding):
    x = (torch.rand(x_shape) * 2 - 1).requires_grad_()
    w = (torch.rand(w_shape) * 2 - 1).requires_grad_()
    b = (torch.rand(nbias) * 2 - 1).requires_grad_()
    y = fn(x, w, b, stride=stride, padding=padding)
    g, gr = grads(y, {"x": x, "w": w, "b": b})
    return {"name": name, "stride": stride, "padding": padding,
            "x_shape": list(x_shape), "w_shape": list(w_shape),
            "x": flat(x), "w": flat(w), "b": flat(b),
            "y": flat(y), "g": g, "grads": gr}


def bn_case(name, x_shape, momentum):
    c = x_shape[1]
    bn = (torch.nn.BatchNorm1d if len(x_shape) == 2 else torch.nn.BatchNorm2d)(c, momentum=momentum)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c) + 0.5)
        bn.bias.copy_(torch.rand(c) - 0.5)
    bn.train()
    x1 = torch.rand(x_shape) * 4 - 1
    bn(x1)
    x2 = (torch.rand(x_shape) * 2 - 1).requires_grad_()
    y2 = bn(x2)
    g, gr = grads(y2, {"x": x2, "gamma": bn.weight, "beta": bn.bias})
    bn.eval()
    x3 = torch.rand(x_shape) * 2 - 1
    y3 = bn(x3)
    return {"name": name, "momentum": momentum, "x_shape": list(x_shape),
            "gamma": flat(bn.weight), "beta": flat(bn.bias),
            "x1": flat(x1), "x2": flat(x2), "y2": flat(y2), "g": g, "grads": gr,
            "running_mean": flat(bn.running_mean), "running_var": flat(bn.running_var),
            "x3": flat(x3), "y3": flat(y3)}


F = torch.nn.functional
print(json.dumps({
    "torch": torch.__version__,
    "conv2d": [
        conv_case("k4 s2 p1", F.conv2d, (2, 3, 6, 5), (4, 3, 4, 4), 4, 2, 1),
        conv_case("k3 s1 p2", F.conv2d, (1, 2, 4, 7), (3, 2, 3, 3), 3, 1, 2),
    ],
    "conv_transpose2d": [
        conv_case("k4 s2 p1", F.conv_transpose2d, (2, 3, 3, 4), (3, 2, 4, 4), 2, 2, 1),
        conv_case("k3 s1 p0", F.conv_transpose2d, (1, 2, 4, 3), (2, 3, 3, 3), 3, 1, 0),
    ],
    "batchnorm": [
        bn_case("vectors", (5, 3), 0.1),
        bn_case("images", (3, 2, 2, 3), 0.3),
        bn_case("vectors in two blocks", (6, 70), 0.1),
        bn_case("images in two blocks", (2, 20, 2, 2), 0.1),
    ],
}))
