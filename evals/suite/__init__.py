"""``copydesk eval suite``: golden-set evaluation with RAGAS and copydesk's own metrics, a CI gate, reports."""
