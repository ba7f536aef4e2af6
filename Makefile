# The two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STRICT_PKGS := drivers card printers backend_client

.PHONY: bootstrap demo test lint typecheck pytest bench clean deb

bootstrap:
	@bash installer/bootstrap.sh

demo: bootstrap
	@bash installer/demo.sh

test: bootstrap lint typecheck pytest

lint:
	$(VENV)/bin/ruff check .

typecheck:
	$(VENV)/bin/mypy $(STRICT_PKGS) kiosk backend_sim

# The catalog matrix (tests/e2e/test_catalog_matrix.py) runs on its own, on parallel
# workers: each worker takes whole (service, route) classes (--dist loadscope).
MATRIX_WORKERS ?= 2

pytest:
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not matrix"
	$(VENV)/bin/pytest -q -p no:cacheprovider -m matrix -n $(MATRIX_WORKERS) --dist loadscope tests/e2e

bench: bootstrap
	@mkdir -p bench-out
	@set -e; for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b | tee -a bench-out/results.jsonl; done

# The Debian 12 packages (dist/*.deb): see packaging/build-deb.sh and README "Installing a terminal".
deb:
	@bash packaging/build-deb.sh

clean:
	rm -rf $(VENV) demo-out bench-out dist .mypy_cache .ruff_cache
