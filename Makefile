# The two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
# Packages type-checked with mypy --strict (pyproject's [[tool.mypy.overrides]] says the same).
STRICT_PKGS := kiosk_base card printers drivers backend_client kiosk kiosk_sim

.PHONY: bootstrap demo screenshots test lint typecheck imports pytest bench soak fuzz deb clean

bootstrap:
	@bash installer/bootstrap.sh

demo: bootstrap screenshots
	@bash installer/demo.sh

# Every screen type in zh and en, normal and elder mode, at 1280x800 and 1920x1080, off-screen
# from the real kiosk, layout-checked (kiosk_sim/screenshots.py). DOCS=docs/screenshots also
# refreshes README's small copies.
screenshots: bootstrap
	QT_QPA_PLATFORM=offscreen $(PY) -m kiosk_sim.screenshots --out demo-out/screenshots \
	  $(if $(DOCS),--docs $(DOCS))

test: bootstrap lint typecheck imports pytest

lint:
	$(VENV)/bin/ruff check .

typecheck:
	$(VENV)/bin/mypy $(STRICT_PKGS) backend_sim

# The layer contract (pyproject's [tool.importlinter]): no package imports a layer above it.
imports:
	$(VENV)/bin/lint-imports --no-logo

# The catalog matrix (tests/e2e/test_catalog_matrix.py) runs on its own, on parallel
# workers: each worker takes whole (service, route) classes (--dist loadscope).
MATRIX_WORKERS ?= 2

# The SIGKILL crash proofs (marked "parallel") share that pass: one module per worker.
pytest:
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not matrix and not parallel"
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "matrix or parallel" -n $(MATRIX_WORKERS) --dist loadscope tests/e2e

bench: bootstrap
	$(PY) bench/run_all.py

soak: bootstrap
	@mkdir -p bench-out
	GOVKIOSK_SOAK=1 $(VENV)/bin/pytest -q -s -p no:cacheprovider tests/soak

# Every fuzz target with >= 100,000 derandomized cases (two at a time on the 2 cores),
# at most 240 s each. Not part of `make test`; its findings become unit tests.
fuzz: bootstrap
	@$(PY) -m fuzz.run --list | xargs -P2 -I{} $(PY) -m fuzz.run --cases 100000 --time-limit 240 {}

# The Debian 12 packages (dist/*.deb): see packaging/build-deb.sh and README "Installing a terminal".
deb:
	@bash packaging/build-deb.sh

clean:
	rm -rf $(VENV) demo-out bench-out dist .mypy_cache .ruff_cache
