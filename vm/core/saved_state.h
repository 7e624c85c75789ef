// The byte encoding of saved state (CPU, devices, migration sections):
// little-endian fixed-width integers, length-prefixed byte strings. Every
// saved structure starts with its own version number (StateWriter::version)
// so that a newer regvm can still load an older one, as QEMU's vmstate does.
// A reader never trusts a length: each read is bounds-checked and the first
// failure is kept with the offset where it happened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace regvm {

class StateWriter {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  void u16(std::uint16_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  // A structure's version: the first field of every saved structure.
  void version(std::uint32_t v) { u32(v); }
  // u32 length + bytes.
  void blob(std::span<const std::uint8_t> data) {
    u32(static_cast<std::uint32_t>(data.size()));
    raw(data);
  }
  void str(std::string_view s) {
    blob({reinterpret_cast<const std::uint8_t *>(s.data()), s.size()});
  }
  void raw(std::span<const std::uint8_t> data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }

  const std::vector<std::uint8_t> &bytes() const { return bytes_; }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  template <typename T>
  void put(T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> bytes_;
};

class StateReader {
 public:
  // `base_offset`: where `data` starts in the whole stream, for messages.
  explicit StateReader(std::span<const std::uint8_t> data, std::uint64_t base_offset = 0,
                       std::string what = "state")
      : data_(data), base_(base_offset), what_(std::move(what)) {}

  std::uint8_t u8() { return get<std::uint8_t>("u8"); }
  std::uint16_t u16() { return get<std::uint16_t>("u16"); }
  std::uint32_t u32() { return get<std::uint32_t>("u32"); }
  std::uint64_t u64() { return get<std::uint64_t>("u64"); }
  // Reads a version and fails unless 1 <= v <= max_supported.
  std::uint32_t version(std::uint32_t max_supported) {
    std::uint64_t at = offset();
    std::uint32_t v = u32();
    if (ok() && (v == 0 || v > max_supported))
      failAt(at, what_ + " version " + std::to_string(v) + " is not supported (this regvm reads 1.." +
                     std::to_string(max_supported) + ")");
    return v;
  }
  std::span<const std::uint8_t> blob(std::size_t max_len = 1u << 30) {
    std::uint64_t at = offset();
    std::uint32_t n = u32();
    if (!ok()) return {};
    if (n > max_len || n > data_.size() - pos_) {
      failAt(at, what_ + ": byte string of " + std::to_string(n) + " bytes runs past the end (" +
                     std::to_string(data_.size() - pos_) + " left)");
      return {};
    }
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string str(std::size_t max_len = 4096) {
    auto b = blob(max_len);
    return {reinterpret_cast<const char *>(b.data()), b.size()};
  }
  std::span<const std::uint8_t> raw(std::size_t n) {
    if (!ok()) return {};
    if (n > data_.size() - pos_) {
      failAt(offset(), what_ + ": " + std::to_string(n) + " bytes expected, " +
                           std::to_string(data_.size() - pos_) + " left");
      return {};
    }
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  bool ok() const { return !error_; }
  bool atEnd() const { return pos_ == data_.size(); }
  std::size_t remaining() const { return data_.size() - pos_; }
  // Offset of the next byte in the whole stream.
  std::uint64_t offset() const { return base_ + pos_; }
  // "state: u32 expected at byte 1234, 2 bytes left"
  const std::string &error() const { return *error_; }
  // Records a semantic error (bad value) at `at`; the first error is kept.
  void failAt(std::uint64_t at, const std::string &message) {
    if (!error_) error_ = message + " (at byte offset " + std::to_string(at) + ")";
    pos_ = data_.size();
  }

 private:
  template <typename T>
  T get(const char *type) {
    if (!ok()) return T{};
    if (sizeof(T) > data_.size() - pos_) {
      failAt(offset(), what_ + ": " + type + " expected, " + std::to_string(data_.size() - pos_) +
                           " bytes left");
      return T{};
    }
    T v{};
    for (std::size_t i = 0; i < sizeof(T); ++i)
      v = static_cast<T>(v | static_cast<T>(static_cast<T>(data_[pos_ + i]) << (8 * i)));
    pos_ += sizeof(T);
    return v;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::uint64_t base_;
  std::string what_;
  std::optional<std::string> error_;
};

} // namespace regvm
