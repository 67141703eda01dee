"""Wrong implementations for source/04_gpt/llm_on_cpu.ipynb: each must lose its test cell."""

from mutation import Mutant

MUTANTS = [
    # Exercise 1: mean negative log-likelihood
    Mutant(
        cell="mean_nll",
        old="return nll.mean()",
        new="return nll.sum()",
        breaks="test_mean_nll",
        why="the negative log-likelihoods summed where their mean is asked for",
    ),
    Mutant(
        cell="mean_nll",
        old="logits = model(input_ids).logits[:, :-1, :]\n    targets = input_ids[:, 1:]",
        new="logits = model(input_ids).logits\n    targets = input_ids",
        breaks="test_mean_nll",
        why="no shift: position t scored against token t instead of token t + 1",
    ),
    # Exercise 2: next-token distribution
    Mutant(
        cell="next_token_probs",
        old="min(top_k, logits.shape[-1])",
        new="min(top_k + 1, logits.shape[-1])",
        breaks="test_next_token_probs",
        why="top-k that keeps k + 1 tokens",
    ),
    Mutant(
        cell="next_token_probs",
        old="logits = logits / temperature",
        new="logits = logits * 1.0",
        breaks="test_next_token_probs",
        why="the temperature ignored",
    ),
    Mutant(
        cell="next_token_probs",
        old="return F.softmax(logits, dim=-1)",
        new="return F.softmax(logits * temperature, dim=-1) / temperature",
        breaks="test_next_token_probs",
        why="the temperature applied after the softmax (to probabilities, not logits)",
    ),
    # Exercise 3: greedy decoding
    Mutant(
        cell="generate_greedy",
        old="model(ids).logits",
        new="model(input_ids).logits",
        breaks="test_generate_greedy",
        why="the model always run on the prompt, not on the sequence generated so far",
    ),
    Mutant(
        cell="generate_greedy",
        old="next_logits.argmax(dim=-1, keepdim=True)",
        new="next_logits.argmin(dim=-1, keepdim=True)",
        breaks="test_generate_greedy",
        why="the least likely token instead of the most likely",
    ),
    # Exercise 4: sampling
    Mutant(
        cell="generate_sample",
        old="torch.multinomial(probs, 1, generator=generator)",
        new="torch.multinomial(probs, 1)",
        breaks="test_generate_sample",
        why="the generator not passed on: draws from the global random stream",
    ),
    Mutant(
        cell="generate_sample",
        old="next_token_probs(model(ids).logits[:, -1, :], temperature, top_k)",
        new="next_token_probs(model(ids).logits[:, -1, :], temperature)",
        breaks="test_generate_sample",
        why="top-k not passed on to next_token_probs",
    ),
]
