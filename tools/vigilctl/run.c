// SPDX-License-Identifier: MIT
/* vigilctl: running the build tools (compiler, linker, objdump, make). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "tools/vigilctl/vc_run.h"
#include "tools/vigilctl/vigilctl.h"

extern char **environ;

int vc_run(char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, ret;

	posix_spawn_file_actions_init(&fa);
	if (out_path)
		posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		vc_err("cannot run %s: %s", argv[0], strerror(ret));
		return -ENOENT;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		vc_err("%s failed", argv[0]);
		return -EINVAL;
	}
	return 0;
}

int vc_argv_split(char *s, char **argv, int max)
{
	int n = 0;

	for (char *t = strtok(s, " \t\n"); t; t = strtok(NULL, " \t\n")) {
		if (n == max)
			return -E2BIG;
		argv[n++] = t;
	}
	return n;
}
