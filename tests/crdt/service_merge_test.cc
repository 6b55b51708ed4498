// Field-level merge of concurrent service writes and the conflict journal (crdt/service_merge.h).
#include "crdt/service_merge.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crdt/codec.h"
#include "crdt/desired_state.h"
#include "random_history.h"

namespace shoal::crdt {
namespace {

using testing::node;
using testing::spec_with;

// Two replicas that share a service web (3 replicas, args [v1]), then are cut apart.
struct Split {
  Replica a{node(0)}, b{node(1)};
  Split() {
    ServiceSpec spec = spec_with(3);
    spec.task.args = {"v1"};
    b.merge(a.create_service(1000, "web", spec).value());
  }
  ServiceSpec with_args(const std::string& arg) {
    ServiceSpec s = a.state().service("web")->spec;
    s.task.args = {arg};
    return s;
  }
  void heal(const DesiredState& from_a, const DesiredState& from_b) {
    b.merge(from_a);
    a.merge(from_b);
  }
};

TEST(ServiceMerge, AScaleAndATemplateChangeOnTwoSidesBothSurvive) {
  Split s;
  auto scaled = s.a.scale_service(2000, "web", 5).value();
  ServiceSpec next = s.b.state().service("web")->spec;
  next.task.args = {"v2"};
  auto updated = s.b.update_service(1500, "web", next).value();  // earlier by HLC: not lost either
  s.heal(scaled, updated);
  ASSERT_EQ(s.a.state(), s.b.state());
  const Service* web = s.a.state().service("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->spec.replicas, 5u) << "n0's scale";
  EXPECT_EQ(web->spec.task.args, std::vector<std::string>{"v2"}) << "n1's update";
  EXPECT_TRUE(web->conflicts.empty()) << "different fields: nothing was discarded";
  // The sides ran versions 1 (n0) and 2 (n1) with different templates: both roll to a third.
  EXPECT_EQ(web->version, 3u);
}

TEST(ServiceMerge, SameFieldOnTwoSidesKeepsTheLaterAndJournalsTheLoser) {
  Split s;
  auto from_a = s.a.scale_service(2000, "web", 5).value();
  auto from_b = s.b.scale_service(3000, "web", 2).value();
  s.heal(from_a, from_b);
  ASSERT_EQ(s.a.state(), s.b.state());
  const Service* web = s.a.state().service("web");
  EXPECT_EQ(web->spec.replicas, 2u);
  ASSERT_EQ(web->conflicts.size(), 1u);
  const Conflict c = web->conflicts[0];  // a copy: the next merge recomputes the visible value
  EXPECT_EQ(c.field, ServiceField::kScale);
  EXPECT_EQ(c.lost, "replicas=5");
  EXPECT_EQ(c.lost_stamp.dot.writer, node(0));
  EXPECT_EQ(c.won, "replicas=2");
  EXPECT_EQ(c.won_stamp.dot.writer, node(1));
  EXPECT_EQ(web->version, 1u) << "the template was not touched: no task restarts";

  // The journal outlives the merge: a later write on either side carries it.
  auto later = s.a.scale_service(4000, "web", 4).value();
  s.b.merge(later);
  ASSERT_EQ(s.b.state().service("web")->conflicts.size(), 1u);
  EXPECT_EQ(s.b.state().service("web")->conflicts[0], c);
  EXPECT_EQ(s.b.state().service("web")->spec.replicas, 4u);
}

TEST(ServiceMerge, AChangeMadeAfterSeeingTheOldValueIsNoConflict) {
  Split s;
  // n1 only changes the template; its write still holds replicas=3, which n0 replaced knowingly
  // before the split... here after: n0's scale saw replicas=3 (the shared base), n1 kept it.
  auto from_a = s.a.scale_service(2000, "web", 6).value();
  auto from_b = s.b.update_service(2500, "web", s.with_args("v9")).value();
  s.heal(from_a, from_b);
  const Service* web = s.a.state().service("web");
  EXPECT_EQ(web->spec.replicas, 6u);
  EXPECT_TRUE(web->conflicts.empty()) << web->conflicts.size();
}

TEST(ServiceMerge, EqualValuesWrittenOnBothSidesAreNoConflict) {
  Split s;
  auto from_a = s.a.scale_service(2000, "web", 5).value();
  auto from_b = s.b.scale_service(2100, "web", 5).value();
  s.heal(from_a, from_b);
  EXPECT_TRUE(s.a.state().service("web")->conflicts.empty());
}

TEST(ServiceMerge, TheJournalKeepsTheNewestConflicts) {
  Split s;
  for (int round = 0; round < int(kMaxConflicts) + 4; ++round) {
    const std::uint64_t t = 2000 + std::uint64_t(round) * 100;
    auto from_a = s.a.scale_service(t, "web", 10 + round).value();
    auto from_b = s.b.scale_service(t + 10, "web", 100 + round).value();
    s.heal(from_a, from_b);
  }
  ASSERT_EQ(s.a.state(), s.b.state());
  const auto& journal = s.a.state().service("web")->conflicts;
  ASSERT_EQ(journal.size(), kMaxConflicts);
  EXPECT_EQ(journal.front().lost, "replicas=" + std::to_string(10 + kMaxConflicts + 3)) << "newest first";
  for (std::size_t i = 1; i < journal.size(); ++i) EXPECT_GT(journal[i - 1].lost_stamp, journal[i].lost_stamp);
}

// `service rollback --to ENTRY`: the discarded value comes back as a new write, only its field.
TEST(ServiceMerge, AJournalEntryIsWrittenBackByRollbackTo) {
  Split s;
  auto from_a = s.a.update_service(2000, "web", s.with_args("from-a")).value();
  auto from_b = s.b.scale_service(2500, "web", 7).value();
  ServiceSpec b_args = s.b.state().service("web")->spec;
  b_args.task.args = {"from-b"};
  auto later_b = s.b.update_service(3000, "web", b_args).value();
  s.b.merge(from_a);
  s.a.merge(from_b);
  s.a.merge(later_b);
  ASSERT_EQ(s.a.state(), s.b.state());
  const Service* web = s.a.state().service("web");
  ASSERT_EQ(web->conflicts.size(), 1u);
  const Conflict lost = web->conflicts[0];
  EXPECT_EQ(lost.field, ServiceField::kTemplate);
  EXPECT_EQ(lost.lost_stamp.dot.writer, node(0));
  ASSERT_TRUE(lost.lost_spec);
  const std::uint64_t version = web->version;
  auto restored = s.b.restore_conflict(4000, "web", lost.lost_stamp.dot);
  ASSERT_TRUE(restored) << restored.message();
  s.a.merge(*restored);
  web = s.a.state().service("web");
  EXPECT_EQ(web->spec.task.args, std::vector<std::string>{"from-a"}) << "the lost template is back";
  EXPECT_EQ(web->spec.replicas, 7u) << "and only it: the scale stays";
  EXPECT_EQ(web->version, version + 1) << "a new write, tasks roll to it";
  auto again = s.a.restore_conflict(5000, "web", lost.lost_stamp.dot);
  ASSERT_FALSE(again);
  EXPECT_NE(again.message().find("already has"), std::string::npos) << again.message();
  auto unknown = s.a.restore_conflict(5000, "web", Dot{node(3), 9});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.message().find("no journal entry n3:9"), std::string::npos) << unknown.message();
}

TEST(ServiceMerge, StampsObservedWritesAndConflictsSurviveTheCodec) {
  Split s;
  s.heal(s.a.scale_service(2000, "web", 5).value(), s.b.scale_service(3000, "web", 2).value());
  auto bytes = encode_state(s.a.state());
  auto back = decode_state(bytes);
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(*back, s.a.state());
  EXPECT_EQ(back->service("web")->conflicts.size(), 1u);
}

// A state file or delta from an agent before field stamps holds services of 6 fields (no
// stamps, observed writes or journal): each reads as one whole write, and writes made on it by
// this version merge field by field.
TEST(ServiceMerge, AServiceWrittenBeforeFieldStampsMergesFieldByField) {
  Replica old(node(0));
  ServiceSpec spec = spec_with(2);
  spec.task.args = {"v1"};
  auto created = old.create_service(1000, "web", spec).value();
  const Service& as_old = *created.service("web");
  ASSERT_TRUE(as_old.stamps.empty() && as_old.observed.empty() && as_old.conflicts.empty())
      << "a create has none: it is encoded in the 6-field form older agents write and read";
  auto file = decode_state(encode_state(created));
  ASSERT_TRUE(file) << file.message();
  Replica a(node(1)), b(node(2));
  a.restore(*file);
  b.restore(*file);
  auto scaled = a.scale_service(2000, "web", 4).value();
  ServiceSpec next = spec;
  next.task.args = {"v2"};
  auto updated = b.update_service(2100, "web", next).value();
  a.merge(updated);
  b.merge(scaled);
  ASSERT_EQ(a.state(), b.state());
  EXPECT_EQ(a.state().service("web")->spec.replicas, 4u);
  EXPECT_EQ(a.state().service("web")->spec.task.args, std::vector<std::string>{"v2"});
}

// Merge laws over states whose services were written concurrently field by field: the visible
// service (fields, version, journal) is the same whatever order the states merge in.
RC_GTEST_PROP(ServiceMergeLaws, VisibleServicesDoNotDependOnMergeOrder, ()) {
  auto s = *testing::gen_states();
  DesiredState ab = s[0], ba = s[1];
  ab.merge(s[1]);
  ab.merge(s[2]);
  ba.merge(s[2]);
  ba.merge(s[0]);
  DesiredState again = ab;
  again.merge(s[1]);
  for (const DesiredState* x : {&ba, &again}) {
    auto want = ab.all_services();
    auto got = x->all_services();
    RC_ASSERT(want.size() == got.size());
    for (std::size_t i = 0; i < want.size(); ++i) RC_ASSERT(*want[i] == *got[i]);
  }
}

}  // namespace
}  // namespace shoal::crdt
