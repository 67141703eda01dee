"""Wrong implementations for source/01_micrograd/micrograd.ipynb: each must cost its test cell."""

from mutation import Mutant

MUTANTS = [
    # Exercise 1: arithmetic
    Mutant(
        cell="value_arith",
        old="return other + (-self)",
        new="return self + (-other)",
        breaks="test_forward",
        why="__rsub__ with swapped operands computes x - 1 for 1 - x",
    ),
    Mutant(
        cell="value_arith",
        old="return other * self**-1",
        new="return self * other**-1",
        breaks="test_forward",
        why="__rtruediv__ with swapped operands computes x / 3 for 3 / x",
    ),
    Mutant(
        cell="value_arith",
        old="self.grad += out.grad\n            other.grad += out.grad",
        new="self.grad = out.grad\n            other.grad = out.grad",
        breaks="test_local_grads",
        why="= instead of += in the closure of __add__ loses the other path of a + a",
    ),
    Mutant(
        cell="value_arith",
        old="k * self.data ** (k - 1) * out.grad",
        new="k * self.data**k * out.grad",
        breaks="test_local_grads",
        why="wrong power derivative: k * x ** k instead of k * x ** (k - 1)",
    ),
    Mutant(
        cell="value_arith",
        old="self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        new="self.grad += other.data\n            other.grad += self.data",
        breaks="test_local_grads",
        why="the closure of __mul__ forgets the chain rule (no factor out.grad)",
    ),
    Mutant(
        cell="value_arith",
        old="self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        new="self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
        breaks="test_backward",
        why="= instead of += in the closure of __mul__ loses gradients of reused nodes",
    ),
    # Exercise 2: exp, tanh, relu
    Mutant(
        cell="value_nonlin",
        old="self.grad += (out.data > 0) * out.grad",
        new="self.grad += self.data * out.grad",
        breaks="test_nonlin",
        why="relu derivative taken from the input value instead of the indicator x > 0",
    ),
    Mutant(
        cell="value_nonlin",
        old="self.grad += (1 - t**2) * out.grad",
        new="self.grad += (1 - t) * out.grad",
        breaks="test_nonlin",
        why="wrong tanh derivative: 1 - t instead of 1 - t ** 2",
    ),
    Mutant(
        cell="value_nonlin",
        old="self.grad += out.data * out.grad",
        new="self.grad += self.data * out.grad",
        breaks="test_nonlin",
        why="exp derivative taken as x instead of e ** x",
    ),
    # Exercise 3: backward
    Mutant(
        cell="value_backward",
        old="if v not in visited:",
        new="if True:",
        breaks="test_backward",
        why="topological sort without a visited set runs a diamond's shared node twice",
    ),
    Mutant(
        cell="value_backward",
        old="    self.grad = 1.0\n",
        new="",
        breaks="test_backward",
        why="forgotten root gradient: every grad stays 0",
    ),
    Mutant(
        cell="value_backward",
        old="for v in reversed(topo):",
        new="for v in topo:",
        breaks="test_backward",
        why="closures called in topological order instead of reversed",
    ),
    # Exercise 4: Neuron, Layer, MLP
    Mutant(
        cell="mlp",
        old="return self.w + [self.b]",
        new="return self.w",
        breaks="test_mlp",
        why="Neuron.parameters() misses the bias",
    ),
    Mutant(
        cell="mlp",
        old='act if i < len(nouts) - 1 else "linear"',
        new="act",
        breaks="test_mlp",
        why="the last layer is not linear",
    ),
    Mutant(
        cell="mlp",
        old="sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
        new="sum(wi * xi for wi, xi in zip(self.w, x))",
        breaks="test_mlp",
        why="the neuron forgets its bias in the forward pass",
    ),
    Mutant(
        cell="mlp",
        old="self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]",
        new="self.w = [Value(random.random()) for _ in range(nin)]",
        breaks="test_mlp",
        why="weights drawn from [0, 1) instead of uniform(-1, 1)",
    ),
    # Exercise 5: the loss
    Mutant(
        cell="svm_loss",
        old="return data_loss + reg_loss",
        new="return data_loss",
        breaks="test_loss",
        why="the L2 regularisation term is missing",
    ),
    Mutant(
        cell="svm_loss",
        old="(1 - yi * si).relu()",
        new="(-yi * si).relu()",
        breaks="test_loss",
        why="hinge loss without the margin of 1",
    ),
    # Exercise 6: the training loop
    Mutant(
        cell="train",
        old="model.zero_grad()",
        new="pass",
        breaks="test_train",
        why="gradients are not zeroed before backward, so they accumulate across steps",
    ),
    Mutant(
        cell="train",
        old="lr = lr_schedule(k)",
        new="lr = lr_schedule(0)",
        breaks="test_train",
        why="the learning-rate schedule is ignored after the first step",
    ),
    Mutant(
        cell="train",
        old="p.data -= lr * p.grad",
        new="p.data += lr * p.grad",
        breaks="test_moons",
        why="gradient ascent: the update has the wrong sign",
    ),
    Mutant(
        cell="svm_loss",
        old="sum(margins) * (1.0 / len(margins))",
        new="sum(margins)",
        breaks="test_moons",
        why="summed instead of averaged hinge loss: a learning rate of 1 then overshoots",
    ),
    # Exercise 7 (*): fit x ** 2
    Mutant(
        cell="mse_loss",
        old="* (1.0 / len(xs))",
        new="",
        breaks="star_mse_loss",
        why="sum of squared errors instead of their mean",
    ),
    Mutant(
        cell="mse_loss",
        old="(model([x]) - t) ** 2",
        new="(model([x]) - t)",
        breaks="star_mse_loss",
        why="the error is not squared",
    ),
    Mutant(
        cell="square_fit",
        old="pick(300, 50)",
        new="pick(300, 5)",
        breaks="star_square_fit",
        why="too few training steps",
    ),
    Mutant(
        cell="square_fit",
        old="lambda k: 0.2",
        new="lambda k: 0.005",
        breaks="star_square_fit",
        why="a learning rate too small to fit in the given steps",
    ),
]
