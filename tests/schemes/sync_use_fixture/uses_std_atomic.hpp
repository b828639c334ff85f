// A header that synchronizes with std::atomic directly: cmake/check_sync_use.cmake must reject
// it (ctest contract.sync_check_rejects_std_atomic). Never compiled.
#pragma once

#include <atomic>

namespace smrlab_test::sync_fixture {
// std::atomic<int> in a comment is fine.
std::atomic<int> flag{0};
}  // namespace smrlab_test::sync_fixture
