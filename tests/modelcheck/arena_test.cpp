#include "modelcheck/arena.hpp"

#include <gtest/gtest.h>

// The tests read freed blocks on purpose: that is what the arena is for.
#pragma GCC diagnostic ignored "-Wuse-after-free"

#include <cstring>

namespace smr::modelcheck {
namespace {

TEST(arena, a_freed_block_keeps_its_address_is_poisoned_and_is_found_by_any_interior_address) {
  arena::begin();
  auto* a = static_cast<std::uint64_t*>(::operator new[](4 * sizeof(std::uint64_t)));
  auto* b = static_cast<std::uint64_t*>(::operator new(sizeof(std::uint64_t)));
  EXPECT_EQ(arena::live().blocks, 2U);
  ::operator delete[](a);
  EXPECT_EQ(arena::live().blocks, 1U);
  const auto f = arena::freed_at(a + 2);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->size, 4 * sizeof(std::uint64_t));
  EXPECT_FALSE(f->thread.has_value());  // not freed by a model thread
#if !defined(__SANITIZE_ADDRESS__)      // under ASan the read itself is the report
  unsigned char first = 0;
  std::memcpy(&first, a, 1);  // reading poisoned memory on purpose
  EXPECT_EQ(first, 0xdb);
#endif
  EXPECT_FALSE(arena::freed_at(b).has_value());
  ::operator delete(b);
  EXPECT_EQ(arena::live().blocks, 0U);
  arena::end();
}

TEST(arena, addresses_repeat_from_one_execution_to_the_next) {
  arena::begin();
  void* first = ::operator new(sizeof(int));
  arena::end();
  arena::begin();
  void* again = ::operator new(sizeof(int));
  EXPECT_EQ(first, again);
  ::operator delete(again);
  arena::end();
}

TEST(arena, a_double_free_outside_a_model_thread_is_reported_once) {
  arena::begin();
  // The operators themselves: a new-expression and its delete may be elided by the compiler.
  void* p = ::operator new(sizeof(int));
  ::operator delete(p);
  ::operator delete(p);  // the misuse under test
  const char* e = arena::take_error();
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string(e).find("double free"), std::string::npos);
  EXPECT_EQ(arena::take_error(), nullptr);
  arena::end();
}

TEST(arena, outside_an_execution_operator_new_is_malloc) {
  void* p = ::operator new(sizeof(int));
  char buffer[40];
  EXPECT_EQ(arena::describe(p, buffer).rfind("heap+", 0), std::string_view::npos);
  ::operator delete(p);
  EXPECT_FALSE(arena::freed_at(p).has_value());
}

}  // namespace
}  // namespace smr::modelcheck
