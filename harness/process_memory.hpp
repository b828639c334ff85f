// process_memory: the resident set size of this process, read from /proc/self/statm. Cheap
// enough for the ~1 ms sampler (one pread on a descriptor kept open).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace smrlab {

class rss_reader {
 public:
  rss_reader() : fd_(::open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) {}
  ~rss_reader() {
    if (fd_ >= 0) ::close(fd_);
  }
  rss_reader(const rss_reader&) = delete;
  rss_reader& operator=(const rss_reader&) = delete;

  // Bytes resident now, or 0 where /proc is unavailable.
  std::uint64_t bytes() const {
    if (fd_ < 0) return 0;
    char buf[128];
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char* end = nullptr;
    std::strtoull(buf, &end, 10);  // total program size; the second field is resident
    const std::uint64_t pages = std::strtoull(end, nullptr, 10);
    return pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  }

 private:
  int fd_;
};

}  // namespace smrlab
