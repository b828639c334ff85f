// smr::offline_while_waiting: the scope in which a thread that holds a handle waits outside
// operations (a start barrier, the end of its run while the others finish). A scheme whose
// handle can go offline (go_offline() and go_online(): qsbr) stops counting the thread in its
// grace periods for the scope, so that a waiting thread holds no reclamation back; for every
// other scheme the scope does nothing. The harness opens one wherever a worker waits.
#pragma once

namespace smr {

template <class Handle>
concept goes_offline = requires(Handle& h) {
  h.go_offline();
  h.go_online();
};

template <class Handle>
class offline_while_waiting {
 public:
  explicit offline_while_waiting(Handle& h) noexcept : h_(h) {
    if constexpr (goes_offline<Handle>) h_.go_offline();
  }
  ~offline_while_waiting() {
    if constexpr (goes_offline<Handle>) h_.go_online();
  }
  offline_while_waiting(const offline_while_waiting&) = delete;
  offline_while_waiting& operator=(const offline_while_waiting&) = delete;

 private:
  Handle& h_;
};

}  // namespace smr
