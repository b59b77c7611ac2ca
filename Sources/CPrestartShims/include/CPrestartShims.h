#ifndef PRESTART_SHIMS_H
#define PRESTART_SHIMS_H

#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>

/// `pipe2` needs `_GNU_SOURCE`, which Swift's Glibc module does not define.
int prestart_pipe2(int fds[2], int flags);

/// The CPUs this process may run on (`sched_getaffinity`, which a container's cpuset narrows), at least 1: a GNU
/// extension.
int prestart_available_cores(void);

/// `posix_spawn_file_actions_addchdir_np` is a GNU extension (glibc 2.29).
int prestart_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// `posix_spawn_file_actions_addclosefrom_np` is a GNU extension (glibc 2.34): the spawned program gets no
/// descriptor from `lowest` up, whether or not it was opened with `O_CLOEXEC`.
int prestart_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// Marks every descriptor from `lowest` up close-on-exec, for the moment before `execve`: they close in
/// `execve` itself. Closing them outright would pull them from under prestart's other threads (the
/// concurrency runtime's event descriptors among them), which then crash before `execve` completes.
void prestart_cloexec_from(int lowest);

/// Makes this process a child subreaper, so orphans of its descendants are re-parented to it.
int prestart_set_child_subreaper(void);

/// Installs one handler for `signals` that writes each signal's number as a byte to `fd` (a self-pipe):
/// the only async-signal-safe work there is to do, whichever thread the kernel picks.
int prestart_install_signal_pipe(int fd, const int *signals, int count);

/// The wait-status macros are not importable into Swift.
static inline int prestart_wifexited(int status) { return WIFEXITED(status); }
static inline int prestart_wexitstatus(int status) { return WEXITSTATUS(status); }
static inline int prestart_wifsignaled(int status) { return WIFSIGNALED(status); }
static inline int prestart_wtermsig(int status) { return WTERMSIG(status); }

/// `si_pid` sits in a union Swift does not see through.
static inline pid_t prestart_siginfo_pid(const siginfo_t *info) { return info->si_pid; }

#endif
