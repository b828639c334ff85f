// michael_hash_map: Michael's lock-free hash table ("High performance dynamic lock-free hash
// tables and list-based sets", SPAA 2002), written once against the scheme contract. A set of
// keys.
//
// A fixed array of buckets, each a Harris-Michael list (structures/harris_michael_list): an
// operation hashes its key to one bucket and runs that list's operation, so everything the list
// guarantees holds per bucket (its find validates every step, so the map pairs with every
// scheme, hazard pointers included, and with NBR through the list's read and write phases).
// Michael's table does not resize; the bucket count is fixed at construction. The harness
// constructs it with the workload's key range (smr::key_range_hint) and gets the next power of
// two at or above it, so the load factor is at most 1 (one half at a 50/50 steady state, as in
// Michael's experiments); without a hint it has default_buckets buckets, so that the tests'
// small key ranges put several keys in a bucket. Keys go to buckets by Fibonacci hashing (the
// high bits of key x 2^64/phi), which spreads runs of consecutive keys.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemes/scheme.hpp"
#include "structures/harris_michael_list/harris_michael_list.hpp"
#include "structures/structure.hpp"

namespace smr {

template <class S>
class michael_hash_map {
  using bucket = harris_michael_list<S>;

 public:
  using key_type = std::uint64_t;
  using handle = typename S::thread_handle;
  using node = typename bucket::node;

  static constexpr std::string_view name = "michael_hash_map";
  static constexpr std::string_view description =
      "Michael (2002) lock-free hash table: a fixed array of Harris-Michael lists";
  static constexpr structure_kind kind = structure_kind::set;
  // Each operation is one bucket's list operation: the list's requirements, unchanged.
  static constexpr structure_requirements requirements = bucket::requirements;

  static constexpr std::size_t default_buckets = 64;
  static constexpr std::size_t max_buckets = std::size_t{1} << 24U;  // 16M buckets, 400 MB

  explicit michael_hash_map(typename S::domain& d) : michael_hash_map(d, default_buckets) {}
  // Sized for the workload (the harness's constructor): a power of two >= the key range.
  michael_hash_map(typename S::domain& d, key_range_hint hint)
      : michael_hash_map(d, std::bit_ceil(std::clamp<std::uint64_t>(hint.keys, 1, max_buckets))) {}
  michael_hash_map(const michael_hash_map&) = delete;
  michael_hash_map& operator=(const michael_hash_map&) = delete;
  // Each bucket's destructor hands its nodes to the scheme (see harris_michael_list).
  ~michael_hash_map() = default;

  bool contains(handle& h, key_type key) { return bucket_of(key).contains(h, key); }
  bool insert(handle& h, key_type key) { return bucket_of(key).insert(h, key); }
  bool remove(handle& h, key_type key) { return bucket_of(key).remove(h, key); }

  // At rest: every key, ascending (each bucket lists its own in order; the set contract wants
  // one strictly ascending list).
  std::vector<key_type> keys() const {
    std::vector<key_type> out;
    for (std::size_t b = 0; b < bucket_count_; ++b) {
      const std::vector<key_type> in_bucket = buckets_[b]->keys();
      out.insert(out.end(), in_bucket.begin(), in_bucket.end());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // At rest: each bucket passes its list's check, and holds only keys that hash to it.
  std::string check_structure() const {
    for (std::size_t b = 0; b < bucket_count_; ++b) {
      const std::string problem = buckets_[b]->check_structure();
      if (problem != "ok") return "bucket " + std::to_string(b) + ": " + problem;
      for (const key_type k : buckets_[b]->keys()) {
        if (index_of(k) != b) {
          return "key " + std::to_string(k) + " is in bucket " + std::to_string(b) +
                 ", but hashes to bucket " + std::to_string(index_of(k));
        }
      }
    }
    return "ok";
  }

  std::size_t bucket_count() const noexcept { return bucket_count_; }

  // The link an operation reads first, for fault injection's parked thread: bucket 0's head.
  const typename S::template link<node>& entry_link() const noexcept {
    return buckets_[0]->entry_link();
  }

 private:
  michael_hash_map(typename S::domain& d, std::size_t buckets)
      : bucket_count_(buckets),
        shift_(64U - static_cast<unsigned>(std::countr_zero(buckets))),
        buckets_(std::make_unique<std::optional<bucket>[]>(buckets)) {
    for (std::size_t b = 0; b < bucket_count_; ++b) buckets_[b].emplace(d);
  }

  // Fibonacci hashing: the top log2(buckets) bits of key x 2^64/phi (shift_ = 64 with one
  // bucket, where every key goes to bucket 0).
  std::size_t index_of(key_type key) const noexcept {
    if (shift_ >= 64U) return 0;
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> shift_);
  }
  bucket& bucket_of(key_type key) noexcept { return *buckets_[index_of(key)]; }

  std::size_t bucket_count_;
  unsigned shift_;
  std::unique_ptr<std::optional<bucket>[]> buckets_;
};

}  // namespace smr
