// hyaline_core: the domain, thread handle and types that hyaline and hyaline_s share
// (schemes/hyaline/hyaline.hpp, schemes/hyaline_s/hyaline_s.hpp), over the slots of
// schemes/hyaline_slots.hpp and the batches of schemes/hyaline_batch.hpp. `Robust` adds
// Hyaline-S: a global era (starting at 1), a birth era per node, the HE-like deref that raises the
// slot's access era, and retires that skip slots whose access era is older than the batch.
//
// A thread fills a local batch of B = k + 1 retired nodes and retires it whole. One that leaves
// (its handle destroyed, outside any operation) retires its partial batch, filled up with padding
// nodes (never counted) to k + 1, so nothing it retired waits for teardown: lfsmr never retires it
// (its last_end_op is `#if 0`). Every retired node is then freed by whoever takes its batch's count
// to zero, on that thread's counters; reclaim_all_quiescent() has nothing left to free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "schemes/cmpxchg16b.hpp"
#include "schemes/domain_base.hpp"
#include "schemes/era_reclamation.hpp"
#include "schemes/free_pacing.hpp"
#include "schemes/hyaline_batch.hpp"
#include "schemes/hyaline_slots.hpp"
#include "schemes/plain_ref.hpp"
#include "schemes/sync.hpp"

namespace smr {

template <bool Robust>
struct hyaline_family {
  static constexpr std::string_view family_name = Robust ? "hyaline_s" : "hyaline";

  // The availability hook (schemes/README.md, section 2).
  static std::optional<std::string> unavailable() { return cmpxchg16b::unavailable(family_name); }

  using node_base = std::conditional_t<Robust, hyaline_s_node, hyaline_node>;
  template <class T>
  using link = atomic_marked_ptr<T>;
  template <class T>
  using ref = plain_ref<T>;

  struct slot {
    thread_counters counters;
  };

  class domain : public domain_base<slot> {
   public:
    using slots_type = hyaline_slots<Robust>;

    explicit domain(const domain_config& config = {})
        : domain_base<slot>(config), slots_(config.threads) {
      if (auto why = unavailable()) throw std::runtime_error(*why);
    }
    ~domain() { reclaim_all_quiescent(); }

    hyaline_slots<Robust>& slots() noexcept { return slots_; }
    // B = k + 1: one node per slot, and the counting node.
    std::size_t batch_size() const noexcept { return std::size_t{slots_.size()} + 1; }

    // hyaline_s's era. seq_cst: the reader's load follows its pointer load in S (deref).
    std::uint64_t era() const noexcept { return era_.load(std::memory_order_seq_cst); }
    const sync::atomic<std::uint64_t>& clock() const noexcept { return era_; }
    // seq_cst: an RMW in S, so a reader that loads the new era is ordered after it.
    void advance() noexcept { era_.fetch_add(1, std::memory_order_seq_cst); }

    // Every batch was retired whole (exiting threads retire their partial one) and freed by
    // whoever took its count to zero: nothing is left once no thread is registered.
    void reclaim_all_quiescent() { this->require_quiescent("hyaline::reclaim_all_quiescent"); }

   private:
    hyaline_slots<Robust> slots_;
    alignas(64) sync::atomic<std::uint64_t> era_{first_era};
  };

  class thread_handle : public registered_thread<domain, slot>, public atomic_link_writes {
    using base = registered_thread<domain, slot>;

   public:
    explicit thread_handle(domain& d)
        : base(d),
          home_(this->index() & (d.slots().size() - 1)),
          slot_(home_),
          pacing_(d.config()) {
      plan_next_advance();
    }
    ~thread_handle() {
      if (!batch_.empty()) retire_partial_batch();
      pacing_.flush(this->counters());
    }
    thread_handle(const thread_handle&) = delete;
    thread_handle& operator=(const thread_handle&) = delete;

    // The operation's scope. Re-entrant: only the outermost guard enters and leaves a slot.
    void enter() noexcept {
      if (nesting_++ != 0) return;
      hyaline_slots<Robust>& s = this->owner().slots();
      if constexpr (Robust) slot_ = s.choose(home_);
      handle_ = s.enter(slot_);
      // seq_cst: after the entering CAS, so the era this operation relies on is in S before its
      // pointer loads (deref); shared slots may have raised it.
      if constexpr (Robust) access_ = s[slot_].access.load(std::memory_order_seq_cst);
    }
    void exit() {
      if (--nesting_ != 0) return;
      this->owner().slots().leave(slot_, handle_, freed_);
      free_finished();
      pace_deferred_retires();
    }

    // DeRefLink. hyaline: the slot's count alone protects. hyaline_s: returns once the era, read
    // after the pointer, equals the slot's access era, raising it (by CAS) and re-reading if not.
    template <class T>
    ref<T> deref(const link<T>& l) {
      // seq_cst loads: after the entering CAS (and any raise of the era) in S, the reader's half of
      // the store-load pattern with the retirer (schemes/hyaline_slots.hpp).
      marked_ptr<T> p = l.load(std::memory_order_seq_cst);
      if constexpr (Robust) {
        for (std::uint64_t e = this->owner().era(); e != access_; e = this->owner().era()) {
          access_ = this->owner().slots().raise_access(slot_, access_, e);
          p = l.load(std::memory_order_seq_cst);  // seq_cst: as above, after the raise
        }
      }
      return ref<T>(p);
    }

