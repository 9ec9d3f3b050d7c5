# Protocol packet builder. `make bundle` and `make test` set up everything they need on first run.
AGENCY ?= harbor-family-health
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.installed
OFFICE := $(VENV)/.office
# LibreOffice's packages and minimum version: pipeline/content/libreoffice.yaml, the one source.
OFFICE_SPEC := pipeline/content/libreoffice.yaml
OFFICE_PACKAGES := $(shell sed -n 's/^packages: \[\(.*\)\]/\1/p' $(OFFICE_SPEC) | tr -d ,)

.PHONY: bundle validate test lint templates setup office clean archive bench bench-against batch reference

bundle: $(READY) $(OFFICE)  ## Build inputs/$(AGENCY) into outputs/$(AGENCY)
	$(BIN)/packet bundle inputs/$(AGENCY)

validate: $(READY)  ## Check inputs/$(AGENCY) without writing anything
	$(BIN)/packet validate inputs/$(AGENCY)

test: $(READY) $(OFFICE)  ## Run the whole test suite (PDF tests use LibreOffice)
	$(BIN)/pytest -q

lint: $(READY)
	$(BIN)/ruff check pipeline tests templates/source
	$(BIN)/ruff format --check pipeline tests templates/source

templates: $(READY)  ## Rebuild pipeline/templates/*.docx from templates/source/*.txt
	$(BIN)/python templates/source/build.py

setup: $(READY) $(OFFICE)

$(READY): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is needed: sudo apt-get install python3 python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# LibreOffice turns the bundle into a PDF, and the respondent form into a fillable PDF: that needs
# LibreOffice 7.5 or later (Debian 12 carries 25.2 in its bookworm-backports suite). Installed
# with apt-get when run as root on Debian; otherwise this says what to install.
OFFICE_MIN_MAJOR := $(shell sed -n 's/^minimum_version: "\([0-9]*\)\..*/\1/p' $(OFFICE_SPEC))
OFFICE_SUITE := $(shell sed -n 's/^debian_12_suite: //p' $(OFFICE_SPEC))
OFFICE_MIN_MINOR := $(shell sed -n 's/^minimum_version: "[0-9]*\.\([0-9]*\)"/\1/p' $(OFFICE_SPEC))
BACKPORTS_LIST := /etc/apt/sources.list.d/packet-builder-backports.sources
$(OFFICE):
	@version=$$(soffice --version 2>/dev/null | sed -n 's/^LibreOffice \([0-9]*\)\.\([0-9]*\).*/\1 \2/p'); \
	set -- $$version; \
	if [ -n "$$1" ] && { [ "$$1" -gt $(OFFICE_MIN_MAJOR) ] || { [ "$$1" -eq $(OFFICE_MIN_MAJOR) ] && [ "$$2" -ge $(OFFICE_MIN_MINOR) ]; }; } \
	    && /usr/bin/python3 -c "import uno" 2>/dev/null && fc-list 2>/dev/null | grep -qi carlito; then \
	  echo "LibreOffice found: $$(soffice --version 2>/dev/null | head -n 1)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  target=""; \
	  if grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then \
	    echo "Adding Debian's $(OFFICE_SUITE) suite for LibreOffice 25.2 ($(BACKPORTS_LIST))"; \
	    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: $(OFFICE_SUITE)\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > $(BACKPORTS_LIST); \
	    target="-t $(OFFICE_SUITE)"; \
	  fi; \
	  echo "Installing LibreOffice and fonts with apt-get..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$target $(OFFICE_PACKAGES) >/dev/null; \
	else \
	  echo "LibreOffice 7.5 or later and its fonts are needed for the PDFs. On Debian 12, install them with:"; \
	  echo "  echo 'deb http://deb.debian.org/debian $(OFFICE_SUITE) main' | sudo tee /etc/apt/sources.list.d/backports.list"; \
	  echo "  sudo apt-get update && sudo apt-get install -t $(OFFICE_SUITE) $(OFFICE_PACKAGES)"; \
	  echo "On Debian 13 or Ubuntu 24.04 and later: sudo apt-get install $(OFFICE_PACKAGES)"; \
	  echo "Without them, build the Word files only: $(BIN)/packet bundle inputs/$(AGENCY) --no-pdf"; \
	  exit 1; \
	fi
	@mkdir -p $(VENV) && touch $@

clean:  ## Remove the packets in outputs/ (files a person added or changed there stay)
	$(BIN)/python -m pipeline.publish outputs
	rm -rf .pytest_cache

# The year is the packet date's unless YEAR is given (then it must match, or see --fiscal-year).
YEAR ?=

archive: $(READY) $(OFFICE)  ## Archive inputs/$(AGENCY) under archive/, as the year of its packet date
	$(BIN)/packet archive inputs/$(AGENCY) $(if $(YEAR),--year $(YEAR))

bench: $(READY) $(OFFICE)  ## Print build times and memory (takes a few minutes)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m tests.benchmark  # as a user's runs: bytecode kept

bench-against: $(READY) $(OFFICE)  ## Time the sample's build against the code of REV=<commit>, in turn
	@test -n "$(REV)" || { echo "say which code to compare with: make bench-against REV=<commit>"; exit 2; }
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m tests.benchmark --against $(REV)

batch: $(READY) $(OFFICE)  ## Build every agency under inputs/ (only those that changed)
	$(BIN)/packet batch inputs

reference: $(READY)  ## Regenerate docs/reference/ (inputs from the schemas, commands from the CLI's help)
	$(BIN)/python -m pipeline.reference
