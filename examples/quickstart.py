"""The README's quick start (tests/test_readme.py keeps the two identical)."""

import torch

from catlip.heads import CatLIPHead
from catlip.losses import CatLIPLoss
from catlip.text import SynsetExtractor
from catlip.vocab import Vocabulary, count_synsets, pad_labels

captions = ["A dog chases a frisbee in the park.", "Two dogs on a couch.", "A cat on the couch."]
counts = count_synsets(captions, extractor=SynsetExtractor())  # caption -> WordNet synsets
vocab = Vocabulary.from_counts(counts, min_count=1)  # the classes, most frequent first
targets = pad_labels([vocab.encode_caption(c) for c in captions])  # [B, K] indices, -1 padded
features = torch.randn(len(captions), 384)  # stand-in for your image backbone's output
head, loss_fn = CatLIPHead(384, len(vocab)), CatLIPLoss()
loss = loss_fn(head(features), targets)  # BCE, summed over classes / batch size
loss.backward()
print(vocab.names(), round(loss.item(), 2))  # ('dog.n.01', 'sofa.n.01', 'cat.n.01', ...)
