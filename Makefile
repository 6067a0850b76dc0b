# Two commands for a new user; each sets up .venv from pyproject.toml when missing.
#   make demo   run the main job on the shipped scenarios
#   make test   lint and type-check, then every test (doctests and notebooks included)
#   make app    serve the explorer on http://localhost:8765 (make lab: JupyterLab on notebooks/)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test app lab notebooks lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster,app]'
	touch $(STAMP)

# The policy scenarios against the baseline; DEMO_REPS keeps it under ~3 minutes on 2 cores.
DEMO_REPS ?= 8
DEMO_SCENARIOS := baseline campaign_mode satisfaction_reform joint_mechanism smart_platform \
	performance_linked_budget more_grid_workers redeploy_grid_workers

demo: $(STAMP)
	$(BIN)/civsim validate scenarios/*.yaml
	$(BIN)/civsim compare $(DEMO_SCENARIOS:%=scenarios/%.yaml) --reps $(DEMO_REPS) --out $(OUT)/demo

# The tests run in TEST_WORKERS processes (pytest-xdist; default: every core), each test file
# whole in one of them: a file's module fixtures (the county's checks) are computed once, and a
# notebook's cells run in order in one kernel. TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadfile

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy civsim
	$(BIN)/python -m pytest -q $(XDIST)
	$(BIN)/python -m pytest -q $(XDIST) --nbval notebooks/ --nbval-sanitize-with notebooks/nbval_sanitize.cfg

# The explorer on localhost (civsim app); APP_PORT to change the port.
APP_PORT ?= 8765
app: $(STAMP)
	$(BIN)/civsim app --port $(APP_PORT) --open

# JupyterLab on the notebooks (10_explorer shows the explorer inside it); needs the lab extra.
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab --notebook-dir notebooks

# Re-execute the notebooks and store their outputs (after a change in results); needs the lab extra.
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.store_widget_state=False *.ipynb

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
