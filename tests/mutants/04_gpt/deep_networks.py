"""Wrong implementations for source/04_gpt/deep_networks.ipynb: each must lose its test cell."""

from mutation import Mutant

MUTANTS = [
    # Exercise 1: the disc data set
    Mutant(
        cell="disc_data",
        old="math.sqrt(2 / math.pi)",
        new="math.sqrt(2)",
        breaks="star_test_disc_data",
        why="radius sqrt(2) (area 2 read as radius squared, without pi)",
    ),
    Mutant(
        cell="disc_data",
        old="math.sqrt(2 / math.pi)",
        new="math.sqrt(2)",
        breaks="star_test_mlp_experiment",
        why="radius sqrt(2): every point is labelled 1, the trained models learn nothing",
    ),
    Mutant(
        cell="disc_data",
        old="(x.pow(2).sum(1) < radius**2)",
        new="(x.pow(2).sum(1) > radius**2)",
        breaks="star_test_disc_data",
        why="labels swapped: 1 outside the disc",
    ),
    Mutant(
        cell="disc_data",
        old="x = torch.rand(n, 2, generator=generator) * 2 - 1",
        new="x = torch.rand(n, 2, generator=generator)",
        breaks="star_test_disc_data",
        why="points in [0, 1]^2 instead of [-1, 1]^2",
    ),
    # Exercise 2: the two MLPs
    Mutant(
        cell="mlp_architectures",
        old="widths = [2, 4, 8, 16, 32, 64, 128, 2]",
        new="widths = [2, 4, 8, 16, 64, 128, 2]",
        breaks="star_test_mlp_architectures",
        why="deep model missing a layer (no 32 units)",
    ),
    Mutant(
        cell="mlp_architectures",
        old="return nn.Sequential(*layers[:-1])",
        new="return nn.Sequential(*layers)",
        breaks="star_test_mlp_architectures",
        why="a ReLU on the logits of the deep model",
    ),
    Mutant(
        cell="mlp_architectures",
        old="nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 2)",
        new="nn.Linear(2, 128), nn.Tanh(), nn.Linear(128, 2)",
        breaks="star_test_mlp_architectures",
        why="tanh instead of ReLU in the shallow model",
    ),
    # Exercise 3: init_normal_
    Mutant(
        cell="init_normal",
        old="std=std)",
        new="std=std**2)",
        breaks="star_test_init_normal",
        why="std used as a variance (std**2 as the standard deviation)",
    ),
    Mutant(
        cell="init_normal",
        old="for p in model.parameters():",
        new="for p in (q for n, q in model.named_parameters() if n.endswith('weight')):",
        breaks="star_test_init_normal",
        why="only the weights are redrawn, the biases keep their default values",
    ),
    # Exercise 4: train_model
    Mutant(
        cell="train_model",
        old="model.zero_grad()",
        new="pass",
        breaks="star_test_train_model",
        why="gradients not cleared between steps (they accumulate)",
    ),
    Mutant(
        cell="train_model",
        old="""            if not math.isfinite(losses[-1]):
                return losses
""",
        new="",
        breaks="star_test_train_model",
        why="no stop on a loss that is not finite: nan fills the weights",
    ),
    Mutant(
        cell="train_model",
        old="for start in range(0, len(x), batch_size):",
        new="for start in range(0, len(x) - batch_size + 1, batch_size):",
        breaks="star_test_train_model",
        why="the last, smaller mini-batch of each epoch is dropped",
    ),
    Mutant(
        cell="train_model",
        old="p -= lr * p.grad",
        new="p += lr * p.grad",
        breaks="star_test_mlp_experiment",
        why="gradient ascent: the trained models are worse than chance",
    ),
    # Exercise 5: the residual block
    Mutant(
        cell="resnet_block",
        old="if self.skip_connections:",
        new="if False:",
        breaks="star_test_resnet_block",
        why="no skip connection when asked",
    ),
    Mutant(
        cell="resnet_block",
        old="self.bn1, self.bn2 = nn.BatchNorm2d(n_channels), nn.BatchNorm2d(n_channels)",
        new="self.bn1, self.bn2 = nn.BatchNorm2d(n_channels), nn.Identity()",
        breaks="star_test_resnet_block",
        why="batchnorm missing after the second convolution",
    ),
    Mutant(
        cell="resnet_block",
        old="""            out = out + x
        return F.relu(out)""",
        new="""            return F.relu(out) + x
        return F.relu(out)""",
        breaks="star_test_resnet_block",
        why="the input added after the last ReLU",
    ),
    Mutant(
        cell="resnet_block",
        old="out = self.bn2(self.conv2(out))",
        new="out = F.relu(self.bn2(self.conv2(out)))",
        breaks="star_test_resnet_block",
        why="a ReLU on the residual branch before the addition",
    ),
    # Exercise 6: the residual network
    Mutant(
        cell="resnet",
        old="features = F.relu(self.stem_bn(self.stem(x)))",
        new="features = F.relu(self.stem(x))",
        breaks="star_test_resnet",
        why="the stem's batchnorm is not applied",
    ),
    Mutant(
        cell="resnet",
        old="features.mean(dim=(2, 3))",
        new="features.amax(dim=(2, 3))",
        breaks="star_test_resnet",
        why="max pooling instead of the average over the pixels",
    ),
    Mutant(
        cell="resnet",
        old="ResBlock(n_channels, skip_connections, batch_normalization)",
        new="ResBlock(n_channels)",
        breaks="star_test_resnet",
        why="the flags are not passed on to the blocks",
    ),
    # Exercise 7: gradient norms
    Mutant(
        cell="gradient_norms",
        old="block.conv1.weight.grad.norm()",
        new="block.conv2.weight.grad.norm()",
        breaks="star_test_gradient_norms",
        why="the gradient of the wrong convolution (conv2)",
    ),
    Mutant(
        cell="gradient_norms",
        old="block.conv1.weight.grad.norm()",
        new="block.conv1.weight.grad.norm() ** 2",
        breaks="star_test_gradient_norms",
        why="the squared norm",
    ),
    Mutant(
        cell="gradient_norms",
        old="""        model.zero_grad()
        F.cross_entropy""",
        new="""        F.cross_entropy""",
        breaks="star_test_gradient_norms",
        why="gradients not cleared between images (they accumulate)",
    ),
    Mutant(
        cell="gradient_norms",
        old="""    for k in range(len(images)):
        model.zero_grad()
        F.cross_entropy(model(images[k : k + 1]), targets[k : k + 1]).backward()""",
        new="""    for k in range(1):
        model.zero_grad()
        F.cross_entropy(model(images), targets).backward()""",
        breaks="star_test_gradient_norms",
        why="the norm of the whole batch's gradient instead of the mean of per-image norms",
    ),
    Mutant(
        cell="gradient_norms",
        old="    total = torch.zeros",
        new="    model.train()\n    total = torch.zeros",
        breaks="star_test_gradient_norms",
        why="the model is switched to training mode (the hidden test uses evaluation mode)",
    ),
]
