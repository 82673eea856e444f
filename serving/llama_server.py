"""llama-cpp-python's OpenAI server with grammar-last sampling (``python -m serving.llama_server``).

Why: copydesk asks the embedded model for JSON under a schema, which llama-cpp-python turns
into a GBNF grammar. Its sampler chain applies that grammar to the whole vocabulary
(SmolLM2: 49,152 tokens) before every token is picked, and every ``maxLength`` bound in the
schema is that many nested grammar rules. On 2 cores this grammar pass cost more than the
model's own forward pass (see ``serving.client.response_format_for``).

llama.cpp's own sampler (``common/sampling.cpp``, ``common_sampler_sample`` with
``grammar_first = false``) avoids that: it picks a token with the grammar left out, asks the
grammar only whether *that one token* is allowed, and only when it is not, samples again
with the grammar applied to all candidates. The result always satisfies the grammar. With
greedy decoding (temperature 0) it is exactly the token the grammar-first chain would pick;
at a temperature above 0 the accepted tokens keep their unconstrained probabilities, which
is the trade llama.cpp's own server makes.

llama-cpp-python 0.3.36 does not do this, so this entry point installs it on
``Llama._init_sampler`` for requests that carry a grammar and then starts the stock server
(same command-line flags as ``python -m llama_cpp.server``). Requests without a grammar
keep the library's chain untouched.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np

_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class GrammarLastSampler:
    """Stands in for ``llama_cpp._internals.LlamaSampler`` (``sample``/``accept``/``reset``/``close``).

    ``free`` is the library's chain without the grammar (penalties, top-k/p, temperature,
    the final pick); ``grammar`` is a chain holding only the grammar sampler.
    """

    def __init__(self, free: Any, grammar: Any, n_vocab: int) -> None:
        self.free = free
        self.grammar = grammar
        self.n_vocab = n_vocab
        self._ids = np.arange(n_vocab, dtype=np.intc)
        self._buffer = np.zeros(n_vocab, dtype=_TOKEN_DATA)
        self._one = np.zeros(1, dtype=_TOKEN_DATA)

    def _candidates(self, llama_cpp: Any, ctx: Any, idx: int) -> Any:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        self._buffer["id"] = self._ids
        self._buffer["logit"] = np.ctypeslib.as_array(logits, shape=(self.n_vocab,))
        self._buffer["p"] = 0.0
        return self._array(llama_cpp, self._buffer)

    @staticmethod
    def _array(llama_cpp: Any, buffer: np.ndarray) -> Any:
        data = buffer.ctypes.data_as(llama_cpp.llama_token_data_p)
        return llama_cpp.llama_token_data_array(data=data, size=len(buffer), selected=-1, sorted=False)

    def _allowed(self, llama_cpp: Any, token: int) -> bool:
        self._one["id"] = token
        self._one["logit"] = 0.0
        self._one["p"] = 0.0
        single = self._array(llama_cpp, self._one)
        llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(single))
        return not math.isinf(float(self._one["logit"][0]))

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """The token the free chain picks if the grammar allows it, else a pick with the grammar applied."""
        import llama_cpp

        candidates = self._candidates(llama_cpp, ctx, idx)
        llama_cpp.llama_sampler_apply(self.free.sampler, ctypes.byref(candidates))
        token = int(candidates.data[candidates.selected].id)
        if not self._allowed(llama_cpp, token):
            candidates = self._candidates(llama_cpp, ctx, idx)
            llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(candidates))
            llama_cpp.llama_sampler_apply(self.free.sampler, ctypes.byref(candidates))
            token = int(candidates.data[candidates.selected].id)
        self.accept(token)
        return token

    def accept(self, token: int) -> None:
        self.free.accept(token)
        self.grammar.accept(token)

    def reset(self) -> None:
        self.free.reset()
        self.grammar.reset()

    def close(self) -> None:
        self.free.close()
        self.grammar.close()


def install() -> None:
    """Make ``Llama`` sample grammar-last whenever a request carries a grammar."""
    from llama_cpp import _internals
    from llama_cpp.llama import Llama

    if getattr(Llama, "_copydesk_grammar_last", False):
        return
    stock = Llama._init_sampler

    def init_sampler(self: Llama, *args: Any, **kwargs: Any) -> Any:
        grammar = kwargs.pop("grammar", None)
        if grammar is None:
            return stock(self, *args, **kwargs)
        free = stock(self, *args, **kwargs)
        only_grammar = _internals.LlamaSampler()
        only_grammar.add_grammar(self._model, grammar)
        return GrammarLastSampler(free, only_grammar, self._n_vocab)

    Llama._init_sampler = init_sampler  # type: ignore[method-assign]
    Llama._copydesk_grammar_last = True  # type: ignore[attr-defined]


def main() -> None:
    install()
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    main()