    // NewNode; in hyaline_s, born in the current era. Inside an operation the maker's slot
    // covers the birth era too, raised before the node can be published: the ref protects it
    // like one from deref, so a node this thread made and published, then another thread
    // retired (ellen_bst's DInfo, which its remove reads on), is not freed under it (a retire
    // skips slots whose access era is older than the batch's births).
    template <class T, class... Args>
    ref<T> make(Args&&... args) {
      T* p = new T(std::forward<Args>(args)...);
      if constexpr (Robust) {
        set_birth(p);
        const std::uint64_t birth = static_cast<hyaline_s_node*>(p)->birth_era();
        if (nesting_ != 0 && access_ < birth) {
          access_ = this->owner().slots().raise_access(slot_, access_, birth);
        }
      }
      this->counters().count_allocated();
      return ref<T>(marked_ptr<T>(p));
    }

    // DeleteNode: into the local batch, which is retired when it holds k + 1 nodes.
    template <class T>
    void retire(ref<T>&& r, retired_object::hook<T> on_reclaim = nullptr) {
      T* p = r.get();
      r.reset();
      pace_retire();
      hyaline_node* n = static_cast<hyaline_node*>(p);
      n->template erase_type<T>(on_reclaim);
      this->counters().count_retired();
      batch_.add(n, birth_of(p));
      if (batch_.size() >= this->owner().batch_size()) retire_batch();
    }

    std::size_t batched() const noexcept { return batch_.size(); }  // for tests
    unsigned slot_index() const noexcept { return slot_; }          // for tests

   private:
    template <class T>
    static std::uint64_t birth_of(const T* p) noexcept {
      if constexpr (Robust) return static_cast<const hyaline_s_node*>(p)->birth_era();
      return hyaline_batch::no_birth;
    }

    // Relaxed load: any thread that later reaches the node reads the era after its publication,
    // so reads one >= this (read-read coherence through the publishing release), as in
    // hazard_eras.
    template <class T>
    void set_birth(T* p) noexcept {
      if (advance_.count()) {
        this->owner().advance();
        plan_next_advance();
      }
      static_cast<hyaline_s_node*>(p)->set_birth_era(
          this->owner().clock().load(std::memory_order_relaxed));
    }
    void plan_next_advance() {
      advance_.set_period(std::uint64_t{this->owner().config().epoch_advance_interval} *
                          this->owner().thread_high_water());
    }

    void retire_batch() {
      const std::uint64_t min_birth = batch_.min_birth();
      hyaline_node* first = batch_.seal();
      this->owner().slots().retire(first, skip_older_than(min_birth), freed_);
      free_finished();
    }

    // hyaline_s skips a slot whose access era is older than every node of the batch: its readers
    // read their pointers in older eras, before any of the nodes was born.
    static auto skip_older_than(std::uint64_t min_birth) noexcept {
      return [min_birth](const hyaline_slot& s) {
        if constexpr (!Robust) return false;
        // seq_cst: after the unlinking CAS in S, the retirer's half of the store-load pattern
        // with raise_access().
        return s.access.load(std::memory_order_seq_cst) < min_birth;
      };
    }

    // At thread exit: fills the batch up to k + 1 with padding and retires it.
    void retire_partial_batch() {
      while (batch_.size() < this->owner().batch_size()) batch_.add(make_hyaline_padding());
      retire_batch();
    }

    // Amortized freeing (schemes/free_pacing.hpp): frees_per_retire queued nodes per retire. Inside
    // an operation, what it found freeable is freed when it leaves (a batch mostly completes
    // there), so its retires' steps wait for the end of the operation too, after that pass.
    void pace_retire() {
      if (nesting_ == 0) {
        pacing_.step(this->counters());
      } else {
        ++deferred_steps_;
      }
    }
    void pace_deferred_retires() {
      for (; deferred_steps_ != 0; --deferred_steps_) pacing_.step(this->counters());
    }

    void free_finished() {
      if (freed_.empty()) return;
      pacing_.flush(this->counters());  // a reclamation pass: first what the last one queued
      if (const std::size_t n = freed_.free_all(pacing_); n != 0)
        this->counters().count_reclaimed(n);
    }

    unsigned home_;  // this thread's slot: index mod k
    unsigned slot_;  // the slot of the current (or last) operation
    unsigned nesting_ = 0;
    unsigned deferred_steps_ = 0;  // retires of this operation whose pacing step waits for exit()
    hyaline_node* handle_ = nullptr;
    std::uint64_t access_ = hyaline_no_era;  // hyaline_s: the slot's access era, as last seen
    hyaline_batch batch_;
    hyaline_free_list freed_;
    era_advance_counter advance_;
    free_pacing pacing_;
  };

  using guard = enter_exit_guard<thread_handle>;
};

}  // namespace smr
