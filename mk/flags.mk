# Compiler flags shared by every freestanding part of the build.

CC := gcc
LD := ld
OBJCOPY := objcopy
HOSTCC := gcc

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
GCC_INC := $(shell $(CC) -print-file-name=include)

# Freestanding code: no libc headers but the project's own (include/libc) and
# GCC's (stdint.h, stddef.h, stdarg.h). No SSE, no red zone.
FREESTANDING := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(GCC_INC) -Iinclude/libc -Iinclude -I. \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -fno-strict-aliasing -fcf-protection=none

# The VMM: linked in the top 2 GiB. The stack-protector canary is read at
# %gs:0x28 (our code) and %fs:0x28 (Debian's libfdt.a); both bases point at
# the per-CPU block, whose canary field sits at offset 0x28. No frame
# pointer: nothing in the VMM walks frames (a debugger unwinds with the
# image's DWARF), and it saves three instructions per call on every exit.
VMM_CFLAGS := $(FREESTANDING) $(WARN) -fomit-frame-pointer -mcmodel=kernel -fno-pic -fno-pie \
	-fstack-protector-strong -mstack-protector-guard=tls \
	-mstack-protector-guard-reg=gs -mstack-protector-guard-offset=0x28
VMM_ASFLAGS := -Iinclude -I. -D__ASSEMBLY__

# Host tools and unit tests.
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -I.
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
