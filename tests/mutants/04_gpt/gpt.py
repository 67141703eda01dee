"""Wrong implementations for source/04_gpt/gpt.ipynb: each must lose its test cell."""

from mutation import Mutant

MUTANTS = [
    # Exercise 1: attention by hand
    Mutant(
        cell="attention_by_hand",
        old="expd.sum(dim=1, keepdim=True)",
        new="expd.sum(dim=0, keepdim=True)",
        breaks="test_attention_by_hand",
        why="softmax normalised over the queries (columns) instead of the keys (rows)",
    ),
    Mutant(
        cell="attention_by_hand",
        old="math.sqrt(k.shape[1])",
        new="math.sqrt(x.shape[1])",
        breaks="test_attention_by_hand",
        why="scores scaled by the embedding size C instead of the head size",
    ),
    # Exercise 2a: the tokenizer
    Mutant(
        cell="tokenizer",
        old="enumerate(chars)",
        new="enumerate(chars, start=1)",
        count=2,
        breaks="test_tokenizer",
        why="ids counted from 1 instead of the position in chars",
    ),
    # Exercise 2b: the split and get_batch
    Mutant(
        cell="split_and_batches",
        old="y = torch.stack([source[i + 1 : i + block_size + 1] for i in ix])",
        new="y = torch.stack([source[i : i + block_size] for i in ix])",
        breaks="test_get_batch",
        why="targets not shifted by one (y == x)",
    ),
    Mutant(
        cell="split_and_batches",
        old="(batch_size,), generator=generator)",
        new="(batch_size,))",
        breaks="test_get_batch",
        why="offsets drawn without the generator passed in",
    ),
    # Exercise 2c: the bigram model
    Mutant(
        cell="bigram",
        old="probs = F.softmax(logits[:, -1, :], dim=-1)",
        new="probs = F.softmax(logits[:, 0, :], dim=-1)",
        breaks="test_bigram",
        why="generate samples from the logits of the first position instead of the last",
    ),
    Mutant(
        cell="bigram",
        old="F.cross_entropy(logits.view(B * T, C), targets.view(B * T))",
        new="F.cross_entropy(logits.view(B * T, C).softmax(-1), targets.view(B * T))",
        breaks="test_bigram",
        why="cross-entropy fed with probabilities instead of logits (a softmax too many)",
    ),
    # Exercise 3: averaging the past
    Mutant(
        cell="averaging",
        old="x[b, : t + 1].mean(dim=0)",
        new="x[b, :t].mean(dim=0)",
        breaks="test_averaging",
        why="the loop averages the strict past, without the token itself",
    ),
    Mutant(
        cell="averaging",
        old="wei = wei / wei.sum(dim=1, keepdim=True)",
        new="wei = wei / T",
        breaks="test_averaging",
        why="the rows of the triangular matrix divided by T instead of their own sums",
    ),
    Mutant(
        cell="averaging",
        old="wei = F.softmax(wei, dim=-1)",
        new="wei = F.softmax(wei, dim=0)",
        breaks="test_averaging",
        why="softmax of the masked matrix over the wrong dimension",
    ),
    # Exercise 4: one head
    Mutant(
        cell="head",
        old="torch.tril(torch.ones(block_size, block_size))",
        new="torch.tril(torch.ones(block_size, block_size), diagonal=1)",
        breaks="test_head",
        why="causal mask with diagonal=1: position t sees t + 1",
    ),
    Mutant(
        cell="head",
        old="if self.causal:",
        new="if False:",
        breaks="test_head",
        why="no causal mask",
    ),
    Mutant(
        cell="head",
        old="wei = F.softmax(wei, dim=-1)",
        new="wei = F.softmax(wei, dim=1)",
        breaks="test_head",
        why="softmax over the queries (dim 1 of (B, T, T)) instead of the keys",
    ),
    Mutant(
        cell="head",
        old="k.shape[-1] ** -0.5",
        new="C ** -0.5",
        breaks="test_head",
        why="scores scaled by n_embd instead of head_size",
    ),
    Mutant(
        cell="head",
        old="wei = self.dropout(wei)\n        v = self.value(x)  # (B, T, head_size)\n"
        "        out = wei @ v",
        new="v = self.value(x)\n        out = self.dropout(wei @ v)",
        breaks="test_head",
        why="dropout on the head's output instead of the attention weights",
    ),
    # Exercise 5: multi-head attention, feed-forward, block
    Mutant(
        cell="multihead",
        old="return self.dropout(self.proj(out))",
        new="return self.dropout(out)",
        breaks="test_multihead",
        why="the concatenated heads are not projected",
    ),
    Mutant(
        cell="multihead",
        old="nn.ReLU()",
        new="nn.GELU()",
        breaks="test_multihead",
        why="GELU where the notebook asks for ReLU",
    ),
    Mutant(
        cell="block",
        old="x = x + self.sa(self.ln1(x))\n        x = x + self.ffwd(self.ln2(x))",
        new="x = self.ln1(x + self.sa(x))\n        x = self.ln2(x + self.ffwd(x))",
        breaks="test_block",
        why="post-LN (norm after the residual addition) where the notebook asks for pre-LN",
    ),
    Mutant(
        cell="block",
        old="x = x + self.ffwd(self.ln2(x))",
        new="x = self.ffwd(self.ln2(x))",
        breaks="test_block",
        why="no residual connection around the feed-forward branch",
    ),
    # Exercise 6: the GPT and estimate_loss
    Mutant(
        cell="gpt",
        old="idx_cond = idx[:, -self.block_size :]",
        new="idx_cond = idx",
        breaks="test_gpt",
        why="generate does not crop the context to block_size",
    ),
    Mutant(
        cell="gpt",
        old="idx_cond = idx[:, -self.block_size :]",
        new="idx_cond = idx[:, : self.block_size]",
        breaks="test_gpt",
        why="generate crops to the first block_size tokens instead of the last",
    ),
    Mutant(
        cell="gpt",
        old="x = self.blocks(tok_emb + pos_emb)",
        new="x = self.blocks(tok_emb)",
        breaks="test_gpt",
        why="no position embedding",
    ),
    Mutant(
        cell="estimate_loss",
        old="model.eval()",
        new="model.train()",
        breaks="test_estimate_loss",
        why="estimate_loss measures in training mode (dropout on)",
    ),
    Mutant(
        cell="estimate_loss",
        old="model.train()\n    return out",
        new="return out",
        breaks="test_estimate_loss",
        why="the model is left in evaluation mode after estimate_loss",
    ),
    Mutant(
        cell="estimate_loss",
        old="with torch.no_grad():",
        new="if True:",
        breaks="test_estimate_loss",
        why="estimate_loss records a graph (no torch.no_grad())",
    ),
    # Exercise 7: training
    Mutant(
        cell="train_loop",
        old="optimizer.zero_grad(set_to_none=True)\n        loss.backward()",
        new="loss.backward()\n        optimizer.zero_grad(set_to_none=True)",
        breaks="test_train",
        why="gradients cleared between backward and step: the optimizer never sees them",
    ),
    Mutant(
        cell="train_loop",
        old='group["lr"] = lr_at(step, cfg)',
        new='group["lr"] = lr_at(step, cfg) / 30',
        breaks="test_train",
        why="a learning rate 30 times too small",
    ),
]
