#define _GNU_SOURCE
#include "CPrestartShims.h"

#include <dirent.h>
#include <fcntl.h>
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

void prestart_close_from(int lowest) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) {
        return;
    }
#endif
    // Kernels before 5.9: walk /proc/self/fd instead of looping to RLIMIT_NOFILE.
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        return;
    }
    int own = dirfd(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        int fd = atoi(entry->d_name);
        if (fd >= lowest && fd != own) {
            close(fd);
        }
    }
    closedir(dir);
}

int prestart_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}
