#define _GNU_SOURCE
#include "CPrestartShims.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int prestart_pipe2(int fds[2], int flags) {
    return pipe2(fds, flags);
}

int prestart_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int prestart_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

void prestart_cloexec_from(int lowest) {
#ifdef SYS_close_range
    // Linux 5.11: CLOSE_RANGE_CLOEXEC.
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 4U) == 0) {
        return;
    }
#endif
    // Older kernels: walk /proc/self/fd instead of looping to RLIMIT_NOFILE.
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        return;
    }
    int own = dirfd(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        int fd = atoi(entry->d_name);
        if (fd >= lowest && fd != own) {
            int flags = fcntl(fd, F_GETFD);
            if (flags >= 0) {
                fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
            }
        }
    }
    closedir(dir);
}

int prestart_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static volatile sig_atomic_t signal_pipe_fd = -1;

static void write_signal_to_pipe(int number) {
    int saved = errno;
    unsigned char byte = (unsigned char)number;
    ssize_t ignored = write(signal_pipe_fd, &byte, 1);
    (void)ignored;
    errno = saved;
}

int prestart_install_signal_pipe(int fd, const int *signals, int count) {
    signal_pipe_fd = fd;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = write_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int index = 0; index < count; index++) {
        if (sigaction(signals[index], &action, NULL) != 0) {
            return -1;
        }
    }
    return 0;
}

int prestart_available_cores(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}
