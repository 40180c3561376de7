// SPDX-License-Identifier: MIT
/*
 * The config check of `vigilctl config build`: the VMM's own validator,
 * config_parse() from kernel/config.c, compiled for the host, so a config
 * the VMM would refuse at boot is refused at build time by the same code.
 *
 * On top of it, two checks that need the host's crypto or a whole-config
 * view and cost the VMM nothing at build time:
 *   - every role key is a point on P-384 (sig_keyset_check, the verifier's
 *     own key set check), so a typo in a key fails now, not at the first
 *     bundle;
 *   - no key serves two roles: separation of duties means a patch key can
 *     never also count as an operator key.
 */
#include <errno.h>
#include <string.h>

#include "kernel/config.h"
#include "tools/vigilctl/vigilctl.h"

_Static_assert(CONFIG_KEY_LEN == SIG_POINT_LEN, "config keys are signature points");
_Static_assert(CONFIG_MAX_KEYS <= SIG_MAX_KEYS, "a role fits a key set");

static int vc_role_keys_check(const struct config *cfg, int id)
{
	const struct config_role *r = &cfg->roles[id];
	const struct sig_keyset set = { r->keys, r->key_count, r->threshold };
	uint8_t ids[SIG_MAX_KEYS][SIG_KEYID_LEN];
	const char *why = NULL;

	if (sig_keyset_check(&set, ids, &why)) {
		vc_err("config: /roles/%s: %s", config_role_names[id], why);
		return -EINVAL;
	}
	for (int other = 0; other < id; other++)
		for (unsigned i = 0; i < r->key_count; i++)
			for (unsigned j = 0; j < cfg->roles[other].key_count; j++)
				if (!memcmp(r->keys[i], cfg->roles[other].keys[j], SIG_POINT_LEN)) {
					vc_err("config: /roles/%s: key %u is also a key of role %s; "
					       "a key may serve one role only",
					       config_role_names[id], i, config_role_names[other]);
					return -EINVAL;
				}
	return 0;
}

int vc_config_check(const void *dtb, size_t len)
{
	static struct config cfg;
	char err[256];

	if (config_parse(dtb, len, &cfg, err, sizeof(err))) {
		vc_err("%s", err);
		return -EINVAL;
	}
	for (int id = 0; id < ROLE_COUNT; id++)
		if (vc_role_keys_check(&cfg, id))
			return -EINVAL;
	return 0;
}
