# OvS.p4: Open vSwitch with the `p4` datapath type.
#
# Include it from the top-level Makefile (`include datapath/ovs.mk`) or run
# it alone: `make -f datapath/ovs.mk ovs`.
#
#   ovs         build/ovs/{bin,share}: ovs-vswitchd, ovsdb-server, ovs-vsctl,
#               ovs-appctl, ovs-ofctl, ovs-dpctl, ovsdb-tool, ovsdb-client
#               and vswitch.ovsschema
#   ovs-deps    the Debian packages the build needs (apt-get, as root)
#   ovs-clean   removes build/ovs*
#
# The Open vSwitch source is Debian's `openvswitch-source` tarball unless
# OVS_SRC names another source tree (a git checkout or an unpacked release),
# which is copied, never modified.  The build stages the source with the
# patches of datapath/ovs-patches/ applied and the files of datapath/ovs/
# (plus the pipeline ABI header) copied into lib/, then syncs the staged
# tree into build/ovs-src, copying only the files that differ, so that
# OVS's own make rebuilds only what changed.  Everything is keyed on the
# contents of the inputs (build/ovs-key): a second `make ovs` with nothing
# changed does nothing.  See Documentation/ovs-integration.md.
#
# Knobs: OVSP4_BUILD (default build), OVS_SRC, OVS_TARBALL, OVS_JOBS,
# OVS_CONFIGURE_FLAGS, OVS_CFLAGS.

OVS_MK_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
OVSP4_BUILD ?= build

OVS_SRC ?=
OVS_TARBALL ?= $(firstword $(wildcard /usr/src/openvswitch/openvswitch.tar.*) \
                           /usr/src/openvswitch/openvswitch.tar.gz)
OVS_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Debian's paths, so that the tools find /var/run/openvswitch/db.sock as the
# packaged ones do; static libraries; no DPDK.
OVS_CONFIGURE_FLAGS ?= --prefix=/usr --localstatedir=/var --sysconfdir=/etc \
    --enable-static --disable-shared --with-dpdk=no
OVS_CFLAGS ?= -g -O2

OVS_STAGE := $(abspath $(OVSP4_BUILD)/ovs-stage)
OVS_TREE := $(abspath $(OVSP4_BUILD)/ovs-src)
OVS_OUT := $(abspath $(OVSP4_BUILD)/ovs)
OVS_KEY := $(abspath $(OVSP4_BUILD)/ovs-key)
OVS_SRC_ABS := $(if $(OVS_SRC),$(abspath $(OVS_SRC)))

