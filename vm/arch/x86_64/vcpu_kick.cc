#include "vcpu_kick.h"

#include <csignal>

namespace regvm::kvm {
namespace {

extern "C" void ignoreKick(int) {}

void installHandlerOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = ignoreKick;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(VcpuKick::signalNumber(), &sa, nullptr);
  });
}

void setImmediateExit(kvm_run *run, std::uint8_t value) {
  std::atomic_ref<std::uint8_t>(run->immediate_exit).store(value, std::memory_order_seq_cst);
}

}  // namespace

int VcpuKick::signalNumber() { return SIGRTMIN + 1; }

VcpuKick::VcpuKick(kvm_run *run) : run_(run) { installHandlerOnce(); }

void VcpuKick::enterRun() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signalNumber());
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  std::lock_guard lock(thread_mutex_);
  thread_ = pthread_self();
  in_run_ = true;
}

void VcpuKick::leaveRun() {
  std::lock_guard lock(thread_mutex_);
  in_run_ = false;
}

void VcpuKick::request() {
  // Order matters: the flag before immediate_exit, so that a vCPU that sees
  // immediate_exit's -EINTR also sees the flag (takeRequest()).
  requested_.store(true, std::memory_order_seq_cst);
  setImmediateExit(run_, 1);
  std::lock_guard lock(thread_mutex_);
  // Only while the thread is inside run(): pthread_kill on a thread that
  // has ended is undefined.
  if (in_run_) pthread_kill(thread_, signalNumber());
}

bool VcpuKick::takeRequest() {
  // Clear first, then look at the flag: a request racing with this clear
  // has already set the flag (seq_cst), so it is seen below or at the next
  // call, and its signal still interrupts the next KVM_RUN.
  setImmediateExit(run_, 0);
  return requested_.exchange(false, std::memory_order_seq_cst);
}

}  // namespace regvm::kvm
