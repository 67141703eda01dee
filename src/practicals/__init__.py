"""Helper package of the deep-learning practicals: data, student checks and the autograder."""

__version__ = "0.1.0"
