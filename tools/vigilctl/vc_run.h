/* SPDX-License-Identifier: MIT */
/* vigilctl: running other programs (run.c). */
#ifndef VIGILCTL_VC_RUN_H
#define VIGILCTL_VC_RUN_H

/* Run argv (searched in PATH), stdout to out_path if given; 0 when it
 * exits 0, else a negative errno (the failure is reported). */
int vc_run(char *const argv[], const char *out_path) __attribute__((warn_unused_result));
/* Split s in place at blanks into argv[0..max); returns the count or -E2BIG. */
int vc_argv_split(char *s, char **argv, int max);

#endif
