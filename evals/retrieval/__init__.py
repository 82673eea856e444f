"""Retrieval benchmark: BEIR-format folders, XQuAD, synthetic scale; ours versus LangChain's usual stack."""
