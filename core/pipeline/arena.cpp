// Arena chunk management.
#include "core/pipeline/arena.h"

#include <algorithm>

namespace walrelay {

void Arena::next_chunk(size_t min_size) {
  // Reuse a kept chunk when it is large enough, else allocate a new one.
  while (chunk_index_ < chunks_.size()) {
    Chunk &c = chunks_[chunk_index_++];
    if (c.size >= min_size) {
      current_ = c.data.get();
      current_size_ = c.size;
      used_ = 0;
      return;
    }
  }
  const size_t grown =
      chunks_.empty() ? first_chunk_ : std::min(max_chunk_, chunks_.back().size * 2);
  const size_t size = std::max(grown, min_size);
  // new char[] (not make_unique<char[]>): no zero-fill of memory we are about to write.
  chunks_.push_back(Chunk{std::unique_ptr<char[]>(new char[size]), size});
  chunk_index_ = chunks_.size();
  current_ = chunks_.back().data.get();
  current_size_ = size;
  used_ = 0;
}

void Arena::reset(size_t keep_bytes) {
  size_t kept = 0;
  size_t n = 0;
  for (; n < chunks_.size() && kept + chunks_[n].size <= keep_bytes; ++n) kept += chunks_[n].size;
  chunks_.resize(n);
  chunk_index_ = 0;
  current_ = nullptr;
  current_size_ = 0;
  used_ = 0;
  bytes_ = 0;
}

}  // namespace walrelay
