// hyaline_batch: the per-node metadata of hyaline and hyaline_s (hyaline_node), and the batches a
// thread retires nodes in (schemes/hyaline_core.hpp runs the algorithm on them). A batch is an
// intrusive chain (batch_next) of at least k+1 retired nodes, built by one thread; every node
// points at the batch's counting node (batch_link), the first one added, whose `refs` counts the
// readers that may still reach the batch, and which points back at the first node of the chain. The
// other nodes go one per slot into the slots' retirement lists (next). The counting node is never
// put in a list, so its `next` is free to link finished batches into a thread's local free list.
//
// Unlike lfsmr, no field shares storage with another: lfsmr overlays `refs` with `batch_next` and,
// in Hyaline-S, the birth era with the link words, so that the era must be read before retire
// overwrites them. Here hyaline_s_node keeps the birth era in a field of its own.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "schemes/free_pacing.hpp"
#include "schemes/retired_object.hpp"
#include "schemes/sync.hpp"

namespace smr {

class hyaline_node {
 public:
  hyaline_node() noexcept = default;
  hyaline_node(const hyaline_node&) = delete;
  hyaline_node& operator=(const hyaline_node&) = delete;

  // Written by the retiring thread before the CAS that puts the node in a slot list (whose release
  // publishes them), read by the readers that leave that slot.
  hyaline_node* next = nullptr;         // the slot list; in a counting node, the local free list
  hyaline_node* batch_link = nullptr;   // the counting node; in the counting node, the first node
  hyaline_node* batch_next = nullptr;   // the next node of the batch, nullptr after the last
  sync::atomic<std::uint64_t> refs{0};  // in the counting node: the batch's reference count

  // How to free the node (its type erased at retire); nullptr for a padding node.
  retired_object::reclaimer reclaim = nullptr;
  retired_object::erased_hook hook = nullptr;

  // Remembers how to free the node as a T, with the optional hook.
  template <class T>
  void erase_type(retired_object::hook<T> on_reclaim) noexcept {
    reclaim = &reclaim_as<T>;
    hook = reinterpret_cast<retired_object::erased_hook>(on_reclaim);
  }
  bool padding() const noexcept { return reclaim == nullptr; }
  retired_object as_retired() noexcept { return retired_object::erased(this, reclaim, hook); }

 private:
  template <class T>
  static void reclaim_as(void* object, retired_object::erased_hook h) {
    T* typed = static_cast<T*>(static_cast<hyaline_node*>(object));
    if (h != nullptr) reinterpret_cast<retired_object::hook<T>>(h)(typed);
    delete typed;
  }
};

// hyaline_s's node: the birth era besides the links (set by make() before the node is published).
class hyaline_s_node : public hyaline_node {
 public:
  std::uint64_t birth_era() const noexcept { return birth_era_; }
  void set_birth_era(std::uint64_t e) noexcept { birth_era_ = e; }

 private:
  std::uint64_t birth_era_ = 0;
};

// A node that only fills a batch up to k+1 at thread exit (of either scheme): never counted, freed
// with its batch.
inline hyaline_node* make_hyaline_padding() { return new hyaline_s_node; }

// The batch a thread is filling. Owner-only until sealed and retired.
class hyaline_batch {
 public:
  // Adds a node at the front of the chain; the first node added counts the batch's references.
  void add(hyaline_node* n, std::uint64_t birth = no_birth) noexcept {
    if (counting_ == nullptr) counting_ = n;
    n->batch_link = counting_;
    n->batch_next = first_;
    first_ = n;
    ++size_;
    min_birth_ = std::min(min_birth_, birth);
  }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // The earliest birth era of its nodes (hyaline_s; padding has none).
  std::uint64_t min_birth() const noexcept { return min_birth_; }

  // Closes the chain (the counting node points at its first node) and starts a new batch; returns
  // the first node, which the retire puts in the first slot that takes one.
  hyaline_node* seal() noexcept {
    counting_->batch_link = first_;
    hyaline_node* first = first_;
    *this = hyaline_batch{};
    return first;
  }

  static constexpr std::uint64_t no_birth = std::numeric_limits<std::uint64_t>::max();

 private:
  hyaline_node* first_ = nullptr;
  hyaline_node* counting_ = nullptr;
  std::size_t size_ = 0;
  std::uint64_t min_birth_ = no_birth;
};

// The batches whose count reached zero, linked through their counting nodes: whoever took the count
// to zero frees them (a leaving reader, the last leaver of a slot, or the retiring thread).
class hyaline_free_list {
 public:
  void push(hyaline_node* counting) noexcept {
    counting->next = head_;
    head_ = counting;
  }
  bool empty() const noexcept { return head_ == nullptr; }
  // Frees every node of every batch (padding deleted, the others released into `pacing`); returns
  // how many retired nodes were freed now, for the caller's reclaim count.
  std::size_t free_all(free_pacing& pacing) {
    std::size_t n = 0;
    while (head_ != nullptr) {
      hyaline_node* counting = head_;
      head_ = counting->next;
      n += free_batch(counting->batch_link, pacing);
    }
    return n;
  }

 private:
  static std::size_t free_batch(hyaline_node* node, free_pacing& pacing) {
    std::size_t n = 0;
    while (node != nullptr) {
      hyaline_node* after = node->batch_next;  // read before the node goes
      if (node->padding()) {
        delete static_cast<hyaline_s_node*>(node);  // make_hyaline_padding()
      } else {
        n += pacing.release(node->as_retired());
      }
      node = after;
    }
    return n;
  }

  hyaline_node* head_ = nullptr;
};

}  // namespace smr
