#include "schemes/marked_ptr.hpp"

#include <gtest/gtest.h>

namespace {

struct alignas(8) item {
  int v = 0;
};

TEST(marked_ptr, keeps_pointer_and_two_mark_bits_apart) {
  item x;
  const smr::marked_ptr<item> p(&x, 0b10);
  EXPECT_EQ(p.get(), &x);
  EXPECT_EQ(p.mark(), 0b10U);
  EXPECT_TRUE(p.is_marked(0b10));
  EXPECT_FALSE(p.is_marked(0b01));
  EXPECT_EQ(p.with_mark(0b01).get(), &x);
  EXPECT_EQ(p.with_mark(0b01).mark(), 0b01U);
  EXPECT_EQ(p.without_mark(), smr::marked_ptr<item>(&x));
  EXPECT_NE(p, smr::marked_ptr<item>(&x));
  EXPECT_TRUE(static_cast<bool>(p));
  EXPECT_FALSE(static_cast<bool>(smr::marked_ptr<item>(nullptr, 1)));  // marked null is null
}

TEST(atomic_marked_ptr, cas_reports_the_value_seen_on_failure) {
  item a, b;
  smr::atomic_marked_ptr<item> l{smr::marked_ptr<item>(&a)};
  smr::marked_ptr<item> expected(&b);
  EXPECT_FALSE(l.compare_exchange_strong(expected, smr::marked_ptr<item>(&b),
                                         std::memory_order_seq_cst, std::memory_order_seq_cst));
  EXPECT_EQ(expected.get(), &a);
  EXPECT_TRUE(l.compare_exchange_strong(expected, smr::marked_ptr<item>(&b, 1),
                                        std::memory_order_seq_cst, std::memory_order_seq_cst));
  const auto before = l.fetch_or_mark(0b10, std::memory_order_seq_cst);
  EXPECT_EQ(before.mark(), 0b01U);
  EXPECT_EQ(l.load(std::memory_order_relaxed).mark(), 0b11U);
  EXPECT_EQ(l.load(std::memory_order_relaxed).get(), &b);
}

}  // namespace
