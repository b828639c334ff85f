// nbr_bag: one thread's retire bag under nbr_plus, preallocated (no allocation per retire once it
// has its capacity), with NBR+'s bookmark: the bag's length when it passed the low watermark.
// Freeing keeps the order of what stays, so the bookmark's prefix stays a prefix.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "schemes/free_pacing.hpp"
#include "schemes/retired_object.hpp"

namespace smr {

class nbr_bag {
 public:
  explicit nbr_bag(std::size_t capacity) { items_.reserve(capacity); }

  void push(const retired_object& o) { items_.push_back(o); }
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  retired_list& items() noexcept { return items_; }

  // NBR+: the bag's prefix retired before the low watermark was passed; 0 = none set.
  std::size_t bookmark() const noexcept { return bookmark_; }
  void set_bookmark() noexcept { bookmark_ = items_.size(); }

  // Releases every object of [0, end) that `reserved(address)` does not keep, into `pacing`, and
  // closes the gaps in order; clears the bookmark. Returns how many were freed now.
  template <class Reserved>
  std::size_t free_unreserved(std::size_t end, Reserved&& reserved, free_pacing& pacing) {
    std::size_t kept = 0;
    std::size_t freed = 0;
    for (std::size_t i = 0; i < end; ++i) {
      if (reserved(items_[i].address())) {
        items_[kept++] = items_[i];
      } else {
        freed += pacing.release(items_[i]);
      }
    }
    const auto tail = items_.begin() + static_cast<std::ptrdiff_t>(end);
    const auto to =
        std::copy(tail, items_.end(), items_.begin() + static_cast<std::ptrdiff_t>(kept));
    items_.erase(to, items_.end());
    bookmark_ = 0;
    return freed;
  }

 private:
  retired_list items_;
  std::size_t bookmark_ = 0;
};

}  // namespace smr
