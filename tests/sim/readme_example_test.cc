// The example property of sim/README.md, compiled and run so the documentation cannot rot.
// Keep the two in step: this file is the README's code block verbatim.
#include <gtest/gtest.h>
#include "sim/cluster.h"
#include "sim/invariants.h"
#include "sim/write_log.h"

// A service scaled on one side of a partition and removed on the other: after the heal,
// the remove wins only over what its node had seen (add-wins), and what remains runs once.
TEST(MyProperties, ScaleVersusRemoveAcrossAPartition) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    shoal::sim::ClusterOptions o;
    o.sim.seed = seed;
    o.sim.faults.udp_loss = 0.05;              // sim/faults.h: named faults with limits
    o.runtime.start_delay_max_ms = 1'000;      // sim/runtime_faults.h
    shoal::sim::Cluster c(o);
    shoal::sim::WriteLog acked;                // every durable local delta, to check (b)
    c.on_durable_delta = [&](auto, const auto& delta) { acked.record(delta); };
    c.add_nodes(5);                            // they join n0 through their node cores
    c.run_for_ms(5'000);
    ASSERT_TRUE(c.views_agree()) << "seed " << seed;

    const std::uint64_t wall = c.sim().wall_ms(0);
    shoal::crdt::ServiceSpec spec;
    spec.task.command = "/bin/app";
    spec.replicas = 3;
    ASSERT_TRUE(c.write(0, [&](shoal::crdt::Replica& r) { return r.create_service(wall, "web", spec); }).ok());
    c.run_for_ms(2'000);

    c.partition({{0, 1}, {2, 3, 4}});
    (void)c.write(0, [&](auto& r) { return r.scale_service(c.sim().wall_ms(0), "web", 5); });
    (void)c.write(3, [&](auto& r) { return r.remove_service(c.sim().wall_ms(3), "web"); });
    c.run_for_ms(30'000);
    c.heal();
    c.run_for_ms(60'000);                      // > join back-off cap + 2 anti-entropy intervals

    EXPECT_EQ(shoal::sim::check_replicas_agree(c), "") << "seed " << seed;
    for (shoal::sim::NodeIndex i = 0; i < c.size(); ++i)
      EXPECT_EQ(acked.check(c.sim().name(i), c.state(i)), "") << "seed " << seed;
    EXPECT_EQ(shoal::sim::check_exactly_once(c), "") << "seed " << seed;
  }
}
