// The COM1 UART and the exit port (no KVM needed).
#include <gtest/gtest.h>

#include <string>

#include "debug_exit_port.h"
#include "serial_8250.h"

namespace regvm {
namespace {

struct StringSink : ConsoleSink {
  void put(char c) override { text += c; }
  std::string text;
};

TEST(Serial8250, TransmitsToTheSinkAndReportsAnEmptyTransmitter) {
  StringSink sink;
  Serial8250 uart(sink);
  EXPECT_EQ(uart.name(), "serial@3f8");
  EXPECT_EQ(uart.in(5, 1) & 0x60, 0x60u);  // LSR: THR and transmitter empty
  for (char c : std::string("ok\n")) uart.out(0, 1, static_cast<std::uint8_t>(c));
  EXPECT_EQ(sink.text, "ok\n");
  EXPECT_EQ(uart.in(2, 1), 0x01u);  // IIR: no interrupt pending
}

TEST(Serial8250, DivisorLatchAndStateRoundTrip) {
  StringSink sink;
  Serial8250 uart(sink);
  uart.out(3, 1, 0x83);  // DLAB, 8N1
  uart.out(0, 1, 0x01);  // divisor 115200 baud
  uart.out(1, 1, 0x00);
  uart.out(3, 1, 0x03);
  uart.out(7, 1, 0x5a);
  EXPECT_TRUE(sink.text.empty()) << "a divisor write is not output";

  StateWriter out;
  uart.saveState(out);
  Serial8250 copy(sink);
  StateReader in(out.bytes());
  ASSERT_TRUE(copy.loadState(in));
  EXPECT_EQ(copy.in(3, 1), 0x03u);
  EXPECT_EQ(copy.in(7, 1), 0x5au);
  copy.out(3, 1, 0x83);
  EXPECT_EQ(copy.in(0, 1), 0x01u);

  StateReader truncated({out.bytes().data(), 6}, 100, "serial@3f8");
  auto st = copy.loadState(truncated);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().find("at byte offset 106"), std::string::npos) << st.error();
}

TEST(DebugExitPort, AWriteIsTheExitStatusOnce) {
  DebugExitPort port;
  EXPECT_EQ(port.portBase(), 0xf4);
  EXPECT_EQ(port.takeExitRequest(), std::nullopt);
  port.out(0, 4, 3);
  EXPECT_EQ(port.takeExitRequest(), 3);
  EXPECT_EQ(port.takeExitRequest(), std::nullopt);
  port.out(1, 1, 5);  // not at the port itself
  EXPECT_EQ(port.takeExitRequest(), std::nullopt);
}

}  // namespace
}  // namespace regvm
