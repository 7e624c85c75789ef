// Internal: builds each kind of Finding with its message, so that the merge
// reads as rules and every message names the register the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "list_index.h"
#include "regcompat/runtime/compat_table.h"
#include "regcompat/runtime/finding.h"
#include "regcompat/runtime/register_naming.h"

namespace regcompat::runtime::detail {

class FindingBuilder {
 public:
  FindingBuilder(const CompatTable &table, const NameResolver &resolver);

  Finding streamTooLong(std::size_t count, std::size_t bound) const;
  Finding invalidStreamIndex(const RejectedEntry &entry) const;
  Finding duplicateInStream(const RejectedEntry &entry, Side side) const;
  Finding invalidLocalIndex(const RejectedEntry &entry) const;
  Finding duplicateLocal(const RejectedEntry &entry, Side side) const;

  Finding notHere(std::uint64_t index, std::uint64_t incoming) const;
  Finding hiddenHere(std::uint64_t index, std::uint64_t incoming) const;
  Finding ignoredSafeMissing(std::uint64_t index, std::uint64_t incoming, bool hidden) const;
  Finding missingFromStream(std::uint64_t index, std::uint64_t kept, bool strict) const;

  Finding constantMismatch(std::uint64_t index, std::uint64_t local, std::uint64_t incoming) const;
  Finding toleratedMismatch(std::uint64_t index, std::uint64_t local, std::uint64_t incoming) const;
  Finding pinMismatch(std::uint64_t index, std::uint64_t pinned, std::uint64_t incoming) const;

 private:
  std::string reg(std::uint64_t index) const { return describeRegister(index, resolver_); }

  const NameResolver &resolver_;
  std::string table_name_;  // "machine type virt-10.0"
};

} // namespace regcompat::runtime::detail
