// retired_object: a type-erased handle on a retired node, kept in retire lists, limbo lists and
// orphan lists. Reclaiming it runs the optional on-reclaim hook (for non-memory resources such
// as reusable ids), then the destructor, and frees the memory.
#pragma once

#include <utility>
#include <vector>

namespace smr {

class retired_object {
 public:
  template <class T>
  using hook = void (*)(T*);

  template <class T>
  static retired_object of(T* object, hook<T> on_reclaim = nullptr) noexcept {
    return retired_object(object, &reclaim_as<T>, reinterpret_cast<erased_hook>(on_reclaim));
  }

  using erased_hook = void (*)();
  using reclaimer = void (*)(void*, erased_hook);

  // An object whose type its scheme has already erased (hprc's node_ops::destroy): `r` runs
  // the hook and frees it.
  static retired_object erased(void* object, reclaimer r, erased_hook h) noexcept {
    return retired_object(object, r, h);
  }

  const void* address() const noexcept { return object_; }
  void reclaim() const { reclaim_(object_, hook_); }

 private:
  retired_object(void* o, reclaimer r, erased_hook h) noexcept
      : object_(o), reclaim_(r), hook_(h) {}

  template <class T>
  static void reclaim_as(void* object, erased_hook h) {
    T* typed = static_cast<T*>(object);
    if (h != nullptr) reinterpret_cast<hook<T>>(h)(typed);
    delete typed;
  }

  void* object_;
  reclaimer reclaim_;
  erased_hook hook_;
};

using retired_list = std::vector<retired_object>;

// Reclaims every object of the list (a vector, or a deque where the list grows without bound)
// and empties it; returns how many were reclaimed.
template <class List>
std::size_t reclaim_all(List& list) {
  const std::size_t n = list.size();
  for (const auto& r : list) r.reclaim();
  list.clear();
  return n;
}

}  // namespace smr
