// Getting a vCPU thread out of KVM_RUN from another thread, as kvmtool
// (kvm-cpu.c, SIGKVMEXIT) and QEMU (accel/kvm/kvm-all.c, SIG_IPI +
// kvm_cpu_kick()) do:
//   1. set the request flag, then kvm_run->immediate_exit = 1: a KVM_RUN
//      that has not entered the guest yet returns -EINTR at once;
//   2. send a signal to the vCPU thread: a guest already running, even one
//      spinning without exits, is interrupted (KVM_RUN returns -EINTR) within
//      the signal delivery latency, microseconds.
// The signal's handler does nothing; it is installed with SA_RESTART so that
// a stray kick never makes another system call of that thread fail.
#pragma once

#include <linux/kvm.h>
#include <pthread.h>

#include <atomic>
#include <mutex>

namespace regvm::kvm {

class VcpuKick {
 public:
  // The signal regvm uses for kicks (SIGRTMIN + 1; kvmtool uses SIGRTMIN).
  static int signalNumber();

  explicit VcpuKick(kvm_run *run);

  // On the vCPU thread, around its KVM_RUN loop: records the thread that a
  // kick must signal and unblocks the signal for it.
  void enterRun();
  void leaveRun();

  // Any thread: asks the vCPU to leave KVM_RUN and its run loop.
  void request();
  // vCPU thread, before each KVM_RUN: true (once) if a stop was requested.
  // Clears a stale immediate_exit left by a request already consumed.
  bool takeRequest();

 private:
  kvm_run *run_;
  std::atomic<bool> requested_{false};
  std::mutex thread_mutex_;
  bool in_run_ = false;
  pthread_t thread_{};
};

}  // namespace regvm::kvm