OVS_PATCHES := $(sort $(wildcard $(OVS_MK_DIR)/ovs-patches/*.patch))
OVS_NEW_FILES := $(sort $(wildcard $(OVS_MK_DIR)/ovs/*.c $(OVS_MK_DIR)/ovs/*.h))
OVS_ABI_HEADER := $(OVS_MK_DIR)/include/ovsp4/pipeline.h

# What `make ovs` builds, as paths in the OVS tree.
OVS_PROGRAMS := vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool \
    ovsdb/ovsdb-client utilities/ovs-vsctl utilities/ovs-appctl \
    utilities/ovs-ofctl utilities/ovs-dpctl

OVS_DEB_PACKAGES := gcc make patch autoconf automake libtool python3 \
    libssl-dev libcap-ng-dev $(if $(OVS_SRC),,openvswitch-source)

# Files whose change means ./configure must run again.
OVS_AUTOTOOLS_RE := ^(configure|configure\.ac|aclocal\.m4|Makefile\.in|config\.h\.in|m4/.*|build-aux/.*)$$

.PHONY: ovs ovs-deps ovs-clean ovs-key-force

ovs: $(OVS_OUT)/.stamp

ovs-key-force: ;

ovs-deps:
	@missing=""; for p in $(OVS_DEB_PACKAGES); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "ovs: missing Debian packages:$$missing (run as root)" >&2; \
	        exit 1; \
	    fi; \
	    echo "ovs: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# The key: a digest of every input of the build.  Rewritten only when it
# changes, so that its timestamp moves only then.
$(OVS_KEY): ovs-key-force | ovs-deps
	@mkdir -p $(@D)
	@set -e; { \
	    echo "configure: $(OVS_CONFIGURE_FLAGS) CFLAGS=$(OVS_CFLAGS)"; \
	    if [ -n "$(OVS_SRC_ABS)" ]; then \
	        echo "source: $(OVS_SRC_ABS)"; \
	        if [ -e "$(OVS_SRC_ABS)/.git" ]; then \
	            git -C "$(OVS_SRC_ABS)" rev-parse HEAD; \
	            git -C "$(OVS_SRC_ABS)" diff HEAD | sha256sum; \
	        else \
	            (cd "$(OVS_SRC_ABS)" && find . -type f $(OVS_SRC_EXCLUDE_FIND) \
	                -printf '%P %s %T@\n' | LC_ALL=C sort | sha256sum); \
	        fi; \
	    else \
	        echo "source: $(OVS_TARBALL)"; sha256sum < "$(OVS_TARBALL)"; \
	    fi; \
	    for f in $(OVS_PATCHES) $(OVS_NEW_FILES) $(OVS_ABI_HEADER); do \
	        printf '%s ' "$$(basename $$f)"; sha256sum < $$f; done; \
	} > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# Build products left in a user's tree that must not be copied.
OVS_SRC_EXCLUDES := '*.o' '*.lo' '*.la' '*.a' '.libs' '.deps' 'config.status' \
    'config.log' 'libtool' 'stamp-h1' './config.h' './Makefile' '.git'
OVS_SRC_EXCLUDE_FIND := ! -name '*.o' ! -name '*.lo' ! -name '*.la' \
    ! -name '*.a' ! -path './.git/*' ! -path '*/.libs/*' ! -path '*/.deps/*'

define ovs_stage
	@rm -rf $(OVS_STAGE); mkdir -p $(OVS_STAGE)
	@if [ -n "$(OVS_SRC_ABS)" ]; then \
	    if [ -e "$(OVS_SRC_ABS)/.git" ]; then \
	        git -C "$(OVS_SRC_ABS)" ls-files -z \
	            | tar -C "$(OVS_SRC_ABS)" --null -T - -cf - \
	            | tar -C $(OVS_STAGE) -xf -; \
	    else \
	        tar -C "$(OVS_SRC_ABS)" $(addprefix --exclude=,$(OVS_SRC_EXCLUDES)) \
	            -cf - . | tar -C $(OVS_STAGE) -xf -; \
	    fi; \
	else \
	    tar -C $(OVS_STAGE) --strip-components=1 -xf "$(OVS_TARBALL)"; \
	fi
	@for p in $(abspath $(OVS_PATCHES)); do \
	    echo "ovs: applying $$(basename $$p)"; \
	    patch -d $(OVS_STAGE) -p1 -s -f --no-backup-if-mismatch < $$p \
	        || { echo "ovs: $$p does not apply" >&2; exit 1; }; \
	done
	@mkdir -p $(OVS_STAGE)/lib/ovsp4
	@cp $(OVS_NEW_FILES) $(OVS_STAGE)/lib/
	@cp $(OVS_ABI_HEADER) $(OVS_STAGE)/lib/ovsp4/
	@cd $(OVS_STAGE) && autoreconf --install --force >$(OVS_TREE).autoreconf.log 2>&1 \
	    || { cat $(OVS_TREE).autoreconf.log >&2; exit 1; }
	@rm -rf $(OVS_STAGE)/autom4te.cache
endef

# Copies the staged files that differ into the tree; sets need_configure
# when an autotools file changed.
define ovs_sync
	need_configure=no; \
	if [ ! -e $(OVS_TREE)/configure ]; then \
	    rm -rf $(OVS_TREE); mv $(OVS_STAGE) $(OVS_TREE); need_configure=yes; \
	else \
	    changed=$$(cd $(OVS_STAGE) && LC_ALL=C diff -rq . $(OVS_TREE) 2>/dev/null \
	        | sed -n -e 's|^Files \./\(.*\) and .* differ$$|\1|p' \
	                 -e 's|^Only in \.\(/.*\)\?: \(.*\)$$|\1/\2|p' \
	        | sed 's|^/||'); \
	    for f in $$changed; do \
	        mkdir -p $(OVS_TREE)/$$(dirname $$f); \
	        rm -rf $(OVS_TREE)/$$f; cp -R $(OVS_STAGE)/$$f $(OVS_TREE)/$$f; \
	        echo "ovs: updated $$f"; \
	        if echo "$$f" | grep -Eq '$(OVS_AUTOTOOLS_RE)'; then \
	            need_configure=yes; fi; \
	    done; \
	    rm -rf $(OVS_STAGE); \
	fi; \
	if [ "$$(cat $(OVS_TREE)/.ovsp4-configured 2>/dev/null)" \
	     != "$(OVS_CONFIGURE_FLAGS) CFLAGS=$(OVS_CFLAGS)" ]; then \
	    need_configure=yes; fi
endef

$(OVS_OUT)/.stamp: $(OVS_KEY)
	$(ovs_stage)
	@set -e; $(ovs_sync); \
	cd $(OVS_TREE); \
	if [ $$need_configure = yes ]; then \
	    rm -f .ovsp4-configured; \
	    touch aclocal.m4; touch configure config.h.in; touch Makefile.in; \
	    echo "ovs: configure $(OVS_CONFIGURE_FLAGS)"; \
	    ./configure $(OVS_CONFIGURE_FLAGS) CFLAGS="$(OVS_CFLAGS)" \
	        > configure.out 2>&1 || { tail -30 configure.out >&2; exit 1; }; \
	    echo "$(OVS_CONFIGURE_FLAGS) CFLAGS=$(OVS_CFLAGS)" > .ovsp4-configured; \
	fi
	@set -e; cd $(OVS_TREE); \
	built=$$($(MAKE) -s --no-print-directory \
	    --eval='ovsp4-print-built-sources: ; @echo $$(BUILT_SOURCES)' \
	    ovsp4-print-built-sources); \
	echo "ovs: make -j$(OVS_JOBS) (log: $(OVS_TREE)/make.out)"; \
	{ $(MAKE) --no-print-directory -j$(OVS_JOBS) $$built \
	  && $(MAKE) --no-print-directory -j$(OVS_JOBS) $(OVS_PROGRAMS); } \
	    > make.out 2>&1 || { grep -E -B2 -A8 'error|Error' make.out | tail -60 >&2; exit 1; }
	@mkdir -p $(OVS_OUT)/bin $(OVS_OUT)/share
	@for p in $(OVS_PROGRAMS); do \
	    cp --remove-destination $(OVS_TREE)/$$p $(OVS_OUT)/bin/; done
	@cp $(OVS_TREE)/vswitchd/vswitch.ovsschema $(OVS_OUT)/share/
	@cp $(OVS_KEY) $(OVS_OUT)/build-key
	@touch $@
	@echo "ovs: built $(OVS_OUT)"

ovs-clean:
	rm -rf $(OVS_STAGE) $(OVS_TREE) $(OVS_OUT) $(OVS_KEY) $(OVS_KEY).tmp
