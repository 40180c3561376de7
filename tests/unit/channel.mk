# Unit tests of the management channel's pure logic (docs/channel.md):
# frames (vmm/channel_frame.c, kernel/crc32.c) and bundles (vmm/bundle*.c,
# verified with the VMM's own signature code).

UNIT_TESTS += frame
UNIT_SRCS_frame := kernel/crc32.c vmm/channel_frame.c tests/unit/test_frame.c
