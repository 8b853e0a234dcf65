/* memhp mount and memhp exec: the model at a snapshot label, served over
 * FUSE (fuse_fs.c), on its own or under a command in a mount namespace
 * where the memory parts of /sys and /proc are the model's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "model_fuse.h"
#include "model_ns.h"
#include "machine.h"
#include "memhp/memhp.h"
#include "scenario.h"
#include "scenario_run.h"
#include "snapshot.h"
#include "vfs.h"

struct memhp_fs {
	struct scenario *sc;
	struct scenario_run run;
	struct model_fuse *fuse;
};

void memhp_fs_free(struct memhp_fs *fs)
{
	if (!fs)
		return;
	model_fuse_free(fs->fuse);
	scenario_run_release(&fs->run);
	scenario_free(fs->sc);
	free(fs);
}

int memhp_fs_open(const char *path, const struct memhp_fs_options *o, struct memhp_fs **out,
		  char *err, size_t errlen)
{
	struct scenario_run_options ro = {
	    .version = o->kernel,
	    .stop_after = o->at_label,
	    .sysroot_out = o->sysroot_out,
	};
	struct memhp_fs *fs = calloc(1, sizeof(*fs));
	char why[256];
	int ret;

	*out = NULL;
	if (!fs)
		return -ENOMEM;
	ret = scenario_parse_file(path, &fs->sc, err, errlen);
	if (!ret && o->sysroot_out && (ret = sysroot_dir_prepare(o->sysroot_out, why, sizeof(why))))
		snprintf(err, errlen, "--sysroot-out '%s': %s", o->sysroot_out, why);
	if (!ret)
		ret = scenario_run(fs->sc, &ro, &fs->run, err, errlen);
	if (!ret && !fs->run.machine)
		ret = -EINVAL;
	if (!ret)
		ret = model_fuse_new(fs->run.machine, scenario_run_checks_by_default(), &fs->fuse);
	if (ret) {
		memhp_fs_free(fs);
		return ret;
	}
	*out = fs;
	return 0;
}

int memhp_fs_mount(struct memhp_fs *fs, const char *dir, char *err, size_t errlen)
{
	return model_fuse_mount(fs->fuse, dir, true, err, errlen);
}

int memhp_fs_serve(struct memhp_fs *fs)
{
	int ret = model_fuse_serve(fs->fuse, 0, NULL);

	model_fuse_unmount(fs->fuse);
	return ret;
}

struct json_object *memhp_fs_result(const struct memhp_fs *fs)
{
	return fs->run.result;
}

/* The model now as snapshot `label` of the run JSON (after the last step
 * that ran) and, with dir, as the tree dir/label. */
int memhp_fs_snapshot(struct memhp_fs *fs, const char *label, const char *dir, char *err,
		      size_t errlen)
{
	struct json_object *steps, *snaps, *snap;
	int step = 0;

	if (json_object_object_get_ex(fs->run.result, "steps", &steps))
		step = (int)json_object_array_length(steps);
	snap = snapshot_capture(fs->run.machine, label, step);
	if (!snap || !json_object_object_get_ex(fs->run.result, "snapshots", &snaps)) {
		json_object_put(snap);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_object_array_add(snaps, snap);
	return dir ? sysroot_write(fs->run.machine, dir, label, err, errlen) : 0;
}

/* ---- memhp exec ---- */

struct exec_args {
	const char *fusedir;
	char *const *argv;
};

/* In the child: the model's parts over the real ones, then the command.
 * A setup failure goes to the parent through report (its text), and the
 * child exits 127. The parent serves FUSE meanwhile: binding a path of
 * the FUSE mount makes the kernel ask it. */
static void exec_child(void *arg, int report)
{
	const struct exec_args *a = arg;
	char msg[768];

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (model_ns_bind(a->fusedir, msg, sizeof(msg))) {
		if (write(report, msg, strlen(msg)) < 0)
			_exit(127);
		_exit(127);
	}
	execvp(a->argv[0], a->argv);
	snprintf(msg, sizeof(msg), "%s: %s", a->argv[0], strerror(errno));
	if (write(report, msg, strlen(msg)) < 0)
		_exit(127);
	_exit(127);
}

/* Runs argv with the model's tree in place until it exits; *status its
 * exit status (128 + signal when killed). The command's files are
 * released before we stop serving (drain). */
static int run_command(struct memhp_fs *fs, const char *fusedir, char *const argv[], int *status,
		       char *err, size_t errlen)
{
	struct exec_args a = {.fusedir = fusedir, .argv = argv};
	int wstatus = 0;
	int ret =
	    model_fuse_run_child(fs->fuse, exec_child, &a, true, ENOEXEC, &wstatus, err, errlen);

	if (ret)
		return ret;
	*status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	return 0;
}

int memhp_fs_exec(struct memhp_fs *fs, char *const argv[], int *status, char *err, size_t errlen)
{
	char fusedir[] = "/tmp/memhp-exec-XXXXXX";
	void (*old_int)(int), (*old_quit)(int);
	int ret;

	ret = model_fuse_available(err, errlen);
	if (!ret)
		ret = model_ns_enter(err, errlen);
	if (ret)
		return ret;
	if (!mkdtemp(fusedir)) {
		snprintf(err, errlen, "%s: %s", fusedir, strerror(errno));
		return -errno;
	}
	ret = model_fuse_mount(fs->fuse, fusedir, false, err, errlen);
	if (!ret) {
		/* As system() does: ^C is for the command; we serve until it ends. */
		old_int = signal(SIGINT, SIG_IGN);
		old_quit = signal(SIGQUIT, SIG_IGN);
		ret = run_command(fs, fusedir, argv, status, err, errlen);
		signal(SIGINT, old_int);
		signal(SIGQUIT, old_quit);
		model_ns_unbind();
		model_fuse_unmount(fs->fuse);
	}
	rmdir(fusedir);
	return ret;
}
