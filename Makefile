# Convenience wrappers; tasks.py does the work and needs only Python 3.11+.
PYTHON ?= python3
.PHONY: demo test lint bench
demo:
	$(PYTHON) tasks.py demo
test:
	$(PYTHON) tasks.py test
lint:
	$(PYTHON) tasks.py lint
bench:
	$(PYTHON) tasks.py bench
