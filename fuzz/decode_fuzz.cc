// libFuzzer target: untrusted bytes through the membership packet decoder (envelope, compound,
// every message body) and, when they decode, through a live Swim core, both as a datagram and
// as a stream. Nothing may crash, hang or leak; the core must keep its invariants.
// Build and run: fuzz/build.sh SECONDS
#include <cstddef>
#include <cstdint>
#include <memory>

#include "membership/messages.h"
#include "membership/node_meta.h"
#include "membership/swim.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shoal;
  using namespace shoal::membership;
  DropReason why = DropReason::kCount;
  auto msgs = decode_packet(data, size, &why);
  if (!msgs.ok() && why >= DropReason::kCount) __builtin_trap();  // every drop has a reason
  (void)decode_meta(data, size);

  // One core for the whole run, accumulating state like a real node.
  static const auto core = std::make_unique<Swim>(
      Swim::create(lan_config(), NodeId{"fuzz"}, "addr-fuzz", NodeMeta{}, 1, 1'000'000).value());
  static std::uint64_t now = 1'000'000;
  now += 7;
  core->handle_packet(now, "addr-peer", data, size);
  (void)core->handle_stream(now, "addr-peer", data, size);
  if (core->next_deadline_ms() <= now) core->tick(now);
  (void)core->take_outgoing();
  (void)core->take_events();
  (void)core->take_user_payloads();
  if (core->members().size() > 100'000) __builtin_trap();  // bounded by message limits
  return 0;
}
