/* SPDX-License-Identifier: MIT */
/* Backend selection: the first backend whose probe accepts this CPU. */
#include <errno.h>
#include <stddef.h>
#include "arch/x86/vendor.h"

static const struct vcpu_vendor_ops *const vendor_backends[] = { &svm_ops, &vmx_ops };

const struct vcpu_vendor_ops *vendor_ops __attribute__((section(".data.ro_after_init")));

int vendor_select(const char **why)
{
	for (size_t i = 0; i < sizeof(vendor_backends) / sizeof(vendor_backends[0]); i++)
		if (!vendor_backends[i]->probe(why)) {
			vendor_ops = vendor_backends[i];
			return 0;
		}
	return -ENODEV;
}
