# OvS.p4 top-level Makefile.
#
#   make venv     ./.venv with ovsp4 (editable) and its dependencies
#   make check    the whole test suite (does its own set-up)
#   make lint     ruff
#   make bench    benchmarks (figures and baselines, not pass/fail)
#   make schema   build/ovs/share/vswitch-p4.ovsschema: OVS's schema with the
#                 P4 records (ovsdb-schema/, Documentation/management.md)

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: all deps venv check lint bench demo clean schema

all: venv

include datapath/runtime.mk
include datapath/ovs.mk

# System packages the build and the tests need (Debian, as root).
DEB_PACKAGES := cpp gcc make python3-venv iproute2 iputils-ping
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.stamp: setup.cfg pyproject.toml ovsp4/protogen.py
	$(MAKE) deps
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[test]'
	$(VPY) -m ovsp4.protogen
	touch $@

venv: $(VENV)/.stamp

# The Open_vSwitch schema of make ovs's tree, extended with the P4 records.
P4_SCHEMA := $(OVSP4_BUILD)/ovs/share/vswitch-p4.ovsschema
$(P4_SCHEMA): $(OVSP4_BUILD)/ovs/.stamp ovsdb-schema/p4.overlay.json ovsdb-schema/extend-schema.py \
              ovsp4/ovsdb/schema.py
	$(PYTHON) ovsdb-schema/extend-schema.py $(OVSP4_BUILD)/ovs/share/vswitch.ovsschema -o $@
schema: $(P4_SCHEMA)

check: venv ovs schema
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check ovsp4 tests benchmarks

demo: venv ovs schema
	tools/demo.sh

bench: venv
	$(VPY) benchmarks/compile_time.py
	$(VPY) benchmarks/simulator_bench.py
	$(VPY) benchmarks/ovs_bench.py

clean:
	rm -rf $(VENV) build
