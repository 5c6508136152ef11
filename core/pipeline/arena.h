// Bump allocator for one transaction's changes and values: freed all at once on reset().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace walrelay {

/// A chunked bump allocator. allocate() never moves earlier allocations. Chunks start at
/// `first_chunk` bytes and double up to `max_chunk`, so a one-row transaction costs one
/// small allocation and a million-row one a few dozen. reset() frees everything but keeps
/// up to `keep_bytes` of chunks for reuse, so a recycled arena allocates nothing for
/// transactions of similar size. Chunks are not zero-filled. Not thread-safe.
class Arena {
 public:
  explicit Arena(size_t first_chunk = 4 * 1024, size_t max_chunk = 1024 * 1024,
                 size_t keep_bytes = 256 * 1024)
      : first_chunk_(first_chunk), max_chunk_(max_chunk), keep_bytes_(keep_bytes) {}
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  /// Returns `n` bytes aligned to `align` (a power of two, at most alignof(max_align_t)).
  void *allocate(size_t n, size_t align = alignof(std::max_align_t)) {
    size_t p = (used_ + align - 1) & ~(align - 1);
    if (current_ == nullptr || p + n > current_size_) {
      next_chunk(n + align);
      p = (used_ + align - 1) & ~(align - 1);
    }
    used_ = p + n;
    bytes_ += n;
    return current_ + p;
  }

  /// An array of `n` default-initialized T (T must be trivially destructible).
  template <class T>
  T *allocate_array(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>);
    return static_cast<T *>(allocate(sizeof(T) * (n ? n : 1), alignof(T)));
  }

  /// Copies `s` into the arena (not NUL-terminated); returns the copy.
  const char *copy(std::string_view s) {
    if (s.empty()) return "";
    char *d = static_cast<char *>(allocate(s.size(), 1));
    std::memcpy(d, s.data(), s.size());
    return d;
  }

  /// Copies `s` and appends a NUL.
  const char *copy_cstr(std::string_view s) {
    char *d = static_cast<char *>(allocate(s.size() + 1, 1));
    std::memcpy(d, s.data(), s.size());
    d[s.size()] = '\0';
    return d;
  }

  /// Bytes handed out since the last reset (payload, not counting chunk slack).
  size_t bytes() const { return bytes_; }

  /// Frees everything handed out; keeps up to `keep_bytes` (constructor) of chunks.
  void reset() { reset(keep_bytes_); }

  /// Frees everything handed out; keeps up to `keep_bytes` of chunks for reuse. A builder
  /// that refills the arena at once (a spilled transaction's next chunk, the next piece of
  /// a transaction read from the spool) passes SIZE_MAX: the chunks' pages stay mapped, so
  /// refilling them costs no page faults.
  void reset(size_t keep_bytes);

 private:
  void next_chunk(size_t min_size);

  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  size_t first_chunk_;
  size_t max_chunk_;
  size_t keep_bytes_;
  std::vector<Chunk> chunks_;
  size_t chunk_index_ = 0;  // chunks_[chunk_index_ - 1] is current
  char *current_ = nullptr;
  size_t current_size_ = 0;
  size_t used_ = 0;
  size_t bytes_ = 0;
};

}  // namespace walrelay
