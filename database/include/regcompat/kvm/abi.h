// The KVM ioctls whose argument structure ends in a flexible array, numbered
// with the structures' C sizes, and a buffer for such arguments.
//
// Debian 12's <linux/stddef.h> declares flexible arrays through
// __DECLARE_FLEX_ARRAY, which in C++ adds an empty struct member: sizeof(struct
// kvm_msrs) and friends grow, the header's own ioctl numbers then encode the
// wrong size and KVM answers ENOTTY/EINVAL. Shared by the KVM probes
// (extractor/probe/) and regvm's KVM back ends (vm/arch/). Linux only;
// header only.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace regcompat::kvm {

// The fixed heads of the flexible-array structures, as C lays them out.
struct RegListHead {  // struct kvm_reg_list { __u64 n; __u64 reg[]; }
  std::uint64_t n;
};
static_assert(sizeof(RegListHead) == 8);
constexpr unsigned long kGetRegList = _IOWR(KVMIO, 0xb0, RegListHead);

#if defined(__x86_64__)
struct MsrListHead {  // struct kvm_msr_list { __u32 nmsrs; __u32 indices[]; }
  std::uint32_t nmsrs;
};
struct MsrsHead {  // struct kvm_msrs { __u32 nmsrs, pad; struct kvm_msr_entry entries[]; }
  std::uint32_t nmsrs, pad;
};
struct Cpuid2Head {  // struct kvm_cpuid2 { __u32 nent, padding; struct kvm_cpuid_entry2 entries[]; }
  std::uint32_t nent, padding;
};
struct XsaveHead {  // struct kvm_xsave { __u32 region[1024]; __u32 extra[]; }
  std::uint32_t region[1024];
};
static_assert(sizeof(MsrListHead) == 4 && sizeof(MsrsHead) == 8 && sizeof(Cpuid2Head) == 8 &&
              sizeof(XsaveHead) == 4096);
static_assert(sizeof(kvm_msr_entry) == 16 && sizeof(kvm_cpuid_entry2) == 40);

constexpr unsigned long kGetMsrIndexList = _IOWR(KVMIO, 0x02, MsrListHead);
constexpr unsigned long kGetMsrFeatureIndexList = _IOWR(KVMIO, 0x0a, MsrListHead);
constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, Cpuid2Head);
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHead);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHead);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, Cpuid2Head);
constexpr unsigned long kGetXsave = _IOR(KVMIO, 0xa4, XsaveHead);
constexpr unsigned long kSetXsave = _IOW(KVMIO, 0xa5, XsaveHead);
constexpr unsigned long kGetXsave2 = _IOR(KVMIO, 0xcf, XsaveHead);
#endif  // __x86_64__

// A head followed by `count` entries in one 8-byte aligned buffer, the shape
// these ioctls take. Entries are copied in and out (no type punning).
template <typename Head, typename Entry>
class FlexArg {
 public:
  FlexArg(const Head &head, std::size_t count)
      : count_(count), storage_((sizeof(Head) + count * sizeof(Entry) + 7) / 8, 0) {
    std::memcpy(storage_.data(), &head, sizeof head);
  }
  void *data() { return storage_.data(); }
  Head head() const {
    Head h;
    std::memcpy(&h, storage_.data(), sizeof h);
    return h;
  }
  void set(std::size_t i, const Entry &e) { std::memcpy(bytes() + sizeof(Head) + i * sizeof(Entry), &e, sizeof e); }
  Entry get(std::size_t i) const {
    Entry e;
    std::memcpy(&e, bytes() + sizeof(Head) + i * sizeof(Entry), sizeof e);
    return e;
  }
  std::size_t capacity() const { return count_; }

 private:
  unsigned char *bytes() { return reinterpret_cast<unsigned char *>(storage_.data()); }
  const unsigned char *bytes() const { return reinterpret_cast<const unsigned char *>(storage_.data()); }
  std::size_t count_;
  std::vector<std::uint64_t> storage_;
};

}  // namespace regcompat::kvm
