// deny_membarrier: a test-only launcher that makes the membarrier system call fail, then runs a
// command. It installs a seccomp filter (a raw BPF program, no libseccomp) that answers
// SYS_membarrier with -1 and the given errno and lets every other call through, and execs the
// command, which inherits the filter (and so do its children). tests/cli/test_membarrier_refused.py
// uses it to check, for real, that hp_asym and ebr_asym are skipped with their reason on a kernel
// that lacks or refuses membarrier.
//   deny_membarrier ENOSYS|EPERM|EINVAL <command> [args...]
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

#if defined(__x86_64__)
constexpr unsigned this_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned this_arch = AUDIT_ARCH_AARCH64;
#else
#error "deny_membarrier: add this architecture's AUDIT_ARCH_ value"
#endif

int errno_named(std::string_view name) {
  if (name == "ENOSYS") return ENOSYS;
  if (name == "EPERM") return EPERM;
  if (name == "EINVAL") return EINVAL;
  return -1;
}

// Fails membarrier with `err`; another architecture's calls are killed (their numbers differ).
bool install_filter(int err) {
  sock_filter program[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, this_arch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
      BPF_STMT(BPF_RET | BPF_K,
               SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof(program) / sizeof(program[0])), program};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int err = argc >= 3 ? errno_named(argv[1]) : -1;
  if (err < 0) {
    std::fprintf(stderr, "usage: deny_membarrier ENOSYS|EPERM|EINVAL <command> [args...]\n");
    return 2;
  }
  if (!install_filter(err)) {
    std::fprintf(stderr, "deny_membarrier: cannot install the seccomp filter: %s\n",
                 std::strerror(errno));
    return 3;
  }
  execvp(argv[2], argv + 2);
  std::fprintf(stderr, "deny_membarrier: cannot run %s: %s\n", argv[2], std::strerror(errno));
  return 127;
}
