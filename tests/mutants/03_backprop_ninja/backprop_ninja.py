"""Wrong implementations for source/03_backprop_ninja/backprop_ninja.ipynb: each must lose its test cell."""

from mutation import Mutant

MUTANTS = [
    # Exercise 1a: cross-entropy, step by step
    Mutant(
        cell="ce_backward",
        old="dcounts += torch.ones_like(fw.counts) * dcounts_sum",
        new="pass  # the path through counts_sum is forgotten",
        breaks="test_ce_backward",
        why="missed second path into counts (through counts_sum)",
    ),
    Mutant(
        cell="ce_backward",
        old="= -1.0 / n",
        new="= -1.0",
        breaks="test_ce_backward",
        why="dlogprobs without the 1/n of the mean",
    ),
    # Exercise 1b: second linear layer and tanh
    Mutant(
        cell="layer2_backward",
        old="db2 = dlogits.sum(0)",
        new="db2 = dlogits",
        breaks="test_layer2_backward",
        why="bias gradient db2 not summed over the batch",
    ),
    Mutant(
        cell="layer2_backward",
        old="(1.0 - fw.h**2) * dh",
        new="(1.0 - fw.hpreact**2) * dh",
        breaks="test_layer2_backward",
        why="tanh derivative from the pre-activation (1 - hpreact**2 instead of 1 - h**2)",
    ),
    # Exercise 1c: batchnorm, step by step
    Mutant(
        cell="bn_backward",
        old="/ (n - 1) * dbnvar",
        new="/ n * dbnvar",
        breaks="test_bn_backward",
        why="n instead of n - 1 in the batchnorm backward (dbndiff2)",
    ),
    Mutant(
        cell="bn_backward",
        old="dbndiff += 2 * fw.bndiff * dbndiff2",
        new="dbndiff = dbndiff * 1  # the path through bndiff2 is forgotten",
        breaks="test_bn_backward",
        why="missed second path into bndiff (through bndiff2)",
    ),
    # Exercise 1d: first linear layer and embedding
    Mutant(
        cell="layer1_backward",
        old="dC.index_add_(0, Xb.reshape(-1), demb.reshape(-1, fw.C.shape[1]))",
        new="dC[Xb] += demb",
        breaks="test_layer1_backward",
        why="embedding gradient lost on repeated indices (dC[Xb] += demb)",
    ),
    Mutant(
        cell="layer1_backward",
        old="db1 = dhprebn.sum(0)",
        new="db1 = dhprebn",
        breaks="test_layer1_backward",
        why="bias gradient db1 not summed over the batch",
    ),
    # Exercise 2: fused cross-entropy
    Mutant(
        cell="fused_ce",
        old="dlogits /= n",
        new="dlogits = dlogits  # no mean over the batch",
        breaks="test_fused_ce",
        why="fused dlogits not divided by n",
    ),
    Mutant(
        cell="fused_ce",
        old="dlogits = F.softmax(logits, dim=1)",
        new="dlogits = logits.exp() / logits.exp().sum(1, keepdim=True)",
        breaks="test_fused_ce",
        why="softmax without subtracting the max overflows on large logits (hidden check)",
    ),
    # Exercise 3: fused batchnorm
    Mutant(
        cell="fused_bn",
        old="n / (n - 1) * bnraw",
        new="bnraw",
        breaks="test_fused_bn",
        why="n instead of n - 1 in the fused batchnorm backward (c = 1)",
    ),
    Mutant(
        cell="fused_bn",
        old="unbiased=True",
        new="unbiased=False",
        breaks="test_fused_bn",
        why="biased variance recomputed in the fused batchnorm backward",
    ),
    # Exercise 4: all gradients, then training
    Mutant(
        cell="manual_backward",
        old="dC.index_add_(0, Xb.reshape(-1), dembcat.reshape(-1, fw.C.shape[1]))",
        new="dC[Xb] += dembcat.view(fw.emb.shape)",
        breaks="test_manual_backward",
        why="embedding gradient lost on repeated indices in manual_backward",
    ),
    Mutant(
        cell="manual_backward",
        old="db2 = dlogits.sum(0)",
        new="db2 = dlogits.mean(0)",
        breaks="test_manual_backward",
        why="bias gradient averaged instead of summed (the 1/n is already in dlogits)",
    ),
    Mutant(
        cell="manual_backward",
        old="dhpreact = (1.0 - fw.h**2) * dh",
        new="dhpreact = (1.0 - fw.hpreact**2) * dh",
        breaks="test_training",
        why="tanh derivative from the pre-activation spoils training",
    ),
    Mutant(
        cell="manual_backward",
        old="dlogits = cross_entropy_backward(fw.logits, Yb)",
        new="dlogits = -cross_entropy_backward(fw.logits, Yb)",
        breaks="test_training",
        why="gradient with the wrong sign: training climbs the loss",
    ),
    Mutant(
        cell="manual_backward",
        old="dC.index_add_(0, Xb.reshape(-1), dembcat.reshape(-1, fw.C.shape[1]))",
        new="pass  # dC stays zero",
        breaks="test_training",
        why="embedding gradient never accumulated: C is not trained (passes the visible checks, not the evaluator)",
    ),
    # Exercise 5 (*): MNIST
    Mutant(
        cell="mnist_forward",
        old="return 1 - torch.tanh(x) ** 2",
        new="return 1 - x ** 2",
        breaks="star_test_mnist_forward",
        why="dsigma computed as 1 - x**2 on the pre-activation",
    ),
    Mutant(
        cell="mnist_forward",
        old="return ((v - t) ** 2).sum()",
        new="return ((v - t) ** 2).mean()",
        breaks="star_test_mnist_forward",
        why="mean instead of sum in the MSE",
    ),
    Mutant(
        cell="mnist_backward",
        old="dl_db1 = dl_ds1.sum(0)",
        new="dl_db1 = dl_ds1",
        breaks="star_test_mnist_backward",
        why="bias gradient db1 not summed over the batch",
    ),
    Mutant(
        cell="mnist_backward",
        old="dl_dx1 = dl_ds2 @ w2",
        new="dl_dx1 = dl_dx2 @ w2",
        breaks="star_test_mnist_backward",
        why="skips the derivative of the output tanh on the way to layer 1",
    ),
    Mutant(
        cell="mnist_train",
        old="p -= lr * g",
        new="p = p - lr * g",
        breaks="star_test_mnist_train",
        why="update not in place: the parameters never change",
    ),
    Mutant(
        cell="mnist_train",
        old="p -= lr * g",
        new="p += lr * g",
        breaks="star_test_mnist_train",
        why="gradient ascent",
    ),
    Mutant(
        cell="mnist_backward",
        old="dl_ds1 = dl_dx1 * dsigma(s1)",
        new="dl_ds1 = dl_dx1",
        breaks="star_test_mnist_train",
        why="hidden tanh derivative forgotten: trains worse (passes the visible check, not the evaluator)",
    ),
]
