# Unit tests of the management channel's pure logic (docs/channel.md):
# frames (vmm/channel_frame.c, kernel/crc32.c) and bundles (vmm/bundle*.c,
# verified with the VMM's own signature code).

UNIT_TESTS += frame
UNIT_SRCS_frame := kernel/crc32.c vmm/channel_frame.c tests/unit/test_frame.c

UNIT_TESTS += bundle
UNIT_SRCS_bundle := vmm/bundle.c vmm/bundle_content.c vmm/bundle_verify.c \
	kernel/config.c kernel/format.c vmm/policy.c \
	$(CRYPTO_SRCS) tests/unit/tspec.c tests/unit/test_bundle.c
UNIT_CFLAGS_bundle := $(CRYPTO_INC)
UNIT_LIBS_bundle := $(MBEDTLS_HOST_LIB) -lfdt

# Guest package manifests (vmm/package.c, docs/formats.md), with the
# bundle decoder's helpers they share.
UNIT_TESTS += package
UNIT_SRCS_package := vmm/package.c vmm/bundle.c vmm/bundle_content.c kernel/config.c kernel/format.c \
	vmm/policy.c $(CRYPTO_SRCS) tests/unit/tspec.c tests/unit/test_package.c
UNIT_CFLAGS_package := $(CRYPTO_INC)
UNIT_LIBS_package := $(MBEDTLS_HOST_LIB) -lfdt

# vigilctl's channel commands end to end (bundles, patch build, and the
# client against tests/unit/fake_channel.py, a stand-in VMM).
UNIT_SCRIPTS += tests/unit/test_channel_cli.sh
UNIT_SCRIPT_DEPS += $(VIGILCTL)
# vigilctl's guest packages end to end.
UNIT_SCRIPTS += tests/unit/test_package_cli.sh

# The escapers of untrusted text: the VMM's (kernel/format.c) and
# vigilctl's (tools/vigilctl/escape.c).
UNIT_TESTS += escape
UNIT_SRCS_escape := kernel/format.c tools/vigilctl/escape.c tests/unit/test_escape.c

# The request dispatch with the real reply writer and audit log; the
# handlers are the test's own (they count their calls).
UNIT_TESTS += dispatch
UNIT_SRCS_dispatch := vmm/channel_dispatch.c vmm/channel_reply.c vmm/audit.c kernel/format.c \
	tests/unit/test_dispatch.c
UNIT_LIBS_dispatch := -lfdt

# The VMM's bundle applier with the real verifier's helpers and audit log;
# the guest and patch operations are the test's own (they count calls).
UNIT_TESTS += bundle_apply
UNIT_SRCS_bundle_apply := vmm/bundle_apply.c vmm/bundle.c vmm/bundle_content.c vmm/bundle_verify.c \
	vmm/audit.c kernel/config.c kernel/format.c vmm/policy.c \
	$(CRYPTO_SRCS) tests/unit/test_bundle_apply.c
UNIT_CFLAGS_bundle_apply := $(CRYPTO_INC)
UNIT_LIBS_bundle_apply := $(MBEDTLS_HOST_LIB) -lfdt

# docs/channel.md's tables of request types and refusal codes against the
# lists in include/vigil/channel.h.
UNIT_TESTS += channel_docs
UNIT_SRCS_channel_docs := tests/unit/test_channel_docs.c
