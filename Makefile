# OvS.p4 top-level Makefile.
#
#   make venv     ./.venv with ovsp4 (editable) and its dependencies
#   make check    the whole test suite (does its own set-up)
#   make p4rt-clients  the real P4Runtime clients' virtual environments:
#                 build/venv-p4rt-shell (p4runtime-shell) and build/venv-finsy
#                 (finsy); they pin incompatible protobuf versions (ptf is in
#                 ./.venv, from setup.cfg's test extra)
#   make lint     ruff
#   make bench    benchmarks (figures and baselines, not pass/fail)
#   make schema   build/ovs/share/vswitch-p4.ovsschema: OVS's schema with the
#                 P4 records (ovsdb-schema/, Documentation/management.md)

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: all deps venv check lint bench demo clean schema p4rt-clients

all: venv

include datapath/runtime.mk
include datapath/ovs.mk

# System packages the build and the tests need (Debian, as root).
DEB_PACKAGES := cpp gcc make python3-venv python3-dev iproute2 iputils-ping openssl
# and, for benchmarks/grpc_write_client.cc (make bench), gRPC's C++ library.
BENCH_DEB_PACKAGES := g++ pkg-config libgrpc++-dev
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

# The real P4Runtime clients the tests drive ovs-p4rtd with, each in its own
# virtual environment (tests/p4rt_clients/README.md): p4runtime-shell pins
# protobuf<3.21, finsy needs protobuf>=6.33,<7, ovsp4 its own (setup.cfg).
P4RT_CLIENTS := tests/p4rt_clients
P4RT_VENVS := $(OVSP4_BUILD)/venv-p4rt-shell $(OVSP4_BUILD)/venv-finsy
$(OVSP4_BUILD)/venv-p4rt-shell/.stamp: $(P4RT_CLIENTS)/requirements-p4rt-shell.txt
$(OVSP4_BUILD)/venv-finsy/.stamp: $(P4RT_CLIENTS)/requirements-finsy.txt
$(addsuffix /.stamp,$(P4RT_VENVS)):
	$(MAKE) deps
	rm -rf $(@D)
	$(PYTHON) -m venv $(@D)
	$(@D)/bin/python -m pip install --quiet --upgrade pip
	$(@D)/bin/python -m pip install --quiet -r $<
	$(@D)/bin/python -m pip freeze > $(@D)/versions.txt
	touch $@
p4rt-clients: $(addsuffix /.stamp,$(P4RT_VENVS))

check: venv ovs schema p4rt-clients
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check ovsp4 tests benchmarks

demo: venv ovs schema
	tools/demo.sh

# The benchmark's own gRPC client, on the C++ library (a Python client costs
# more than the server it measures): benchmarks/p4runtime_bench.py uses it.
GRPC_WRITE_CLIENT := $(OVSP4_BUILD)/bench/grpc_write_client
$(GRPC_WRITE_CLIENT): benchmarks/grpc_write_client.cc
	$(MAKE) deps DEB_PACKAGES="$(BENCH_DEB_PACKAGES)"
	mkdir -p $(@D)
	g++ -O2 -std=c++17 -Wall -o $@ $< $$(pkg-config --cflags --libs grpc++)

bench: venv ovs schema $(GRPC_WRITE_CLIENT)
	$(VPY) benchmarks/compile_time.py
	$(VPY) benchmarks/simulator_bench.py
	$(VPY) benchmarks/ovs_bench.py
	$(VPY) benchmarks/p4runtime_translate_bench.py
	$(VPY) benchmarks/p4runtime_bench.py

clean:
	rm -rf $(VENV) build
