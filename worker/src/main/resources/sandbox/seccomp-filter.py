# Writes the sandbox's syscall filter as a BPF program (bubblewrap's --seccomp) with libseccomp's
# own bindings: the kernel interfaces a task never needs and that give namespace root its attack
# surface fail with EPERM. The list follows Docker's default profile: what it leaves out of its
# allow list for an unprivileged container, plus the namespace and io_uring calls.
# Usage: python3 -I seccomp-filter.py OUT
import errno
import sys

import seccomp

DENIED = [
    # new namespaces, mounts and root changes
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    # kernel programs, keys, async rings, page-fault handlers, performance counters
    "bpf", "keyctl", "add_key", "request_key", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "userfaultfd", "perf_event_open",
    # other processes' memory
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    # modules, kexec, reboot, swap, accounting, quotas, clocks, kernel log
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "syslog", "vhangup", "iopl", "ioperm",
    # file handles bypass path checks; NUMA policy and old interfaces
    "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "uselib", "ustat", "sysfs",
    "mbind", "set_mempolicy", "move_pages", "nfsservctl", "personality",
]

NAMESPACE_FLAGS = [
    0x10000000,  # CLONE_NEWUSER
    0x00020000,  # CLONE_NEWNS
    0x40000000,  # CLONE_NEWNET
    0x20000000,  # CLONE_NEWPID
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x02000000,  # CLONE_NEWCGROUP
    0x00000080,  # CLONE_NEWTIME
]


def main(out_path):
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            f.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError):
            pass  # not a syscall of this architecture
    for flag in NAMESPACE_FLAGS:
        f.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
    f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    with open(out_path, "wb") as out:
        f.export_bpf(out)


if __name__ == "__main__":
    main(sys.argv[1])
