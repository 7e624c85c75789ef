// Host identification shared by the KVM probes, and the probe entry points of
// the architectures this build does not target.
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "regcompat/probe/kvm_probe.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace regcompat::probe {
namespace {

std::uint32_t fnv1a(const std::string &text) {
  std::uint32_t h = 2166136261u;
  for (char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

#if defined(__x86_64__) || defined(__i386__)
struct CpuidBit {
  unsigned leaf, subleaf;
  int reg;  // 0 eax, 1 ebx, 2 ecx, 3 edx
  unsigned bit;
  const char *name;
};

// CPUID bits that decide which MSRs exist (arch/x86/include/asm/cpufeatures.h
// names, lower case).
constexpr CpuidBit kCpuidBits[] = {
    {1, 0, 2, 5, "vmx"},           {1, 0, 2, 6, "smx"},
    {1, 0, 2, 15, "pdcm"},         {1, 0, 2, 21, "x2apic"},
    {1, 0, 2, 24, "tsc_deadline_timer"}, {1, 0, 2, 26, "xsave"},
    {1, 0, 2, 31, "hypervisor"},   {1, 0, 3, 7, "mce"},
    {1, 0, 3, 12, "mtrr"},         {1, 0, 3, 14, "mca"},
    {1, 0, 3, 16, "pat"},          {1, 0, 3, 21, "ds"},
    {7, 0, 1, 1, "tsc_adjust"},    {7, 0, 1, 2, "sgx"},
    {7, 0, 1, 11, "rtm"},          {7, 0, 1, 14, "mpx"},
    {7, 0, 1, 25, "intel_pt"},     {7, 0, 2, 5, "waitpkg"},
    {7, 0, 2, 7, "shstk"},         {7, 0, 2, 30, "sgx_lc"},
    {7, 0, 2, 31, "pks"},          {7, 0, 3, 19, "arch_lbr"},
    {7, 0, 3, 20, "ibt"},          {7, 0, 3, 26, "spec_ctrl"},
    {7, 0, 3, 28, "flush_l1d"},    {7, 0, 3, 29, "arch_capabilities"},
    {7, 0, 3, 30, "core_capabilities"}, {7, 0, 3, 31, "spec_ctrl_ssbd"},
    {7, 1, 0, 26, "lam"},          {0xd, 1, 0, 3, "xsaves"},
    {0x80000001, 0, 2, 2, "svm"},  {0x80000001, 0, 2, 23, "perfctr_core"},
    {0x80000001, 0, 3, 27, "rdtscp"}, {0x80000008, 0, 1, 24, "amd_ssbd"},
    {0x80000008, 0, 1, 25, "virt_ssbd"},
};

void readX86(HostInfo &info) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  const auto max_leaf = static_cast<unsigned>(__get_cpuid_max(0, nullptr));
  const auto max_ext = static_cast<unsigned>(__get_cpuid_max(0x80000000, nullptr));
  __cpuid(0, a, b, c, d);
  char vendor[13] = {};
  for (int k = 0; k < 4; ++k) {
    vendor[k] = static_cast<char>((b >> (8 * k)) & 0xff);
    vendor[4 + k] = static_cast<char>((d >> (8 * k)) & 0xff);
    vendor[8 + k] = static_cast<char>((c >> (8 * k)) & 0xff);
  }
  info.cpu_vendor = vendor;
  __cpuid(1, a, b, c, d);
  const unsigned base_family = (a >> 8) & 0xf, base_model = (a >> 4) & 0xf;
  info.cpu_stepping = a & 0xf;
  info.cpu_family = base_family == 0xf ? base_family + ((a >> 20) & 0xff) : base_family;
  info.cpu_model = (base_family == 0x6 || base_family == 0xf) ? (((a >> 16) & 0xf) << 4) | base_model
                                                               : base_model;
  if (max_ext >= 0x80000004) {
    char brand[49] = {};
    for (unsigned leaf = 0; leaf < 3; ++leaf) {
      unsigned r[4];
      __cpuid(0x80000002 + leaf, r[0], r[1], r[2], r[3]);
      for (unsigned k = 0; k < 16; ++k) brand[leaf * 16 + k] = static_cast<char>((r[k / 4] >> (8 * (k % 4))) & 0xff);
    }
    std::string name = brand;
    name.erase(0, name.find_first_not_of(' '));
    info.cpu_name = name;
  }
  for (const CpuidBit &bit : kCpuidBits) {
    const unsigned limit = bit.leaf >= 0x80000000 ? max_ext : max_leaf;
    if (bit.leaf > limit) continue;
    unsigned r[4] = {};
    __cpuid_count(bit.leaf, bit.subleaf, r[0], r[1], r[2], r[3]);
    if ((r[bit.reg] >> bit.bit) & 1u) info.features.emplace_back(bit.name);
  }
  if (max_leaf >= 0xa) {
    __cpuid(0xa, a, b, c, d);
    if ((a & 0xff) != 0) info.features.push_back("perfmon_v" + std::to_string(a & 0xff));
  }
}
#endif

#if defined(__aarch64__)
void readArm64(HostInfo &info) {
  std::ifstream in("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1");
  std::string text;
  std::getline(in, text);
  unsigned long midr = 0;
  if (!text.empty()) midr = std::stoul(text, nullptr, 16);
  char buf[32];
  std::snprintf(buf, sizeof buf, "arm64:0x%02lx", (midr >> 24) & 0xff);
  info.cpu_vendor = buf;
  info.cpu_family = static_cast<unsigned>((midr >> 16) & 0xf);
  info.cpu_model = static_cast<unsigned>((midr >> 4) & 0xfff);
  info.cpu_stepping = static_cast<unsigned>(((midr >> 20) & 0xf) << 4 | (midr & 0xf));
  std::snprintf(buf, sizeof buf, "MIDR 0x%08lx", midr);
  info.cpu_name = buf;
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  if (hwcap & HWCAP_SVE) info.features.push_back("sve");
  if (hwcap & HWCAP_PACA) info.features.push_back("paca");
  if (hwcap & HWCAP_PACG) info.features.push_back("pacg");
  if (hwcap & HWCAP_SSBS) info.features.push_back("ssbs");
  if (hwcap2 & HWCAP2_SVE2) info.features.push_back("sve2");
  if (hwcap2 & HWCAP2_MTE) info.features.push_back("mte");
  if (hwcap2 & HWCAP2_BTI) info.features.push_back("bti");
}
#endif

}  // namespace

std::string HostInfo::profile() const {
  std::string vendor = cpu_vendor;
  if (vendor == "GenuineIntel") vendor = "intel";
  else if (vendor == "AuthenticAMD") vendor = "amd";
  std::replace_if(vendor.begin(), vendor.end(), [](char c) { return c == ':' || c == ' ' || c == '/'; }, '-');
  std::string joined;
  for (const std::string &f : features) joined += f + ",";
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s-%u-%u-%08x", vendor.c_str(), cpu_family, cpu_model, fnv1a(joined));
  return buf;
}

std::vector<std::string> probedFeatures() {
  std::vector<std::string> out;
#if defined(__x86_64__) || defined(__i386__)
  for (const CpuidBit &bit : kCpuidBits) out.emplace_back(bit.name);
#elif defined(__aarch64__)
  out = {"sve", "paca", "pacg", "ssbs", "sve2", "mte", "bti"};
#endif
  std::sort(out.begin(), out.end());
  return out;
}

HostInfo readHostInfo() {
  HostInfo info;
  utsname u{};
  if (uname(&u) == 0) {
    info.kernel_release = u.release;
    info.machine = u.machine;
  }
#if defined(__x86_64__) || defined(__i386__)
  readX86(info);
#elif defined(__aarch64__)
  readArm64(info);
#endif
  std::sort(info.features.begin(), info.features.end());
  return info;
}

std::size_t KvmX86Probe::indexListSize() const {
  return static_cast<std::size_t>(std::count_if(msrs.begin(), msrs.end(), [](const KvmX86Msr &m) { return m.in_index_list; }));
}
std::size_t KvmX86Probe::featureListSize() const {
  return static_cast<std::size_t>(std::count_if(msrs.begin(), msrs.end(), [](const KvmX86Msr &m) { return m.feature; }));
}
std::size_t KvmX86Probe::vcpuAccepted() const {
  return static_cast<std::size_t>(std::count_if(msrs.begin(), msrs.end(), [](const KvmX86Msr &m) { return m.vcpu_accepts; }));
}

std::string KvmArm64Options::profile() const {
  std::string p;
  auto add = [&p](bool on, const char *name) {
    if (!on) return;
    if (!p.empty()) p += '+';
    p += name;
  };
  // Alphabetical, as the linux extractor names its feature profiles.
  add(el2, "el2");
  add(ptrauth, "pauth");
  add(pmu, "pmu");
  add(sve, "sve");
  return p.empty() ? "base" : p;
}

#if !defined(__x86_64__)
Result<KvmX86Probe> probeKvmX86(const KvmX86Options &) {
  return fail("the x86 KVM probe runs on x86_64 hosts only");
}
#endif

#if !defined(__aarch64__)
Result<KvmArm64Probe> probeKvmArm64(const KvmArm64Options &) {
  return fail("the arm64 KVM probe (KVM_GET_REG_LIST) runs on aarch64 hosts only");
}
#endif

}  // namespace regcompat::probe
