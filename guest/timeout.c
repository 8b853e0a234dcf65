/* memhp-timeout SECONDS COMMAND: runs COMMAND with `sh -c` in a process
 * group of its own and, once SECONDS have passed, sends SIGINT to the
 * whole group, as Ctrl-C would. Exits as the command did: its status, or
 * 128 + the signal that ended it.
 *
 * busybox's timeout signals one process only: a shell script waiting for
 * a subshell stuck in write(2) would die and leave the writer stuck (an
 * offline that retries until signalled, offlining.md §4). Here every
 * process of the command sees the signal, so the kernel's retry loop
 * ends with EINTR. Built static by scripts/guest-kernel.sh. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t expired;

static void on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

static int arm(double secs)
{
	struct itimerval it = {0};
	struct sigaction sa = {0};

	sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid() returns EINTR */
	if (sigaction(SIGALRM, &sa, NULL))
		return -1;
	it.it_value.tv_sec = (time_t)secs;
	it.it_value.tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

int main(int argc, char **argv)
{
	char *end;
	double secs;
	int status;
	pid_t pid;

	if (argc != 3 || (secs = strtod(argv[1], &end)) <= 0 || *end) {
		fprintf(stderr, "usage: memhp-timeout SECONDS COMMAND\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("memhp-timeout: fork");
		return 126;
	}
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", argv[2], (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid); /* either side may win the race: both ask */
	if (arm(secs)) {
		perror("memhp-timeout: setitimer");
		kill(-pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 126;
		if (expired == 1) {
			kill(-pid, SIGINT);
			expired = 2;
		}
	}
	/* Whatever the command left behind in its group goes too. */
	kill(-pid, SIGINT);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
