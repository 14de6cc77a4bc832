package dev.berth.shim.runc.spec;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * Berth's RUNTIME_DEFAULT seccomp profile: an allow-list, so a syscall added to a future kernel is refused until
 * someone decides it is safe. Left out on purpose: module loading, kexec, reboot, mount/umount, pivot_root, swap,
 * the kernel keyring, bpf, perf_event_open, ptrace and cross-process memory access, unshare/setns, clock and time
 * setting, io_uring (a long record of escapes) and personality. Denied calls fail with EPERM.
 */
final class DefaultSeccomp {
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    /** clone(2) flags that create namespaces: CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET. */
    private static final long CLONE_NAMESPACE_FLAGS = 0x7E020000L;

    private static final List<String> ARCHITECTURES = List.of(
            "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");

    // Names unknown on one architecture are skipped by runc, so 32-bit and time64 variants can sit in one list.
    private static final List<String> ALLOWED = List.of(
            // files and directories
            "access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "chmod", "fchmod", "fchmodat",
            "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32", "chroot",
            "creat", "open", "openat", "openat2", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "fcntl64",
            "flock", "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev",
            "pwritev2", "lseek", "_llseek", "sendfile", "sendfile64", "splice", "tee", "vmsplice",
            "copy_file_range", "readahead", "fadvise64", "fadvise64_64", "arm_fadvise64_64", "fallocate",
            "truncate", "truncate64", "ftruncate", "ftruncate64", "fsync", "fdatasync", "sync", "syncfs",
            "sync_file_range", "sync_file_range2", "arm_sync_file_range", "stat", "stat64", "lstat", "lstat64",
            "fstat", "fstat64", "fstatat64", "newfstatat", "statx", "statfs", "statfs64", "fstatfs", "fstatfs64",
            "getdents", "getdents64", "mkdir", "mkdirat", "mknod", "mknodat", "rmdir", "rename", "renameat",
            "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat", "readlink", "readlinkat",
            "umask", "utime", "utimes", "utimensat", "utimensat_time64", "futimesat", "getxattr", "lgetxattr",
            "fgetxattr", "setxattr", "lsetxattr", "fsetxattr", "listxattr", "llistxattr", "flistxattr",
            "removexattr", "lremovexattr", "fremovexattr", "ioctl", "inotify_init", "inotify_init1",
            "inotify_add_watch", "inotify_rm_watch", "fanotify_mark", "memfd_create",
            // waiting and polling
            "select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64",
            "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old",
            "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "pipe", "pipe2", "futex", "futex_time64",
            "futex_waitv", "set_robust_list", "get_robust_list", "nanosleep", "clock_nanosleep",
            "clock_nanosleep_time64", "pause", "restart_syscall",
            // asynchronous I/O
            "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
            "io_pgetevents_time64",
            // memory
            "brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mlock",
            "mlock2", "mlockall", "munlock", "munlockall", "remap_file_pages", "membarrier",
            // processes and threads
            "execve", "execveat", "fork", "vfork", "exit", "exit_group", "wait4", "waitid", "waitpid",
            "set_tid_address", "gettid", "getpid", "getppid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
            "arch_prctl", "prctl", "set_thread_area", "get_thread_area", "set_tls", "cacheflush", "breakpoint",
            "rseq", "capget", "capset", "getpriority", "setpriority", "getrlimit", "ugetrlimit", "setrlimit",
            "prlimit64", "getrusage", "times", "sysinfo", "uname", "getrandom", "getcpu", "seccomp",
            "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "ioprio_get", "ioprio_set",
            "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getattr", "sched_setattr",
            "sched_getparam", "sched_setparam", "sched_getscheduler", "sched_setscheduler",
            "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
            "sched_rr_get_interval_time64",
            "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
            // credentials
            "getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
            "getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32", "setuid",
            "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid", "setregid32", "setresuid",
            "setresuid32", "setresgid", "setresgid32", "setgroups", "setgroups32", "setfsuid", "setfsuid32",
            "setfsgid", "setfsgid32",
            // signals
            "kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn",
            "rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo",
            "rt_tgsigqueueinfo", "sigaltstack", "signalfd", "signalfd4", "alarm",
            // time (reading only) and timers
            "time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
            "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
            "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
            "timerfd_gettime64", "timerfd_settime", "timerfd_settime64",
            // sockets
            "socket", "socketpair", "socketcall", "bind", "listen", "accept", "accept4", "connect", "shutdown",
            "getsockname", "getpeername", "getsockopt", "setsockopt", "send", "sendto", "sendmsg", "sendmmsg",
            "recv", "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64",
            // System V and POSIX IPC (namespaced)
            "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semctl", "semtimedop",
            "semtimedop_time64", "msgget", "msgsnd", "msgrcv", "msgctl", "ipc", "mq_open", "mq_unlink",
            "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive", "mq_timedreceive_time64", "mq_notify",
            "mq_getsetattr");

    JsonObject profile() {
        JsonObject profile = new JsonObject();
        profile.addProperty("defaultAction", "SCMP_ACT_ERRNO");
        profile.addProperty("defaultErrnoRet", EPERM);
        profile.add("architectures", strings(ARCHITECTURES));
        JsonArray syscalls = new JsonArray();
        syscalls.add(rule(ALLOWED, "SCMP_ACT_ALLOW"));
        // clone may make threads and processes but no namespaces
        JsonObject clone = rule(List.of("clone"), "SCMP_ACT_ALLOW");
        JsonObject flagsArg = new JsonObject();
        flagsArg.addProperty("index", 0);
        flagsArg.addProperty("value", CLONE_NAMESPACE_FLAGS);
        flagsArg.addProperty("valueTwo", 0);
        flagsArg.addProperty("op", "SCMP_CMP_MASKED_EQ");
        JsonArray args = new JsonArray();
        args.add(flagsArg);
        clone.add("args", args);
        syscalls.add(clone);
        // clone3 hides its flags behind a pointer seccomp cannot read; ENOSYS makes libc fall back to clone
        JsonObject clone3 = rule(List.of("clone3"), "SCMP_ACT_ERRNO");
        clone3.addProperty("errnoRet", ENOSYS);
        syscalls.add(clone3);
        profile.add("syscalls", syscalls);
        return profile;
    }

    private static JsonObject rule(List<String> names, String action) {
        JsonObject rule = new JsonObject();
        rule.add("names", strings(names));
        rule.addProperty("action", action);
        return rule;
    }

    private static JsonArray strings(List<String> values) {
        JsonArray array = new JsonArray();
        values.forEach(array::add);
        return array;
    }
}
